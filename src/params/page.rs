//! Pagination as Rocket.Chat's `getPaginationItems` reads it (with its default settings
//! `API_Default_Count` 50, `API_Upper_Count_Limit` 100, `API_Allow_Infinite_Count` true), and the
//! JavaScript number rules it goes through: `parseInt` in, `JSON.stringify` out.

use serde_json::{json, Map, Value};

use super::query::Query;
use crate::error::ApiError;

/// Rocket.Chat's `API_Default_Count` and `API_Upper_Count_Limit` defaults.
const DEFAULT_COUNT: f64 = 50.0;
const UPPER_COUNT: f64 = 100.0;

/// The OpenAPI pattern of `offset` and `count`: decimal digits (an integer in string form). `parseInt`
/// reads more (leading blanks, a sign, `0x`, trailing text), so the pattern is the documented form.
pub(crate) const DIGITS_PATTERN: &str = "^[0-9]{1,20}$";

/// JavaScript's `parseInt(s)` (radix 10, or 16 after `0x`); `NaN` is `None`.
pub(crate) fn js_parse_int(s: &str) -> Option<f64> {
    let s = s.trim_start();
    let (negative, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (radix, digits) = match rest.get(..2) {
        Some("0x") | Some("0X") => (16, &rest[2..]),
        _ => (10, rest),
    };
    let end = digits.find(|c: char| !c.is_digit(radix)).unwrap_or(digits.len());
    if end == 0 {
        return None;
    }
    let value = digits[..end].chars().fold(0.0_f64, |acc, c| {
        acc * f64::from(radix) + f64::from(c.to_digit(radix).unwrap_or(0))
    });
    Some(if negative { -value } else { value })
}

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
            Some(s) if !s.is_empty() => js_parse_int(s),
            _ => Some(0.0),
        };
        // `params.count != null ? parseInt(String(params.count || 0)) : default`, capped; 0 = all.
        let count = match raw("count") {
            Some(s) => js_parse_int(if s.is_empty() { "0" } else { s }),
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

/// A JS number as `JSON.stringify` writes it (`NaN` and infinities are `null`, `-0` is `0`).
fn js_number(v: Option<f64>) -> Value {
    match v {
        Some(v) if v.is_finite() && v.fract() == 0.0 && v.abs() < 9_007_199_254_740_992.0 => json!(v as i64),
        Some(v) if v.is_finite() => json!(v),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_int_like_javascript() {
        assert_eq!(js_parse_int("12"), Some(12.0));
        assert_eq!(js_parse_int("  12abc"), Some(12.0));
        assert_eq!(js_parse_int("1e3"), Some(1.0));
        assert_eq!(js_parse_int("1.9"), Some(1.0));
        assert_eq!(js_parse_int("-3"), Some(-3.0));
        assert_eq!(js_parse_int("+7"), Some(7.0));
        assert_eq!(js_parse_int("0x1F"), Some(31.0));
        assert_eq!(js_parse_int("abc"), None);
        assert_eq!(js_parse_int(""), None);
        assert_eq!(js_parse_int("-"), None);
        assert!(js_parse_int("-0").unwrap().is_sign_negative());
    }

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
        let cut = |raw: &str| Value::Object(page(raw).unwrap().cut(&all, "channels")).to_string();
        assert_eq!(cut(""), r#"{"channels":[1,2,3],"total":3,"offset":0,"count":3}"#);
        assert_eq!(
            cut("offset=1&count=1"),
            r#"{"channels":[2],"total":3,"offset":1,"count":1}"#
        );
        assert_eq!(cut("offset=9"), r#"{"channels":[],"total":3,"offset":9,"count":0}"#);
        assert_eq!(
            cut("offset=nan&count=0"),
            r#"{"channels":[1,2,3],"total":3,"offset":null,"count":3}"#
        );
        assert_eq!(
            cut("offset=-0"),
            r#"{"channels":[1,2,3],"total":3,"offset":0,"count":3}"#
        );
    }
}
