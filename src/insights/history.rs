//! `GET /rc-analytics/api/v1/insights/channels/history`: one room's messages per day of the period (per hour
//! when it is at most 2 days) beside the same bucket of the previous period, its top posters, and its facts
//! (docs/insights.md).

use std::collections::HashMap;

use bson::doc;
use get_size2::GetSize;
use schemars::JsonSchema;
use serde::Serialize;

use super::activity::messages;
use super::channels::{room_projection, RoomFacts};
use super::{period, Figure, Head, Insights, Span, END, START};
use crate::auth::{AuthUser, Shown};
use crate::error::ApiError;
use crate::params::iso::format_canonical;
use crate::params::window::add_days;
use crate::registry::{Param, ParamValue};
use crate::reports::engagement::{FORMAT, TZ};
use crate::reports::{body_rows, Report};
use crate::state::cache::held;
use crate::state::AppState;
use crate::store::{coll, Scan};

pub(crate) struct History;

const HOUR_MS: i64 = 3_600_000;
/// Top posters listed.
const TOP: usize = 10;

const PARAMS: [Param; 5] = [
    Param {
        name: "roomId",
        required: true,
        description: "The room's _id (a public channel, private group or DM)",
        value: ParamValue::Pattern("^.{1,200}$"),
    },
    START,
    END,
    TZ,
    FORMAT,
];

#[derive(Debug)]
pub(crate) struct HistoryRequest {
    room: String,
    span: Span,
}

#[derive(Clone, Debug, Serialize, JsonSchema, GetSize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct HistoryBody {
    #[serde(flatten)]
    pub(crate) head: Head,
    /// `hour` when the period is at most 2 days, else `day`.
    #[get_size(ignore)]
    pub(crate) unit: &'static str,
    pub(crate) room: RoomFacts,
    pub(crate) summary: HistorySummary,
    pub(crate) series: Vec<Bucket>,
    pub(crate) top_posters: Vec<Poster>,
}

#[derive(Clone, Debug, Serialize, JsonSchema, GetSize)]
pub(crate) struct HistorySummary {
    pub(crate) messages: Figure,
    /// Distinct senders.
    pub(crate) posters: Figure,
}

#[derive(Clone, Debug, Serialize, JsonSchema, PartialEq, Eq, GetSize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Bucket {
    #[get_size(size_fn = held)]
    pub(crate) start: String,
    pub(crate) messages: i64,
    /// `null` when the previous period has fewer buckets (a DST change).
    #[get_size(size_fn = held)]
    pub(crate) previous_start: Option<String>,
    pub(crate) previous_messages: i64,
}

#[derive(Clone, Debug, Serialize, JsonSchema, PartialEq, Eq, GetSize)]
pub(crate) struct Poster {
    /// Who: absent for a caller who may not see people.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub(crate) who: Option<Who>,
    pub(crate) messages: i64,
}

#[derive(Clone, Debug, Serialize, JsonSchema, PartialEq, Eq, GetSize)]
pub(crate) struct Who {
    #[serde(rename = "_id")]
    #[get_size(size_fn = held)]
    pub(crate) id: String,
    #[get_size(size_fn = held)]
    pub(crate) username: Option<String>,
    #[get_size(size_fn = held)]
    pub(crate) name: Option<String>,
}

body_rows!(HistoryBody, Bucket, series);

impl Report for History {
    type Family = Insights;
    const PATH: &'static str = "/channels/history";
    const SUMMARY: &'static str =
        "A room's messages per day (per hour for 2 days or less) against the previous period, and its top posters";
    const PARAMS: &'static [Param] = &PARAMS;
    type Request = HistoryRequest;
    type Body = HistoryBody;

    async fn request(state: &AppState, _: &AuthUser, query: &str) -> Result<HistoryRequest, ApiError> {
        let (query, span) = period(query, state.settings.timezone, &["roomId"])?;
        let room = query
            .get("roomId")
            .and_then(|v| v.as_str())
            .filter(|r| !r.is_empty())
            .ok_or_else(|| ApiError::BadRequest("Missing parameter \"roomId\"".into()))?;
        Ok(HistoryRequest {
            room: room.to_string(),
            span,
        })
    }

    fn live(_: &AppState, _: &HistoryRequest) -> bool {
        true
    }

    async fn compute(state: &AppState, r: &HistoryRequest) -> Result<HistoryBody, ApiError> {
        let mut found = None;
        state
            .store
            .scan(
                coll::ROOMS,
                doc! {"_id": &r.room, "t": {"$in": ["c", "p", "d"]}},
                room_projection(),
                Scan::Range,
                |d| found = RoomFacts::of(d),
            )
            .await?;
        let room = found.ok_or(ApiError::NotFound)?;
        let previous = r.span.previous();
        let hourly = r.span.days() <= 2;
        let (current_bounds, previous_bounds) = (bounds(&r.span, hourly), bounds(&previous, hourly));
        // Previous buckets first, then the current ones: `[prev…, cur…]`, one list of instants.
        let mut all = previous_bounds.clone();
        all.pop();
        let split = all.len();
        all.extend(&current_bounds);
        let range = (all[0], all[all.len() - 1]);
        let (tally, _) = messages(
            state,
            range,
            &all,
            Some(&r.room),
            false,
            || Tally {
                buckets: vec![0; all.len() - 1],
                posters: HashMap::new(),
            },
            |acc, user, _room, entries, slot_ms| {
                for e in entries {
                    let i = all.partition_point(|b| *b <= e.start(slot_ms)) - 1;
                    acc.buckets[i] += i64::from(e.n);
                    if !user.is_empty() {
                        acc.posters.entry(user.to_string()).or_default()[usize::from(i < split)] += i64::from(e.n);
                    }
                }
            },
        )
        .await?;
        let mut top: Vec<(&String, i64)> = tally
            .posters
            .iter()
            .filter(|(_, n)| n[0] > 0)
            .map(|(u, n)| (u, n[0]))
            .collect();
        let who = read_who(state, top.iter().map(|(u, _)| u.as_str())).await?;
        let username = |u: &str| who.get(u).and_then(|w| w.username.clone());
        top.sort_by(|a, b| {
            b.1.cmp(&a.1)
                .then_with(|| super::by_text(username(a.0).as_deref(), username(b.0).as_deref()))
                .then_with(|| a.0.cmp(b.0))
        });
        top.truncate(TOP);
        let (prev_counts, cur_counts) = tally.buckets.split_at(split);
        let series = (0..current_bounds.len() - 1)
            .map(|i| Bucket {
                start: format_canonical(current_bounds[i]),
                messages: cur_counts[i],
                previous_start: previous_bounds[..previous_bounds.len() - 1]
                    .get(i)
                    .map(|t| format_canonical(*t)),
                previous_messages: prev_counts.get(i).copied().unwrap_or(0),
            })
            .collect();
        let posters = |k: usize| tally.posters.values().filter(|n| n[k] > 0).count() as i64;
        Ok(HistoryBody {
            head: r.span.head(),
            unit: if hourly { "hour" } else { "day" },
            room,
            summary: HistorySummary {
                messages: Figure::compared(cur_counts.iter().sum(), prev_counts.iter().sum()),
                posters: Figure::compared(posters(0), posters(1)),
            },
            series,
            top_posters: top
                .into_iter()
                .map(|(u, n)| Poster {
                    who: Some(who.get(u).cloned().unwrap_or(Who {
                        id: u.clone(),
                        username: None,
                        name: None,
                    })),
                    messages: n,
                })
                .collect(),
        })
    }

    fn hide_people(body: &HistoryBody, shown: Shown) -> Option<HistoryBody> {
        let mut out = body.clone();
        out.room.owner = None;
        if shown == Shown::Nothing {
            out.top_posters.clear();
        }
        for p in &mut out.top_posters {
            p.who = None;
        }
        Some(out)
    }
}

/// Messages per bucket (previous buckets first) and per sender (`[current, previous]`).
struct Tally {
    buckets: Vec<i64>,
    posters: HashMap<String, [i64; 2]>,
}

/// The instants the buckets of `span` start, and the one after the last ends: days, or hours of each day.
fn bounds(span: &Span, hourly: bool) -> Vec<i64> {
    let mut out = Vec::new();
    let mut day = span.first;
    while day <= span.last {
        let (start, next) = (span.day_start(day), span.day_start(add_days(day, 1)));
        out.push(start);
        if hourly {
            out.extend((1..).map(|h| start + h * HOUR_MS).take_while(|t| *t < next));
        }
        day = add_days(day, 1);
    }
    out.push(span.range().1);
    out
}

/// The usernames and names of `ids`.
async fn read_who(state: &AppState, ids: impl Iterator<Item = &str>) -> Result<HashMap<String, Who>, ApiError> {
    let ids: Vec<&str> = ids.collect();
    let mut out = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    state
        .store
        .scan(
            coll::USERS,
            doc! {"_id": {"$in": ids}},
            doc! {"username": 1, "name": 1},
            Scan::Range,
            |d| {
                if let Ok(id) = d.get_str("_id") {
                    let text = |k| d.get_str(k).ok().map(str::to_string);
                    out.insert(
                        id.to_string(),
                        Who {
                            id: id.to_string(),
                            username: text("username"),
                            name: text("name"),
                        },
                    );
                }
            },
        )
        .await?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::zone::ReportZone;

    #[test]
    fn hours_follow_the_zone_days_and_dst() {
        let span = |first: &str, last: &str, zone: &str| Span {
            zone: ReportZone::parse(zone).unwrap(),
            first: first.parse().unwrap(),
            last: last.parse().unwrap(),
        };
        let days = bounds(&span("2024-01-01", "2024-01-03", "+05:17"), false);
        assert_eq!(days.len(), 4);
        assert_eq!(format_canonical(days[0]), "2023-12-31T18:43:00.000Z");
        // Europe/Berlin's spring change: a 23-hour day.
        let hours = bounds(&span("2024-03-31", "2024-03-31", "Europe/Berlin"), true);
        assert_eq!(hours.len(), 24);
        assert_eq!(format_canonical(hours[23]), "2024-03-31T22:00:00.000Z");
    }

    #[test]
    fn hidden_posters_keep_their_counts() {
        let body = HistoryBody {
            head: Span {
                zone: ReportZone::utc(),
                first: "2024-01-01".parse().unwrap(),
                last: "2024-01-01".parse().unwrap(),
            }
            .head(),
            unit: "day",
            room: RoomFacts {
                id: "r".into(),
                name: Some("general".into()),
                t: "c".into(),
                discussion: false,
                team_main: false,
                users_count: 2,
                owner: Some(super::super::channels::Owner {
                    id: "u1".into(),
                    username: Some("alice".into()),
                }),
                created_at: None,
                last_message: None,
                archived: false,
                read_only: false,
            },
            summary: HistorySummary {
                messages: Figure::compared(3, 0),
                posters: Figure::compared(1, 0),
            },
            series: vec![],
            top_posters: vec![Poster {
                who: Some(Who {
                    id: "u1".into(),
                    username: Some("alice".into()),
                    name: None,
                }),
                messages: 3,
            }],
        };
        assert_eq!(
            crate::reports::json_of(&body.top_posters),
            r#"[{"_id":"u1","username":"alice","name":null,"messages":3}]"#
        );
        let counts = History::hide_people(&body, Shown::Counts).unwrap();
        assert_eq!(crate::reports::json_of(&counts.top_posters), r#"[{"messages":3}]"#);
        assert!(!crate::reports::json_of(&counts).contains("alice"));
        let nothing = History::hide_people(&body, Shown::Nothing).unwrap();
        assert!(nothing.top_posters.is_empty());
    }
}
