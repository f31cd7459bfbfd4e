//! Who was active when: messages sent per (user, room) from the rollup's [`People`] below its watermark and a
//! raw read after it (so a message counts as soon as it is saved), or from a raw read of the whole range when
//! the rollup cannot answer (not built yet, or a bucket boundary that splits one of its 15-minute slots:
//! `tz=+05:17`); and sessions per user and day, likewise from memory ([`crate::rollup::logins`]) plus a raw
//! read after its watermark.
//!
//! The raw read groups the messages sent per (user, room, minute) with the latest instant of each group:
//! the same [`People`] on a one-minute grid, so both sources are read by the same code.

use std::collections::HashMap;

use bson::{doc, Bson, Document};
use chrono::NaiveDate;

use crate::error::ApiError;
use crate::params::window::{add_days, bson_bound, instant};
use crate::params::zone::ReportZone;
use crate::reports::count_of;
use crate::reports::engagement::day_of;
use crate::reports::engagement::messages_sent_stages;
use crate::reports::engagement::sessions::user_daily_match;
use crate::rollup::logins::{ymd, LOGIN_TYPES};
use crate::rollup::people::{Entry, People};
use crate::state::AppState;
use crate::store::coll;

/// The raw reads' grid.
const MINUTE_MS: i64 = 60_000;

/// The instant of each user's latest message sent.
pub(crate) type Lasts = HashMap<String, i64>;

fn date(ms: i64) -> bson::DateTime {
    bson_bound(instant(ms))
}

/// Messages sent in `[from, to)` (in `room` when given), grouped per (user, room, minute) with the latest
/// instant of each group. `$toLong`/`$mod` arithmetic rather than date arithmetic, which SecantusDB refuses.
pub(crate) fn raw_pipeline(from: i64, to: i64, room: Option<&str>) -> Vec<Document> {
    let mut stages = messages_sent_stages(date(from), date(to)).to_vec();
    if let Some(rid) = room {
        // After the `ts` range, as every message read here (see `messages_sent_stages`).
        stages.insert(1, doc! {"$match": {"rid": rid}});
    }
    stages.push(doc! {"$group": {
        "_id": {
            "u": "$u._id",
            "r": "$rid",
            "m": {"$subtract": [{"$toLong": "$ts"}, {"$mod": [{"$toLong": "$ts"}, MINUTE_MS]}]},
        },
        "n": {"$sum": 1},
        "last": {"$max": "$ts"},
    }});
    stages
}

/// The rows of [`raw_pipeline`] as [`People`] on a one-minute grid.
pub(crate) fn raw_people(rows: &[Document]) -> People {
    let mut people = People::new(MINUTE_MS);
    for row in rows {
        let (Ok(id), Ok(last)) = (row.get_document("_id"), row.get_datetime("last")) else {
            continue;
        };
        let Ok(room) = id.get_str("r") else { continue };
        let user = id.get_str("u").unwrap_or("");
        let n = u32::try_from(count_of(row, "n")).unwrap_or(u32::MAX);
        people.add(user, room, last.timestamp_millis(), n);
    }
    people.normalize();
    people
}

/// Each user's latest message sent, read raw over all history (only while the rollup cannot answer).
fn raw_lasts_pipeline() -> Vec<Document> {
    vec![
        doc! {"$match": {
            "$or": [{"t": {"$exists": false}}, {"t": {"$in": ["e2e", "rm"]}}],
            "parent": {"$exists": false},
        }},
        doc! {"$group": {"_id": "$u._id", "last": {"$max": "$ts"}}},
    ]
}

/// Calls `f(user, room, entries, slot_ms)` for every (user, room) pair with messages sent in `[from, to)` (in
/// `room` only, when given), from both sources, and returns each user's latest message (all history, any
/// room) when `lasts` asks for it. Every instant of `bounds` must start an entry's bucket: the rollup
/// answers only when none of them splits one of its slots.
pub(crate) async fn messages<T>(
    state: &AppState,
    (from, to): (i64, i64),
    bounds: &[i64],
    room: Option<&str>,
    lasts: bool,
    init: impl Fn() -> T,
    mut f: impl FnMut(&mut T, &str, &str, &[Entry], i64),
) -> Result<(T, Lasts), ApiError> {
    for _ in 0..3 {
        let Some(watermark) = state
            .rollup
            .read(|t| bounds.iter().all(|b| t.splits_cleanly(*b)).then(|| t.watermark()))
            .flatten()
        else {
            break;
        };
        // Everything after the watermark: the part of `[from, to)` the table lacks, and the latest messages.
        let raw = raw_people(&read_raw(state, watermark, i64::MAX, room).await?);
        let answer = state
            .rollup
            .read(|t| {
                if t.watermark() != watermark {
                    return None;
                }
                let mut acc = init();
                visit(t.people(), from, to.min(watermark), room, &mut |u, r, e, s| {
                    f(&mut acc, u, r, e, s)
                });
                visit(&raw, from.max(watermark), to, room, &mut |u, r, e, s| {
                    f(&mut acc, u, r, e, s)
                });
                let mut found = Lasts::new();
                if lasts {
                    for (user, last) in t.people().last_messages().chain(raw.last_messages()) {
                        let slot = found.entry(user.to_string()).or_insert(last);
                        *slot = (*slot).max(last);
                    }
                }
                Some((acc, found))
            })
            .flatten();
        if let Some(answer) = answer {
            return Ok(answer);
        }
    }
    let raw = raw_people(&read_raw(state, from, to, room).await?);
    let mut acc = init();
    visit(&raw, from, to, room, &mut |u, r, e, s| f(&mut acc, u, r, e, s));
    let mut found = Lasts::new();
    if lasts {
        let rows = state
            .store
            .aggregate(coll::MESSAGES, raw_lasts_pipeline(), None)
            .await?;
        for row in &rows {
            if let (Ok(user), Ok(last)) = (row.get_str("_id"), row.get_datetime("last")) {
                found.insert(user.to_string(), last.timestamp_millis());
            }
        }
    }
    Ok((acc, found))
}

async fn read_raw(state: &AppState, from: i64, to: i64, room: Option<&str>) -> Result<Vec<Document>, ApiError> {
    Ok(state
        .store
        .aggregate(coll::MESSAGES, raw_pipeline(from, to, room), None)
        .await?)
}

/// What [`visit`] calls for each (user, room) pair: `(user, room, entries, slot_ms)`.
type Visitor<'a> = dyn FnMut(&str, &str, &[Entry], i64) + 'a;

fn visit(people: &People, from: i64, to: i64, room: Option<&str>, f: &mut Visitor) {
    if from >= to {
        return;
    }
    let slot_ms = people.slot_ms();
    for (user, rid, entries) in people.pairs_in(from, to) {
        if room.is_none_or(|r| r == rid) {
            f(user, rid, entries, slot_ms);
        }
    }
}

/// The days `first..=last` of a zone and the instants they start (and the one after the last ends).
#[derive(Clone, Debug)]
pub(crate) struct Days {
    pub(crate) first: NaiveDate,
    pub(crate) starts: Vec<i64>,
}

impl Days {
    pub(crate) fn new(zone: ReportZone, first: NaiveDate, last: NaiveDate) -> Self {
        let n = (last - first).num_days().max(-1) + 2;
        let starts = (0..n)
            .map(|i| zone.start_of_day(add_days(first, i)).timestamp_millis())
            .collect();
        Self { first, starts }
    }

    /// `[from, to)` of all the days.
    pub(crate) fn range(&self) -> (i64, i64) {
        (self.starts[0], self.starts[self.starts.len() - 1])
    }

    /// The index of the day holding instant `ms`.
    pub(crate) fn index_of(&self, ms: i64) -> Option<u32> {
        let i = self.starts.partition_point(|s| *s <= ms);
        (i > 0 && i < self.starts.len()).then(|| (i - 1) as u32)
    }

    /// The index of `day`.
    pub(crate) fn index_of_date(&self, day: NaiveDate) -> Option<u32> {
        let i = (day - self.first).num_days();
        (0..self.starts.len() as i64 - 1).contains(&i).then_some(i as u32)
    }
}

/// One user's activity per day (indexes into [`Days`]): messages sent, and days with a session.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct UserDays {
    /// `(day, messages)`, sorted by day once [`Self::normalize`]d.
    pub(crate) messages: Vec<(u32, u32)>,
    /// Days with a session, sorted, no duplicates once normalized.
    pub(crate) sessions: Vec<u32>,
}

impl UserDays {
    fn normalize(&mut self) {
        self.messages.sort_unstable();
        self.messages.dedup_by(|b, a| {
            let same = a.0 == b.0;
            if same {
                a.1 += b.1;
            }
            same
        });
        self.sessions.sort_unstable();
        self.sessions.dedup();
    }

    /// Messages sent on days `[a, b)`.
    pub(crate) fn messages_in(&self, (a, b): (u32, u32)) -> i64 {
        self.messages
            .iter()
            .filter(|(d, _)| (a..b).contains(d))
            .map(|(_, n)| i64::from(*n))
            .sum()
    }

    /// Days of `[a, b)` with a message or a session.
    pub(crate) fn active_in(&self, (a, b): (u32, u32)) -> i64 {
        let mut days: Vec<u32> = self
            .messages
            .iter()
            .map(|(d, _)| *d)
            .chain(self.sessions.iter().copied())
            .filter(|d| (a..b).contains(d))
            .collect();
        days.sort_unstable();
        days.dedup();
        days.len() as i64
    }

    /// Whether any day of `[a, b)` has a message.
    pub(crate) fn posted_in(&self, (a, b): (u32, u32)) -> bool {
        self.messages.iter().any(|(d, _)| (a..b).contains(d))
    }

    /// Whether any day of `[a, b)` has a session.
    pub(crate) fn session_in(&self, (a, b): (u32, u32)) -> bool {
        self.sessions.iter().any(|d| (a..b).contains(d))
    }
}

/// Every user's activity on `days`, and (when `lasts` asks) each user's latest message sent (all history).
pub(crate) async fn user_days(
    state: &AppState,
    zone: ReportZone,
    days: &Days,
    lasts: bool,
) -> Result<(HashMap<String, UserDays>, Lasts), ApiError> {
    let (mut users, lasts) = messages(
        state,
        days.range(),
        &days.starts,
        None,
        lasts,
        HashMap::<String, UserDays>::new,
        |acc, user, _room, entries, slot_ms| {
            if user.is_empty() {
                return;
            }
            let mine = match acc.get_mut(user) {
                Some(m) => m,
                None => acc.entry(user.to_string()).or_default(),
            };
            for e in entries {
                if let Some(day) = days.index_of(e.start(slot_ms)) {
                    mine.messages.push((day, e.n));
                }
            }
        },
    )
    .await?;
    session_days(state, zone, days, &mut users).await?;
    for u in users.values_mut() {
        u.normalize();
    }
    Ok((users, lasts))
}

/// Counts a session of `user` on the day of index `day` (none: outside the days).
fn add_session_day(users: &mut HashMap<String, UserDays>, user: &str, day: Option<u32>) {
    let Some(day) = day else { return };
    match users.get_mut(user) {
        Some(u) => u.sessions.push(day),
        None => users.entry(user.to_string()).or_default().sessions.push(day),
    }
}

/// `(user, day)` for each day of `days` with a session: sessions (`session`, `computed-session`) by the
/// zone day of `loginAt`, and `user_daily` roll-ups by their stored date. From the logins kept in memory
/// ([`crate::rollup::logins`]) and the sessions that started after their watermark, read raw; or all read
/// raw while they are not.
async fn session_days(
    state: &AppState,
    zone: ReportZone,
    days: &Days,
    users: &mut HashMap<String, UserDays>,
) -> Result<(), ApiError> {
    let (from, to) = days.range();
    let last = add_days(days.first, days.starts.len() as i64 - 2);
    let held = {
        // One adder for both kinds of `LoginTable::each`'s callbacks, dropped before any await (a `RefCell`
        // held across one would keep the future from moving between threads).
        let out = std::cell::RefCell::new(&mut *users);
        let push = |user: &str, day| add_session_day(&mut out.borrow_mut(), user, day);
        state.logins.read(|t| {
            t.each(
                (from, to),
                (days.first, last),
                |user, ms| push(user, days.index_of(ms)),
                |user, date| push(user, days.index_of_date(date)),
            );
            t.watermark()
        })
    };
    let mut push = |user: &str, day| add_session_day(users, user, day);
    let logins_from = held.map_or(from, |watermark| watermark.max(from));
    if logins_from < to {
        let logins = vec![
            doc! {"$match": {
                "loginAt": {"$gte": date(logins_from), "$lt": date(to)},
                "type": {"$in": LOGIN_TYPES.to_vec()},
            }},
            doc! {"$group": {"_id": {"u": "$userId", "d": day_of("$loginAt", zone)}}},
        ];
        for row in state.store.aggregate(coll::SESSIONS, logins, None).await? {
            let Ok(id) = row.get_document("_id") else { continue };
            let day = id
                .get_str("d")
                .ok()
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
            if let Ok(user) = id.get_str("u") {
                push(user, day.and_then(|d| days.index_of_date(d)));
            }
        }
    }
    if held.is_some() {
        return Ok(());
    }
    let daily = vec![
        user_daily_match(days.first, last),
        doc! {"$group": {"_id": {"u": "$userId", "y": "$year", "m": "$month", "d": "$day"}}},
    ];
    for row in state.store.aggregate(coll::SESSIONS, daily, None).await? {
        let Ok(id) = row.get_document("_id") else { continue };
        let int = |k| match id.get(k) {
            Some(Bson::Int32(n)) => Some(*n),
            Some(Bson::Int64(n)) => i32::try_from(*n).ok(),
            Some(Bson::Double(f)) => Some(*f as i32),
            _ => None,
        };
        let day = match (int("y"), int("m"), int("d")) {
            (Some(y), Some(m), Some(d)) => ymd(y, m, d),
            _ => None,
        };
        if let Ok(user) = id.get_str("u") {
            push(user, day.and_then(|d| days.index_of_date(d)));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_index_instants_and_dates() {
        let zone = ReportZone::parse("+05:17").unwrap();
        let first: NaiveDate = "2024-01-01".parse().unwrap();
        let days = Days::new(zone, first, "2024-01-03".parse().unwrap());
        assert_eq!(days.starts.len(), 4);
        let (from, to) = days.range();
        assert_eq!(to - from, 3 * 86_400_000);
        assert_eq!(days.index_of(from - 1), None);
        assert_eq!(days.index_of(from), Some(0));
        assert_eq!(days.index_of(from + 86_400_000), Some(1));
        assert_eq!(days.index_of(to - 1), Some(2));
        assert_eq!(days.index_of(to), None);
        assert_eq!(days.index_of_date("2024-01-03".parse().unwrap()), Some(2));
        assert_eq!(days.index_of_date("2024-01-04".parse().unwrap()), None);
    }

    #[test]
    fn user_days_union_messages_and_sessions() {
        let mut u = UserDays {
            messages: vec![(3, 1), (1, 2), (3, 4)],
            sessions: vec![5, 1, 1],
        };
        u.normalize();
        assert_eq!(u.messages, [(1, 2), (3, 5)]);
        assert_eq!(u.sessions, [1, 5]);
        assert_eq!(u.messages_in((0, 4)), 7);
        assert_eq!(u.active_in((0, 6)), 3);
        assert_eq!(u.active_in((2, 5)), 1);
        assert!(u.posted_in((3, 4)) && !u.posted_in((4, 9)));
        assert!(u.session_in((5, 6)) && !u.session_in((2, 5)));
    }

    #[test]
    fn raw_rows_become_minute_entries() {
        let last = bson::DateTime::from_millis(3 * MINUTE_MS + 7);
        let rows = vec![
            doc! {"_id": {"u": "u1", "r": "r1", "m": 3 * MINUTE_MS}, "n": 2, "last": last},
            doc! {"_id": {"r": "r1", "m": 0}, "n": 1, "last": bson::DateTime::from_millis(5)},
            doc! {"_id": {"u": "u1"}, "n": 1, "last": last},
        ];
        let people = raw_people(&rows);
        let mut pairs: Vec<_> = people
            .pairs_in(0, 10 * MINUTE_MS)
            .map(|(u, r, e)| (u.to_string(), r.to_string(), e.to_vec()))
            .collect();
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            pairs,
            vec![
                ("".into(), "r1".into(), vec![Entry { slot: 0, n: 1, last: 5 }]),
                ("u1".into(), "r1".into(), vec![Entry { slot: 3, n: 2, last: 7 }]),
            ]
        );
        assert_eq!(raw_pipeline(0, 1, Some("r1"))[1], doc! {"$match": {"rid": "r1"}});
    }
}
