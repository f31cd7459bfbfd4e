//! The guard's caches (resolved logins, permission grants), refreshed ahead of their expiry.
//!
//! An entry holds what one look-up read and the instant that look-up was *sent* (`read_at`); it is served
//! until `read_at + ttl` and never after, so whatever the database said at `read_at` is at most `ttl`
//! old when it is used: a token revoked, or a role removed, at time T is refused from T + ttl on (sooner
//! when a refresh sees it). Within that, a hit never waits for the database: a hit on an entry older
//! than `refresh_after` (half the TTL) answers from the entry and starts one background look-up for its
//! key (one at a time per key), whose answer replaces the entry — or removes it when the login is no
//! longer valid. Only a key that nobody asked for during its last `ttl − refresh_after` expires, and its
//! next request looks it up in the foreground (one look-up for all concurrent requests of the key).

use std::borrow::Borrow;
use std::collections::HashSet;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use moka::future::Cache;
use moka::Expiry;

use crate::error::ApiError;
use crate::hooks::Hook;

/// What one look-up read, and when it was sent.
pub(crate) struct Entry<V> {
    pub(crate) value: Arc<V>,
    pub(crate) read_at: Instant,
}

impl<V> Clone for Entry<V> {
    fn clone(&self) -> Self {
        Self {
            value: Arc::clone(&self.value),
            read_at: self.read_at,
        }
    }
}

impl<V> Entry<V> {
    /// What a look-up sent now read.
    pub(crate) fn now(value: Arc<V>) -> Self {
        Self {
            value,
            read_at: Instant::now(),
        }
    }

    fn age(&self) -> Duration {
        self.read_at.elapsed()
    }
}

/// Each entry expires `ttl` after its look-up was sent (not after it was stored).
struct SinceRead(Duration);

impl<K, V> Expiry<K, Entry<V>> for SinceRead {
    fn expire_after_create(&self, _: &K, entry: &Entry<V>, _: Instant) -> Option<Duration> {
        Some(self.0.saturating_sub(entry.age()))
    }

    fn expire_after_update(&self, _: &K, entry: &Entry<V>, _: Instant, _: Option<Duration>) -> Option<Duration> {
        Some(self.0.saturating_sub(entry.age()))
    }
}

/// A TTL cache whose hits refresh ahead of expiry (see the module documentation).
pub(crate) struct RefreshingCache<K, V> {
    entries: Cache<K, Entry<V>, ahash::RandomState>,
    ttl: Duration,
    /// From this age on, a hit starts a background refresh.
    refresh_after: Duration,
    /// Keys whose background refresh is running (one at a time per key).
    refreshing: Arc<Mutex<HashSet<K>>>,
    /// Awaited before each background refresh, with `name`.
    before_refresh: Option<Hook>,
    /// What the hook is told: `user` or `permission`.
    name: &'static str,
    /// How many background refreshes are running.
    running: Arc<tokio::sync::watch::Sender<usize>>,
}

impl<K, V> RefreshingCache<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    pub(crate) fn new(
        name: &'static str,
        capacity: u64,
        ttl: Duration,
        refresh_after: Duration,
        before_refresh: Option<Hook>,
    ) -> Self {
        Self {
            entries: Cache::builder()
                .max_capacity(capacity)
                .expire_after(SinceRead(ttl))
                .build_with_hasher(ahash::RandomState::new()),
            ttl,
            refresh_after,
            refreshing: Default::default(),
            before_refresh,
            name,
            running: Arc::new(tokio::sync::watch::channel(0).0),
        }
    }

    /// The entry of `key`: a live one at once (starting a background refresh when the entry is
    /// older than `refresh_after`), else from `load` now, one look-up for all concurrent callers. Failed
    /// look-ups are not kept. `load` starts the look-up; it is called at most once, and only when this
    /// call sends a look-up (a foreground one it waits for, or the key's one background refresh).
    /// A hit copies nothing: the key is borrowed, and `load` (which owns what its look-up needs) is built
    /// only for a look-up.
    pub(crate) async fn get<Q, F, Fut>(&self, key: &Q, load: F) -> Result<Entry<V>, ApiError>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Arc<V>, ApiError>> + Send + 'static,
    {
        match self.entries.get(key).await {
            Some(entry) if entry.age() < self.ttl => {
                if entry.age() >= self.refresh_after {
                    self.refresh(key.to_owned(), load);
                }
                return Ok(entry);
            }
            // Past its time but not yet evicted: never served.
            Some(_) => self.entries.invalidate(key).await,
            None => {}
        }
        // Only the caller whose future runs sends the look-up; concurrent callers wait for its answer.
        self.entries
            .try_get_with(key.to_owned(), async move {
                let read_at = Instant::now();
                load().await.map(|value| Entry { value, read_at })
            })
            .await
            .map_err(|e| (*e).clone())
    }

    /// Starts the background refresh of `key` unless one is running.
    fn refresh<Fut>(&self, key: K, load: impl FnOnce() -> Fut)
    where
        Fut: Future<Output = Result<Arc<V>, ApiError>> + Send + 'static,
    {
        if !lock(&self.refreshing).insert(key.clone()) {
            return;
        }
        let lookup = load();
        let entries = self.entries.clone();
        let refreshing = Arc::clone(&self.refreshing);
        let (hook, name, running) = (self.before_refresh.clone(), self.name, Arc::clone(&self.running));
        running.send_modify(|n| *n += 1);
        tokio::spawn(async move {
            crate::hooks::run(&hook, name).await;
            let read_at = Instant::now();
            match lookup.await {
                Ok(value) => entries.insert(key.clone(), Entry { value, read_at }).await,
                // The login is gone (token revoked, user deactivated): refuse it from now on.
                Err(ApiError::Unauthorized) => entries.invalidate(&key).await,
                // The database is slow or down: the entry serves until its own expiry.
                Err(e) => log::debug!("auth cache refresh failed, the entry serves until it expires: {e}"),
            }
            lock(&refreshing).remove(&key);
            running.send_modify(|n| *n -= 1);
        });
    }

    /// Returns once no background refresh is running.
    pub(crate) async fn settled(&self) {
        let mut running = self.running.subscribe();
        let _ = running.wait_for(|n| *n == 0).await;
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    type Lookup = std::pin::Pin<Box<dyn Future<Output = Result<Arc<u64>, ApiError>> + Send>>;

    /// A look-up that counts itself (when it is started) and answers `answer`.
    fn counted(calls: &Arc<AtomicU64>, answer: Result<u64, ApiError>) -> impl FnOnce() -> Lookup {
        let calls = Arc::clone(calls);
        move || {
            calls.fetch_add(1, Ordering::SeqCst);
            Box::pin(async move { answer.map(Arc::new) })
        }
    }

    #[tokio::test]
    async fn a_young_hit_reads_nothing() {
        let cache = RefreshingCache::new("k", 10, Duration::from_secs(300), Duration::from_secs(150), None);
        let calls = Arc::new(AtomicU64::new(0));
        assert_eq!(*cache.get("k", counted(&calls, Ok(1))).await.unwrap().value, 1);
        assert_eq!(*cache.get("k", counted(&calls, Ok(2))).await.unwrap().value, 1);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn failures_are_not_kept() {
        let cache = RefreshingCache::new("k", 10, Duration::from_secs(300), Duration::from_secs(150), None);
        let calls = Arc::new(AtomicU64::new(0));
        assert!(matches!(
            cache.get("k", counted(&calls, Err(ApiError::Unauthorized))).await,
            Err(ApiError::Unauthorized)
        ));
        assert_eq!(*cache.get("k", counted(&calls, Ok(7))).await.unwrap().value, 7);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn an_entry_is_never_served_past_its_ttl() {
        // A zero TTL: every entry is already too old when it is stored.
        let cache = RefreshingCache::new("k", 10, Duration::ZERO, Duration::ZERO, None);
        let calls = Arc::new(AtomicU64::new(0));
        assert_eq!(*cache.get("k", counted(&calls, Ok(1))).await.unwrap().value, 1);
        assert_eq!(*cache.get("k", counted(&calls, Ok(2))).await.unwrap().value, 2);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn an_old_hit_answers_at_once_and_refreshes_once_in_the_background() {
        let gate = crate::hooks::Gate::closed();
        let cache = RefreshingCache::new("k", 10, Duration::from_secs(300), Duration::ZERO, Some(gate.hook()));
        let calls = Arc::new(AtomicU64::new(0));
        assert_eq!(*cache.get("k", counted(&calls, Ok(1))).await.unwrap().value, 1);
        // Three hits while the refresh is held: all answer from the entry, one refresh is started.
        for _ in 0..3 {
            assert_eq!(*cache.get("k", counted(&calls, Ok(2))).await.unwrap().value, 1);
        }
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        gate.open(10);
        cache.settled().await;
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        // The refreshed value; this hit starts the next refresh (of a login now revoked).
        assert_eq!(
            *cache
                .get("k", counted(&calls, Err(ApiError::Unauthorized)))
                .await
                .unwrap()
                .value,
            2
        );
        cache.settled().await;
        assert!(matches!(
            cache.get("k", counted(&calls, Err(ApiError::Unauthorized))).await,
            Err(ApiError::Unauthorized)
        ));
        // A failing refresh (database too slow) keeps the entry until its expiry.
        assert_eq!(*cache.get("k", counted(&calls, Ok(3))).await.unwrap().value, 3);
        let slow = || async { Err(ApiError::internal("slow")) };
        assert_eq!(*cache.get("k", slow).await.unwrap().value, 3);
        cache.settled().await;
        assert_eq!(*cache.get("k", counted(&calls, Ok(4))).await.unwrap().value, 3);
    }
}
