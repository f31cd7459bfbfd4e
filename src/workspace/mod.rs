//! The workspace series of `/metrics` (docs/monitoring.md): messages sent by room type, active and new
//! users, members and inactive members, rooms by type and idle channels, open omnichannel conversations by
//! status and department. No label names a person or a room. A background task computes them at most every
//! `RCA_ROLLUP_REFRESH_SECS` (a *round*) and renders them once per round; a scrape appends that text: it runs
//! no database query and renders nothing of them. `RCA_WORKSPACE_METRICS=off` leaves them out, and the task
//! does not run.
//!
//! What a round reads, each read bounded by `RCA_QUERY_TIMEOUT_MS`:
//! * messages sent by room type: the rollup's table and room snapshot, in memory (nothing);
//! * members and inactive members: the insights' members table of today (`insights::counts::member_counts`:
//!   every member from `users`; messages and sessions from the rollup's memory);
//! * new users: the users created in the last 30 days (`{createdAt:1}` index);
//! * active users: the daily session roll-ups of the last 30 days, only when the day changed or an hour
//!   passed since the last read (Rocket.Chat writes them once a day);
//! * rooms and idle channels ([`rooms`]): every channel (`c`, `p`), and a count of the direct rooms;
//! * omnichannel: the open conversations (`open` index), and the names of their departments.
//!
//! A part that fails keeps its last values (logged, and counted in `rca_mongodb_errors_total`);
//! `rca_workspace_updated_timestamp_seconds` says when every part last succeeded.

pub(crate) mod members;
pub(crate) mod rooms;
mod series;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use bson::doc;
use chrono::{NaiveDate, Utc};

use self::series::Series;
use crate::error::ApiError;
use crate::params::window::add_days;
use crate::params::zone::ReportZone;
use crate::rollup::rooms::DASHBOARD_ROOM_TYPES;
use crate::rollup::Rollup;
use crate::state::AppState;
use crate::store::{cause_chain, coll, Scan, Store, StoreError};

/// How often the daily session roll-ups are read again within a day.
const SESSIONS_EVERY: Duration = Duration::from_secs(3600);

/// The series and what the background task keeps between rounds.
pub(crate) struct Workspace {
    refresh: Duration,
    zone: ReportZone,
    series: Series,
    /// The rollup's watermark up to which messages sent were counted.
    counted_through: Option<i64>,
    /// The day and time of the last read of the daily session roll-ups.
    sessions_read: Option<(NaiveDate, Instant)>,
}

impl Workspace {
    /// The series; `None` when `RCA_WORKSPACE_METRICS=off`.
    pub(crate) fn new(state: &AppState) -> Option<Self> {
        let settings = &state.settings;
        settings.workspace_metrics.then(|| Self {
            refresh: settings.rollup_refresh,
            zone: settings.timezone,
            series: Series::new(),
            counted_through: None,
            sessions_read: None,
        })
    }

    /// The background task: once the rollup and the logins are in memory, a round, then every
    /// `RCA_ROLLUP_REFRESH_SECS` another.
    pub(crate) async fn run(mut self, state: &AppState) {
        state.in_memory().await;
        loop {
            self.round(state).await;
            tokio::time::sleep(self.refresh).await;
        }
    }

    /// Computes every series (one part after the other, so that the database sees one read at a time).
    async fn round(&mut self, state: &AppState) {
        let now = Utc::now();
        let today = self.zone.date_of(now);
        let store = &state.store;
        self.count_messages(&state.rollup);
        let parts = [
            (
                "active users",
                self.active_users(store, today).await.map_err(ApiError::from),
            ),
            ("new users", self.new_users(store, today).await.map_err(ApiError::from)),
            ("members", self.members(state).await),
            ("rooms", self.rooms(store, now).await.map_err(ApiError::from)),
            (
                "omnichannel conversations",
                self.conversations(store).await.map_err(ApiError::from),
            ),
        ];
        let failed: Vec<String> = parts
            .iter()
            .filter_map(|(what, result)| Some(format!("{what}: {}", cause_chain(result.as_ref().err()?))))
            .collect();
        if failed.is_empty() {
            self.series.updated(now.timestamp());
        } else {
            log::warn!(
                "workspace series not updated (next in {:?}): {}",
                self.refresh,
                failed.join("; ")
            );
        }
        state.metrics.set_appended(self.series.text());
    }

    /// Adds the messages sent that the rollup's watermark passed since the round before (every message of
    /// its table on the first round). Nothing until the rollup is built, or when it is off.
    fn count_messages(&mut self, rollup: &Rollup) {
        if let Some((watermark, by_type)) = sent_by_type(rollup, self.counted_through.unwrap_or(i64::MIN)) {
            self.series.messages_sent(by_type);
            self.counted_through = Some(watermark);
        }
    }

    /// DAU, WAU and MAU of yesterday, from the daily session roll-ups (read again when the day changed or
    /// [`SESSIONS_EVERY`] passed).
    async fn active_users(&mut self, store: &Store, today: NaiveDate) -> Result<(), StoreError> {
        if matches!(self.sessions_read, Some((day, at)) if day == today && at.elapsed() < SESSIONS_EVERY) {
            return Ok(());
        }
        let yesterday = add_days(today, -1);
        let rows = store
            .aggregate(coll::SESSIONS, members::active_users_pipeline(yesterday), None)
            .await?;
        self.series.active_users(members::active_users(&rows, yesterday));
        self.sessions_read = Some((today, Instant::now()));
        Ok(())
    }

    async fn new_users(&self, store: &Store, today: NaiveDate) -> Result<(), StoreError> {
        let rows = store
            .aggregate(coll::USERS, members::new_users_pipeline(self.zone, today), None)
            .await?;
        self.series.new_users(members::new_users(&rows));
        Ok(())
    }

    /// Members and inactive members, as the insights count them.
    async fn members(&mut self, state: &AppState) -> Result<(), ApiError> {
        let [all, inactive_30, inactive_90] = crate::insights::counts::member_counts(state).await?;
        self.series.members(all, [inactive_30, inactive_90]);
        Ok(())
    }

    async fn rooms(&self, store: &Store, now: chrono::DateTime<Utc>) -> Result<(), StoreError> {
        let rows = store
            .aggregate(coll::ROOMS, rooms::channels_pipeline(now), None)
            .await?;
        let direct = store.count(coll::ROOMS, doc! {"t": "d"}, None).await?;
        self.series.rooms(rooms::channels(&rows), whole(direct));
        Ok(())
    }

    async fn conversations(&mut self, store: &Store) -> Result<(), StoreError> {
        let rows = store
            .aggregate(coll::ROOMS, rooms::open_conversations_pipeline(), None)
            .await?;
        let mut names = BTreeMap::new();
        let ids = rooms::department_ids(&rows);
        if !ids.is_empty() {
            store
                .scan(
                    coll::DEPARTMENTS,
                    doc! {"_id": {"$in": ids}},
                    doc! {"name": 1},
                    Scan::Range,
                    |d| {
                        if let (Ok(id), Ok(name)) = (d.get_str("_id"), d.get_str("name")) {
                            names.insert(id.to_string(), name.to_string());
                        }
                    },
                )
                .await?;
        }
        self.series.conversations(rooms::by_department(&rows, &names));
        Ok(())
    }
}

/// A count as a gauge value.
fn whole(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Messages sent per [`DASHBOARD_ROOM_TYPES`] in `[from, watermark)` of the rollup's table, with the
/// watermark; `None` until the rollup is built with a room snapshot of its table's generation (a room
/// missing from it was deleted, or is not a dashboard room: its messages are not counted, as in the
/// reports).
fn sent_by_type(rollup: &Rollup, from: i64) -> Option<(i64, [u64; 3])> {
    let rooms = rollup.rooms()?;
    rollup
        .read(|table| {
            if rooms.generation() != table.generation() {
                return None;
            }
            let mut by_type = [0u64; 3];
            for (rid, [n]) in table.per_room_in([(from, table.watermark())])? {
                let t = rooms
                    .t(rid)
                    .and_then(|t| DASHBOARD_ROOM_TYPES.iter().position(|d| *d == t));
                if let Some(i) = t {
                    by_type[i] += n.unsigned_abs();
                }
            }
            Some((table.watermark(), by_type))
        })
        .flatten()
}
