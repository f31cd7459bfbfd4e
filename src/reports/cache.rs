//! Report results kept for `RCA_CACHE_TTL_SECS`; identical concurrent requests run one computation.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use moka::future::Cache;
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::metrics::Metrics;

pub type Body = Arc<Map<String, Value>>;

pub struct ReportCache {
    cache: Option<Cache<String, Body>>,
}

impl ReportCache {
    /// `ttl` zero disables the cache (each request computes its own answer).
    pub fn new(ttl: Duration) -> Self {
        Self {
            cache: (!ttl.is_zero()).then(|| Cache::builder().max_capacity(10_000).time_to_live(ttl).build()),
        }
    }

    /// The body for `key`, computed by `compute` at most once at a time per key. Failures are not kept.
    pub async fn get_or_compute<F>(
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
            let started = Instant::now();
            let body = compute.await;
            metrics.query(report, started.elapsed().as_secs_f64());
            body.map(Arc::new)
        };
        let Some(cache) = &self.cache else {
            return timed.await;
        };
        let entry = cache
            .entry(format!("{report}|{key}"))
            .or_try_insert_with(timed)
            .await
            .map_err(|e| (*e).clone())?;
        metrics.cache(report, !entry.is_fresh());
        Ok(entry.into_value())
    }
}
