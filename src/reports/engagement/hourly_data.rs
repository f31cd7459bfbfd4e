//! `GET /api/v1/engagement-dashboard/users/chat-busier/hourly-data`: for the computed sessions that
//! logged in within the 24 hours before `start` (both ends inclusive), the distinct users online in
//! each even hour 0, 2, …, 22 of the report zone — all twelve slots when any session matched, `[]`
//! otherwise — newest hour first (Rocket.Chat's `getBusiestTimeWithinHoursPeriod`, `groupSize` 2).

use bson::{doc, Document};
use get_size2::GetSize;
use schemars::JsonSchema;
use serde::Serialize;

use super::sessions::{computed_sessions_match, session_hours, users_present};
use super::{start_only, Engagement, START_ONLY};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::params::zone::ReportZone;
use crate::registry::Param;
use crate::reports::{aggregate, body_rows, count_of, Report};
use crate::state::AppState;
use crate::store::coll;

const DAY_MS: i64 = 24 * 3_600_000;

pub(crate) struct HourlyData;

/// `{"hours":[{users, hour}…]}`, latest two-hour slot first.
#[derive(Debug, Serialize, JsonSchema, GetSize)]
pub(crate) struct Hours {
    pub(crate) hours: Vec<HourUsers>,
}

#[derive(Debug, Serialize, JsonSchema, GetSize)]
pub(crate) struct HourUsers {
    pub(crate) users: i64,
    pub(crate) hour: i64,
}

body_rows!(Hours, HourUsers, hours);

impl Report for HourlyData {
    type Family = Engagement;
    const PATH: &'static str = "/users/chat-busier/hourly-data";
    const SUMMARY: &'static str = "Users online per two-hour slot in the 24 hours before start";
    const PARAMS: &'static [Param] = &START_ONLY;
    type Request = (i64, ReportZone);
    type Body = Hours;

    async fn request(state: &AppState, _: &AuthUser, query: &str) -> Result<Self::Request, ApiError> {
        start_only(query, state.settings.timezone)
    }

    async fn compute(state: &AppState, request: &Self::Request) -> Result<Hours, ApiError> {
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
pub(crate) fn shape(rows: &[Document]) -> Hours {
    let hours = rows.iter().map(|row| HourUsers {
        users: count_of(row, "users"),
        hour: count_of(row, "_id"),
    });
    Hours { hours: hours.collect() }
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
            crate::reports::json_of(&shape(&rows)),
            r#"{"hours":[{"users":1,"hour":22},{"users":0,"hour":20}]}"#
        );
    }
}
