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
use get_size2::GetSize;
use schemars::JsonSchema;
use serde::Serialize;

use super::period::Periods;
use super::{join_dashboard_room, messages_sent_stages, rolled, start_end_with, Engagement, START_END_PAGE};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::params::iso::format_canonical;
use crate::params::page::Page;
use crate::registry::Param;
use crate::reports::{aggregate, body_rows, count_of, Report};
use crate::state::cache::held;
use crate::state::AppState;
use crate::store::{coll, strings};

pub(crate) struct ChannelsList;

/// `{"channels":[…],"total","offset","count"}`: a page of the listed rooms (computed and kept whole, with
/// `total` = `count` = all of them and `offset` 0; each answer is a page cut from it).
#[derive(Clone, Debug, Serialize, JsonSchema, GetSize)]
pub(crate) struct ChannelsPage {
    pub(crate) channels: Vec<ChannelRow>,
    pub(crate) total: usize,
    /// `offset` as JavaScript's `parseInt` read it, written as `JSON.stringify` writes it (`null` for `NaN`).
    pub(crate) offset: Option<f64>,
    pub(crate) count: usize,
}

#[derive(Clone, Debug, Serialize, JsonSchema, GetSize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChannelRow {
    pub(crate) room: ShownRoom,
    pub(crate) messages: i64,
    pub(crate) last_week_messages: i64,
    pub(crate) diff_from_last_week: i64,
}

/// The room fields Rocket.Chat shows, dates as ISO strings.
#[derive(Clone, Debug, Serialize, JsonSchema, GetSize)]
pub(crate) struct ShownRoom {
    #[serde(rename = "_id")]
    #[get_size(size_fn = held)]
    pub(crate) id: String,
    /// `name`, else `fname`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[get_size(size_fn = held)]
    pub(crate) name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[get_size(size_fn = held)]
    pub(crate) ts: Option<String>,
    #[get_size(size_fn = held)]
    pub(crate) t: String,
    #[serde(rename = "_updatedAt", skip_serializing_if = "Option::is_none")]
    #[get_size(size_fn = held)]
    pub(crate) updated_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[get_size(size_fn = held)]
    pub(crate) usernames: Option<Vec<String>>,
}

body_rows!(ChannelsPage, ChannelRow, channels);

/// The room fields the answer shows: all that the rollup's room snapshot keeps.
use crate::rollup::rooms::ROOM_FIELDS;

impl Report for ChannelsList {
    type Family = Engagement;
    const PATH: &'static str = "/channels/list";
    const SUMMARY: &'static str = "Rooms with activity: messages in the period and in the previous one (paginated)";
    const PARAMS: &'static [Param] = &START_END_PAGE;
    type Request = (Periods, Page);
    type Body = ChannelsPage;

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
    async fn compute(state: &AppState, (periods, _): &Self::Request) -> Result<ChannelsPage, ApiError> {
        let ms = bson::DateTime::timestamp_millis;
        let (cur_from, cur_to) = periods.current.bson_range();
        let (prev_from, prev_to) = periods.previous.bson_range();
        let range = (ms(prev_from), ms(cur_to));
        if let Some(rows) = rolled::channels(state, range, ms(cur_from), ms(prev_to), &ROOM_FIELDS).await? {
            return Ok(shape(&rows));
        }
        aggregate(state, coll::MESSAGES, pipeline(periods), shape).await
    }

    fn respond((_, page): &Self::Request, all: &ChannelsPage) -> Option<ChannelsPage> {
        Some(cut(page, &all.channels))
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

/// The page of `rooms` as Rocket.Chat answers it: `total` counts them all, `count` those in the page.
pub(crate) fn cut(page: &Page, rooms: &[ChannelRow]) -> ChannelsPage {
    let channels = rooms[page.range(rooms.len())].to_vec();
    ChannelsPage {
        count: channels.len(),
        channels,
        total: rooms.len(),
        offset: page.offset,
    }
}

/// Every listed room, in order (one page holding them all).
pub(crate) fn shape(rows: &[Document]) -> ChannelsPage {
    let channels: Vec<ChannelRow> = rows
        .iter()
        .filter_map(|row| {
            let room = row.get_document("room").ok()?;
            let name = [room.get_str("name"), room.get_str("fname")]
                .into_iter()
                .flatten()
                .next();
            let date = |key| {
                room.get_datetime(key)
                    .ok()
                    .map(|d| format_canonical(d.timestamp_millis()))
            };
            let (messages, last) = (count_of(row, "messages"), count_of(row, "lastWeekMessages"));
            Some(ChannelRow {
                room: ShownRoom {
                    id: row.get_str("_id").ok()?.to_string(),
                    name: name.map(str::to_string),
                    ts: date("ts"),
                    t: room.get_str("t").ok()?.to_string(),
                    updated_at: date("_updatedAt"),
                    usernames: room
                        .contains_key("usernames")
                        .then(|| strings(room, "usernames").into_iter().map(str::to_string).collect()),
                },
                messages,
                last_week_messages: last,
                diff_from_last_week: messages - last,
            })
        })
        .collect();
    ChannelsPage {
        total: channels.len(),
        count: channels.len(),
        offset: Some(0.0),
        channels,
    }
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
            crate::reports::json_of(&shape(&rows).channels),
            r#"[{"room":{"_id":"c1","name":"general","ts":"2023-11-14T22:13:20.000Z","t":"c","_updatedAt":"2023-11-14T22:13:20.000Z"},"messages":3,"lastWeekMessages":5,"diffFromLastWeek":-2},{"room":{"_id":"d1","ts":"2023-11-14T22:13:20.000Z","t":"d","usernames":["a","b"]},"messages":1,"lastWeekMessages":0,"diffFromLastWeek":1}]"#
        );
    }

    #[test]
    fn pages_echo_offset_as_javascript_writes_it() {
        let ts = bson::DateTime::from_millis(0);
        let rows: Vec<Document> = ["a", "b", "c"]
            .iter()
            .map(|id| doc! {"_id": *id, "messages": 1, "lastWeekMessages": 0, "room": {"t": "c", "ts": ts}})
            .collect();
        let all = shape(&rows).channels;
        let page = |raw: &str| {
            let page = Page::of(&crate::params::query::Query::parse(raw).unwrap()).unwrap();
            let body = cut(&page, &all);
            let ids: Vec<String> = body.channels.iter().map(|c| c.room.id.clone()).collect();
            let mut json = crate::reports::json_of(&body);
            json.replace_range(1..json.find("],").unwrap() + 2, "");
            (ids.join(","), json)
        };
        let huge = format!("offset=1{}", "0".repeat(400));
        for (query, ids, rest) in [
            ("", "a,b,c", r#"{"total":3,"offset":0,"count":3}"#),
            ("offset=1&count=1", "b", r#"{"total":3,"offset":1,"count":1}"#),
            ("offset=9", "", r#"{"total":3,"offset":9,"count":0}"#),
            ("offset=nan&count=0", "a,b,c", r#"{"total":3,"offset":null,"count":3}"#),
            ("offset=-0", "a,b,c", r#"{"total":3,"offset":0,"count":3}"#),
            // JavaScript's numbers: parseInt's nearest double, written as JSON.stringify writes it.
            (
                "offset=99999999999999999999",
                "",
                r#"{"total":3,"offset":100000000000000000000,"count":0}"#,
            ),
            (
                "offset=9007199254740993",
                "",
                r#"{"total":3,"offset":9007199254740992,"count":0}"#,
            ),
            (
                "offset=1000000000000000000000",
                "",
                r#"{"total":3,"offset":1e+21,"count":0}"#,
            ),
            (&huge, "", r#"{"total":3,"offset":null,"count":0}"#),
        ] {
            assert_eq!(page(query), (ids.to_string(), rest.to_string()), "{query}");
        }
    }
}
