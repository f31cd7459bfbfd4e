//! Per-thread copies of shared lookups that every request reads: each actix worker is one thread, so a
//! hit read from the worker's own copy takes no lock and writes no memory another core reads. The shared
//! structures behind them (moka's caches record every read for their eviction policy; prometheus's
//! labelled metrics take a lock and hash the labels) cost a cached answer more than the rest of its
//! handling together.
//!
//! A copy is never the only truth: what is missing or stale in it is read from the shared structure and
//! copied again. Callers decide what "stale" means for their entries; each map is bounded by `capacity`
//! (when full, it is emptied before the next insert, and refills from the shared structure).

use std::cell::RefCell;
use std::collections::HashMap;

use thread_local::ThreadLocal;

type Map<V> = HashMap<String, V, ahash::RandomState>;

pub(crate) struct PerThread<V: Send> {
    maps: ThreadLocal<RefCell<Map<V>>>,
    capacity: usize,
}

impl<V: Send> PerThread<V> {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            maps: ThreadLocal::new(),
            capacity: capacity.max(1),
        }
    }

    fn map(&self) -> &RefCell<Map<V>> {
        self.maps.get_or(|| RefCell::new(Map::default()))
    }

    /// What `read` gives from this thread's entry for `key`, if there is one. `read` must not use this
    /// same `PerThread`.
    pub(crate) fn get<R>(&self, key: &str, read: impl FnOnce(&V) -> Option<R>) -> Option<R> {
        self.map().borrow().get(key).and_then(read)
    }

    /// Sets this thread's entry for `key`.
    pub(crate) fn insert(&self, key: &str, value: V) {
        let mut map = self.map().borrow_mut();
        self.make_room(&mut map, key);
        map.insert(key.to_owned(), value);
    }

    /// Runs `update` on this thread's entry for `key`, made by `make` when there is none. Neither may use
    /// this same `PerThread`.
    pub(crate) fn update<R>(&self, key: &str, make: impl FnOnce() -> V, update: impl FnOnce(&mut V) -> R) -> R {
        let mut map = self.map().borrow_mut();
        if let Some(value) = map.get_mut(key) {
            return update(value);
        }
        self.make_room(&mut map, key);
        update(map.entry(key.to_owned()).or_insert_with(make))
    }

    /// Empties a full map before a new key goes in (the bound).
    fn make_room(&self, map: &mut Map<V>, key: &str) {
        if map.len() >= self.capacity && !map.contains_key(key) {
            map.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_thread_has_its_own_copy() {
        let shared = std::sync::Arc::new(PerThread::<u32>::new(10));
        shared.insert("k", 1);
        let other = std::sync::Arc::clone(&shared);
        std::thread::spawn(move || {
            assert_eq!(other.get("k", |v| Some(*v)), None);
            other.insert("k", 2);
            assert_eq!(other.get("k", |v| Some(*v)), Some(2));
        })
        .join()
        .unwrap();
        assert_eq!(shared.get("k", |v| Some(*v)), Some(1));
    }

    #[test]
    fn a_full_map_is_emptied_before_a_new_key() {
        let cache = PerThread::<u32>::new(2);
        cache.insert("a", 1);
        cache.insert("b", 2);
        cache.insert("b", 3);
        assert_eq!(cache.get("a", |v| Some(*v)), Some(1));
        cache.insert("c", 4);
        assert_eq!(cache.get("a", |v| Some(*v)), None);
        assert_eq!(cache.get("c", |v| Some(*v)), Some(4));
        assert_eq!(cache.update("d", || 0, |v| std::mem::replace(v, 5)), 0);
        assert_eq!(cache.update("d", || 0, |v| *v), 5);
        assert_eq!(cache.get("c", |v| Some(*v)), Some(4));
        cache.update("e", || 6, |_| ());
        assert_eq!(cache.get("c", |v| Some(*v)), None);
        assert_eq!(cache.get("e", |v| Some(*v)), Some(6));
    }
}
