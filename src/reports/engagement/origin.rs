//! `GET /api/v1/engagement-dashboard/messages/origin`: messages sent per room type.

use bson::{doc, Document};
use get_size2::GetSize;
use schemars::JsonSchema;
use serde::Serialize;

use super::{
    join_dashboard_room_type, messages_per_room, rolled, start_end_window, Engagement, DASHBOARD_ROOM_TYPES, START_END,
};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::params::window::DayWindow;
use crate::registry::Param;
use crate::reports::{aggregate, body_rows, count_of, Report};
use crate::state::cache::held;
use crate::state::AppState;
use crate::store::coll;

pub(crate) struct Origin;

/// `{"origins":[{"messages":n,"t":"c"},…]}`.
#[derive(Debug, Serialize, JsonSchema, GetSize)]
pub(crate) struct Origins {
    pub(crate) origins: Vec<OriginRow>,
}

#[derive(Debug, Serialize, JsonSchema, GetSize)]
pub(crate) struct OriginRow {
    pub(crate) messages: i64,
    /// The room type: `c`, `p` or `d`.
    #[get_size(size_fn = held)]
    pub(crate) t: String,
}

body_rows!(Origins, OriginRow, origins);

impl Report for Origin {
    type Family = Engagement;
    const PATH: &'static str = "/messages/origin";
    const SUMMARY: &'static str = "Messages sent per room type (c, p, d)";
    const PARAMS: &'static [Param] = &START_END;
    type Request = DayWindow;
    type Body = Origins;

    async fn request(state: &AppState, _: &AuthUser, query: &str) -> Result<Self::Request, ApiError> {
        start_end_window(query, state.settings.timezone)
    }

    fn live(state: &AppState, request: &Self::Request) -> bool {
        rolled::live(state, request.bson_range())
    }

    /// From the rollup when it can answer, else the raw pipeline.
    async fn compute(state: &AppState, request: &Self::Request) -> Result<Origins, ApiError> {
        let (from, to) = request.bson_range();
        if let Some(rows) = rolled::origin(state, from.timestamp_millis(), to.timestamp_millis()).await? {
            return Ok(shape(&rows));
        }
        aggregate(state, coll::MESSAGES, pipeline(request), shape).await
    }
}

/// Messages sent in the window → group by room → the rooms' types → group by type.
pub(crate) fn pipeline(window: &DayWindow) -> Vec<Document> {
    let (from, to) = window.bson_range();
    let mut stages = messages_per_room(from, to);
    stages.extend(join_dashboard_room_type());
    stages.push(doc! {"$group": {"_id": "$room.t", "messages": {"$sum": "$messages"}}});
    stages
}

/// `{"origins":[{"messages":n,"t":"c"},…]}`: every dashboard type present (zero-filled), by count
/// descending, then type ascending.
pub(crate) fn shape(rows: &[Document]) -> Origins {
    let mut origins: Vec<(i64, String)> = rows
        .iter()
        .filter_map(|d| Some((count_of(d, "messages"), d.get_str("_id").ok()?.to_string())))
        .collect();
    for t in DASHBOARD_ROOM_TYPES {
        if !origins.iter().any(|(_, have)| have == t) {
            origins.push((0, t.to_string()));
        }
    }
    origins.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    Origins {
        origins: origins
            .into_iter()
            .map(|(messages, t)| OriginRow { messages, t })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::zone::ReportZone;

    #[test]
    fn pipeline_filters_on_ts_first_and_groups_before_the_lookup() {
        let w = DayWindow::from_instants(1_704_067_200_000, 1_704_671_999_999, ReportZone::utc());
        let p = pipeline(&w);
        let stages = crate::reports::stage_names(&p);
        assert_eq!(
            stages,
            ["$match", "$match", "$group", "$lookup", "$unwind", "$match", "$group"]
        );
        let m = p[0].get_document("$match").unwrap();
        assert_eq!(
            m.keys().collect::<Vec<_>>(),
            ["ts"],
            "the ts range is a stage of its own"
        );
        let ts = m.get_document("ts").unwrap();
        assert_eq!(ts.get_datetime("$gte").unwrap().timestamp_millis(), 1_704_067_200_000);
        assert_eq!(ts.get_datetime("$lt").unwrap().timestamp_millis(), 1_704_672_000_000);
        assert_eq!(p[5], doc! {"$match": {"room.t": {"$in": ["c", "p", "d"]}}});
    }

    #[test]
    fn shape_zero_fills_and_orders() {
        let rows = vec![doc! {"_id": "d", "messages": 5_i64}, doc! {"_id": "c", "messages": 7.0}];
        let body = crate::reports::json_of(&shape(&rows));
        assert_eq!(
            body,
            r#"{"origins":[{"messages":7,"t":"c"},{"messages":5,"t":"d"},{"messages":0,"t":"p"}]}"#
        );
        let empty = crate::reports::json_of(&shape(&[]));
        assert_eq!(
            empty,
            r#"{"origins":[{"messages":0,"t":"c"},{"messages":0,"t":"d"},{"messages":0,"t":"p"}]}"#
        );
    }
}
