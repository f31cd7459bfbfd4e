//! What each refresh checks against the database, so that its cost follows recent traffic and never the
//! size of history (docs/rollup.md, "Upkeep").
//!
//! A *check* of a range of UTC hours reads, per hour, the number of messages and the sum of their
//! milliseconds into the hour from the `{ts:1}` index alone (a `$match` on `ts` and a `$group` on the hour of
//! `ts`: a covered plan on MongoDB, one index key per message of the range, no document fetched), and
//! compares them with the table's [`HourTotal`]s; the UTC day of an hour that differs is scanned again.
//! Each refresh checks two ranges:
//!
//! * the **recent window**: the last `RCA_ROLLUP_RECENT_HOURS` UTC hours up to the watermark, where
//!   deletions, edits and imports mostly happen: one index key per message of those hours, every refresh;
//! * one **slice** of the older history, in rotation: the hours from where the previous slice ended, as
//!   many as hold about `RCA_ROLLUP_VERIFY_MESSAGES` messages by the table's own counts (until they reach
//!   it: at least one hour with messages); after the last hour before the recent window the rotation
//!   starts again from the first message. So every older hour is checked once per *pass* of
//!   [`pass_length`] refreshes, however long the history, and a refresh reads about that many index keys of
//!   it (more by at most the slice's last hour, or when the database holds more messages there than the
//!   table: an import, found by that very read).

use std::collections::BTreeMap;
use std::ops::Bound;
use std::time::{Duration, Instant};

use bson::{doc, Bson, Document};
use chrono::NaiveDateTime;

use super::table::{utc_hour_of, HourTotal, HOUR_MS};
use crate::store::{coll, Store, StoreError};

/// UTC hours `[from, to)` (hour numbers since 1970-01-01T00Z); `from: None` reaches back before the first
/// message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hours {
    pub from: Option<i64>,
    pub to: i64,
}

impl Hours {
    pub fn contains(&self, hour: i64) -> bool {
        self.from.is_none_or(|from| hour >= from) && hour < self.to
    }
}

/// The first hour of the recent window of a table at `watermark`: its last `recent_hours` hours, the hour
/// of its last millisecond included.
pub fn recent_from(watermark: i64, recent_hours: u32) -> i64 {
    utc_hour_of(watermark - 1) - (i64::from(recent_hours) - 1)
}

/// The recent window of a table at `watermark` (see [`recent_from`]).
pub fn recent(watermark: i64, recent_hours: u32) -> Hours {
    Hours {
        from: Some(recent_from(watermark, recent_hours)),
        to: utc_hour_of(watermark - 1) + 1,
    }
}

/// The slice of the rotation that starts at `next` (`None`: the beginning) and ends at `end` at the latest
/// (the recent window's first hour): the hours with messages in `totals` (the table's) are taken in order
/// until their messages reach `budget`; the slice ends where the next hour with messages starts, so that the
/// hours between (none in the table, maybe some in the database) are checked too.
pub fn slice(totals: &BTreeMap<i64, HourTotal>, next: Option<i64>, end: i64, budget: u64) -> Hours {
    let next = next.filter(|h| *h < end);
    let lower = next.map_or(Bound::Unbounded, Bound::Included);
    let mut messages = 0u64;
    for (&hour, total) in totals.range((lower, Bound::Excluded(end))) {
        if messages >= budget {
            return Hours { from: next, to: hour };
        }
        messages += total.messages;
    }
    Hours { from: next, to: end }
}

/// How many refreshes one pass of the rotation takes over the hours before `end`: every such hour is checked
/// once within this many refreshes.
pub fn pass_length(totals: &BTreeMap<i64, HourTotal>, end: i64, budget: u64) -> u64 {
    let mut next = None;
    let mut refreshes = 1;
    loop {
        let hours = slice(totals, next, end, budget);
        if hours.to >= end {
            return refreshes;
        }
        next = Some(hours.to);
        refreshes += 1;
    }
}

/// Where the rotation stands: the first hour of its next slice, and when its pass began.
#[derive(Debug)]
pub(crate) struct Rotation {
    next: Option<i64>,
    pass_started: Instant,
}

impl Default for Rotation {
    fn default() -> Self {
        Self {
            next: None,
            pass_started: Instant::now(),
        }
    }
}

impl Rotation {
    /// The next slice (see [`slice`]).
    pub(crate) fn slice(&self, totals: &BTreeMap<i64, HourTotal>, end: i64, budget: u64) -> Hours {
        slice(totals, self.next, end, budget)
    }

    /// Moves past `checked` (a slice that ends at `end` at the latest); returns how long the pass took when
    /// it was its last.
    pub(crate) fn checked(&mut self, checked: Hours, end: i64) -> Option<Duration> {
        if checked.to < end {
            self.next = Some(checked.to);
            return None;
        }
        self.next = None;
        let took = self.pass_started.elapsed();
        self.pass_started = Instant::now();
        Some(took)
    }
}

/// The hours of `hours` whose totals differ between the database (`in_db`, read for those hours) and the
/// table.
pub fn differing(in_db: &BTreeMap<i64, HourTotal>, ours: &BTreeMap<i64, HourTotal>, hours: Hours) -> Vec<i64> {
    let mut out: Vec<i64> = in_db
        .keys()
        .chain(ours.keys())
        .copied()
        .filter(|h| hours.contains(*h) && in_db.get(h) != ours.get(h))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Per UTC hour of `hours` (below `watermark`): the messages and the sum of their milliseconds into the
/// hour, from the `{ts:1}` index only (the pipeline reads no other field, so MongoDB answers it with a
/// covered index scan). A deletion and a write in the same hour move the sum even when the count stays.
pub(crate) async fn hour_totals(
    store: &Store,
    hours: Hours,
    watermark: i64,
) -> Result<BTreeMap<i64, HourTotal>, StoreError> {
    let range = super::ts_range(hours.from.map(|h| h * HOUR_MS), (hours.to * HOUR_MS).min(watermark));
    let rows = store.aggregate(coll::MESSAGES, totals_pipeline(range), None).await?;
    let whole = |b: &Bson| match b {
        Bson::Int32(n) => Some(i64::from(*n)),
        Bson::Int64(n) => Some(*n),
        Bson::Double(f) => Some(*f as i64),
        _ => None,
    };
    Ok(rows
        .iter()
        .filter_map(|r| {
            let hour =
                NaiveDateTime::parse_from_str(&format!("{}:00", r.get_str("_id").ok()?), "%Y-%m-%dT%H:%M").ok()?;
            let total = HourTotal {
                messages: u64::try_from(whole(r.get("n")?)?).ok()?,
                ms_of_hour: whole(r.get("ms")?)?,
            };
            Some((utc_hour_of(hour.and_utc().timestamp_millis()), total))
        })
        .collect())
}

fn totals_pipeline(range: Document) -> Vec<Document> {
    vec![
        doc! {"$match": range},
        doc! {"$group": {
            "_id": {"$dateToString": {"format": "%Y-%m-%dT%H", "date": "$ts"}},
            "n": {"$sum": 1},
            "ms": {"$sum": {"$mod": [{"$toLong": "$ts"}, HOUR_MS]}},
        }},
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn totals(hours: &[(i64, u64)]) -> BTreeMap<i64, HourTotal> {
        hours
            .iter()
            .map(|&(h, messages)| {
                (
                    h,
                    HourTotal {
                        messages,
                        ms_of_hour: 0,
                    },
                )
            })
            .collect()
    }

    #[test]
    fn the_recent_window_ends_with_the_watermarks_hour() {
        let w = 10 * HOUR_MS + 15 * 60_000;
        assert_eq!(
            recent(w, 24),
            Hours {
                from: Some(-13),
                to: 11
            }
        );
        assert_eq!(recent(w, 1), Hours { from: Some(10), to: 11 });
        // A watermark on the hour: that hour holds nothing yet, the window ends with the hour before.
        assert_eq!(recent(10 * HOUR_MS, 1), Hours { from: Some(9), to: 10 });
    }

    #[test]
    fn slices_reach_the_budget_and_cover_the_gaps() {
        let t = totals(&[(1, 40), (2, 30), (5, 20), (6, 100), (8, 10), (20, 5)]);
        // 40 + 30 reach the budget of 60: the slice ends where hour 5 starts (hours 3 and 4 included).
        assert_eq!(slice(&t, None, 20, 60), Hours { from: None, to: 5 });
        assert_eq!(slice(&t, Some(5), 20, 60), Hours { from: Some(5), to: 8 });
        // The last slice ends at the recent window, wherever the budget stands.
        assert_eq!(slice(&t, Some(8), 20, 60), Hours { from: Some(8), to: 20 });
        // A rotation position at or past the end starts again from the beginning.
        assert_eq!(slice(&t, Some(25), 20, 1000), Hours { from: None, to: 20 });
        assert_eq!(pass_length(&t, 20, 60), 3);
        assert_eq!(pass_length(&t, 20, 1000), 1);
        assert_eq!(pass_length(&t, 20, 1), 5);
        assert_eq!(pass_length(&BTreeMap::new(), 20, 1), 1);
    }

    #[test]
    fn the_rotation_moves_on_and_starts_again() {
        let t = totals(&[(1, 40), (2, 30), (5, 20)]);
        let mut r = Rotation::default();
        let first = r.slice(&t, 10, 40);
        assert_eq!(first, Hours { from: None, to: 2 });
        assert_eq!(r.checked(first, 10), None);
        let second = r.slice(&t, 10, 40);
        assert_eq!(second, Hours { from: Some(2), to: 10 });
        assert!(r.checked(second, 10).is_some());
        assert_eq!(r.slice(&t, 10, 40), first);
    }

    #[test]
    fn differing_hours_within_the_range() {
        let ours = totals(&[(1, 4), (2, 3), (3, 2), (9, 1)]);
        let in_db = totals(&[(0, 1), (2, 3), (3, 1)]);
        let hours = Hours { from: None, to: 5 };
        assert_eq!(differing(&in_db, &ours, hours), [0, 1, 3]);
        assert_eq!(
            differing(&in_db, &ours, Hours { from: Some(2), to: 3 }),
            Vec::<i64>::new()
        );
    }
}
