//! rc-analytics' own rollup of messages sent per room per 15-minute slot (docs/rollup.md), kept in memory,
//! never written to the database. [`table`] is the pure data structure and its arithmetic; this module
//! builds it at start-up (one projected scan of `rocketchat_message` in natural order, the cheapest read
//! of every document, in the background) and keeps it fresh every `RCA_ROLLUP_REFRESH_SECS`:
//!
//! * the number of messages per UTC day with `ts < W`, and the sum of their milliseconds since midnight,
//!   is read from the `{ts:1}` index alone (a `$match` on `ts` and a `$group` on the day of `ts`: a
//!   covered plan on MongoDB, no document is fetched; cost: one index key per message below the watermark
//!   per check) and compared with the table's own per-day totals (of every message, sent or not;
//!   [`table::DayTotal`]); each day that differs (deleted messages, a pruned day, an import with old `ts`,
//!   edit-history copies) is scanned again (one UTC day of documents);
//! * the watermark moves forward: the messages of `[W, W')` are read (a small indexed `ts` range); the
//!   reports themselves read whatever lies after `W` raw, so a new message counts at once;
//! * the rooms are read, and only then the table changes, once (see `Rollup::refresh`).
//!
//! Until the first build completes the reports use the raw pipeline. Room facts (type, name, …) are
//! kept apart from the counts, in [`rooms`]: one read of the dashboard rooms after each build and refresh.

pub mod logins;
pub mod people;
pub mod rooms;
pub mod table;

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use bson::{doc, Bson, Document};
use chrono::{NaiveDate, Utc};

use self::rooms::Rooms;
use self::table::{DayTotal, Scanned, Table, DAY_MS, SLOT_MS};
use crate::hooks::Hook;
use crate::metrics::Metrics;
use crate::params::window::{bson_bound, instant};
use crate::store::{coll, Scan, Store, StoreError};

/// The watermark stays this far behind the clock (then rounds down to a slot), so that a message being
/// saved right now is read raw by the reports rather than missed by a scan.
const MARGIN_MS: i64 = 5_000;
/// How often the build logs its progress, checked every `PROGRESS_CHECK` documents.
const PROGRESS_EVERY: Duration = Duration::from_secs(5);
const PROGRESS_CHECK: u64 = 10_000;

/// The fields the scan reads. The sender is read as the whole `u` (`{_id, username, name}`): SecantusDB's Rust
/// server projects a path into a subdocument (`u._id`) far slower than a top-level field (measured on
/// 1,000,000 messages: the scan took 3.5× as long with `u._id`, 1.5× with `u`); MongoDB serves both alike.
fn projection() -> Document {
    doc! {"_id": 0, "ts": 1, "rid": 1, "t": 1, "parent": 1, "u": 1}
}

fn ts_range(from: i64, to: i64) -> Document {
    doc! {"ts": {"$gte": bson_bound(instant(from)), "$lt": bson_bound(instant(to))}}
}

/// The rollup of a running service: the table once built.
pub struct Rollup {
    enabled: bool,
    refresh: Duration,
    table: RwLock<Option<Table>>,
    /// The dashboard rooms, read after the table's last change (or before it: see [`rooms`]).
    rooms: RwLock<Option<Arc<Rooms>>>,
    /// One build or refresh at a time (the background loop, and the test seam).
    busy: tokio::sync::Mutex<()>,
    /// Awaited before the first build.
    before_build: Option<Hook>,
}

impl Rollup {
    pub(crate) fn new(settings: &crate::config::Settings, before_build: Option<Hook>) -> Self {
        Self {
            enabled: settings.rollup,
            refresh: settings.rollup_refresh,
            table: RwLock::new(None),
            rooms: RwLock::new(None),
            busy: tokio::sync::Mutex::new(()),
            before_build,
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Runs `f` on the built table; `None` until it is built (or when the rollup is off).
    pub fn read<R>(&self, f: impl FnOnce(&Table) -> R) -> Option<R> {
        let guard = self.table.read().unwrap_or_else(|e| e.into_inner());
        guard.as_ref().filter(|t| t.usable()).map(f)
    }

    /// The latest snapshot of the dashboard rooms, once one was read.
    pub fn rooms(&self) -> Option<Arc<Rooms>> {
        self.rooms.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn is_built(&self) -> bool {
        self.read(|_| ()).is_some()
    }

    /// The background task: builds (retrying after failures), then refreshes forever.
    pub(crate) async fn run(&self, store: &Store, metrics: &Metrics) {
        if !self.enabled {
            metrics.rollup_state(0);
            return;
        }
        metrics.rollup_state(1);
        crate::hooks::run(&self.before_build, "rollup").await;
        let mut reason = "start";
        loop {
            match self.build(store, metrics, reason).await {
                Ok(()) => break,
                Err(e) => {
                    log::warn!(
                        "rollup: build failed, reports use the raw pipeline; retrying in {:?}: {}",
                        self.refresh,
                        crate::store::cause_chain(&e)
                    );
                    reason = "retry";
                    tokio::time::sleep(self.refresh).await;
                }
            }
        }
        loop {
            tokio::time::sleep(self.refresh).await;
            if let Err(e) = self.refresh(store, metrics).await {
                log::warn!(
                    "rollup: refresh failed (next in {:?}): {}",
                    self.refresh,
                    crate::store::cause_chain(&e)
                );
            }
        }
    }

    /// One projected scan of every message below a fresh watermark.
    async fn build(&self, store: &Store, metrics: &Metrics, reason: &str) -> Result<(), StoreError> {
        let _busy = self.busy.lock().await;
        metrics.rollup_rebuilds(reason, 1);
        let started = Instant::now();
        let watermark = watermark_now();
        let mut table = Table::new(watermark);
        let total = store.estimated_count(coll::MESSAGES).await.ok();
        log::info!(
            "rollup: building from rocketchat_message (~{} documents) up to {}",
            total.map_or("?".into(), |n| n.to_string()),
            crate::params::iso::format_canonical(watermark)
        );
        let mut last_log = (Instant::now(), 0u64);
        let mut scanned = 0u64;
        store
            .scan(
                coll::MESSAGES,
                doc! {"ts": {"$lt": bson_bound(instant(watermark))}},
                projection(),
                Scan::Natural,
                |d| {
                    if let Some(m) = Scanned::of(d) {
                        table.add(&m);
                    }
                    if scanned == 0 {
                        // The rate counts from the first document, not from the query's preparation.
                        last_log = (Instant::now(), 0);
                    }
                    scanned += 1;
                    if scanned.is_multiple_of(PROGRESS_CHECK) && last_log.0.elapsed() >= PROGRESS_EVERY {
                        let (at, before) = last_log;
                        last_log = (Instant::now(), scanned);
                        log::info!("rollup: {}", progress(scanned, total, scanned - before, at.elapsed()));
                        metrics.rollup_messages(table.messages_sent());
                    }
                },
            )
            .await?;
        table.normalize();
        log::info!(
            "rollup: built in {:.1} s: {} messages scanned ({:.0}/s), {} sent in {} rooms, {} room-slot entries (~{} KiB)",
            started.elapsed().as_secs_f64(),
            scanned,
            scanned as f64 / started.elapsed().as_secs_f64().max(1e-3),
            table.messages_sent(),
            table.rooms(),
            table.entries(),
            table.entries() * 8 / 1024,
        );
        metrics.rollup_messages(table.messages_sent());
        metrics.rollup_lag(lag_seconds(table.watermark()));
        // The rooms are read after the scan (see `rooms`), and published first: the reports never see the
        // table without them.
        if let Some(mut rooms) = read_rooms(store).await {
            rooms.bind(&table);
            *self.rooms.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(rooms));
        }
        metrics.rollup_state(2);
        *self.table.write().unwrap_or_else(|e| e.into_inner()) = Some(table);
        Ok(())
    }

    /// Brings the table up to date, reading everything first and changing the table once, so that the
    /// answers meanwhile keep a table and a room snapshot of one generation: (1) each UTC day below the
    /// watermark whose [`table::DayTotal`] differs from the database's is scanned again; (2) the messages
    /// after the watermark are scanned; (3) the rooms are read; (4) the days are replaced and the watermark
    /// moves, and the rooms are bound to the result. See the module documentation for what each read
    /// costs. Returns the days rebuilt.
    pub(crate) async fn refresh(&self, store: &Store, metrics: &Metrics) -> Result<usize, StoreError> {
        let _busy = self.busy.lock().await;
        let Some((old, ours)) = self.read(|t| (t.watermark(), t.day_totals().clone())) else {
            return Ok(0);
        };
        let in_db = day_counts(store, old).await?;
        let differing: Vec<i64> = in_db
            .keys()
            .chain(ours.keys())
            .copied()
            .collect::<std::collections::BTreeSet<i64>>()
            .into_iter()
            .filter(|d| in_db.get(d) != ours.get(d))
            .collect();
        let mut days = Vec::with_capacity(differing.len());
        for &day in &differing {
            let mut fresh = Table::new(old);
            scan_into(store, &mut fresh, day * DAY_MS, ((day + 1) * DAY_MS).min(old)).await?;
            days.push((day, fresh));
        }
        let new = watermark_now();
        let mut delta = Table::new(new);
        if new > old {
            scan_into(store, &mut delta, old, new).await?;
        }
        let rooms = read_rooms(store).await;
        self.write(|t| {
            for (day, fresh) in days {
                t.replace_day(day, fresh);
            }
            if new > old {
                t.advance(delta);
            }
        });
        if !differing.is_empty() {
            log::info!("rollup: rebuilt {} UTC day(s) whose messages changed", differing.len());
            metrics.rollup_rebuilds("day", differing.len() as u64);
        }
        if let Some((sent, watermark)) = self.read(|t| (t.messages_sent(), t.watermark())) {
            metrics.rollup_messages(sent);
            metrics.rollup_lag(lag_seconds(watermark));
        }
        if let Some(mut rooms) = rooms {
            if self.read(|t| rooms.bind(t)).is_some() {
                *self.rooms.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(rooms));
            }
        }
        Ok(differing.len())
    }

    fn write(&self, f: impl FnOnce(&mut Table)) {
        if let Some(t) = self.table.write().unwrap_or_else(|e| e.into_inner()).as_mut() {
            f(t);
        }
    }
}

/// A snapshot of the dashboard rooms; `None` (logged) when the read fails: the old snapshot then stays,
/// its generation differs from the table's, and the reports read the rooms they need.
async fn read_rooms(store: &Store) -> Option<Rooms> {
    match Rooms::read(store).await {
        Ok(rooms) => {
            log::debug!("rollup: {} dashboard rooms read", rooms.len());
            Some(rooms)
        }
        Err(e) => {
            log::warn!("rollup: reading the rooms failed: {}", crate::store::cause_chain(&e));
            None
        }
    }
}

/// The instant before which the messages are settled: `MARGIN_MS` ago (a message being saved now may
/// carry a `ts` up to that much older).
pub(crate) fn settled_before() -> i64 {
    Utc::now().timestamp_millis() - MARGIN_MS
}

/// The watermark for now: [`settled_before`], rounded down to a slot boundary.
fn watermark_now() -> i64 {
    settled_before().div_euclid(SLOT_MS) * SLOT_MS
}

fn lag_seconds(watermark: i64) -> f64 {
    (Utc::now().timestamp_millis() - watermark) as f64 / 1000.0
}

/// Scans the messages with `ts` in `[from, to)` into `table`; returns how many were read.
async fn scan_into(store: &Store, table: &mut Table, from: i64, to: i64) -> Result<u64, StoreError> {
    store
        .scan(coll::MESSAGES, ts_range(from, to), projection(), Scan::Range, |d| {
            if let Some(m) = Scanned::of(d) {
                table.add(&m);
            }
        })
        .await
}

/// Per UTC day with `ts < watermark`: the messages and the sum of their milliseconds since midnight, from
/// the `{ts:1}` index only (the pipeline reads no other field, so MongoDB answers it with a covered index
/// scan). Compared with the table's [`DayTotal`]s, it finds deletions, imports and prunes, and a deletion
/// and a write on the same day (the sum moves even when the count does not).
async fn day_counts(store: &Store, watermark: i64) -> Result<BTreeMap<i64, DayTotal>, StoreError> {
    let rows = store
        .aggregate(
            coll::MESSAGES,
            vec![
                doc! {"$match": {"ts": {"$lt": bson_bound(instant(watermark))}}},
                doc! {"$group": {
                    "_id": {"$dateToString": {"format": "%Y-%m-%d", "date": "$ts"}},
                    "n": {"$sum": 1},
                    "ms": {"$sum": {"$mod": [{"$toLong": "$ts"}, DAY_MS]}},
                }},
            ],
            None,
        )
        .await?;
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");
    let whole = |b: &Bson| match b {
        Bson::Int32(n) => u64::try_from(*n).ok(),
        Bson::Int64(n) => u64::try_from(*n).ok(),
        Bson::Double(f) => Some(*f as u64),
        _ => None,
    };
    Ok(rows
        .iter()
        .filter_map(|r| {
            let day = NaiveDate::parse_from_str(r.get_str("_id").ok()?, "%Y-%m-%d").ok()?;
            let total = DayTotal {
                messages: whole(r.get("n")?)?,
                ms_of_day: match r.get("ms")? {
                    Bson::Int64(n) => *n,
                    Bson::Int32(n) => i64::from(*n),
                    Bson::Double(f) => *f as i64,
                    _ => return None,
                },
            };
            Some(((day - epoch).num_days(), total))
        })
        .collect())
}

/// `scanned N of ~T messages (R/s, ~S s left)`.
/// A progress line: `scanned` so far, the rate seen over the last `recent` documents (read in `over`),
/// and the time left at that rate. The rate since the start would count the wait for the scan's first
/// answer, which a server may give only after seconds of preparation, and overestimate the time left.
pub(crate) fn progress(scanned: u64, total: Option<u64>, recent: u64, over: Duration) -> String {
    let rate = recent as f64 / over.as_secs_f64().max(1e-3);
    match total {
        Some(total) if total >= scanned && rate > 0.0 => format!(
            "scanned {scanned} of ~{total} messages ({rate:.0}/s, ~{:.0} s left)",
            (total - scanned) as f64 / rate
        ),
        _ => format!("scanned {scanned} messages ({rate:.0}/s)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_lines() {
        assert_eq!(
            progress(50_000, Some(150_000), 40_000, Duration::from_secs(2)),
            "scanned 50000 of ~150000 messages (20000/s, ~5 s left)"
        );
        assert_eq!(
            progress(10, None, 10, Duration::from_secs(1)),
            "scanned 10 messages (10/s)"
        );
        assert_eq!(watermark_now() % SLOT_MS, 0);
        assert_eq!(table::utc_day_of(DAY_MS), 1);
    }
}
