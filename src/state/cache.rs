//! Report results kept for `RCA_CACHE_TTL_SECS`, within `RCA_CACHE_MAX_MB` (each entry weighs its
//! serialized answer and its key); identical concurrent requests run one computation. An entry keeps the
//! answer serialized, so a hit writes those bytes without serializing again.

use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use moka::future::Cache;
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::metrics::Metrics;

/// A computed report: the body (for reports that answer a part of it, such as a page) and the whole
/// answer serialized as it is sent (`success: true` last): at once for an answer that is kept (its weight
/// is its size), on first use for one that is not (a page of a live answer never needs it).
#[derive(Clone, Debug)]
pub(crate) struct Cached {
    pub(crate) body: Arc<Map<String, Value>>,
    serialized: OnceLock<Bytes>,
}

impl Cached {
    pub(crate) fn new(body: Map<String, Value>, keep: bool) -> Self {
        debug_assert!(!body.contains_key("success"));
        let cached = Self {
            body: Arc::new(body),
            serialized: OnceLock::new(),
        };
        if keep {
            cached.bytes();
        }
        cached
    }

    /// The whole answer, serialized.
    pub(crate) fn bytes(&self) -> Bytes {
        self.serialized
            .get_or_init(|| {
                // `{…}` becomes `{…,"success":true}`: the key last, as `API.v1.success` writes it, without
                // copying the body to insert it.
                let mut json = crate::js::to_json_map(&self.body);
                json.pop();
                json.push_str(if json.len() > 1 {
                    r#","success":true}"#
                } else {
                    r#""success":true}"#
                });
                Bytes::from(json)
            })
            .clone()
    }
}

/// An entry's weight: its key and its serialized answer, in bytes (the decoded body is about as large).
fn weight(key: &str, value: &Cached) -> u32 {
    let size = value.serialized.get().map_or(0, Bytes::len);
    u32::try_from(key.len() + size).unwrap_or(u32::MAX)
}

pub(crate) struct ReportCache {
    /// In-flight and (when `keep`) finished computations per key.
    /// Keys hashed with aHash (a hit hashes a key of ~100 bytes; SipHash took a visible share of it).
    cache: Cache<String, Cached, ahash::RandomState>,
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
    pub(crate) fn new(ttl: Duration, max_bytes: u64, #[cfg(feature = "test-seams")] hold: Duration) -> Self {
        let builder = Cache::builder()
            .max_capacity(max_bytes)
            .weigher(|key: &String, value: &Cached| weight(key, value));
        let cache = if ttl.is_zero() {
            builder.build_with_hasher(ahash::RandomState::new())
        } else {
            builder.time_to_live(ttl).build_with_hasher(ahash::RandomState::new())
        };
        Self {
            cache,
            keep: !ttl.is_zero(),
            #[cfg(feature = "test-seams")]
            hold,
        }
    }

    /// The body for `key`, computed by `compute` at most once at a time per key, and kept for the TTL when
    /// `keep`. Failures are not kept.
    pub(crate) async fn get_or_compute<F>(
        &self,
        metrics: &Metrics,
        report: &str,
        key: String,
        keep: bool,
        compute: F,
    ) -> Result<Cached, ApiError>
    where
        F: Future<Output = Result<Map<String, Value>, ApiError>>,
    {
        let keep = keep && self.keep;
        let timed = async {
            #[cfg(feature = "test-seams")]
            if !self.hold.is_zero() {
                tokio::time::sleep(self.hold).await;
            }
            let started = Instant::now();
            let body = compute.await;
            metrics.query(report, started.elapsed().as_secs_f64());
            body.map(|body| Cached::new(body, keep))
        };
        let key = format!("{report}|{key}");
        if keep {
            // A hit reads the entry alone (moka's entry API would also prepare a computation).
            if let Some(hit) = self.cache.get(&key).await {
                metrics.cache(report, true);
                return Ok(hit);
            }
        }
        let entry = self
            .cache
            .entry(key.clone())
            .or_try_insert_with(timed)
            .await
            .map_err(|e| (*e).clone())?;
        metrics.cache(report, !entry.is_fresh());
        if !keep {
            self.cache.invalidate(&key).await;
        }
        Ok(entry.into_value())
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

    #[test]
    fn cached_bytes_end_with_success() {
        let mut body = Map::new();
        assert_eq!(Cached::new(body.clone(), true).bytes(), r#"{"success":true}"#);
        body.insert("total".into(), Value::from(3));
        body.insert("data".into(), serde_json::json!([{"a": 1}]));
        let cached = Cached::new(body.clone(), false);
        assert_eq!(cached.bytes(), r#"{"total":3,"data":[{"a":1}],"success":true}"#);
        assert_eq!(*cached.body, body);
    }

    fn cache(max_bytes: u64) -> ReportCache {
        ReportCache::new(
            Duration::from_secs(60),
            max_bytes,
            #[cfg(feature = "test-seams")]
            Duration::ZERO,
        )
    }

    fn body(len: usize) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("x".into(), Value::String("a".repeat(len)));
        m
    }

    #[test]
    fn keeps_the_serialized_answer() {
        let cached = Cached::new(body(3), true);
        assert_eq!(&cached.bytes()[..], br#"{"x":"aaa","success":true}"#);
        assert_eq!(weight("k", &cached), 1 + 26);
    }

    #[tokio::test]
    async fn bounded_by_bytes_not_entries() {
        let metrics = Metrics::new();
        let cache = cache(10_000);
        for i in 0..30 {
            let answer = async { Ok(body(1_000)) };
            cache
                .get_or_compute(&metrics, "r", format!("{i:02}"), true, answer)
                .await
                .unwrap();
        }
        cache.settle().await;
        // Each entry weighs 1,026 bytes (its key `r|nn`, 4, and its answer, 1,022): at most 9 fit in 10,000.
        assert!(cache.weighed_bytes() <= 10_000, "{}", cache.weighed_bytes());
        assert!(cache.entries() <= 9, "{}", cache.entries());
        assert!(cache.entries() >= 1, "{}", cache.entries());
    }
}
