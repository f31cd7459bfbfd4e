//! `GET /api/v1/engagement-dashboard/channels/list`: the rooms with activity in the period or the
//! previous one, with both counts, paginated — Rocket.Chat 8.x's active-rooms mode
//! (`findChannelsWithNumberOfMessages`; the all-rooms mode and `hideRoomsWithNoActivity` are gone).
//!
//! * Check: `Match.ObjectIncluding({start, end: Match.Where(isDateISOString), offset, count:
//!   Match.Maybe(String)})`; other keys (also the removed `hideRoomsWithNoActivity`) are ignored.
//! * Periods as [`super::period`]: current = days of `start`..`end`; previous = `[day(start) − 1 −
//!   daysBetweenDates, day(start) − 1]`. A room is listed when it has messages sent in either.
//! * `room` = `{_id, name: name ?? fname, ts, t, _updatedAt, usernames?}` of the current room document
//!   (rooms that no longer exist are dropped), dates as ISO strings; `diffFromLastWeek` = messages −
//!   lastWeekMessages.
//! * Order: `messages` descending (Rocket.Chat), then room `_id` ascending (ours: deterministic).
//! * Pagination: Rocket.Chat's `getPaginationItems` with its default settings (`API_Default_Count` 50,
//!   `API_Upper_Count_Limit` 100, `API_Allow_Infinite_Count` true): JS `parseInt` of the strings,
//!   `count` capped at 100, `count=0` means all, a `NaN` offset skips nothing and is echoed as `null`.
//!   A negative `offset`/`count` makes MongoDB refuse Rocket.Chat's `$skip`/`$limit`; we answer the
//!   same 400 text. `total` = number of listed rooms, `count` = rooms in this page.
//!   The full sorted list is computed (and cached) once per window; pages are cut from it.

use bson::{doc, Document};
use serde_json::{json, Map, Value};

use super::period::Periods;
use super::{join_dashboard_room, list_body, messages_sent_stages, rolled, start_end_with, Engagement, START_END_PAGE};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::params::iso::format_canonical;
use crate::params::page::Page;
use crate::registry::{Json, Param};
use crate::reports::{aggregate, count_of, Report};
use crate::state::AppState;
use crate::store::{coll, strings};

pub(crate) struct ChannelsList;

/// The room fields the answer shows: all that the rollup's room snapshot keeps.
use crate::rollup::rooms::ROOM_FIELDS;

impl Report for ChannelsList {
    type Family = Engagement;
    const PATH: &'static str = "/channels/list";
    const SUMMARY: &'static str = "Rooms with activity: messages in the period and in the previous one (paginated)";
    const PARAMS: &'static [Param] = &START_END_PAGE;
    const BODY: &'static [(&'static str, Json)] = &[
        ("channels", Json::Array),
        ("total", Json::Integer),
        ("offset", Json::NumberOrNull),
        ("count", Json::Integer),
    ];
    type Request = (Periods, Page);

    async fn request(state: &AppState, _: &AuthUser, query: &str) -> Result<Self::Request, ApiError> {
        let (query, request) = start_end_with(query, state.settings.timezone, &["offset", "count"])?;
        Ok((Periods::of(&request), Page::of(&query)?))
    }

    /// The whole sorted list is computed and cached once per window; pages are cut from it.
    fn key((periods, _): &Self::Request) -> String {
        format!("{periods:?}")
    }

    fn live(state: &AppState, (periods, _): &Self::Request) -> bool {
        rolled::live(state, periods.bson_range())
    }

    /// From the rollup when it can answer, else the raw pipeline.
    async fn compute(state: &AppState, (periods, _): &Self::Request) -> Result<Map<String, Value>, ApiError> {
        let ms = bson::DateTime::timestamp_millis;
        let (cur_from, cur_to) = periods.current.bson_range();
        let (prev_from, prev_to) = periods.previous.bson_range();
        let range = (ms(prev_from), ms(cur_to));
        if let Some(rows) = rolled::channels(state, range, ms(cur_from), ms(prev_to), &ROOM_FIELDS).await? {
            return Ok(shape(&rows));
        }
        aggregate(state, coll::MESSAGES, pipeline(periods), shape).await
    }

    fn respond((_, page): &Self::Request, all: &Map<String, Value>) -> Option<Map<String, Value>> {
        Some(page.cut(all, "channels"))
    }
}

/// Messages sent in both periods → per room, counted per period → the current rooms of dashboard
/// types → sorted.
pub(crate) fn pipeline(periods: &Periods) -> Vec<Document> {
    let (cur_from, cur_to) = periods.current.bson_range();
    let (prev_from, prev_to) = periods.previous.bson_range();
    // Rocket.Chat's `date ∈ [startOfLastWeek, end]`.
    let mut stages = messages_sent_stages(prev_from, cur_to).to_vec();
    stages.push(doc! {"$group": {
        "_id": "$rid",
        "messages": {"$sum": {"$cond": [{"$gte": ["$ts", cur_from]}, 1, 0]}},
        "lastWeekMessages": {"$sum": {"$cond": [{"$lt": ["$ts", prev_to]}, 1, 0]}},
    }});
    stages.extend(join_dashboard_room(&ROOM_FIELDS));
    stages.push(doc! {"$sort": {"messages": -1, "_id": 1}});
    stages
}

/// Every listed room, in order: `{"channels":[{room, messages, lastWeekMessages, diffFromLastWeek}]}`.
pub(crate) fn shape(rows: &[Document]) -> Map<String, Value> {
    let channels = rows.iter().filter_map(|row| {
        let room = row.get_document("room").ok()?;
        let mut shown = Map::new();
        shown.insert("_id".into(), json!(row.get_str("_id").ok()?));
        if let Some(name) = [room.get_str("name"), room.get_str("fname")]
            .into_iter()
            .flatten()
            .next()
        {
            shown.insert("name".into(), json!(name));
        }
        let date = |key| {
            room.get_datetime(key)
                .ok()
                .map(|d| json!(format_canonical(d.timestamp_millis())))
        };
        if let Some(ts) = date("ts") {
            shown.insert("ts".into(), ts);
        }
        shown.insert("t".into(), json!(room.get_str("t").ok()?));
        if let Some(updated) = date("_updatedAt") {
            shown.insert("_updatedAt".into(), updated);
        }
        if room.contains_key("usernames") {
            shown.insert("usernames".into(), json!(strings(room, "usernames")));
        }
        let (messages, last) = (count_of(row, "messages"), count_of(row, "lastWeekMessages"));
        Some(json!({
            "room": shown,
            "messages": messages,
            "lastWeekMessages": last,
            "diffFromLastWeek": messages - last,
        }))
    });
    list_body("channels", channels)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_room_fields() {
        let ts = bson::DateTime::from_millis(1_700_000_000_000);
        let rows = vec![
            doc! {"_id": "c1", "messages": 3, "lastWeekMessages": 5, "room": {"t": "c", "name": "general", "fname": "General", "ts": ts, "_updatedAt": ts}},
            doc! {"_id": "d1", "messages": 1, "lastWeekMessages": 0, "room": {"t": "d", "ts": ts, "usernames": ["a", "b"]}},
        ];
        assert_eq!(
            Value::Object(shape(&rows)).to_string(),
            r#"{"channels":[{"room":{"_id":"c1","name":"general","ts":"2023-11-14T22:13:20.000Z","t":"c","_updatedAt":"2023-11-14T22:13:20.000Z"},"messages":3,"lastWeekMessages":5,"diffFromLastWeek":-2},{"room":{"_id":"d1","ts":"2023-11-14T22:13:20.000Z","t":"d","usernames":["a","b"]},"messages":1,"lastWeekMessages":0,"diffFromLastWeek":1}]}"#
        );
    }
}
