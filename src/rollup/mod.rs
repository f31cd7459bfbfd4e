//! rc-analytics' own rollup of messages sent per room per 15-minute slot (docs/rollup.md), kept in memory,
//! never written to the database. [`table`] is the pure data structure and its arithmetic; this module
//! builds it at start-up (projected reads of `rocketchat_message` in `ts` windows of about
//! [`BUILD_WINDOW`] messages, newest first, in the background) and keeps it fresh every
//! `RCA_ROLLUP_REFRESH_SECS`:
//!
//! * the recent UTC hours and one slice of older history, in rotation, are checked against the `{ts:1}`
//!   index ([`upkeep`]: what each check reads and costs); the UTC day of each hour that differs (deleted
//!   messages, a pruned month, an import with old `ts`, edit-history copies) is scanned again (one UTC day
//!   of documents);
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
pub mod upkeep;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use bson::{doc, Document};
use chrono::Utc;

use self::rooms::Rooms;
use self::table::{Scanned, Table, DAY_MS, SLOT_MS};
use self::upkeep::Rotation;
use crate::hooks::Hook;
use crate::metrics::Metrics;
use crate::params::window::{bson_bound, instant};
use crate::store::{coll, Scan, Store, StoreError};

/// The watermark stays this far behind the clock (then rounds down to a slot), so that a message being
/// saved right now is read raw by the reports rather than missed by a scan.
const MARGIN_MS: i64 = 5_000;
/// How often the build logs its progress (checked after each window).
const PROGRESS_EVERY: Duration = Duration::from_secs(5);
/// About how many messages each read of the build holds: every read is an indexed `ts` window, its length
/// set from the density of the window before, so that no read is long or holds much on the server (a
/// single read of every document would make SecantusDB hold the whole result in memory).
pub const BUILD_WINDOW: u64 = 100_000;
/// Going back in time, a window that has grown this long without reaching its share of messages (an empty
/// or sparse past) is the last one: it takes everything older.
const BUILD_LAST_SPAN_MS: i64 = 4 * 366 * DAY_MS;

/// The fields the scan reads. The sender is read as the whole `u` (`{_id, username, name}`): SecantusDB's Rust
/// server projects a path into a subdocument (`u._id`) far slower than a top-level field (measured on
/// 1,000,000 messages: the scan took 3.5× as long with `u._id`, 1.5× with `u`); MongoDB serves both alike.
fn projection() -> Document {
    doc! {"_id": 0, "ts": 1, "rid": 1, "t": 1, "parent": 1, "u": 1}
}

/// The filter of `ts` in `[from, to)`; `from: None` has no lower bound.
pub(crate) fn ts_range(from: Option<i64>, to: i64) -> Document {
    let mut ts = doc! {"$lt": bson_bound(instant(to))};
    if let Some(from) = from {
        ts.insert("$gte", bson_bound(instant(from)));
    }
    doc! {"ts": ts}
}

/// The length of the build's next window after one of `span` that held `read` documents: about
/// [`BUILD_WINDOW`] at the same density, at most four times longer (twice after an empty one), at least a
/// slot.
fn next_span(span: i64, read: u64) -> i64 {
    if read == 0 {
        return span.saturating_mul(2);
    }
    let scaled = i128::from(span) * i128::from(BUILD_WINDOW) / i128::from(read);
    scaled.clamp(i128::from(SLOT_MS), i128::from(span.saturating_mul(4))) as i64
}

/// The rollup of a running service: the table once built.
pub struct Rollup {
    enabled: bool,
    refresh: Duration,
    /// `RCA_ROLLUP_RECENT_HOURS` and `RCA_ROLLUP_VERIFY_MESSAGES` (see [`upkeep`]).
    recent_hours: u32,
    verify_messages: u64,
    table: RwLock<Option<Table>>,
    /// The dashboard rooms, read after the table's last change (or before it: see [`rooms`]).
    rooms: RwLock<Option<Arc<Rooms>>>,
    /// One build or refresh at a time (the background loop, and the test seam); the rotation of the
    /// older days' checks.
    busy: tokio::sync::Mutex<Rotation>,
    /// Awaited before the first build.
    before_build: Option<Hook>,
    /// Set when the first build completed (see [`Rollup::built`]).
    built: Ready,
}

/// A flag set once, that tasks can wait for: "the first build (or read) completed".
#[derive(Debug)]
pub(crate) struct Ready(tokio::sync::watch::Sender<bool>);

impl Default for Ready {
    fn default() -> Self {
        Self(tokio::sync::watch::Sender::new(false))
    }
}

impl Ready {
    pub(crate) fn set(&self) {
        self.0.send_replace(true);
    }

    /// Returns once [`Ready::set`] was called.
    pub(crate) async fn wait(&self) {
        // The sender lives as long as `self`: the wait ends only when the flag is set.
        let _ = self.0.subscribe().wait_for(|ready| *ready).await;
    }
}

impl Rollup {
    pub(crate) fn new(settings: &crate::config::Settings, before_build: Option<Hook>) -> Self {
        Self {
            enabled: settings.rollup,
            refresh: settings.rollup_refresh,
            recent_hours: settings.rollup_recent_hours,
            verify_messages: settings.rollup_verify_messages,
            table: RwLock::new(None),
            rooms: RwLock::new(None),
            busy: tokio::sync::Mutex::new(Rotation::default()),
            before_build,
            built: Ready::default(),
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

    /// Returns once the first build completed: other big start-up reads wait for it, so that the database
    /// serves one at a time.
    pub(crate) async fn built(&self) {
        self.built.wait().await;
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

    /// Reads every message below a fresh watermark, in `ts` windows of about [`BUILD_WINDOW`] messages, and
    /// counts them on a thread of its own, so that the database reads a window while the last one is counted.
    async fn build(&self, store: &Store, metrics: &Metrics, reason: &str) -> Result<(), StoreError> {
        let mut rotation = self.busy.lock().await;
        metrics.rollup_rebuilds(reason, 1);
        let started = Instant::now();
        let watermark = watermark_now();
        let total = store.estimated_count(coll::MESSAGES).await.ok();
        log::info!(
            "rollup: building from rocketchat_message (~{} documents) up to {}",
            total.map_or("?".into(), |n| n.to_string()),
            crate::params::iso::format_canonical(watermark)
        );
        // Each window's documents, back to back, go to the counting thread (one waits while one is counted).
        let (windows, mut incoming) = tokio::sync::mpsc::channel::<Vec<u8>>(1);
        let sent = Arc::new(AtomicU64::new(0));
        let counted = Arc::clone(&sent);
        let counting = tokio::task::spawn_blocking(move || {
            let mut table = Table::new(watermark);
            while let Some(window) = incoming.blocking_recv() {
                for m in documents(&window).filter_map(Scanned::of) {
                    table.add(&m);
                }
                counted.store(table.messages_sent(), Ordering::Relaxed);
            }
            table.normalize();
            table.compact();
            table
        });
        let mut last_log = (Instant::now(), 0u64);
        let mut scanned = 0u64;
        // Windows `[hi - span, hi)` back from the watermark; the last one reaches back without a bound.
        let (mut hi, mut span) = (watermark, DAY_MS);
        let read = loop {
            let last = span >= BUILD_LAST_SPAN_MS;
            let from = (!last).then(|| hi.saturating_sub(span));
            let mut window = Vec::new();
            let read = match store
                .scan(coll::MESSAGES, ts_range(from, hi), projection(), Scan::Range, |d| {
                    window.extend_from_slice(d.as_bytes())
                })
                .await
            {
                Ok(read) => read,
                Err(e) => break Err(e),
            };
            scanned += read;
            if windows.send(window).await.is_err() {
                break Ok(());
            }
            if last_log.0.elapsed() >= PROGRESS_EVERY {
                let (at, before) = last_log;
                last_log = (Instant::now(), scanned);
                log::info!("rollup: {}", progress(scanned, total, scanned - before, at.elapsed()));
                metrics.rollup_messages(sent.load(Ordering::Relaxed));
            }
            match from {
                Some(from) => (hi, span) = (from, next_span(span, read)),
                None => break Ok(()),
            }
        };
        drop(windows);
        let table = counting
            .await
            .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
        read?;
        metrics.rollup_documents_read("build", scanned);
        log::info!(
            "rollup: built in {:.1} s: {} messages scanned ({:.0}/s), {} sent in {} rooms, {} room-slot entries (~{} KiB)",
            started.elapsed().as_secs_f64(),
            scanned,
            scanned as f64 / started.elapsed().as_secs_f64().max(1e-3),
            table.messages_sent(),
            table.rooms(),
            table.entries(),
            table.entries() * table::ENTRY_BYTES / 1024,
        );
        *rotation = Rotation::default();
        self.state_period(&table, metrics);
        metrics.rollup_messages(table.messages_sent());
        metrics.rollup_lag(lag_seconds(table.watermark()));
        // The rooms are read after the scan (see `rooms`), and published first: the reports never see the
        // table without them.
        if let Some(mut rooms) = read_rooms(store).await {
            rooms.bind(&table, None);
            *self.rooms.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(rooms));
        }
        metrics.rollup_state(2);
        *self.table.write().unwrap_or_else(|e| e.into_inner()) = Some(table);
        self.built.set();
        Ok(())
    }

    /// Brings the table up to date, reading everything first and changing the table once, so that the
    /// answers meanwhile keep a table and a room snapshot of one generation: (1) the recent window and the
    /// rotation's next slice are checked ([`upkeep`]) and the UTC day of each hour that differs is scanned
    /// again; (2) the messages after the watermark are scanned; (3) the rooms are read; (4) the days are
    /// replaced and the watermark moves, and the rooms are bound to the result. Returns the days rebuilt.
    pub(crate) async fn refresh(&self, store: &Store, metrics: &Metrics) -> Result<usize, StoreError> {
        let mut rotation = self.busy.lock().await;
        let started = Instant::now();
        let Some((old, ours)) = self.read(|t| (t.watermark(), t.hour_totals().clone())) else {
            return Ok(0);
        };
        let recent = upkeep::recent(old, self.recent_hours);
        // The rotation covers the hours before the recent window.
        let end = upkeep::recent_from(old, self.recent_hours);
        let slice = rotation.slice(&ours, end, self.verify_messages);
        let mut differing = Vec::new();
        for (check, hours) in [("recent", recent), ("verify", slice)] {
            let in_db = upkeep::hour_totals(store, hours, old).await?;
            metrics.rollup_keys_read(check, in_db.values().map(|t| t.messages).sum());
            differing.extend(
                upkeep::differing(&in_db, &ours, hours)
                    .into_iter()
                    .map(|h| h.div_euclid(24)),
            );
        }
        differing.sort_unstable();
        differing.dedup();
        let mut days = Vec::with_capacity(differing.len());
        for &day in &differing {
            let mut fresh = Table::new(old);
            let read = scan_into(store, &mut fresh, Some(day * DAY_MS), ((day + 1) * DAY_MS).min(old)).await?;
            metrics.rollup_documents_read("day", read);
            days.push((day, fresh));
        }
        let new = watermark_now();
        let mut delta = Table::new(new);
        if new > old {
            let read = scan_into(store, &mut delta, Some(old), new).await?;
            metrics.rollup_documents_read("advance", read);
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
        if let Some(pass) = rotation.checked(slice, end) {
            metrics.rollup_verify_pass(pass.as_secs_f64());
        }
        if !differing.is_empty() {
            log::info!("rollup: rebuilt {} UTC day(s) whose messages changed", differing.len());
            metrics.rollup_rebuilds("day", differing.len() as u64);
        }
        if let Some((sent, watermark)) = self.read(|t| (t.messages_sent(), t.watermark())) {
            metrics.rollup_messages(sent);
            metrics.rollup_lag(lag_seconds(watermark));
        }
        if let Some(mut rooms) = rooms {
            let previous = self.rooms();
            if self.read(|t| rooms.bind(t, previous.as_deref())).is_some() {
                *self.rooms.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(rooms));
            }
        }
        self.read(|t| self.state_period(t, metrics));
        metrics.rollup_refresh(started.elapsed().as_secs_f64());
        Ok(differing.len())
    }

    /// Publishes how long one pass of the rotation takes over `table`'s older hours (the bound for a change
    /// there; [`upkeep::pass_length`]).
    fn state_period(&self, table: &Table, metrics: &Metrics) {
        let end = upkeep::recent_from(table.watermark(), self.recent_hours);
        let refreshes = upkeep::pass_length(table.hour_totals(), end, self.verify_messages);
        metrics.rollup_verify_period(refreshes as f64 * self.refresh.as_secs_f64());
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

/// Scans the messages with `ts` in `[from, to)` (`from: None`: before `to`) into `table`, through the
/// `{ts:1}` index; returns how many were read.
async fn scan_into(store: &Store, table: &mut Table, from: Option<i64>, to: i64) -> Result<u64, StoreError> {
    store
        .scan(coll::MESSAGES, ts_range(from, to), projection(), Scan::Range, |d| {
            if let Some(m) = Scanned::of(d) {
                table.add(&m);
            }
        })
        .await
}

/// The documents of `buf`, BSON documents back to back (each starts with its length).
fn documents(buf: &[u8]) -> impl Iterator<Item = &bson::RawDocument> {
    let mut rest = buf;
    std::iter::from_fn(move || {
        let len = usize::try_from(i32::from_le_bytes(rest.get(..4)?.try_into().ok()?)).ok()?;
        let (doc, next) = (rest.get(..len)?, rest.get(len..)?);
        rest = next;
        bson::RawDocument::from_bytes(doc).ok()
    })
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

    #[test]
    fn documents_back_to_back() {
        let mut buf = Vec::new();
        for d in [doc! {"a": 1}, doc! {"b": "two", "c": {"d": 3}}] {
            buf.extend_from_slice(bson::RawDocumentBuf::from_document(&d).unwrap().as_bytes());
        }
        let read: Vec<Document> = documents(&buf).map(|d| d.try_into().unwrap()).collect();
        assert_eq!(read, [doc! {"a": 1}, doc! {"b": "two", "c": {"d": 3}}]);
        assert_eq!(documents(&[]).count(), 0);
        assert_eq!(
            documents(&buf[..buf.len() - 1]).count(),
            1,
            "a cut document ends the list"
        );
    }

    #[test]
    fn build_windows_follow_the_density_of_the_last_one() {
        // Twice the share of messages: half as long; a tenth: four times as long at most; empty: twice.
        assert_eq!(next_span(DAY_MS, 2 * BUILD_WINDOW), DAY_MS / 2);
        assert_eq!(next_span(DAY_MS, BUILD_WINDOW), DAY_MS);
        assert_eq!(next_span(DAY_MS, BUILD_WINDOW / 10), 4 * DAY_MS);
        assert_eq!(next_span(DAY_MS, 0), 2 * DAY_MS);
        // Never shorter than a slot, never past the end of time.
        assert_eq!(next_span(SLOT_MS, 1_000 * BUILD_WINDOW), SLOT_MS);
        assert_eq!(next_span(i64::MAX / 2 + 1, 0), i64::MAX);
        assert_eq!(next_span(i64::MAX, 1), i64::MAX);
        assert_eq!(ts_range(None, 0), doc! {"ts": {"$lt": bson::DateTime::from_millis(0)}});
    }
}
