//! Who logged in when, kept in memory for the insights' "active on a day" (docs/insights.md), so that a
//! members table or a retention grid reads no session document: per user, the minute each session started
//! (`rocketchat_sessions` of `type` `session` or `computed-session`, by `loginAt`) and the dates of its
//! `user_daily` roll-ups. Built by one projected read of the sessions at start; then, every
//! `RCA_ROLLUP_REFRESH_SECS`, the sessions that started since the watermark (an indexed `loginAt` range) and
//! the roll-ups computed since the last one (the `{_computedAt:1}` index): a cost of recent traffic only.
//! Sessions deleted later (Rocket.Chat's TTL removes computed sessions after 45 days) stay here.
//!
//! The answers add the sessions that started after the watermark, read raw, so a login counts at once.
//!
//! Memory: 4 bytes per session (its start minute) and 4 per roll-up (its date), in per-user sorted vectors;
//! per user its id and two vector headers (~80 bytes).

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::Duration;

use bson::{doc, RawDocument};
use chrono::{Datelike, NaiveDate, Utc};

use crate::params::window::{bson_bound, instant};
use crate::store::{coll, Scan, Store, StoreError};

const MINUTE_MS: i64 = 60_000;

/// The session types whose `loginAt` counts.
pub const LOGIN_TYPES: [&str; 2] = ["session", "computed-session"];

/// Per user: session start minutes and roll-up dates (days since 1970-01-01), sorted, no duplicates.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoginTable {
    users: HashMap<String, (Vec<i32>, Vec<i32>)>,
    /// Sessions with `loginAt` before it are held.
    watermark: i64,
    /// Roll-ups computed (`_computedAt`) before it are held.
    computed: i64,
}

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date")
}

impl LoginTable {
    pub fn watermark(&self) -> i64 {
        self.watermark
    }

    /// Adds a session that started at `ms` ([`Self::normalize`] before reading).
    pub fn add_login(&mut self, user: &str, ms: i64) {
        if let Ok(minute) = i32::try_from(ms.div_euclid(MINUTE_MS)) {
            self.entry(user).0.push(minute);
        }
    }

    /// Adds a roll-up of `date` ([`Self::normalize`] before reading).
    pub fn add_daily(&mut self, user: &str, date: NaiveDate) {
        if let Ok(day) = i32::try_from((date - epoch()).num_days()) {
            self.entry(user).1.push(day);
        }
    }

    /// Sorts every vector and drops duplicates.
    pub fn normalize(&mut self) {
        for v in self.users.values_mut().flat_map(|(s, d)| [s, d]) {
            v.sort_unstable();
            v.dedup();
            v.shrink_to_fit();
        }
    }

    fn entry(&mut self, user: &str) -> &mut (Vec<i32>, Vec<i32>) {
        if !self.users.contains_key(user) {
            self.users.insert(user.to_string(), Default::default());
        }
        self.users.get_mut(user).expect("just inserted")
    }

    /// Calls `f(user, start)` for each session that started in `[from, to)` (to the minute), and
    /// `g(user, date)` for each roll-up dated `first..=last`.
    pub fn each(
        &self,
        (from, to): (i64, i64),
        (first, last): (NaiveDate, NaiveDate),
        mut f: impl FnMut(&str, i64),
        mut g: impl FnMut(&str, NaiveDate),
    ) {
        let minute = |ms: i64| ms.div_euclid(MINUTE_MS).clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
        let day = |d: NaiveDate| (d - epoch()).num_days().clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
        let (lo, hi, d0, d1) = (minute(from), minute(to), day(first), day(last));
        for (user, (starts, dailies)) in &self.users {
            let a = starts.partition_point(|m| *m < lo);
            let b = starts.partition_point(|m| *m < hi);
            for m in &starts[a..b.max(a)] {
                f(user, i64::from(*m) * MINUTE_MS);
            }
            let a = dailies.partition_point(|d| *d < d0);
            let b = dailies.partition_point(|d| *d <= d1);
            for d in &dailies[a..b.max(a)] {
                g(user, epoch() + chrono::Duration::days(i64::from(*d)));
            }
        }
    }

    /// Adds what `other` holds (both normalized).
    fn merge(&mut self, other: LoginTable) {
        for (user, (starts, dailies)) in other.users {
            let mine = self.entry(&user);
            for m in starts {
                insert(&mut mine.0, m);
            }
            for d in dailies {
                insert(&mut mine.1, d);
            }
        }
    }

    /// Sessions and roll-ups held.
    pub fn entries(&self) -> usize {
        self.users.values().map(|(s, d)| s.len() + d.len()).sum()
    }
}

/// Inserts `v` into a sorted vector without duplicates.
fn insert(v: &mut Vec<i32>, x: i32) {
    match v.last() {
        Some(last) if *last < x => v.push(x),
        _ => {
            if let Err(i) = v.binary_search(&x) {
                v.insert(i, x);
            }
        }
    }
}

/// A session document's user and `loginAt`.
fn login_of(d: &RawDocument) -> Option<(&str, i64)> {
    LOGIN_TYPES.contains(&d.get_str("type").ok()?).then_some(())?;
    Some((
        d.get_str("userId").ok()?,
        d.get_datetime("loginAt").ok()?.timestamp_millis(),
    ))
}

/// A roll-up's user and date.
fn daily_of(d: &RawDocument) -> Option<(&str, NaiveDate)> {
    let int = |k| match d.get(k).ok()?? {
        bson::RawBsonRef::Int32(n) => Some(n),
        bson::RawBsonRef::Int64(n) => i32::try_from(n).ok(),
        bson::RawBsonRef::Double(f) => Some(f as i32),
        _ => None,
    };
    (d.get_str("type").ok()? == "user_daily").then_some(())?;
    Some((
        d.get_str("userId").ok()?,
        ymd(int("year")?, int("month")?, int("day")?)?,
    ))
}

/// The logins of a running service, once read.
#[derive(Default)]
pub struct Logins {
    table: RwLock<Option<LoginTable>>,
    /// Set when the first read completed (see [`Logins::loaded`]).
    loaded: super::Ready,
}

impl Logins {
    /// Runs `f` on the table once it is read.
    pub fn read<R>(&self, f: impl FnOnce(&LoginTable) -> R) -> Option<R> {
        self.table.read().unwrap_or_else(|e| e.into_inner()).as_ref().map(f)
    }

    /// Returns once the first read completed.
    pub(crate) async fn loaded(&self) {
        self.loaded.wait().await;
    }

    /// The background task: reads every session, then catches up every `refresh` (retrying after failures).
    pub(crate) async fn run(&self, store: &Store, refresh: Duration) {
        loop {
            if let Err(e) = self.refresh(store).await {
                log::warn!(
                    "logins: reading sessions failed (next in {refresh:?}): {}",
                    crate::store::cause_chain(&e)
                );
            }
            tokio::time::sleep(refresh).await;
        }
    }

    /// Reads what is new since the last read (everything, the first time).
    pub async fn refresh(&self, store: &Store) -> Result<(), StoreError> {
        let since = self.read(|t| (t.watermark, t.computed));
        let now = Utc::now().timestamp_millis() - 5_000;
        // The first read takes every session and roll-up; later ones what started (or was computed) since,
        // by the range alone, so that the server walks Rocket.Chat's `{loginAt:-1}` and `{_computedAt:1}`
        // indexes (with `type` in the filter too, SecantusDB read every session: 1.0 s per refresh at 564,000
        // sessions); `login_of` and `daily_of` check the type.
        let range = |from: i64| doc! {"$gte": bson_bound(instant(from)), "$lt": bson_bound(instant(now))};
        let (logins, dailies, order) = match since {
            None => (
                doc! {"type": {"$in": LOGIN_TYPES.to_vec()}, "loginAt": {"$lt": bson_bound(instant(now))}},
                doc! {"type": "user_daily"},
                Scan::Natural,
            ),
            Some((logins, dailies)) => (
                doc! {"loginAt": range(logins)},
                doc! {"_computedAt": range(dailies)},
                Scan::Range,
            ),
        };
        let mut new = LoginTable::default();
        store
            .scan(
                coll::SESSIONS,
                logins,
                doc! {"type": 1, "userId": 1, "loginAt": 1},
                order,
                |d| {
                    if let Some((user, t)) = login_of(d) {
                        new.add_login(user, t);
                    }
                },
            )
            .await?;
        let projection = doc! {"type": 1, "userId": 1, "year": 1, "month": 1, "day": 1};
        store
            .scan(coll::SESSIONS, dailies, projection, order, |d| {
                if let Some((user, date)) = daily_of(d) {
                    new.add_daily(user, date);
                }
            })
            .await?;
        new.normalize();
        let mut guard = self.table.write().unwrap_or_else(|e| e.into_inner());
        let table = match guard.as_mut() {
            Some(table) => {
                table.merge(new);
                table
            }
            None => {
                log::info!("logins: {} sessions and roll-ups read", new.entries());
                guard.insert(new)
            }
        };
        (table.watermark, table.computed) = (now, now);
        self.loaded.set();
        Ok(())
    }
}

/// The date of a roll-up's stored `year`/`month`/`day`, for callers reading them raw.
pub fn ymd(year: i32, month: i32, day: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?).filter(|d| d.year() == year)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_by_minute_and_dailies_by_date() {
        let mut t = LoginTable::default();
        t.add_login("u", 125_000);
        t.add_login("u", 65_000);
        t.add_login("u", 61_000);
        t.add_login("v", 0);
        t.add_daily("u", ymd(2024, 1, 2).unwrap());
        t.add_daily("u", ymd(2024, 1, 1).unwrap());
        t.add_daily("u", ymd(2024, 1, 2).unwrap());
        t.normalize();
        assert_eq!(t.entries(), 5);
        let (mut starts, mut dates) = (vec![], vec![]);
        t.each(
            (60_000, 180_000),
            (ymd(2024, 1, 2).unwrap(), ymd(2024, 1, 9).unwrap()),
            |u, m| starts.push((u.to_string(), m)),
            |u, d| dates.push((u.to_string(), d.to_string())),
        );
        assert_eq!(starts, [("u".to_string(), 60_000), ("u".to_string(), 120_000)]);
        assert_eq!(dates, [("u".to_string(), "2024-01-02".to_string())]);
        assert_eq!(ymd(2024, 2, 30), None);
    }
}
