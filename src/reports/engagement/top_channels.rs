//! `GET /api/v1/engagement-dashboard/messages/top-five-popular-channels`: the five dashboard rooms with
//! the most messages sent in the window's days.
//!
//! Rocket.Chat groups its roll-up by the room's `{t, name, usernames}` as stored at send time and sorts
//! by `messages` only. rc-analytics groups by room (current `fname || name`, `usernames || []`), and
//! breaks ties deterministically by room `_id` ascending (documented extension of an unspecified order).

use bson::{doc, Document};
use get_size2::GetSize;
use schemars::JsonSchema;
use serde::Serialize;

use super::{join_dashboard_room, messages_per_room, rolled, start_end_window, Engagement, START_END};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::params::window::DayWindow;
use crate::registry::Param;
use crate::reports::{aggregate, body_rows, count_of, Report};
use crate::state::cache::held;
use crate::state::AppState;
use crate::store::{coll, strings};

const TOP: i64 = 5;
/// The room fields the answer shows.
const ROOM_FIELDS: [&str; 4] = ["t", "name", "fname", "usernames"];

pub(crate) struct TopChannels;

/// `{"channels":[{messages, t, name?, usernames}…]}`.
#[derive(Debug, Serialize, JsonSchema, GetSize)]
pub(crate) struct Channels {
    pub(crate) channels: Vec<TopChannel>,
}

#[derive(Debug, Serialize, JsonSchema, GetSize)]
pub(crate) struct TopChannel {
    pub(crate) messages: i64,
    #[get_size(size_fn = held)]
    pub(crate) t: String,
    /// `fname`, else `name` (none for direct messages).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[get_size(size_fn = held)]
    pub(crate) name: Option<String>,
    #[get_size(size_fn = held)]
    pub(crate) usernames: Vec<String>,
}

body_rows!(Channels, TopChannel, channels);

impl Report for TopChannels {
    type Family = Engagement;
    const PATH: &'static str = "/messages/top-five-popular-channels";
    const SUMMARY: &'static str = "The five rooms with the most messages sent";
    const PARAMS: &'static [Param] = &START_END;
    type Request = DayWindow;
    type Body = Channels;

    async fn request(state: &AppState, _: &AuthUser, query: &str) -> Result<Self::Request, ApiError> {
        start_end_window(query, state.settings.timezone)
    }

    fn live(state: &AppState, request: &Self::Request) -> bool {
        rolled::live(state, request.bson_range())
    }

    /// From the rollup when it can answer, else the raw pipeline.
    async fn compute(state: &AppState, request: &Self::Request) -> Result<Channels, ApiError> {
        let (from, to) = request.bson_range();
        let (from, to) = (from.timestamp_millis(), to.timestamp_millis());
        if let Some(rows) = rolled::top(state, from, to, &ROOM_FIELDS, TOP as usize).await? {
            return Ok(shape(&rows));
        }
        aggregate(state, coll::MESSAGES, pipeline(request), shape).await
    }
}

/// Messages sent in the window → per room → the room (type, names, usernames) → the top five.
pub(crate) fn pipeline(window: &DayWindow) -> Vec<Document> {
    let (from, to) = window.bson_range();
    let mut stages = messages_per_room(from, to);
    stages.extend(join_dashboard_room(&ROOM_FIELDS));
    stages.push(doc! {"$sort": {"messages": -1, "_id": 1}});
    stages.push(doc! {"$limit": TOP});
    stages
}

/// `{"channels":[{"messages","t","name"?,"usernames"}]}` (`name` = `fname || name`, absent for DMs).
pub(crate) fn shape(rows: &[Document]) -> Channels {
    let channels = rows.iter().filter_map(|row| {
        let room = row.get_document("room").ok()?;
        let name = [room.get_str("fname"), room.get_str("name")]
            .into_iter()
            .flatten()
            .find(|n| !n.is_empty());
        Some(TopChannel {
            messages: count_of(row, "messages"),
            t: room.get_str("t").ok()?.to_string(),
            name: name.map(str::to_string),
            usernames: strings(room, "usernames").into_iter().map(str::to_string).collect(),
        })
    });
    Channels {
        channels: channels.collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::zone::ReportZone;
    use crate::reports::stage_names;

    #[test]
    fn pipeline_groups_before_the_lookup_and_limits_to_five() {
        let w = DayWindow::from_instants(1_704_067_200_000, 1_704_671_999_999, ReportZone::utc());
        let p = pipeline(&w);
        let stages = stage_names(&p);
        assert_eq!(
            stages,
            ["$match", "$match", "$group", "$lookup", "$unwind", "$match", "$sort", "$limit"]
        );
        assert_eq!(p[6], doc! {"$sort": {"messages": -1, "_id": 1}});
        assert_eq!(p[7], doc! {"$limit": 5_i64});
    }

    #[test]
    fn the_room_snapshot_keeps_every_field_shown() {
        assert!(ROOM_FIELDS
            .iter()
            .all(|f| crate::rollup::rooms::ROOM_FIELDS.contains(f)));
    }

    #[test]
    fn shape_names_like_rocket_chat() {
        let rows = vec![
            doc! {"_id": "c1", "messages": 3, "room": {"t": "c", "name": "general", "fname": "General Chat"}},
            doc! {"_id": "d1", "messages": 2_i64, "room": {"t": "d", "usernames": ["a", "b"]}},
            doc! {"_id": "p1", "messages": 1.0, "room": {"t": "p", "name": "secret"}},
        ];
        assert_eq!(
            crate::reports::json_of(&shape(&rows)),
            r#"{"channels":[{"messages":3,"t":"c","name":"General Chat","usernames":[]},{"messages":2,"t":"d","usernames":["a","b"]},{"messages":1,"t":"p","name":"secret","usernames":[]}]}"#
        );
        assert_eq!(crate::reports::json_of(&shape(&[])), r#"{"channels":[]}"#);
    }
}
