//! Report results kept for `RCA_CACHE_TTL_SECS`; identical concurrent requests run one computation.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use moka::future::Cache;
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::metrics::Metrics;

pub(crate) type Body = Arc<Map<String, Value>>;

pub(crate) struct ReportCache {
    /// In-flight and (when `keep`) finished computations per key.
    cache: Cache<String, Body>,
    /// False when `RCA_CACHE_TTL_SECS` is 0: an answer is dropped as soon as it is handed out, so only
    /// requests that arrive while it is being computed share it.
    keep: bool,
    /// Test seam (feature `test-seams`): a pause before each computation starts, so that a test can show
    /// concurrent requests joining one computation regardless of how fast the database is.
    #[cfg(feature = "test-seams")]
    hold: Duration,
}

impl ReportCache {
    /// `ttl` zero keeps no answers (identical concurrent requests still share one computation).
    pub(crate) fn new(ttl: Duration, #[cfg(feature = "test-seams")] hold: Duration) -> Self {
        let builder = Cache::builder().max_capacity(10_000);
        let cache = if ttl.is_zero() {
            builder.build()
        } else {
            builder.time_to_live(ttl).build()
        };
        Self {
            cache,
            keep: !ttl.is_zero(),
            #[cfg(feature = "test-seams")]
            hold,
        }
    }

    /// The body for `key`, computed by `compute` at most once at a time per key. Failures are not kept.
    pub(crate) async fn get_or_compute<F>(
        &self,
        metrics: &Metrics,
        report: &str,
        key: String,
        compute: F,
    ) -> Result<Body, ApiError>
    where
        F: Future<Output = Result<Map<String, Value>, ApiError>>,
    {
        let timed = async {
            #[cfg(feature = "test-seams")]
            if !self.hold.is_zero() {
                tokio::time::sleep(self.hold).await;
            }
            let started = Instant::now();
            let body = compute.await;
            metrics.query(report, started.elapsed().as_secs_f64());
            body.map(Arc::new)
        };
        let key = format!("{report}|{key}");
        let entry = self
            .cache
            .entry(key.clone())
            .or_try_insert_with(timed)
            .await
            .map_err(|e| (*e).clone())?;
        metrics.cache(report, !entry.is_fresh());
        if !self.keep {
            self.cache.invalidate(&key).await;
        }
        Ok(entry.into_value())
    }
}
