//! Rocket.Chat's `hint`s for the report aggregations (`source_1_ts_1`, `departmentId_1_ts_1`,
//! `tags.0_1_ts_1`, `servedBy_1_ts_1`: partial indexes on `rocketchat_room`, `t: 'l'`). A hint naming a
//! missing index fails the aggregation, so a hint is sent only when the index is there: the index names
//! are read at start-up (when MongoDB answers), otherwise on first use and again until that succeeds,
//! and refreshed every few minutes. Without the indexes the same pipelines run unhinted and give the
//! same answers.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::store::{coll, Store};

/// How long known index names are trusted before they are read again.
const REFRESH: Duration = Duration::from_secs(300);

#[derive(Default)]
pub struct RoomHints {
    known: RwLock<Option<(Instant, Arc<Vec<String>>)>>,
}

impl RoomHints {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Reads the index names of `rocketchat_room` now. Returns whether that succeeded.
    pub async fn refresh(&self, store: &Store) -> bool {
        match store.index_names(coll::ROOMS).await {
            Ok(names) => {
                log::debug!("rocketchat_room indexes: {names:?}");
                *self.known.write().unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), Arc::new(names)));
                true
            }
            Err(e) => {
                log::warn!("cannot list rocketchat_room indexes (no hints until it works): {e}");
                false
            }
        }
    }

    /// Forgets the index names (read again on next use).
    pub(crate) fn forget(&self) {
        *self.known.write().unwrap_or_else(|e| e.into_inner()) = None;
    }

    fn fresh(&self) -> Option<Arc<Vec<String>>> {
        let known = self.known.read().unwrap_or_else(|e| e.into_inner());
        known
            .as_ref()
            .filter(|(at, _)| at.elapsed() < REFRESH)
            .map(|(_, names)| names.clone())
    }

    /// `Some(index)` when `index` exists on `rocketchat_room`.
    pub(crate) async fn hint(&self, store: &Store, index: &'static str) -> Option<&'static str> {
        if self.fresh().is_none() {
            self.refresh(store).await;
        }
        self.fresh()?.iter().any(|n| n == index).then_some(index)
    }

    /// Whether `index` is currently known to exist.
    pub fn knows(&self, index: &str) -> bool {
        self.fresh().is_some_and(|names| names.iter().any(|n| n == index))
    }
}
