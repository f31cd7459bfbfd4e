//! What every request shares: settings, the store, the result cache, the metrics and which report
//! indexes exist. Built once by the application factory (`app.rs`), handed to handlers as
//! `web::Data<AppState>`. The guard's own state (`auth::Authenticator`) is registered beside it.

pub(crate) mod cache;
pub(crate) mod hints;

use crate::config::Settings;
use crate::error::ApiError;
use crate::hooks::Hooks;
use crate::metrics::Metrics;
use crate::rollup::logins::Logins;
use crate::rollup::Rollup;
use crate::store::{Store, StoreError};

use self::cache::ReportCache;
use self::hints::RoomHints;

/// What every request shares.
pub struct AppState {
    pub(crate) settings: Settings,
    pub store: Store,
    pub(crate) reports: ReportCache,
    pub(crate) metrics: Metrics,
    /// Which of Rocket.Chat's report indexes exist on `rocketchat_room` (the omnichannel `hint`s).
    pub room_hints: RoomHints,
    /// The in-memory rollup of messages sent (the message reports), built in the background.
    pub rollup: Rollup,
    /// Who logged in when (the insights), read in the background beside the rollup.
    pub logins: Logins,
}

impl AppState {
    /// The state registered on the app of `req` (borrowed: a clone of the shared `Arc` would cost every
    /// request a write to memory that all workers share).
    pub(crate) fn of(req: &actix_web::HttpRequest) -> Result<&actix_web::web::Data<AppState>, ApiError> {
        req.app_data::<actix_web::web::Data<AppState>>()
            .ok_or_else(|| ApiError::internal("application state missing"))
    }

    pub(crate) async fn new(settings: Settings, metrics: Metrics, hooks: &Hooks) -> Result<Self, StoreError> {
        let store = Store::new(&settings, hooks.before_operation.clone(), metrics.database_errors()).await?;
        Ok(Self {
            reports: ReportCache::new(
                settings.cache_ttl,
                settings.cache_max_bytes,
                hooks.before_compute.clone(),
            ),
            metrics,
            room_hints: RoomHints::new(),
            rollup: Rollup::new(&settings, hooks.before_rollup_build.clone()),
            logins: Logins::default(),
            store,
            settings,
        })
    }

    /// Builds the rollup in the background and keeps it fresh (returns at once when it is off).
    pub(crate) async fn run_rollup(&self) {
        self.rollup.run(&self.store, &self.metrics).await;
    }

    /// Reads the logins in the background and keeps them fresh, with the rollup (returns at once when it is
    /// off), from when the rollup is built: the two reads of every document do not overlap.
    pub(crate) async fn run_logins(&self) {
        if self.settings.rollup {
            self.rollup.built().await;
            self.logins.run(&self.store, self.settings.rollup_refresh).await;
        }
    }

    /// Returns once the rollup and the logins are in memory (at once when the rollup is off): background
    /// work that reads the insights waits for it, or it would read every message and session of months
    /// raw while the build reads them all too.
    pub(crate) async fn in_memory(&self) {
        if self.settings.rollup {
            self.rollup.built().await;
            self.logins.loaded().await;
        }
    }

    /// Runs one rollup refresh now (besides the background ones); returns the UTC days rebuilt.
    pub async fn refresh_rollup_now(&self) -> Result<usize, StoreError> {
        self.rollup.refresh(&self.store, &self.metrics).await
    }
}
