//! Pagination as Rocket.Chat's `getPaginationItems` reads it (with its default settings
//! `API_Default_Count` 50, `API_Upper_Count_Limit` 100, `API_Allow_Infinite_Count` true), and the
//! JavaScript number rules it goes through: `parseInt` in, `JSON.stringify` out.

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

    /// The indexes of a list of `len` items that the page holds: `$skip` only when truthy, `$limit` only
    /// when truthy (0 and `NaN` mean all).
    pub(crate) fn range(&self, len: usize) -> std::ops::Range<usize> {
        let index = |v: Option<f64>| {
            v.filter(|v| *v > 0.0)
                .map(|v| if v >= usize::MAX as f64 { usize::MAX } else { v as usize })
        };
        let skip = index(self.offset).unwrap_or(0).min(len);
        let take = index(self.count).unwrap_or(usize::MAX);
        skip..skip.saturating_add(take).min(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn pages_of_a_list() {
        let range = |raw: &str, len| page(raw).unwrap().range(len);
        assert_eq!(range("", 3), 0..3);
        assert_eq!(range("offset=1&count=1", 3), 1..2);
        assert_eq!(range("offset=9", 3), 3..3);
        assert_eq!(range("offset=nan&count=0", 3), 0..3);
        assert_eq!(range("offset=-0", 3), 0..3);
        assert_eq!(range("offset=1&count=100", 500), 1..101);
        assert_eq!(range(&format!("offset=1{}", "0".repeat(400)), 3), 3..3);
    }
}
