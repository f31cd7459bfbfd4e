//! `GET /rc-analytics/api/v1/insights/retention`: for the last 12 weekly signup cohorts (weeks from Monday
//! 00:00 of the report zone), the share of each cohort active (a session or a message) in each week since
//! signup (docs/insights.md).

use chrono::{Datelike, NaiveDate};
use get_size2::GetSize;
use schemars::JsonSchema;
use serde::Serialize;

use super::activity::{user_days, Days, UserDays};
use super::members::{read_accounts, Account};
use super::Insights;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::params::iso::{format_canonical, parse_canonical, CANONICAL_PATTERN};
use crate::params::query::Query;
use crate::params::window::{add_days, instant};
use crate::params::zone::{zone_param, ReportZone};
use crate::registry::{Param, ParamValue};
use crate::reports::engagement::{FORMAT, TZ};
use crate::reports::{body_rows, Report};
use crate::state::cache::held;
use crate::state::AppState;

pub(crate) struct Retention;

/// Cohorts shown.
const WEEKS: i64 = 12;

const PARAMS: [Param; 3] = [
    Param {
        name: "end",
        required: false,
        description: "Canonical ISO instant (default now): the last cohort is the week holding it",
        value: ParamValue::Pattern(CANONICAL_PATTERN),
    },
    TZ,
    FORMAT,
];

#[derive(Debug)]
pub(crate) struct RetentionRequest {
    zone: ReportZone,
    /// The Monday of the first cohort.
    first: NaiveDate,
}

#[derive(Clone, Debug, Serialize, JsonSchema, GetSize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RetentionBody {
    #[get_size(size_fn = held)]
    pub(crate) tz: String,
    #[get_size(ignore)]
    pub(crate) week_start: &'static str,
    pub(crate) cohorts: Vec<Cohort>,
    pub(crate) cells: Vec<Cell>,
}

#[derive(Clone, Debug, Serialize, JsonSchema, GetSize)]
pub(crate) struct Cohort {
    /// Its Monday, `YYYY-MM-DD`.
    #[get_size(size_fn = held)]
    pub(crate) week: String,
    /// The instant its Monday starts.
    #[get_size(size_fn = held)]
    pub(crate) start: String,
    pub(crate) members: i64,
}

#[derive(Clone, Debug, Serialize, JsonSchema, GetSize)]
pub(crate) struct Cell {
    #[get_size(size_fn = held)]
    pub(crate) cohort: String,
    /// Weeks since signup (0: the signup week).
    pub(crate) week: i64,
    pub(crate) members: i64,
    pub(crate) active: i64,
    /// `active / members`, 4 decimals; `null` for an empty cohort.
    pub(crate) share: Option<f64>,
}

body_rows!(RetentionBody, Cell, cells);

impl Report for Retention {
    type Family = Insights;
    const PATH: &'static str = "/retention";
    const SUMMARY: &'static str =
        "Retention: the share of each of the last 12 weekly signup cohorts active in each week since";
    const PARAMS: &'static [Param] = &PARAMS;
    type Request = RetentionRequest;
    type Body = RetentionBody;

    async fn request(state: &AppState, _: &AuthUser, query: &str) -> Result<RetentionRequest, ApiError> {
        let query = Query::parse(query)?;
        let end = match query.get("end") {
            None => chrono::Utc::now().timestamp_millis(),
            Some(v) => v
                .as_str()
                .and_then(parse_canonical)
                .ok_or_else(|| ApiError::Match("Failed Match.Where validation in field end".into()))?,
        };
        let zone = zone_param(&query, state.settings.timezone)?;
        let day = zone.date_of(instant(end));
        let monday = add_days(day, -i64::from(day.weekday().num_days_from_monday()));
        Ok(RetentionRequest {
            zone,
            first: add_days(monday, -7 * (WEEKS - 1)),
        })
    }

    fn live(_: &AppState, _: &RetentionRequest) -> bool {
        true
    }

    async fn compute(state: &AppState, r: &RetentionRequest) -> Result<RetentionBody, ApiError> {
        let days = Days::new(r.zone, r.first, add_days(r.first, 7 * WEEKS - 1));
        let accounts = read_accounts(state, "user").await?;
        let (activity, _) = user_days(state, r.zone, &days, false).await?;
        Ok(grid(r.zone, &days, &accounts, |id| activity.get(id)))
    }
}

/// The cohorts of `days` (12 weeks) and their cells.
pub(crate) fn grid<'a>(
    zone: ReportZone,
    days: &Days,
    accounts: &[Account],
    activity: impl Fn(&str) -> Option<&'a UserDays>,
) -> RetentionBody {
    let mut cohorts = Vec::new();
    let mut cells = Vec::new();
    for k in 0..WEEKS as usize {
        let (from, to) = (days.starts[7 * k], days.starts[7 * (k + 1)]);
        let members: Vec<&Account> = accounts
            .iter()
            .filter(|a| a.created_at.is_some_and(|c| (from..to).contains(&c)))
            .collect();
        let n = members.len() as i64;
        let week = add_days(days.first, 7 * k as i64).to_string();
        for w in 0..(WEEKS as usize - k) {
            let range = ((7 * (k + w)) as u32, (7 * (k + w + 1)) as u32);
            let active = members
                .iter()
                .filter(|a| activity(&a.id).is_some_and(|u| u.active_in(range) > 0))
                .count() as i64;
            cells.push(Cell {
                cohort: week.clone(),
                week: w as i64,
                members: n,
                active,
                share: (n > 0).then(|| (active as f64 / n as f64 * 10_000.0).round() / 10_000.0),
            });
        }
        cohorts.push(Cohort {
            week,
            start: format_canonical(from),
            members: n,
        });
    }
    RetentionBody {
        tz: zone.name(),
        week_start: "monday",
        cohorts,
        cells,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn cohorts_and_shares() {
        let zone = ReportZone::utc();
        let first: NaiveDate = "2024-01-01".parse().unwrap();
        let days = Days::new(zone, first, add_days(first, 7 * WEEKS - 1));
        let at = |d: i64| days.starts[d as usize] + 1000;
        let account = |id: &str, created: i64| Account {
            id: id.into(),
            created_at: Some(created),
            ..Account::default()
        };
        let accounts = vec![
            account("a", at(0)),
            account("b", at(6)),
            account("c", at(7)),
            account("d", at(7 * 11)),
        ];
        let activity = HashMap::from([
            (
                "a".to_string(),
                UserDays {
                    messages: vec![(1, 1), (15, 2)],
                    sessions: vec![],
                },
            ),
            (
                "b".to_string(),
                UserDays {
                    messages: vec![],
                    sessions: vec![3, 8],
                },
            ),
        ]);
        let body = grid(zone, &days, &accounts, |id| activity.get(id));
        assert_eq!(body.cohorts.len(), 12);
        assert_eq!(body.cells.len(), 78);
        let json = crate::reports::json_of(&body.cells[..3].to_vec());
        assert_eq!(
            json,
            r#"[{"cohort":"2024-01-01","week":0,"members":2,"active":2,"share":1},{"cohort":"2024-01-01","week":1,"members":2,"active":1,"share":0.5},{"cohort":"2024-01-01","week":2,"members":2,"active":1,"share":0.5}]"#
        );
        assert_eq!(
            crate::reports::json_of(&body.cells[12]),
            r#"{"cohort":"2024-01-08","week":0,"members":1,"active":0,"share":0}"#
        );
        let last = body.cells.last().unwrap();
        assert_eq!(
            (last.cohort.as_str(), last.members, last.share),
            ("2024-03-18", 1, Some(0.0))
        );
        assert_eq!(
            crate::reports::json_of(&body.cells[12 + 11]),
            r#"{"cohort":"2024-01-15","week":0,"members":0,"active":0,"share":null}"#
        );
    }
}
