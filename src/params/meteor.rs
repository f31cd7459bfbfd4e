//! Meteor `check(query, Match.ObjectIncluding({...: Match.Where(isDateISOString)}))` as Rocket.Chat's
//! engagement dashboard runs it, with Meteor's exact messages.

use super::iso;
use super::query::Query;
use crate::error::ApiError;

/// The dates alone (no optional keys), for the tests.
#[cfg(test)]
fn check_iso_dates<const N: usize>(query: &Query, required: [&str; N]) -> Result<[i64; N], ApiError> {
    check_iso_dates_and_strings(query, required, &[])
}

/// `check(query, Match.ObjectIncluding({<required>: Match.Where(isDateISOString), <optional>:
/// Match.Maybe(String)}))`: every key of `required` must be a canonical ISO date string (present keys are
/// checked in URL order, the first failure wins, then missing keys in pattern order; the instants come back
/// in the order of `required`), and each present key of `optional` must be one string
/// (Meteor: `Failed Match.OneOf, Match.Maybe or Match.Optional validation in field <key>`). Present keys
/// of either kind are checked together in URL order, as Meteor walks the object's own keys.
pub(crate) fn check_iso_dates_and_strings<const N: usize>(
    query: &Query,
    required: [&str; N],
    optional: &[&str],
) -> Result<[i64; N], ApiError> {
    for (key, value) in query.iter() {
        if required.contains(&key) && value.as_str().and_then(iso::parse_canonical).is_none() {
            return Err(ApiError::Match(format!("Failed Match.Where validation in field {key}")));
        }
        if optional.contains(&key) && value.as_str().is_none() {
            return Err(ApiError::Match(format!(
                "Failed Match.OneOf, Match.Maybe or Match.Optional validation in field {key}"
            )));
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

    #[test]
    fn optional_strings_in_url_order() {
        let run = |raw: &str| {
            check_iso_dates_and_strings(&Query::parse(raw).unwrap(), ["start", "end"], &["offset", "count"])
                .map_err(|e| e.to_string())
        };
        let maybe =
            |k: &str| format!("Match error: Failed Match.OneOf, Match.Maybe or Match.Optional validation in field {k}");
        assert_eq!(
            run(&format!("start={OK}&end={OK}&offset=&count=x")).unwrap(),
            [1_704_671_999_999; 2]
        );
        assert_eq!(
            run(&format!("offset[]=1&start=bad&end={OK}")).unwrap_err(),
            maybe("offset")
        );
        assert_eq!(
            run(&format!("start=bad&count=1&count=2&end={OK}")).unwrap_err(),
            "Match error: Failed Match.Where validation in field start"
        );
        assert_eq!(run("count[a]=1").unwrap_err(), maybe("count"));
        assert_eq!(run("count=1").unwrap_err(), "Match error: Missing key 'start'");
    }
}
