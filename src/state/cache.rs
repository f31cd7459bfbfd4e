//! Report results kept for `RCA_CACHE_TTL_SECS`, within `RCA_CACHE_MAX_MB`; identical concurrent requests
//! run one computation. An entry keeps the answer serialized, so a hit writes those bytes without
//! serializing again, and its typed body (for pages and CSV). Each entry weighs what it holds (see
//! [`weight`]); `/metrics` shows the sum (`rca_report_cache_bytes`).

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use get_size2::GetSize;
use moka::future::Cache;
use serde::Serialize;

use crate::error::{success_bytes, ApiError};
use crate::hooks::Hook;
use crate::metrics::Metrics;

/// What an entry holds besides its key's text, its body and its serialized answer: moka's bookkeeping
/// (its own `Arc` of the key, the entry's info, its nodes in the eviction and expiry queues, its slots in
/// the hash table and the frequency sketch), the `Arc<Cached>`, and the allocator's share of each of
/// these allocations, of the body's box and of the key's and the answer's buffers. Measured with
/// `measure::held_and_weighed` on caches of 1, 2, 4, … 32 MiB flooded with `messages/origin` answers (the
/// smallest body, where this weighs most): from one size to the next, the bytes held grew by 525 to 572
/// per entry more than the entries' measured parts (moka 0.12.16, glibc 2.36).
const ENTRY_BYTES: usize = 600;

/// What the cache holds whatever its entries: moka's 64 hash table segments, its queues and channels
/// (in the same measurement, about 250 KB beyond the entries). The entries get `RCA_CACHE_MAX_MB` less
/// this.
const CACHE_BYTES: u64 = 288 << 10;

/// What the allocator holds for one allocation beyond the bytes asked for: glibc's malloc rounds a request
/// and its 8-byte header up to a multiple of 16, 32 at least, so at most 31 bytes more (tests measure it).
const ALLOCATION_BYTES: usize = 31;

/// The bytes an allocation of `bytes` holds (none for an empty one, which allocates nothing).
fn allocation(bytes: usize) -> usize {
    if bytes == 0 {
        0
    } else {
        bytes + ALLOCATION_BYTES
    }
}

/// Heap bytes as the allocator holds them, for the body types' text fields: `GetSize` counts a string's
/// capacity, but a body of many short strings (a day's users, a room's usernames) holds up to twice
/// that. Those fields say `#[get_size(size_fn = held)]`.
pub(crate) trait Held {
    fn held(&self) -> usize;
}

pub(crate) fn held(value: &impl Held) -> usize {
    value.held()
}

impl Held for String {
    fn held(&self) -> usize {
        allocation(self.capacity())
    }
}

impl<T: Held> Held for Option<T> {
    fn held(&self) -> usize {
        self.as_ref().map_or(0, Held::held)
    }
}

impl<T: Held> Held for Vec<T> {
    fn held(&self) -> usize {
        allocation(self.capacity() * std::mem::size_of::<T>()) + self.iter().map(Held::held).sum::<usize>()
    }
}

/// A JSON value (an omnichannel label): a string as above; an array or an object (an index map: per entry
/// its hash, key, value and index) with its contents.
impl Held for serde_json::Value {
    fn held(&self) -> usize {
        use serde_json::Value;
        match self {
            Value::String(s) => s.held(),
            Value::Array(items) => items.held(),
            Value::Object(o) => {
                let slot = std::mem::size_of::<(usize, String, Value, usize)>();
                allocation(o.len() * slot) + o.iter().map(|(k, v)| k.held() + v.held()).sum::<usize>()
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => 0,
        }
    }
}

/// A computed report: its typed body (for reports that answer a part of it, such as a page, and for CSV),
/// and the whole answer serialized as it is sent (`success: true` last): at once for an answer that is kept
/// (its weight is its size), on first use for one that is not (a page of a live answer never needs it).
pub(crate) struct Cached {
    body: Box<dyn Any + Send + Sync>,
    /// The body's bytes: its box and what it holds on the heap (`GetSize`, derived on the body types).
    body_bytes: usize,
    json: OnceLock<Bytes>,
}

impl Cached {
    /// The answer `body`; serialized now when it is to be `kept`.
    pub(crate) fn new<B: Serialize + GetSize + Send + Sync + 'static>(body: B, kept: bool) -> Self {
        let json = OnceLock::new();
        if kept {
            let _ = json.set(success_bytes(&body));
        }
        Self {
            body_bytes: std::mem::size_of::<B>() + body.get_heap_size(),
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

/// An entry's weight in bytes: its key's text (`key_bytes`, the key's capacity), its body, its serialized
/// answer (whose buffer is exactly its length: see `error::success_bytes`) and [`ENTRY_BYTES`].
fn weight(key_bytes: usize, value: &Cached) -> u32 {
    let json = value.json.get().map_or(0, Bytes::len);
    u32::try_from(key_bytes + value.body_bytes + json + ENTRY_BYTES).unwrap_or(u32::MAX)
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
            .max_capacity(max_bytes.saturating_sub(CACHE_BYTES))
            .weigher(|key: &String, value: &Arc<Cached>| weight(key.capacity(), value));
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

    /// The bytes the cache holds: its entries' weights, after its pending maintenance (evictions by
    /// weight), and [`CACHE_BYTES`]. At most `RCA_CACHE_MAX_MB`.
    pub(crate) async fn weighed_bytes(&self) -> u64 {
        self.cache.run_pending_tasks().await;
        self.cache.weighted_size() + CACHE_BYTES
    }

    /// How many entries are kept (after [`Self::weighed_bytes`]).
    #[cfg(test)]
    pub(crate) fn entries(&self) -> u64 {
        self.cache.entry_count()
    }
}

/// A global allocator for this crate's unit tests that counts, per thread, the bytes that the system
/// allocator holds for live allocations: each one's usable size (`malloc_usable_size`) plus glibc's
/// 8-byte chunk header. A test that does its work on one thread reads what that work holds.
#[cfg(test)]
pub(crate) mod measure {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    thread_local! {
        static HELD: Cell<isize> = const { Cell::new(0) };
    }

    fn count(ptr: *mut u8, sign: isize) {
        if !ptr.is_null() {
            // SAFETY: `ptr` is a live allocation of the system allocator (glibc's malloc).
            let usable = unsafe { libc::malloc_usable_size(ptr.cast()) } as isize;
            let _ = HELD.try_with(|held| held.set(held.get() + sign * (usable + 8)));
        }
    }

    struct Counting;

    // SAFETY: every call is the system allocator's; the counting reads the pointers it returns.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let ptr = System.alloc(layout);
            count(ptr, 1);
            ptr
        }

        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            let ptr = System.alloc_zeroed(layout);
            count(ptr, 1);
            ptr
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            count(ptr, -1);
            System.dealloc(ptr, layout);
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            count(ptr, -1);
            let moved = System.realloc(ptr, layout, new_size);
            count(if moved.is_null() { ptr } else { moved }, 1);
            moved
        }
    }

    #[global_allocator]
    static COUNTING: Counting = Counting;

    /// The bytes held for this thread's live allocations.
    fn bytes() -> isize {
        HELD.with(Cell::get)
    }

    /// Fills a cache of `max_bytes` with `n` kept answers made by `body` (keys shaped as the reports' are),
    /// each served once more (a hit shares the answer's bytes); returns the bytes that the allocator holds
    /// for the cache and the cache's weighed bytes.
    pub(crate) async fn held_and_weighed<B: serde::Serialize + get_size2::GetSize + Send + Sync + 'static>(
        n: usize,
        max_bytes: u64,
        body: impl Fn() -> B,
    ) -> (isize, u64) {
        use super::{Cached, ReportCache};
        // One measurement at a time: another one's `reclaim` could free this one's evicted entries on its
        // own thread, where this count does not see it.
        static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
        let _one = ONE_AT_A_TIME.lock().await;
        let metrics = crate::metrics::Metrics::new(&[], &["r"]);
        reclaim();
        let before = bytes();
        let cache = ReportCache::new(std::time::Duration::from_secs(600), max_bytes, None);
        for i in 0..n {
            let key = || format!("DayWindow {{ from: {i}, to: 1735689599999, zone: ReportZone(UTC) }}");
            for _ in 0..2 {
                let answer = || async { Ok(Cached::new(body(), true)) };
                let entry = cache.get_or_compute(&metrics, "r", key(), true, answer).await.unwrap();
                drop(entry.json::<B>());
            }
        }
        let weighed = cache.weighed_bytes().await;
        reclaim();
        (bytes() - before, weighed)
    }

    /// Frees what moka's hash table handed to crossbeam-epoch (an evicted entry is freed once no thread
    /// can still be reading it), as the next operations of a running service would.
    fn reclaim() {
        for _ in 0..1_000 {
            crossbeam_epoch::pin().flush();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, GetSize)]
    struct Body {
        #[get_size(size_fn = held)]
        x: String,
    }

    fn body(len: usize) -> Body {
        Body { x: "a".repeat(len) }
    }

    #[test]
    fn a_kept_answer_is_serialized_at_once_with_success_last() {
        let kept = Arc::new(Cached::new(body(3), true));
        assert_eq!(&kept.json.get().unwrap()[..], br#"{"x":"aaa","success":true}"#);
        // The key, the body (24 and its string's 3 + 31), the answer and ENTRY_BYTES.
        assert_eq!(weight(1, &kept) as usize, 1 + 24 + 34 + 26 + ENTRY_BYTES);
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
        let cache = cache(Duration::from_secs(60), CACHE_BYTES + 10_000);
        for i in 0..30 {
            let answer = || async { Ok(Cached::new(body(1_000), true)) };
            cache
                .get_or_compute(&metrics, "r", format!("{i:02}"), true, answer)
                .await
                .unwrap();
        }
        // Each entry weighs its key `r|kept|nn` (9), its body (24 and its string's 1,000 + 31), its
        // answer (1,023) and ENTRY_BYTES: at most 3 fit in 10,000.
        let each = 9 + 24 + 1_031 + 1_023 + ENTRY_BYTES as u64;
        let weighed = cache.weighed_bytes().await - CACHE_BYTES;
        assert!(weighed <= 10_000, "{weighed}");
        assert_eq!(weighed % each, 0, "{weighed}");
        assert_eq!(cache.entries(), weighed / each);
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

    /// A body of three rows, as `messages/origin` answers: the smallest, where ENTRY_BYTES weighs most.
    #[derive(Serialize, GetSize)]
    struct Origins {
        origins: Vec<Origin>,
    }

    #[derive(Serialize, GetSize)]
    struct Origin {
        messages: i64,
        #[get_size(size_fn = held)]
        t: String,
    }

    /// A cache of 1, 4 or 16 MiB flooded with such answers holds no more than that, and most of it: the
    /// weights are what the entries hold (src/reports/mod.rs checks each report's body).
    #[tokio::test]
    async fn a_flooded_cache_holds_at_most_its_bound() {
        let origins = || Origins {
            origins: ["c", "d", "p"]
                .map(|t| Origin {
                    messages: 0,
                    t: t.to_string(),
                })
                .into(),
        };
        for mb in [1, 4, 16] {
            let max = mb << 20;
            // Each entry weighs about 1 KB: twice as many as fit.
            let (held, weighed) = measure::held_and_weighed(2 * max as usize / 1_000, max, origins).await;
            assert!(
                weighed <= max && held <= max as isize,
                "{mb} MiB: held {held}, weighed {weighed}"
            );
            assert!(
                held >= max as isize * 9 / 10,
                "{mb} MiB: held {held}, weighed {weighed}"
            );
        }
    }
}
