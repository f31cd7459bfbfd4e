//! `GET /api/v1/engagement-dashboard/users/chat-busier/hourly-data`: for the computed sessions that
//! logged in within the 24 hours before `start` (both ends inclusive), the distinct users online in
//! each even hour 0, 2, …, 22 of the report zone — all twelve slots when any session matched, `[]`
//! otherwise — newest hour first (Rocket.Chat's `getBusiestTimeWithinHoursPeriod`, `groupSize` 2).

use bson::{doc, Document};
use serde_json::{json, Map, Value};

use super::sessions::{computed_sessions_match, session_hours, users_present};
use super::{list_body, start_only, Engagement, START_ONLY};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::params::zone::ReportZone;
use crate::registry::{Json, Param};
use crate::reports::count_of;
use crate::reports::{aggregate, Report};
use crate::state::AppState;
use crate::store::coll;

const DAY_MS: i64 = 24 * 3_600_000;

pub(crate) struct HourlyData;

impl Report for HourlyData {
    type Family = Engagement;
    const PATH: &'static str = "/users/chat-busier/hourly-data";
    const SUMMARY: &'static str = "Users online per two-hour slot in the 24 hours before start";
    const PARAMS: &'static [Param] = &START_ONLY;
    const BODY: &'static [(&'static str, Json)] = &[("hours", Json::Array)];
    type Request = (i64, ReportZone);

    async fn request(state: &AppState, _: &AuthUser, query: &str) -> Result<Self::Request, ApiError> {
        start_only(query, state.settings.timezone)
    }

    async fn compute(state: &AppState, request: &Self::Request) -> Result<Map<String, Value>, ApiError> {
        aggregate(state, coll::SESSIONS, pipeline(request.0, request.1), shape).await
    }
}

pub(crate) fn pipeline(start_ms: i64, zone: ReportZone) -> Vec<Document> {
    let mut stages = vec![
        computed_sessions_match(start_ms.saturating_sub(DAY_MS), start_ms),
        session_hours(zone, doc! {"range": {"$range": [0, 24, 2]}}),
        doc! {"$unwind": "$range"},
    ];
    stages.extend(users_present("$range"));
    stages.push(doc! {"$sort": {"_id": -1}});
    stages
}

/// `{"hours":[{"users":n,"hour":h}]}`.
pub(crate) fn shape(rows: &[Document]) -> Map<String, Value> {
    let hours = rows
        .iter()
        .map(|row| json!({"users": count_of(row, "users"), "hour": count_of(row, "_id")}));
    list_body("hours", hours)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reports::stage_names;

    #[test]
    fn pipeline_and_shape() {
        let p = pipeline(1_704_067_200_000, ReportZone::utc());
        let m = p[0].get_document("$match").unwrap().get_document("loginAt").unwrap();
        assert_eq!(
            m.get_datetime("$gte").unwrap().timestamp_millis(),
            1_704_067_200_000 - DAY_MS
        );
        assert_eq!(m.get_datetime("$lte").unwrap().timestamp_millis(), 1_704_067_200_000);
        let stages = stage_names(&p);
        assert_eq!(
            stages,
            ["$match", "$project", "$unwind", "$group", "$addFields", "$sort"]
        );
        let rows = vec![
            doc! {"_id": 22, "usersList": ["a"], "users": 1},
            doc! {"_id": 20, "usersList": [], "users": 0},
        ];
        assert_eq!(
            Value::Object(shape(&rows)).to_string(),
            r#"{"hours":[{"users":1,"hour":22},{"users":0,"hour":20}]}"#
        );
    }
}
