//! Report results kept for `RCA_CACHE_TTL_SECS`, within `RCA_CACHE_MAX_MB` (each entry weighs its
//! serialized answer and its key); identical concurrent requests run one computation. An entry keeps the
//! answer serialized, so a hit writes those bytes without serializing again.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use moka::future::Cache;
use serde::Serialize;

use crate::error::{success_bytes, ApiError};
use crate::hooks::Hook;
use crate::metrics::Metrics;

/// A computed report: its typed body (for reports that answer a part of it, such as a page, and for CSV),
/// and the whole answer serialized as it is sent (`success: true` last): at once for an answer that is kept
/// (its weight is its size), on first use for one that is not (a page of a live answer never needs it).
pub(crate) struct Cached {
    body: Box<dyn Any + Send + Sync>,
    json: OnceLock<Bytes>,
}

impl Cached {
    /// The answer `body`; serialized now when it is to be `kept`.
    pub(crate) fn new<B: Serialize + Send + Sync + 'static>(body: B, kept: bool) -> Self {
        let json = OnceLock::new();
        if kept {
            let _ = json.set(success_bytes(&body));
        }
        Self {
            body: Box::new(body),
            json,
        }
    }

    /// The body, as the report's body type `B`.
    pub(crate) fn body<B: 'static>(&self) -> Result<&B, ApiError> {
        self.body
            .downcast_ref()
            .ok_or_else(|| ApiError::internal("a cached body of another type"))
    }

    /// The whole answer, serialized (`B` is the body's type).
    pub(crate) fn json<B: Serialize + 'static>(&self) -> Result<Bytes, ApiError> {
        if let Some(json) = self.json.get() {
            return Ok(json.clone());
        }
        let body = self.body::<B>()?;
        Ok(self.json.get_or_init(|| success_bytes(body)).clone())
    }
}

/// An entry's weight: its key and its serialized answer, in bytes (the decoded body is about as large).
fn weight(key: &str, value: &Arc<Cached>) -> u32 {
    let size = value.json.get().map_or(0, Bytes::len);
    u32::try_from(key.len() + size).unwrap_or(u32::MAX)
}

pub(crate) struct ReportCache {
    /// In-flight and (when `keep`) finished computations per key.
    /// Keys hashed with aHash (a hit hashes a key of ~100 bytes; SipHash took a visible share of it).
    cache: Cache<String, Arc<Cached>, ahash::RandomState>,
    /// `RCA_CACHE_TTL_SECS`; zero keeps no answer: it is dropped as soon as it is handed out, so only
    /// requests that arrive while it is being computed share it.
    ttl: Duration,
    /// Awaited before each computation starts (inside its single flight).
    before_compute: Option<Hook>,
}

impl ReportCache {
    /// `ttl` zero keeps no answers (identical concurrent requests still share one computation).
    pub(crate) fn new(ttl: Duration, max_bytes: u64, before_compute: Option<Hook>) -> Self {
        let builder = Cache::builder()
            .max_capacity(max_bytes)
            .weigher(|key: &String, value: &Arc<Cached>| weight(key, value));
        let cache = if ttl.is_zero() {
            builder.build_with_hasher(ahash::RandomState::new())
        } else {
            builder.time_to_live(ttl).build_with_hasher(ahash::RandomState::new())
        };
        Self {
            cache,
            ttl,
            before_compute,
        }
    }

    /// The body for `key`, computed by `compute` at most once at a time per key, and kept for the TTL when
    /// `keep`. Failures are not kept. `compute` is called only when the answer is not kept already.
    pub(crate) async fn get_or_compute<'a, F>(
        &'a self,
        metrics: &'a Metrics,
        report: &'a str,
        key: String,
        keep: bool,
        compute: impl FnOnce() -> F,
    ) -> Result<Arc<Cached>, ApiError>
    where
        F: Future<Output = Result<Cached, ApiError>> + 'a,
    {
        let keep = keep && !self.ttl.is_zero();
        // A computation that is not kept shares only with its like: a live request never gets an answer
        // kept before, which would not show the newest data.
        let key = format!("{report}|{}|{key}", if keep { "kept" } else { "live" });
        if keep {
            if let Some(hit) = self.cache.get(&key).await {
                metrics.cache(report, true);
                return Ok(hit);
            }
        }
        // Boxed, so that the callers' futures do not carry a computation that a hit never starts.
        let compute = compute();
        let timed: Pin<Box<dyn Future<Output = _> + 'a>> = Box::pin(async move {
            crate::hooks::run(&self.before_compute, report).await;
            let started = Instant::now();
            let answer = compute.await;
            metrics.query(report, started.elapsed().as_secs_f64());
            answer.map(Arc::new)
        });
        let entry = self
            .cache
            .entry(key.clone())
            .or_try_insert_with(timed)
            .await
            .map_err(|e| (*e).clone())?;
        metrics.cache(report, !entry.is_fresh());
        let value = entry.into_value();
        if !keep {
            self.cache.invalidate(&key).await;
        }
        Ok(value)
    }

    /// Runs the cache's pending maintenance (evictions by weight), for tests.
    #[cfg(test)]
    pub(crate) async fn settle(&self) {
        self.cache.run_pending_tasks().await;
    }

    /// The summed weight of the kept entries (after [`Self::settle`]).
    #[cfg(test)]
    pub(crate) fn weighed_bytes(&self) -> u64 {
        self.cache.weighted_size()
    }

    /// How many entries are kept (after [`Self::settle`]).
    #[cfg(test)]
    pub(crate) fn entries(&self) -> u64 {
        self.cache.entry_count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Body {
        x: String,
    }

    fn body(len: usize) -> Body {
        Body { x: "a".repeat(len) }
    }

    #[test]
    fn a_kept_answer_is_serialized_at_once_with_success_last() {
        let kept = Arc::new(Cached::new(body(3), true));
        assert_eq!(&kept.json.get().unwrap()[..], br#"{"x":"aaa","success":true}"#);
        assert_eq!(weight("k", &kept), 1 + 26);
        let live = Cached::new(body(1), false);
        assert!(live.json.get().is_none());
        assert_eq!(&live.json::<Body>().unwrap()[..], br#"{"x":"a","success":true}"#);
        assert_eq!(live.body::<Body>().unwrap().x, "a");
        assert!(live.body::<String>().is_err());
    }

    fn cache(ttl: Duration, max_bytes: u64) -> ReportCache {
        ReportCache::new(ttl, max_bytes, None)
    }

    #[tokio::test]
    async fn bounded_by_bytes_not_entries() {
        let metrics = Metrics::new(&[], &["r"]);
        let cache = cache(Duration::from_secs(60), 10_000);
        for i in 0..30 {
            let answer = || async { Ok(Cached::new(body(1_000), true)) };
            cache
                .get_or_compute(&metrics, "r", format!("{i:02}"), true, answer)
                .await
                .unwrap();
        }
        cache.settle().await;
        // Each entry weighs 1,031 bytes (its key `r|kept|nn`, 9, and its answer, 1,022): at most 9 fit in 10,000.
        assert!(cache.weighed_bytes() <= 10_000, "{}", cache.weighed_bytes());
        assert!(cache.entries() <= 9, "{}", cache.entries());
        assert!(cache.entries() >= 1, "{}", cache.entries());
    }

    /// Computes (or finds) the answer of key `k`, counting computations in `runs`.
    async fn answer(cache: &ReportCache, metrics: &Metrics, keep: bool, runs: &std::cell::Cell<u32>) -> Arc<Cached> {
        let compute = || async {
            runs.set(runs.get() + 1);
            Ok(Cached::new(body(3), keep))
        };
        cache
            .get_or_compute(metrics, "r", "k".into(), keep, compute)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_kept_answer_is_served_until_its_ttl_and_a_live_one_never() {
        let (metrics, runs) = (Metrics::new(&[], &["r"]), Default::default());
        let cache = cache(Duration::from_millis(50), 1 << 20);
        let first = answer(&cache, &metrics, true, &runs).await;
        assert!(Arc::ptr_eq(&first, &answer(&cache, &metrics, true, &runs).await));
        assert_eq!(runs.get(), 1);
        tokio::time::sleep(Duration::from_millis(80)).await;
        answer(&cache, &metrics, true, &runs).await;
        assert_eq!(runs.get(), 2);
        // Not kept (a live answer): computed each time, never the kept one.
        answer(&cache, &metrics, false, &runs).await;
        answer(&cache, &metrics, false, &runs).await;
        assert_eq!(runs.get(), 4);
    }
}
