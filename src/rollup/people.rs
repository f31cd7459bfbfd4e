//! Messages sent per person: per (user, room) pair, the messages per slot and the instant of the latest one
//! in each slot, so that the insights (docs/insights.md) answer per-person counts, days active and last
//! messages from the entries of the requested range, never from the whole history. Pure, like
//! [`super::table`], which feeds it from the same scan ([`super::table::Table::add`]) and keeps it under
//! the same refresh rules (`replace_day`, `advance`).
//!
//! The slot length is a parameter: the rollup's 15-minute slots, or one minute for the raw reads of the
//! insights (the part after the rollup's watermark, and any zone whose day starts split a 15-minute slot).
//!
//! Memory: per (user, room, slot) with at least one message, one 12-byte [`Entry`] in the pair's sorted
//! vector (plus spare capacity while it grows); per pair its room id and a vector header (~80 bytes); per
//! user its id and a map header (~80 bytes). Messages without a string `u._id` are kept under the user `""`.

use std::collections::HashMap;

type Map<K, V> = HashMap<K, V, ahash::RandomState>;

/// One slot of one (user, room) pair: its index, the messages sent in it, and how many milliseconds after
/// the slot's start the latest of them was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    pub slot: i32,
    pub n: u32,
    pub last: u32,
}

impl Entry {
    /// The instant the slot starts.
    pub fn start(&self, slot_ms: i64) -> i64 {
        i64::from(self.slot) * slot_ms
    }

    /// The instant of the latest message in the slot.
    pub fn last_ms(&self, slot_ms: i64) -> i64 {
        self.start(slot_ms) + i64::from(self.last)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct People {
    slot_ms: i64,
    /// user → room → entries, sorted by slot, no zero counts.
    users: Map<String, Map<String, Vec<Entry>>>,
    /// An entry was added before its pair's last one: [`Self::normalize`] sorts.
    unsorted: bool,
}

impl People {
    /// Empty, with slots of `slot_ms` milliseconds.
    pub fn new(slot_ms: i64) -> Self {
        Self {
            slot_ms,
            users: Map::default(),
            unsorted: false,
        }
    }

    pub fn slot_ms(&self) -> i64 {
        self.slot_ms
    }

    /// Users with at least one entry.
    pub fn users(&self) -> usize {
        self.users.len()
    }

    /// Entries held.
    pub fn entries(&self) -> usize {
        self.users.values().flat_map(|rooms| rooms.values()).map(Vec::len).sum()
    }

    /// Counts `n` messages of `user` in `room` in the slot holding `ts_ms`, the latest at `ts_ms`; `false`
    /// when the slot does not fit an `i32`.
    pub fn add(&mut self, user: &str, room: &str, ts_ms: i64, n: u32) -> bool {
        let Ok(slot) = i32::try_from(ts_ms.div_euclid(self.slot_ms)) else {
            return false;
        };
        let last = ts_ms.rem_euclid(self.slot_ms) as u32;
        let rooms = match self.users.get_mut(user) {
            Some(r) => r,
            None => self.users.entry(user.to_string()).or_default(),
        };
        let series = match rooms.get_mut(room) {
            Some(s) => s,
            None => rooms.entry(room.to_string()).or_default(),
        };
        match series.last_mut() {
            Some(e) if e.slot == slot => {
                e.n += n;
                e.last = e.last.max(last);
            }
            Some(e) => {
                self.unsorted |= slot < e.slot;
                series.push(Entry { slot, n, last });
            }
            None => series.push(Entry { slot, n, last }),
        }
        true
    }

    /// Returns the spare capacity of every vector and map (after the build, which grows them by doubling).
    pub fn compact(&mut self) {
        for rooms in self.users.values_mut() {
            for series in rooms.values_mut() {
                series.shrink_to_fit();
            }
            rooms.shrink_to_fit();
        }
        self.users.shrink_to_fit();
    }

    /// Sorts each pair's entries and merges equal slots, after [`Self::add`]s out of order.
    pub fn normalize(&mut self) {
        if !std::mem::take(&mut self.unsorted) {
            return;
        }
        for series in self.users.values_mut().flat_map(|rooms| rooms.values_mut()) {
            if series.windows(2).all(|w| w[0].slot < w[1].slot) {
                continue;
            }
            series.sort_unstable_by_key(|e| e.slot);
            series.dedup_by(|b, a| {
                let same = a.slot == b.slot;
                if same {
                    a.n += b.n;
                    a.last = a.last.max(b.last);
                }
                same
            });
        }
    }

    /// Removes every entry whose slot starts in `[from, to)` (both on this grid).
    pub fn remove(&mut self, from: i64, to: i64) {
        self.normalize();
        let (lo, hi) = (from.div_euclid(self.slot_ms), to.div_euclid(self.slot_ms));
        self.users.retain(|_, rooms| {
            rooms.retain(|_, series| {
                let a = series.partition_point(|e| i64::from(e.slot) < lo);
                let b = series.partition_point(|e| i64::from(e.slot) < hi);
                series.drain(a..b);
                !series.is_empty()
            });
            !rooms.is_empty()
        });
    }

    /// Adds `other` (of the same slot length).
    pub fn merge(&mut self, mut other: People) {
        debug_assert_eq!(self.slot_ms, other.slot_ms);
        other.normalize();
        self.normalize();
        for (user, rooms) in other.users {
            let mine = self.users.entry(user).or_default();
            for (room, add) in rooms {
                let series = mine.entry(room).or_default();
                *series = merged(series, &add);
            }
        }
    }

    /// Every (user, room) pair with the entries whose slots start in `[from, to)`, skipping pairs with none.
    pub fn pairs_in(&self, from: i64, to: i64) -> impl Iterator<Item = (&str, &str, &[Entry])> {
        let slot_ms = self.slot_ms;
        self.users.iter().flat_map(move |(user, rooms)| {
            rooms.iter().filter_map(move |(room, series)| {
                let part = within(series, slot_ms, from, to);
                (!part.is_empty()).then_some((user.as_str(), room.as_str(), part))
            })
        })
    }

    /// The instant of each user's latest message (any room).
    pub fn last_messages(&self) -> impl Iterator<Item = (&str, i64)> {
        let slot_ms = self.slot_ms;
        self.users.iter().filter_map(move |(user, rooms)| {
            let last = rooms
                .values()
                .filter_map(|series| series.last().map(|e| e.last_ms(slot_ms)))
                .max()?;
            Some((user.as_str(), last))
        })
    }
}

/// The entries of a sorted series whose slots start in `[from, to)`.
pub fn within(series: &[Entry], slot_ms: i64, from: i64, to: i64) -> &[Entry] {
    let a = series.partition_point(|e| e.start(slot_ms) < from);
    let b = series.partition_point(|e| e.start(slot_ms) < to).max(a);
    &series[a..b]
}

/// Two sorted series as one (equal slots summed).
fn merged(a: &[Entry], b: &[Entry]) -> Vec<Entry> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i], b[j]);
        if x.slot == y.slot {
            out.push(Entry {
                slot: x.slot,
                n: x.n + y.n,
                last: x.last.max(y.last),
            });
            i += 1;
            j += 1;
        } else if x.slot < y.slot {
            out.push(x);
            i += 1;
        } else {
            out.push(y);
            j += 1;
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    /// `(user, room, [(slot, n, last)])` of every pair, sorted.
    type Pairs = Vec<(String, String, Vec<(i32, u32, u32)>)>;

    fn all(p: &People) -> Pairs {
        let mut out: Vec<_> = p
            .pairs_in(i64::MIN / 2, i64::MAX / 2)
            .map(|(u, r, e)| {
                (
                    u.to_string(),
                    r.to_string(),
                    e.iter().map(|e| (e.slot, e.n, e.last)).collect(),
                )
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn adds_out_of_order_and_keeps_the_latest_instant_per_slot() {
        let mut p = People::new(MIN);
        assert!(p.add("u1", "r1", 5 * MIN + 7, 1));
        assert!(p.add("u1", "r1", 5 * MIN + 3, 1));
        assert!(p.add("u1", "r1", 2 * MIN, 2));
        assert!(p.add("u2", "r1", -1, 1));
        assert!(!p.add("u2", "r1", i64::MAX, 1));
        p.normalize();
        assert_eq!(
            all(&p),
            vec![
                ("u1".into(), "r1".into(), vec![(2, 2, 0), (5, 2, 7)]),
                ("u2".into(), "r1".into(), vec![(-1, 1, 59_999)]),
            ]
        );
        let mut last: Vec<_> = p.last_messages().collect();
        last.sort();
        assert_eq!(last, [("u1", 5 * MIN + 7), ("u2", -1)]);
        assert_eq!((p.users(), p.entries()), (2, 3));
    }

    #[test]
    fn remove_and_merge_replace_a_range() {
        let mut p = People::new(MIN);
        for t in [0, MIN, 2 * MIN, 3 * MIN] {
            p.add("u", "r", t + 1, 1);
        }
        p.remove(MIN, 3 * MIN);
        let mut fresh = People::new(MIN);
        fresh.add("u", "r", 2 * MIN + 9, 4);
        fresh.add("v", "r", MIN, 1);
        p.merge(fresh);
        assert_eq!(
            all(&p),
            vec![
                ("u".into(), "r".into(), vec![(0, 1, 1), (2, 4, 9), (3, 1, 1)]),
                ("v".into(), "r".into(), vec![(1, 1, 0)]),
            ]
        );
        p.remove(0, 4 * MIN);
        assert_eq!((p.users(), p.entries()), (0, 0));
    }

    #[test]
    fn within_cuts_by_slot_start() {
        let series = [
            Entry { slot: 1, n: 1, last: 0 },
            Entry { slot: 3, n: 1, last: 0 },
            Entry { slot: 5, n: 1, last: 0 },
        ];
        assert_eq!(within(&series, MIN, 2 * MIN, 5 * MIN), &series[1..2]);
        assert_eq!(within(&series, MIN, MIN, 6 * MIN).len(), 3);
        assert!(within(&series, MIN, 6 * MIN, MIN).is_empty());
    }
}
