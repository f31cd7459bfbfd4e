//! The `sort` query parameter as Rocket.Chat's `parseJsonQuery` reads it
//! (`apps/meteor/server/api/lib/parseJsonQuery.ts`): a JSON object whose values are the numbers 1 or -1;
//! keys are not checked against the report's fields.
//!
//! Where Rocket.Chat lets MongoDB fail instead (decisions, documented):
//! - `{}` is treated as no sort (the report's default order); Rocket.Chat sends an empty `$sort` and
//!   answers MongoDB's error.
//! - JSON that is not an object (`1`, `true`, `""`, `[1]`) and keys MongoDB refuses in `$sort` (empty, a
//!   leading `$`, an empty path segment, NUL) get the `error-invalid-sort` body; Rocket.Chat passes them to
//!   MongoDB and answers its error text.

use super::query::{QsValue, Query};
use crate::error::ApiError;

/// Sort keys with direction 1 or -1, in JavaScript's key order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SortSpec(pub Vec<(String, i32)>);

/// `parseJsonQuery().sort`: `None` when absent (or not a string, which ajv already refused), or `{}`.
pub(crate) fn sort_param(query: &Query) -> Result<Option<SortSpec>, ApiError> {
    match query.get("sort") {
        Some(QsValue::Str(raw)) => parse_sort(raw),
        _ => Ok(None),
    }
}

/// Sort keys accepted from a request (MongoDB's limit of 32, less the reports' two tie-breakers).
pub(crate) const MAX_KEYS: usize = 30;

pub(crate) fn parse_sort(raw: &str) -> Result<Option<SortSpec>, ApiError> {
    let invalid = || ApiError::InvalidSort(raw.to_string());
    let parsed: serde_json::Value = serde_json::from_str(raw).map_err(|_| invalid())?;
    // serde_json keeps a repeated key at its first position with its last value, as JSON.parse does.
    let serde_json::Value::Object(map) = parsed else {
        return Err(invalid());
    };
    let mut keys = Vec::with_capacity(map.len());
    for (key, value) in map {
        let direction = match value.as_f64() {
            Some(1.0) => 1,
            Some(-1.0) => -1,
            _ => return Err(invalid()),
        };
        let refused_by_mongodb =
            key.contains('\0') || key.split('.').any(|part| part.is_empty() || part.starts_with('$'));
        if refused_by_mongodb {
            return Err(invalid());
        }
        keys.push((key, direction));
    }
    // MongoDB takes at most 32 sort keys; the reports append up to two tie-breakers.
    if keys.len() > MAX_KEYS {
        return Err(invalid());
    }
    // JavaScript objects list integer-like keys first, in numeric order.
    keys.sort_by_key(|(k, _)| array_index(k).map_or((1, 0), |i| (0, i)));
    Ok((!keys.is_empty()).then_some(SortSpec(keys)))
}

/// The value of a canonical array index (`0`, `17`, below 2³² − 1), as JavaScript orders keys.
fn array_index(key: &str) -> Option<u64> {
    let canonical = key == "0" || (!key.starts_with('0') && !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit()));
    if !canonical || key.len() > 10 {
        return None;
    }
    key.parse::<u64>().ok().filter(|&i| i < u32::MAX as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(pairs: &[(&str, i32)]) -> Option<SortSpec> {
        Some(SortSpec(pairs.iter().map(|(k, d)| (k.to_string(), *d)).collect()))
    }

    #[test]
    fn accepts_objects_of_plus_minus_one() {
        assert_eq!(parse_sort(r#"{"total":-1}"#).unwrap(), spec(&[("total", -1)]));
        assert_eq!(
            parse_sort(r#" {"_id":1, "total":-1.0, "foo":1e0} "#).unwrap(),
            spec(&[("_id", 1), ("total", -1), ("foo", 1)])
        );
        assert_eq!(
            parse_sort(r#"{"b":1,"10":1,"a":-1,"2":-1,"01":1,"b":-1}"#).unwrap(),
            spec(&[("2", -1), ("10", 1), ("b", -1), ("a", -1), ("01", 1)])
        );
        assert_eq!(parse_sort("{}").unwrap(), None);
    }

    #[test]
    fn refuses_everything_else_with_the_raw_text() {
        let keys: Vec<String> = (0..=MAX_KEYS).map(|i| format!("\"k{i}\":1")).collect();
        let too_many = format!("{{{}}}", keys.join(","));
        for raw in [
            "abc",
            "",
            "null",
            r#"{"total":2}"#,
            r#"{"total":"1"}"#,
            r#"{"total":true}"#,
            r#"{"total":1"#,
            "1",
            "[1]",
            r#""x""#,
            r#"{"$total":1}"#,
            r#"{"a..b":1}"#,
            r#"{"":1}"#,
            r#"{"a.$b":1}"#,
            &too_many,
        ] {
            match parse_sort(raw) {
                Err(ApiError::InvalidSort(r)) => assert_eq!(r, raw),
                other => panic!("{raw}: {other:?}"),
            }
        }
    }

    #[test]
    fn absent_or_not_a_string_is_no_sort() {
        assert_eq!(sort_param(&Query::parse("start=1").unwrap()).unwrap(), None);
        assert_eq!(sort_param(&Query::parse("sort[]=1").unwrap()).unwrap(), None);
    }
}
