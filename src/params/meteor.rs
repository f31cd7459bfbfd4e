//! Meteor `check(query, Match.ObjectIncluding({...: Match.Where(isDateISOString)}))` as Rocket.Chat's
//! engagement dashboard runs it, with Meteor's exact messages.

use super::iso;
use super::query::Query;
use crate::error::ApiError;

/// Checks that every key of `required` is a canonical ISO date string, the way Meteor's `check` does:
/// present keys are checked in URL order (the first failure wins), then missing keys in pattern order.
/// Returns the instants (ms since the epoch) in the order of `required`.
pub fn check_iso_dates<const N: usize>(query: &Query, required: [&str; N]) -> Result<[i64; N], ApiError> {
    for (key, value) in query.iter() {
        if required.contains(&key) && value.as_str().and_then(iso::parse_canonical).is_none() {
            return Err(ApiError::Match(format!("Failed Match.Where validation in field {key}")));
        }
    }
    let mut out = [0i64; N];
    for (slot, key) in out.iter_mut().zip(required) {
        let value = query
            .get(key)
            .ok_or_else(|| ApiError::Match(format!("Missing key '{key}'")))?;
        // Checked above: present values are canonical.
        *slot = value.as_str().and_then(iso::parse_canonical).unwrap_or_default();
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = "2024-01-07T23:59:59.999Z";

    fn run(raw: &str) -> Result<[i64; 2], String> {
        check_iso_dates(&Query::parse(raw).unwrap(), ["start", "end"]).map_err(|e| match e {
            ApiError::Match(m) => m,
            other => panic!("{other:?}"),
        })
    }

    #[test]
    fn rocket_chat_table() {
        let missing_start = "Missing key 'start'";
        assert_eq!(run("").unwrap_err(), missing_start);
        assert_eq!(run(&format!("end={OK}")).unwrap_err(), missing_start);
        assert_eq!(run(&format!("start={OK}")).unwrap_err(), "Missing key 'end'");
        let bad_start = "Failed Match.Where validation in field start";
        assert_eq!(run("start=bad").unwrap_err(), bad_start);
        assert_eq!(run(&format!("start=bad&end={OK}")).unwrap_err(), bad_start);
        assert_eq!(
            run(&format!("start={OK}&end=bad")).unwrap_err(),
            "Failed Match.Where validation in field end"
        );
        assert_eq!(
            run("end=bad&start=bad").unwrap_err(),
            "Failed Match.Where validation in field end"
        );
        assert_eq!(run(&format!("start={OK}&start={OK}&end={OK}")).unwrap_err(), bad_start);
        assert_eq!(run(&format!("start[]={OK}&end={OK}")).unwrap_err(), bad_start);
        assert_eq!(
            run(&format!("foo=1&start={OK}&end={OK}")).unwrap(),
            [1_704_671_999_999; 2]
        );
    }
}
