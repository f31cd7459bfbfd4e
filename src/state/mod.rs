//! What every request shares: settings, the store, the result cache, the metrics and which report
//! indexes exist. Built once by the application factory (`app.rs`), handed to handlers as
//! `web::Data<AppState>`. The guard's own state (`auth::Authenticator`) is registered beside it.

pub(crate) mod cache;
pub(crate) mod hints;

use crate::config::Settings;
use crate::metrics::Metrics;
use crate::store::Store;

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
}

impl AppState {
    pub(crate) async fn new(settings: Settings) -> Result<Self, String> {
        let store = Store::new(&settings).await?;
        Ok(Self {
            reports: ReportCache::new(
                settings.cache_ttl,
                settings.cache_max_bytes,
                #[cfg(feature = "test-seams")]
                settings.compute_hold,
            ),
            metrics: Metrics::new(),
            room_hints: RoomHints::new(),
            store,
            settings,
        })
    }
}
