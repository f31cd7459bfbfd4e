//! `GET /api/v1/engagement-dashboard/users/users-by-time-of-the-day-in-a-week`: for the computed
//! sessions that logged in within `[start, end]` (instants, both inclusive), the distinct users online
//! per hour and login day, newest first (Rocket.Chat's `getTotalOfSessionByHourAndDayBetweenDates`).
//! A session spans the hours from its login hour to its close hour (23 while open); one that closes at
//! an earlier hour than it logged in (past midnight) spans none, as in Rocket.Chat. Hours and the login
//! day are read in the report zone; Rocket.Chat reads UTC hours and the stored server-local login date,
//! which agree with the default zone `UTC` on a server running in UTC.

use bson::{doc, Document};
use get_size2::GetSize;
use schemars::JsonSchema;
use serde::Serialize;

use super::sessions::{computed_sessions_match, session_hours, users_present, DayMonthYear};
use super::{start_end, Engagement, StartEnd, START_END};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::registry::Param;
use crate::reports::{aggregate, body_rows, count_of, Report};
use crate::state::AppState;
use crate::store::coll;

pub(crate) struct UsersByTime;

/// `{"week":[{users, hour, day, month, year}…]}`, newest day and hour first.
#[derive(Debug, Serialize, JsonSchema, GetSize)]
pub(crate) struct Week {
    pub(crate) week: Vec<HourOfDay>,
}

#[derive(Debug, Serialize, JsonSchema, GetSize)]
pub(crate) struct HourOfDay {
    pub(crate) users: i64,
    pub(crate) hour: i64,
    #[serde(flatten)]
    pub(crate) date: DayMonthYear,
}

body_rows!(Week, HourOfDay, week);

impl Report for UsersByTime {
    type Family = Engagement;
    const PATH: &'static str = "/users/users-by-time-of-the-day-in-a-week";
    const SUMMARY: &'static str = "Users online per hour and day";
    const PARAMS: &'static [Param] = &START_END;
    type Request = StartEnd;
    type Body = Week;

    async fn request(state: &AppState, _: &AuthUser, query: &str) -> Result<Self::Request, ApiError> {
        start_end(query, state.settings.timezone)
    }

    async fn compute(state: &AppState, request: &Self::Request) -> Result<Week, ApiError> {
        aggregate(state, coll::SESSIONS, pipeline(request), shape).await
    }
}

pub(crate) fn pipeline(request: &StartEnd) -> Vec<Document> {
    let zone = request.zone().name();
    let part = |op: &str| doc! {op: {"date": "$loginAt", "timezone": zone.clone()}};
    let mut stages = vec![
        computed_sessions_match(request.start_ms, request.end_ms),
        session_hours(
            request.zone(),
            doc! {"day": part("$dayOfMonth"), "month": part("$month"), "year": part("$year")},
        ),
        doc! {"$addFields": {"range": {"$range": ["$login", {"$sum": [{"$ifNull": ["$closed", 23]}, 1]}]}}},
        doc! {"$unwind": "$range"},
    ];
    stages.extend(users_present(
        doc! {"range": "$range", "day": "$day", "month": "$month", "year": "$year"},
    ));
    stages.push(doc! {"$sort": {"_id.year": -1, "_id.month": -1, "_id.day": -1, "_id.range": -1}});
    stages
}

/// `{"week":[{"users":n,"hour":h,"day","month","year"}]}`.
pub(crate) fn shape(rows: &[Document]) -> Week {
    let week = rows.iter().filter_map(|row| {
        let id = row.get_document("_id").ok()?;
        Some(HourOfDay {
            users: count_of(row, "users"),
            hour: count_of(id, "range"),
            date: DayMonthYear::of(id),
        })
    });
    Week { week: week.collect() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::zone::ReportZone;
    use crate::reports::stage_names;

    #[test]
    fn pipeline_and_shape() {
        let zone = ReportZone::parse("America/Sao_Paulo").unwrap();
        let request = StartEnd::new(0, 1000, zone);
        let p = pipeline(&request);
        let stages = stage_names(&p);
        assert_eq!(
            stages,
            [
                "$match",
                "$project",
                "$addFields",
                "$unwind",
                "$group",
                "$addFields",
                "$sort"
            ]
        );
        let project = p[1].get_document("$project").unwrap();
        assert_eq!(
            project.get_document("day").unwrap(),
            &doc! {"$dayOfMonth": {"date": "$loginAt", "timezone": "America/Sao_Paulo"}}
        );
        let rows =
            vec![doc! {"_id": {"range": 9, "day": 2, "month": 1, "year": 2024}, "usersList": ["a", "b"], "users": 2}];
        assert_eq!(
            crate::reports::json_of(&shape(&rows)),
            r#"{"week":[{"users":2,"hour":9,"day":2,"month":1,"year":2024}]}"#
        );
    }
}
