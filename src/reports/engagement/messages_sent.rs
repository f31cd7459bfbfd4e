//! `GET /api/v1/engagement-dashboard/messages/messages-sent`: messages sent per day of the report zone,
//! with the period and yesterday arithmetic of [`super::period`].

use bson::{doc, Document};
use get_size2::GetSize;
use schemars::JsonSchema;
use serde::Serialize;

use super::period::{DayCount, PeriodBody, Periods};
use super::{day_of, join_dashboard_room_type, messages_sent_stages, rolled, start_end, Engagement, START_END};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::registry::Param;
use crate::reports::{aggregate, Report};
use crate::state::cache::held;
use crate::state::AppState;
use crate::store::coll;

pub(crate) struct MessagesSent;

#[derive(Debug, Serialize, JsonSchema, GetSize)]
pub(crate) struct MessagesDay {
    /// The day's midnight in the report zone, as an ISO instant.
    #[get_size(size_fn = held)]
    pub(crate) day: String,
    pub(crate) messages: i64,
}

impl DayCount for MessagesDay {
    fn new(day: String, messages: i64) -> Self {
        Self { day, messages }
    }
}

impl Report for MessagesSent {
    type Family = Engagement;
    const PATH: &'static str = "/messages/messages-sent";
    const SUMMARY: &'static str = "Messages sent per day, period and yesterday totals with variations";
    const PARAMS: &'static [Param] = &START_END;
    type Request = Periods;
    type Body = PeriodBody<MessagesDay>;

    async fn request(state: &AppState, _: &AuthUser, query: &str) -> Result<Self::Request, ApiError> {
        Ok(Periods::of(&start_end(query, state.settings.timezone)?))
    }

    fn live(state: &AppState, request: &Self::Request) -> bool {
        rolled::live(state, request.bson_range())
    }

    /// From the rollup when it can answer, else the raw pipeline.
    async fn compute(state: &AppState, request: &Self::Request) -> Result<Self::Body, ApiError> {
        let (from, to) = request.bson_range();
        let zone = request.current.zone;
        if let Some(rows) = rolled::per_day(state, from.timestamp_millis(), to.timestamp_millis(), zone).await? {
            return Ok(request.shape(&rows));
        }
        aggregate(state, coll::MESSAGES, pipeline(request), |rows| request.shape(rows)).await
    }
}

/// Messages sent in both periods → per room and day → the rooms' types (one lookup per room, not per
/// message or per day) → per day: rows `{_id: "YYYY-MM-DD", n}`.
pub(crate) fn pipeline(periods: &Periods) -> Vec<Document> {
    let (from, to) = periods.bson_range();
    let zone = periods.current.zone;
    let mut stages = messages_sent_stages(from, to).to_vec();
    stages.extend([
        doc! {"$group": {"_id": {"rid": "$rid", "day": day_of("$ts", zone)}, "n": {"$sum": 1}}},
        doc! {"$group": {"_id": "$_id.rid", "days": {"$push": {"day": "$_id.day", "n": "$n"}}}},
    ]);
    stages.extend(join_dashboard_room_type());
    stages.push(doc! {"$unwind": "$days"});
    stages.push(doc! {"$group": {"_id": "$days.day", "n": {"$sum": "$days.n"}}});
    stages
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::zone::ReportZone;
    use crate::reports::engagement::StartEnd;
    use crate::reports::stage_names;

    #[test]
    fn pipeline_reads_both_periods_and_buckets_in_the_zone() {
        let zone = ReportZone::parse("+05:30").unwrap();
        let (start_ms, end_ms) = (1_704_067_200_000, 1_704_671_999_999); // Jan 1 .. Jan 7 23:59:59.999 UTC
        let periods = Periods::of(&StartEnd::new(start_ms, end_ms, zone));
        let p = pipeline(&periods);
        let stages = stage_names(&p);
        assert_eq!(
            stages,
            ["$match", "$match", "$group", "$group", "$lookup", "$unwind", "$match", "$unwind", "$group"]
        );
        let ts = p[0].get_document("$match").unwrap().get_document("ts").unwrap();
        // Previous period Dec 24 .. Dec 31, current Jan 1 .. Jan 8 (the end is Jan 8 05:29 in +05:30).
        assert_eq!(
            ts.get_datetime("$gte").unwrap().try_to_rfc3339_string().unwrap(),
            "2023-12-23T18:30:00Z"
        );
        assert_eq!(
            ts.get_datetime("$lt").unwrap().try_to_rfc3339_string().unwrap(),
            "2024-01-08T18:30:00Z"
        );
        assert_eq!(
            p[2],
            doc! {"$group": {"_id": {"rid": "$rid", "day": {"$dateToString": {"format": "%Y-%m-%d", "date": "$ts", "timezone": "+05:30"}}}, "n": {"$sum": 1}}}
        );
    }
}
