//! `GET /api/v1/engagement-dashboard/users/users-by-time-of-the-day-in-a-week`: for the computed
//! sessions that logged in within `[start, end]` (instants, both inclusive), the distinct users online
//! per hour and login day, newest first (Rocket.Chat's `getTotalOfSessionByHourAndDayBetweenDates`).
//! A session spans the hours from its login hour to its close hour (23 while open); one that closes at
//! an earlier hour than it logged in (past midnight) spans none, as in Rocket.Chat. Hours and the login
//! day are read in the report zone; Rocket.Chat reads UTC hours and the stored server-local login date,
//! which agree with the default zone `UTC` on a server running in UTC.

use bson::{doc, Document};
use serde_json::{json, Map, Value};

use super::sessions::{computed_sessions_match, day_month_year, session_hours, users_present};
use super::{list_body, start_end, Engagement, StartEnd, START_END};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::registry::{Json, Param};
use crate::reports::count_of;
use crate::reports::{aggregate, Report};
use crate::state::AppState;
use crate::store::coll;

pub(crate) struct UsersByTime;

impl Report for UsersByTime {
    type Family = Engagement;
    const PATH: &'static str = "/users/users-by-time-of-the-day-in-a-week";
    const SUMMARY: &'static str = "Users online per hour and day";
    const PARAMS: &'static [Param] = &START_END;
    const BODY: &'static [(&'static str, Json)] = &[("week", Json::Array)];
    type Request = StartEnd;

    async fn request(state: &AppState, _: &AuthUser, query: &str) -> Result<Self::Request, ApiError> {
        start_end(query, state.settings.timezone)
    }

    async fn compute(state: &AppState, request: &Self::Request) -> Result<Map<String, Value>, ApiError> {
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
pub(crate) fn shape(rows: &[Document]) -> Map<String, Value> {
    let week = rows.iter().filter_map(|row| {
        let id = row.get_document("_id").ok()?;
        let mut entry = Map::new();
        entry.insert("users".into(), json!(count_of(row, "users")));
        entry.insert("hour".into(), json!(count_of(id, "range")));
        day_month_year(id, &mut entry);
        Some(Value::Object(entry))
    });
    list_body("week", week)
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
            Value::Object(shape(&rows)).to_string(),
            r#"{"week":[{"users":2,"hour":9,"day":2,"month":1,"year":2024}]}"#
        );
    }
}
