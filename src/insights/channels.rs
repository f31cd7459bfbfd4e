//! `GET /rc-analytics/api/v1/insights/channels`: channel health. Every public channel and private group
//! (discussions and team main rooms marked) with its members, owner, creation, last message, idle days and
//! messages in the period and the previous one; a summary; filters, sort, pages and CSV (docs/insights.md).
//!
//! Rooms are read at each request (one projected read of the `c`/`p` rooms through the `{t:1, ts:1}` index),
//! so `lm`, renames and deletions show at once; their messages come from [`super::activity`].

use std::cmp::Ordering;
use std::collections::HashMap;

use bson::{doc, RawDocument};
use get_size2::GetSize;
use schemars::JsonSchema;
use serde::Serialize;

use super::activity::messages;
use super::{
    by_text, one_of, period, Figure, Figures, Head, Insights, Listing, Span, COUNT, END, OFFSET, ORDER, Q, START,
};
use crate::auth::{AuthUser, Shown};
use crate::error::ApiError;
use crate::params::iso::format_canonical;
use crate::params::query::Query;
use crate::registry::{Param, ParamValue};
use crate::reports::engagement::{FORMAT, TZ};
use crate::reports::{body_rows, Report};
use crate::state::cache::held;
use crate::state::AppState;
use crate::store::{coll, Scan};

pub(crate) struct Channels;

const DAY_MS: i64 = 86_400_000;
const TYPES: [&str; 3] = ["all", "c", "p"];
const FILTERS: [&str; 4] = ["all", "idle", "never-used", "empty"];
const SORTS: [&str; 6] = [
    "lastMessage",
    "name",
    "usersCount",
    "createdAt",
    "messages",
    "previousMessages",
];
/// The default and the bounds of `idleDays`.
const IDLE_DAYS: (i64, i64, i64) = (30, 1, 3650);

const PARAMS: [Param; 12] = [
    START,
    END,
    TZ,
    FORMAT,
    Param {
        name: "type",
        required: false,
        description: "Rooms: all (default), c (public channels) or p (private groups)",
        value: ParamValue::OneOf(&TYPES),
    },
    Param {
        name: "filter",
        required: false,
        description:
            "Rows: all (default), idle (for idleDays or more), never-used (no last message), empty (one member or none)",
        value: ParamValue::OneOf(&FILTERS),
    },
    Param {
        name: "idleDays",
        required: false,
        description: "N of idle: no activity for N days or more (1-3650, default 30)",
        value: ParamValue::Pattern("^(?:[1-9][0-9]{0,2}|[12][0-9]{3}|3[0-5][0-9]{2}|36[0-4][0-9]|3650)$"),
    },
    Q,
    Param {
        name: "sort",
        required: false,
        description: "Column to sort by (default lastMessage)",
        value: ParamValue::OneOf(&SORTS),
    },
    ORDER,
    OFFSET,
    COUNT,
];

#[derive(Debug)]
pub(crate) struct ChannelsRequest {
    span: Span,
    kind: &'static str,
    idle_days: i64,
    listing: Listing,
}

#[derive(Clone, Debug, Serialize, JsonSchema, GetSize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChannelsBody {
    #[serde(flatten)]
    pub(crate) head: Head,
    pub(crate) idle_days: i64,
    pub(crate) summary: ChannelsSummary,
    pub(crate) channels: Vec<ChannelRow>,
    pub(crate) total: usize,
    pub(crate) offset: Option<f64>,
    pub(crate) count: usize,
}

#[derive(Clone, Debug, Serialize, JsonSchema, GetSize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChannelsSummary {
    pub(crate) channels: Figure,
    pub(crate) active: Figure,
    pub(crate) messages: Figure,
    pub(crate) idle: Figure,
    pub(crate) never_used: Figure,
    pub(crate) empty: Figure,
}

/// A room's owner (`u`): a person, shown only to those who may see people.
#[derive(Clone, Debug, Serialize, JsonSchema, PartialEq, Eq, GetSize)]
pub(crate) struct Owner {
    #[serde(rename = "_id")]
    #[get_size(size_fn = held)]
    pub(crate) id: String,
    #[get_size(size_fn = held)]
    pub(crate) username: Option<String>,
}

/// What a room row and a room's history show of the room.
#[derive(Clone, Debug, Serialize, JsonSchema, PartialEq, Eq, GetSize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RoomFacts {
    #[serde(rename = "_id")]
    #[get_size(size_fn = held)]
    pub(crate) id: String,
    /// `fname` when present, else `name` (`null` for a DM).
    #[get_size(size_fn = held)]
    pub(crate) name: Option<String>,
    #[get_size(size_fn = held)]
    pub(crate) t: String,
    pub(crate) discussion: bool,
    pub(crate) team_main: bool,
    pub(crate) users_count: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) owner: Option<Owner>,
    #[get_size(size_fn = held)]
    pub(crate) created_at: Option<String>,
    #[get_size(size_fn = held)]
    pub(crate) last_message: Option<String>,
    pub(crate) archived: bool,
    pub(crate) read_only: bool,
}

/// The room fields [`RoomFacts`] reads.
pub(crate) fn room_projection() -> bson::Document {
    doc! {"t": 1, "name": 1, "fname": 1, "prid": 1, "teamMain": 1, "usersCount": 1, "u": 1, "ts": 1, "lm": 1, "archived": 1, "ro": 1}
}

impl RoomFacts {
    pub(crate) fn of(d: &RawDocument) -> Option<Self> {
        let text = |k| d.get_str(k).ok().map(str::to_string);
        let date = |k| d.get_datetime(k).ok().map(|t| format_canonical(t.timestamp_millis()));
        let t = text("t")?;
        Some(Self {
            id: d.get_str("_id").ok()?.to_string(),
            name: if t == "d" {
                None
            } else {
                text("fname").or_else(|| text("name"))
            },
            discussion: d.get("prid").ok().flatten().is_some(),
            team_main: d.get_bool("teamMain") == Ok(true),
            users_count: match d.get("usersCount") {
                Ok(Some(bson::RawBsonRef::Int32(n))) => i64::from(n),
                Ok(Some(bson::RawBsonRef::Int64(n))) => n,
                Ok(Some(bson::RawBsonRef::Double(f))) => f as i64,
                _ => 0,
            },
            owner: d.get_document("u").ok().and_then(|u| {
                Some(Owner {
                    id: u.get_str("_id").ok()?.to_string(),
                    username: u.get_str("username").ok().map(str::to_string),
                })
            }),
            created_at: date("ts"),
            last_message: date("lm"),
            archived: d.get_bool("archived") == Ok(true),
            read_only: d.get_bool("ro") == Ok(true),
            t,
        })
    }
}

#[derive(Clone, Debug, Serialize, JsonSchema, GetSize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChannelRow {
    #[serde(flatten)]
    pub(crate) room: RoomFacts,
    /// Whole days since the last activity (`lm`, else `ts`).
    pub(crate) idle_days: Option<i64>,
    pub(crate) messages: i64,
    pub(crate) previous_messages: i64,
}

body_rows!(ChannelsBody, ChannelRow, channels);

impl Report for Channels {
    type Family = Insights;
    const PATH: &'static str = "/channels";
    const SUMMARY: &'static str =
        "Channel health: public and private channels, idle, never used, empty (owner: view-user-administration)";
    const PARAMS: &'static [Param] = &PARAMS;
    type Request = ChannelsRequest;
    type Body = ChannelsBody;

    async fn request(state: &AppState, _: &AuthUser, query: &str) -> Result<ChannelsRequest, ApiError> {
        let optional = ["type", "filter", "idleDays", "q", "sort", "order", "offset", "count"];
        let (query, span) = period(query, state.settings.timezone, &optional)?;
        Ok(ChannelsRequest {
            span,
            kind: one_of(&query, "type", &TYPES)?,
            idle_days: idle_days(&query)?,
            listing: Listing::of(&query, &FILTERS, &SORTS)?,
        })
    }

    fn key(r: &ChannelsRequest) -> String {
        format!("{:?} {} {}", r.span, r.kind, r.idle_days)
    }

    fn live(_: &AppState, _: &ChannelsRequest) -> bool {
        true
    }

    async fn compute(state: &AppState, r: &ChannelsRequest) -> Result<ChannelsBody, ApiError> {
        whole_table(state, &r.span, r.kind, r.idle_days).await
    }

    fn respond(r: &ChannelsRequest, all: &ChannelsBody) -> Option<ChannelsBody> {
        Some(cut(r, all))
    }

    fn hide_people(body: &ChannelsBody, _: Shown) -> Option<ChannelsBody> {
        let mut shown = body.clone();
        for row in &mut shown.channels {
            row.room.owner = None;
        }
        Some(shown)
    }
}

/// Every room of `kind` with its messages in `span` and the summary, idle meaning `idle` days (before filters
/// and pages).
pub(crate) async fn whole_table(
    state: &AppState,
    span: &Span,
    kind: &str,
    idle: i64,
) -> Result<ChannelsBody, ApiError> {
    let rooms = read_rooms(state, kind).await?;
    let (start, end) = span.range();
    let prev_start = span.previous().range().0;
    let (counts, _) = messages(
        state,
        (prev_start, end),
        &[prev_start, start, end],
        None,
        false,
        HashMap::<String, [i64; 2]>::new,
        |acc, _user, room, entries, slot_ms| {
            let n = acc.entry(room.to_string()).or_default();
            for e in entries {
                n[usize::from(e.start(slot_ms) < start)] += i64::from(e.n);
            }
        },
    )
    .await?;
    let now = chrono::Utc::now().timestamp_millis();
    Ok(table(span, idle, now, rooms, &counts))
}

fn idle_days(query: &Query) -> Result<i64, ApiError> {
    let (default, min, max) = IDLE_DAYS;
    match query.get("idleDays").and_then(|v| v.as_str()) {
        None => Ok(default),
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| (min..=max).contains(n) && v.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "Invalid parameter \"idleDays\": expected an integer from {min} to {max}"
                ))
            }),
    }
}

/// The public channels and private groups (`kind` `c`, `p` or `all`).
async fn read_rooms(state: &AppState, kind: &str) -> Result<Vec<RoomFacts>, ApiError> {
    let types: Vec<&str> = if kind == "all" { vec!["c", "p"] } else { vec![kind] };
    let mut out = Vec::new();
    state
        .store
        .scan(
            coll::ROOMS,
            doc! {"t": {"$in": types}},
            room_projection(),
            Scan::Range,
            |d| out.extend(RoomFacts::of(d)),
        )
        .await?;
    Ok(out)
}

/// Whole days from `since` (ISO) to `now`.
fn days_since(since: Option<&str>, now: i64) -> Option<i64> {
    let t = crate::params::iso::parse_canonical(since?)?;
    Some((now - t).div_euclid(DAY_MS))
}

/// The whole table: every room's row, by name then `_id`, and the summary (`counts`: messages per room in
/// the period and the previous one).
pub(crate) fn table(
    span: &Span,
    idle: i64,
    now: i64,
    rooms: Vec<RoomFacts>,
    counts: &HashMap<String, [i64; 2]>,
) -> ChannelsBody {
    let (start, end) = span.range();
    let mut s = Figures::<6>::default();
    let mut rows: Vec<ChannelRow> = rooms
        .into_iter()
        .map(|room| {
            let [messages, previous_messages] = counts.get(&room.id).copied().unwrap_or_default();
            let idle_days = days_since(room.last_message.as_deref().or(room.created_at.as_deref()), now);
            let created = room.created_at.as_deref().and_then(crate::params::iso::parse_canonical);
            let created_before = |t: i64| created.is_none_or(|c| c < t);
            let row = ChannelRow {
                idle_days,
                messages,
                previous_messages,
                room,
            };
            s.add(0, created_before(end), created_before(start));
            s.add(1, messages > 0, previous_messages > 0);
            s.sum(2, messages, previous_messages);
            s.add(3, is_idle(&row, idle), false);
            s.add(4, row.room.last_message.is_none(), false);
            s.add(5, row.room.users_count <= 1, false);
            row
        })
        .collect();
    rows.sort_by(tie);
    ChannelsBody {
        head: span.head(),
        idle_days: idle,
        summary: ChannelsSummary {
            channels: s.compared(0),
            active: s.compared(1),
            messages: s.compared(2),
            idle: s.state(3),
            never_used: s.state(4),
            empty: s.state(5),
        },
        total: rows.len(),
        offset: Some(0.0),
        count: rows.len(),
        channels: rows,
    }
}

/// Idle for `n` days or more (a room with neither `lm` nor `ts` counts as idle).
fn is_idle(row: &ChannelRow, n: i64) -> bool {
    row.idle_days.is_none_or(|d| d >= n)
}

fn tie(a: &ChannelRow, b: &ChannelRow) -> Ordering {
    by_text(a.room.name.as_deref(), b.room.name.as_deref()).then_with(|| a.room.id.cmp(&b.room.id))
}

fn passes(row: &ChannelRow, filter: &str, idle: i64) -> bool {
    match filter {
        "idle" => is_idle(row, idle),
        "never-used" => row.room.last_message.is_none(),
        "empty" => row.room.users_count <= 1,
        _ => true,
    }
}

fn by_column(a: &ChannelRow, b: &ChannelRow, column: &str) -> Ordering {
    match column {
        "name" => by_text(a.room.name.as_deref(), b.room.name.as_deref()),
        "usersCount" => a.room.users_count.cmp(&b.room.users_count),
        "createdAt" => a.room.created_at.cmp(&b.room.created_at),
        "messages" => a.messages.cmp(&b.messages),
        "previousMessages" => a.previous_messages.cmp(&b.previous_messages),
        _ => a.room.last_message.cmp(&b.room.last_message),
    }
}

fn cut(r: &ChannelsRequest, all: &ChannelsBody) -> ChannelsBody {
    let l = &r.listing;
    let (page, total) = l.select(
        &all.channels,
        |row| passes(row, l.filter, r.idle_days) && l.finds(&[row.room.name.as_deref()]),
        |a, b| by_column(a, b, l.sort),
        tie,
    );
    ChannelsBody {
        head: all.head.clone(),
        idle_days: all.idle_days,
        summary: all.summary.clone(),
        total,
        offset: l.page.offset,
        count: page.len(),
        channels: page,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::insights::Order;
    use crate::params::page::Page;
    use crate::params::zone::ReportZone;

    fn ms(iso: &str) -> i64 {
        crate::params::iso::parse_canonical(iso).unwrap()
    }

    #[test]
    fn rooms_rows_summary_and_filters() {
        let room = |id: &str, users: i64, lm: Option<&str>| RoomFacts {
            id: id.into(),
            name: Some(id.into()),
            t: "c".into(),
            discussion: false,
            team_main: false,
            users_count: users,
            owner: Some(Owner {
                id: "u1".into(),
                username: Some("alice".into()),
            }),
            created_at: Some("2024-01-01T00:00:00.000Z".into()),
            last_message: lm.map(str::to_string),
            archived: false,
            read_only: false,
        };
        let span = Span {
            zone: ReportZone::utc(),
            first: "2024-06-08".parse().unwrap(),
            last: "2024-06-14".parse().unwrap(),
        };
        let rooms = vec![
            room("busy", 5, Some("2024-06-14T12:00:00.000Z")),
            room("dead", 3, Some("2024-04-01T00:00:00.000Z")),
            room("unused", 1, None),
        ];
        let counts = HashMap::from([("busy".to_string(), [3, 1]), ("dead".to_string(), [0, 0])]);
        let body = table(&span, 30, ms("2024-06-15T00:00:00.000Z"), rooms, &counts);
        assert_eq!(
            crate::reports::json_of(&body.summary),
            r#"{"channels":{"value":3,"previous":3},"active":{"value":1,"previous":1},"messages":{"value":3,"previous":1},"idle":{"value":2,"previous":null},"neverUsed":{"value":1,"previous":null},"empty":{"value":1,"previous":null}}"#
        );
        assert_eq!(
            crate::reports::json_of(&body.channels[0]),
            r#"{"_id":"busy","name":"busy","t":"c","discussion":false,"teamMain":false,"usersCount":5,"owner":{"_id":"u1","username":"alice"},"createdAt":"2024-01-01T00:00:00.000Z","lastMessage":"2024-06-14T12:00:00.000Z","archived":false,"readOnly":false,"idleDays":0,"messages":3,"previousMessages":1}"#
        );
        assert_eq!(body.channels[2].idle_days, Some(166));
        let hidden = Channels::hide_people(&body, Shown::Counts).unwrap();
        assert!(hidden.channels.iter().all(|c| c.room.owner.is_none()));
        let request = |filter, sort, order| ChannelsRequest {
            span,
            kind: "all",
            idle_days: 30,
            listing: Listing {
                filter,
                q: None,
                sort,
                order,
                page: Page {
                    offset: Some(1.0),
                    count: Some(1.0),
                },
            },
        };
        let page = cut(&request("idle", "lastMessage", Order::Asc), &body);
        assert_eq!(
            (page.total, page.count, page.channels[0].room.id.as_str()),
            (2, 1, "dead")
        );
        let page = cut(&request("all", "messages", Order::Desc), &body);
        assert_eq!((page.total, page.channels[0].room.id.as_str()), (3, "dead"));
    }

    #[test]
    fn every_idle_days_value_the_schema_allows_is_accepted() {
        let ParamValue::Pattern(pattern) = PARAMS[6].value else {
            panic!()
        };
        let pattern = regex::Regex::new(pattern).unwrap();
        for n in 0..=4000 {
            let v = n.to_string();
            assert_eq!(pattern.is_match(&v), (1..=3650).contains(&n), "{v}");
            assert_eq!(
                idle_days(&Query::parse(&format!("idleDays={v}")).unwrap()).is_ok(),
                pattern.is_match(&v)
            );
        }
    }

    #[test]
    fn idle_days_parameter() {
        let q = |s: &str| idle_days(&Query::parse(s).unwrap());
        assert_eq!(q("").unwrap(), 30);
        assert_eq!(q("idleDays=90").unwrap(), 90);
        for bad in [
            "idleDays=0",
            "idleDays=3651",
            "idleDays=-1",
            "idleDays=+5",
            "idleDays=x",
        ] {
            assert_eq!(
                q(bad).unwrap_err().to_string(),
                "Invalid parameter \"idleDays\": expected an integer from 1 to 3650",
                "{bad}"
            );
        }
    }
}
