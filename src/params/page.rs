//! Pagination as Rocket.Chat's `getPaginationItems` reads it (with its default settings
//! `API_Default_Count` 50, `API_Upper_Count_Limit` 100, `API_Allow_Infinite_Count` true), and the
//! JavaScript number rules it goes through: `parseInt` in, `JSON.stringify` out.

use serde_json::{json, Map, Value};

use super::query::Query;
use crate::error::ApiError;
use crate::js::parse_int;

/// Rocket.Chat's `API_Default_Count` and `API_Upper_Count_Limit` defaults.
const DEFAULT_COUNT: f64 = 50.0;
const UPPER_COUNT: f64 = 100.0;

/// The OpenAPI pattern of `offset` and `count`: decimal digits (an integer in string form). `parseInt`
/// reads more (leading blanks, a sign, `0x`, trailing text), so the pattern is the documented form.
pub(crate) const DIGITS_PATTERN: &str = "^[0-9]{1,20}$";

/// `offset` and `count` as `getPaginationItems` reads them (`None` = `NaN`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Page {
    pub(crate) offset: Option<f64>,
    pub(crate) count: Option<f64>,
}

impl Page {
    pub(crate) fn of(query: &Query) -> Result<Self, ApiError> {
        let raw = |key| query.get(key).and_then(|v| v.as_str());
        // `params.offset ? parseInt(String(params.offset || 0)) : 0`
        let offset = match raw("offset") {
            Some(s) if !s.is_empty() => parse_int(s),
            _ => Some(0.0),
        };
        // `params.count != null ? parseInt(String(params.count || 0)) : default`, capped; 0 = all.
        let count = match raw("count") {
            Some(s) => parse_int(if s.is_empty() { "0" } else { s }),
            None => Some(DEFAULT_COUNT),
        }
        .map(|c| if c > UPPER_COUNT { UPPER_COUNT } else { c });
        // MongoDB parses Rocket.Chat's `$skip` before its `$limit`.
        for (stage, value) in [("$skip", offset), ("$limit", count)] {
            if let Some(v) = value.filter(|v| *v < 0.0) {
                return Err(ApiError::BadRequest(format!(
                    "invalid argument to {stage} stage: Expected a non-negative number in: {stage}: {v}"
                )));
            }
        }
        Ok(Self { offset, count })
    }

    /// The page of the list `all[key]` as Rocket.Chat answers it: `{key: […], total, offset, count}`.
    pub(crate) fn cut(&self, all: &Map<String, Value>, key: &str) -> Map<String, Value> {
        let rooms = all
            .get(key)
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        // `$skip` only when truthy; `$limit` only when truthy (0 and NaN mean all).
        let index = |v: Option<f64>| {
            v.filter(|v| *v > 0.0)
                .map(|v| if v >= usize::MAX as f64 { usize::MAX } else { v as usize })
        };
        let skip = index(self.offset).unwrap_or(0).min(rooms.len());
        let take = index(self.count).unwrap_or(usize::MAX);
        let page: Vec<Value> = rooms[skip..].iter().take(take).cloned().collect();
        let count = page.len();
        let mut body = Map::new();
        body.insert(key.into(), Value::Array(page));
        body.insert("total".into(), json!(rooms.len()));
        body.insert("offset".into(), js_number(self.offset));
        body.insert("count".into(), json!(count));
        body
    }
}

/// A JS number as a JSON value (`NaN` and infinities are `null`, as `JSON.stringify` writes them);
/// [`crate::js::to_json`] writes it as JavaScript does (`-0` as `0`, `1e20` in plain digits).
fn js_number(v: Option<f64>) -> Value {
    match v {
        Some(v) if v.fract() == 0.0 && v.abs() <= 9_007_199_254_740_992.0 => json!(v as i64),
        Some(v) => serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number),
        None => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::js::to_json;

    fn page(raw: &str) -> Result<Page, String> {
        Page::of(&Query::parse(raw).unwrap()).map_err(|e| e.to_string())
    }

    #[test]
    fn pagination_items() {
        assert_eq!(
            page("").unwrap(),
            Page {
                offset: Some(0.0),
                count: Some(50.0)
            }
        );
        assert_eq!(
            page("offset=&count=").unwrap(),
            Page {
                offset: Some(0.0),
                count: Some(0.0)
            }
        );
        assert_eq!(
            page("offset=x&count=500").unwrap(),
            Page {
                offset: None,
                count: Some(100.0)
            }
        );
        assert_eq!(
            page("count=abc").unwrap(),
            Page {
                offset: Some(0.0),
                count: None
            }
        );
        assert_eq!(
            page("count=-2&offset=-1").unwrap_err(),
            "invalid argument to $skip stage: Expected a non-negative number in: $skip: -1"
        );
        assert_eq!(
            page("count=-2").unwrap_err(),
            "invalid argument to $limit stage: Expected a non-negative number in: $limit: -2"
        );
    }

    #[test]
    fn cut_pages_and_key_order() {
        let all: Map<String, Value> = serde_json::from_str(r#"{"channels":[1,2,3]}"#).unwrap();
        let cut = |raw: &str| to_json(&Value::Object(page(raw).unwrap().cut(&all, "channels")));
        let huge = format!("offset=1{}", "0".repeat(400));
        for (query, body) in [
            ("", r#"{"channels":[1,2,3],"total":3,"offset":0,"count":3}"#),
            ("offset=1&count=1", r#"{"channels":[2],"total":3,"offset":1,"count":1}"#),
            ("offset=9", r#"{"channels":[],"total":3,"offset":9,"count":0}"#),
            (
                "offset=nan&count=0",
                r#"{"channels":[1,2,3],"total":3,"offset":null,"count":3}"#,
            ),
            ("offset=-0", r#"{"channels":[1,2,3],"total":3,"offset":0,"count":3}"#),
            // JavaScript's numbers: parseInt's nearest double, written as JSON.stringify writes it.
            (
                "offset=99999999999999999999",
                r#"{"channels":[],"total":3,"offset":100000000000000000000,"count":0}"#,
            ),
            (
                "offset=9007199254740993",
                r#"{"channels":[],"total":3,"offset":9007199254740992,"count":0}"#,
            ),
            (
                "offset=1000000000000000000000",
                r#"{"channels":[],"total":3,"offset":1e+21,"count":0}"#,
            ),
            (&huge, r#"{"channels":[],"total":3,"offset":null,"count":0}"#),
        ] {
            assert_eq!(cut(query), body, "{query}");
        }
    }
}
