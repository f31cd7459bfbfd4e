//! Report results kept for `RCA_CACHE_TTL_SECS`, within `RCA_CACHE_MAX_MB` (each entry weighs its
//! serialized answer and its key); identical concurrent requests run one computation. An entry keeps the
//! answer serialized, so a hit writes those bytes without serializing again.
//!
//! A hit is read first from the worker thread's own copies (`PerThread`): by key, and, for reports whose
//! request is a function of its target alone, by request target (path and query string, so that a hit
//! skips parsing it). A copy holds a weak reference to the shared entry and the entry's expiry: the
//! shared cache stays the only owner, so an entry it evicts (by weight) is gone from every copy too, and
//! no copy serves an entry past its TTL.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock, Weak};
use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use moka::future::Cache;
use serde_json::{Map, Value};

use super::per_thread::PerThread;
use crate::error::ApiError;
use crate::metrics::Metrics;

/// A computed report: the body (for reports that answer a part of it, such as a page) and the whole
/// answer serialized as it is sent (`success: true` last): at once for an answer that is kept (its weight
/// is its size), on first use for one that is not (a page of a live answer never needs it).
#[derive(Debug)]
pub(crate) struct Cached {
    pub(crate) body: Map<String, Value>,
    serialized: OnceLock<Bytes>,
    /// The report's metric label.
    report: Box<str>,
    /// For an answer that is kept: when its TTL ends (the shared cache counts it from its insert, just
    /// after the computation).
    expires: Option<Instant>,
}

impl Cached {
    /// The answer of `report`; kept for `ttl` when it is `Some`.
    pub(crate) fn new(report: &str, body: Map<String, Value>, ttl: Option<Duration>) -> Self {
        debug_assert!(!body.contains_key("success"));
        let cached = Self {
            body,
            serialized: OnceLock::new(),
            report: report.into(),
            expires: ttl.map(|ttl| Instant::now() + ttl),
        };
        if cached.expires.is_some() {
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
fn weight(key: &str, value: &Arc<Cached>) -> u32 {
    let size = value.serialized.get().map_or(0, Bytes::len);
    u32::try_from(key.len() + size).unwrap_or(u32::MAX)
}

/// The entry a worker's copy refers to, while it is kept.
fn live(entry: &Weak<Cached>) -> Option<Arc<Cached>> {
    entry
        .upgrade()
        .filter(|e| e.expires.is_some_and(|t| Instant::now() < t))
}

/// How many keys each worker's copy holds (the entries stay the shared cache's; a copy holds a key and a
/// weak reference each).
const FRONT_ENTRIES: usize = 4096;

pub(crate) struct ReportCache {
    /// In-flight and (when `keep`) finished computations per key.
    /// Keys hashed with aHash (a hit hashes a key of ~100 bytes; SipHash took a visible share of it).
    cache: Cache<String, Arc<Cached>, ahash::RandomState>,
    /// Each worker's copy of the kept entries it served, by key.
    front: PerThread<Weak<Cached>>,
    /// Each worker's copy of the kept entries it served whole, by request target (see [`Self::by_target`]).
    targets: PerThread<Weak<Cached>>,
    /// `RCA_CACHE_TTL_SECS`; zero keeps no answer: it is dropped as soon as it is handed out, so only
    /// requests that arrive while it is being computed share it.
    ttl: Duration,
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
            .weigher(|key: &String, value: &Arc<Cached>| weight(key, value));
        let cache = if ttl.is_zero() {
            builder.build_with_hasher(ahash::RandomState::new())
        } else {
            builder.time_to_live(ttl).build_with_hasher(ahash::RandomState::new())
        };
        Self {
            cache,
            front: PerThread::new(FRONT_ENTRIES),
            targets: PerThread::new(FRONT_ENTRIES),
            ttl,
            #[cfg(feature = "test-seams")]
            hold,
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
        F: Future<Output = Result<Map<String, Value>, ApiError>> + 'a,
    {
        let keep = keep && !self.ttl.is_zero();
        let key = format!("{report}|{key}");
        if keep {
            if let Some(hit) = self.hit(&key).await {
                metrics.cache(report, true);
                return Ok(hit);
            }
        }
        // Boxed, so that the callers' futures do not carry a computation that a hit never starts.
        let compute = compute();
        let timed: Pin<Box<dyn Future<Output = _> + 'a>> = Box::pin(async move {
            #[cfg(feature = "test-seams")]
            if !self.hold.is_zero() {
                tokio::time::sleep(self.hold).await;
            }
            let started = Instant::now();
            let body = compute.await;
            metrics.query(report, started.elapsed().as_secs_f64());
            body.map(|body| Arc::new(Cached::new(report, body, keep.then_some(self.ttl))))
        });
        let entry = self
            .cache
            .entry(key.clone())
            .or_try_insert_with(timed)
            .await
            .map_err(|e| (*e).clone())?;
        metrics.cache(report, !entry.is_fresh());
        let value = entry.into_value();
        if value.expires.is_some() {
            self.front.insert(&key, Arc::downgrade(&value));
        } else {
            self.cache.invalidate(&key).await;
        }
        Ok(value)
    }

    /// A kept answer for `key`: from this worker's copy while it holds a live entry, else from the shared
    /// cache (a read that moka records for its eviction policy).
    async fn hit(&self, key: &str) -> Option<Arc<Cached>> {
        if let Some(hit) = self.front.get(key, live) {
            return Some(hit);
        }
        let hit = self.cache.get(key).await?;
        self.front.insert(key, Arc::downgrade(&hit));
        Some(hit)
    }

    /// The kept answer this worker last sent whole for the request `target` (path and query string), while
    /// it is kept: for reports whose request is a function of its target alone, so that the answer for
    /// the same target is the same entry (`ReportFamily::BY_TARGET`). Counted as a hit.
    pub(crate) fn by_target(&self, metrics: &Metrics, target: &str) -> Option<Arc<Cached>> {
        let hit = self.targets.get(target, live)?;
        metrics.cache(&hit.report, true);
        Some(hit)
    }

    /// Remembers `answer`, sent whole for `target`, for [`Self::by_target`] (when it is kept).
    pub(crate) fn sent_for(&self, target: &str, answer: &Arc<Cached>) {
        if answer.expires.is_some() {
            self.targets.insert(target, Arc::downgrade(answer));
        }
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
        assert_eq!(
            Cached::new("r", body.clone(), Some(Duration::ZERO)).bytes(),
            r#"{"success":true}"#
        );
        body.insert("total".into(), Value::from(3));
        body.insert("data".into(), serde_json::json!([{"a": 1}]));
        let cached = Cached::new("r", body.clone(), None);
        assert_eq!(cached.bytes(), r#"{"total":3,"data":[{"a":1}],"success":true}"#);
        assert_eq!(cached.body, body);
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
        let cached = Arc::new(Cached::new("r", body(3), Some(Duration::ZERO)));
        assert_eq!(&cached.bytes()[..], br#"{"x":"aaa","success":true}"#);
        assert_eq!(weight("k", &cached), 1 + 26);
    }

    #[tokio::test]
    async fn bounded_by_bytes_not_entries() {
        let metrics = Metrics::new();
        let cache = cache(10_000);
        for i in 0..30 {
            let answer = || async { Ok(body(1_000)) };
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

    fn with_ttl(ttl: Duration) -> ReportCache {
        ReportCache::new(
            ttl,
            1 << 20,
            #[cfg(feature = "test-seams")]
            Duration::ZERO,
        )
    }

    /// Computes (or finds) the answer of key `k`, counting computations in `runs`.
    async fn answer(cache: &ReportCache, metrics: &Metrics, keep: bool, runs: &std::cell::Cell<u32>) -> Arc<Cached> {
        let compute = || async {
            runs.set(runs.get() + 1);
            Ok(body(3))
        };
        cache
            .get_or_compute(metrics, "r", "k".into(), keep, compute)
            .await
            .unwrap()
    }

    fn hits(metrics: &Metrics) -> Option<String> {
        let text = metrics.render();
        let line = text
            .lines()
            .find(|l| l.starts_with(r#"rca_report_cache_total{report="r",result="hit"}"#))?;
        Some(line.rsplit(' ').next()?.to_string())
    }

    #[tokio::test]
    async fn a_worker_answers_a_target_it_sent_with_the_same_entry_while_the_entry_is_kept() {
        let (metrics, cache, runs) = (Metrics::new(), with_ttl(Duration::from_secs(60)), Default::default());
        let sent = answer(&cache, &metrics, true, &runs).await;
        assert!(cache.by_target(&metrics, "/r?a=1").is_none());
        cache.sent_for("/r?a=1", &sent);
        let hit = cache.by_target(&metrics, "/r?a=1").expect("remembered");
        assert!(Arc::ptr_eq(&hit, &sent));
        assert_eq!(hits(&metrics).as_deref(), Some("1"));
        assert!(cache.by_target(&metrics, "/r?a=2").is_none());
        // Another worker thread has its own copy.
        std::thread::scope(|s| {
            s.spawn(|| assert!(cache.by_target(&metrics, "/r?a=1").is_none()));
        });
        // By key, from this worker's copy: no computation.
        assert!(Arc::ptr_eq(&answer(&cache, &metrics, true, &runs).await, &sent));
        assert_eq!(runs.get(), 1);
        // Evicted from the shared cache: gone from the copies too, and computed again.
        drop((sent, hit));
        cache.cache.invalidate("r|k").await;
        cache.settle().await;
        assert!(cache.by_target(&metrics, "/r?a=1").is_none());
        answer(&cache, &metrics, true, &runs).await;
        assert_eq!(runs.get(), 2);
    }

    #[tokio::test]
    async fn no_copy_serves_an_entry_past_its_ttl_or_an_answer_that_is_not_kept() {
        let (metrics, runs) = (Metrics::new(), Default::default());
        let cache = with_ttl(Duration::from_millis(1));
        let sent = answer(&cache, &metrics, true, &runs).await;
        cache.sent_for("/r", &sent);
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert!(cache.by_target(&metrics, "/r").is_none());
        answer(&cache, &metrics, true, &runs).await;
        assert_eq!(runs.get(), 2);
        // Not kept (a live answer): never remembered, computed each time.
        let cache = with_ttl(Duration::from_secs(60));
        let live = answer(&cache, &metrics, false, &runs).await;
        cache.sent_for("/r", &live);
        assert!(cache.by_target(&metrics, "/r").is_none());
        answer(&cache, &metrics, false, &runs).await;
        assert_eq!(runs.get(), 4);
    }
}
