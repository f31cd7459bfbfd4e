//! The rollup itself, pure: messages sent per room per 15-minute slot (UTC instants, so one table serves
//! every zone), the number of all messages per UTC hour (what the refresh's checks compare with the
//! database's `{ts:1}` index), and the watermark `W`: the table holds exactly the messages with `ts < W`.
//!
//! Memory: per (room, slot) with at least one message, [`ENTRY_BYTES`]: 8 in the room's sorted vector
//! (`i32` slot index, `u32` count; while the build grows a vector its spare capacity adds at most as much
//! again, and [`Table::compact`] returns it) and 4 for its running total ([`Table::index`]); per room its
//! id twice and two vector headers (~120 bytes); per UTC hour with messages ~40 bytes in a `BTreeMap`.

use std::collections::{BTreeMap, HashMap};

/// The table's maps by room id: aHash, as every answer looks each room up.
type Map<K, V> = HashMap<K, V, ahash::RandomState>;

use chrono::NaiveDate;

use super::people::People;
use crate::params::window::instant;
use crate::params::zone::ReportZone;

/// One slot: 15 minutes, the greatest common step of every current zone's offsets (+05:30, +05:45,
/// +12:45, −09:30, DST changes at :00/:30).
pub const SLOT_MS: i64 = 15 * 60 * 1000;
/// One UTC day.
pub const DAY_MS: i64 = 86_400_000;
/// One UTC hour.
pub const HOUR_MS: i64 = 3_600_000;
const SLOTS_PER_DAY: i64 = DAY_MS / SLOT_MS;
/// Bytes per (room, slot) entry once built: the entry and its running total.
pub const ENTRY_BYTES: usize = std::mem::size_of::<(i32, u32)>() + std::mem::size_of::<u32>();

/// The slot of an instant (floor), or `None` beyond the ±61,000 years an `i32` slot index covers.
pub fn slot_of(ms: i64) -> Option<i32> {
    i32::try_from(ms.div_euclid(SLOT_MS)).ok()
}

/// The UTC day number (days since 1970-01-01) of an instant.
pub fn utc_day_of(ms: i64) -> i64 {
    ms.div_euclid(DAY_MS)
}

/// The UTC hour number (hours since 1970-01-01T00Z) of an instant.
pub fn utc_hour_of(ms: i64) -> i64 {
    ms.div_euclid(HOUR_MS)
}

/// What one scanned message document is (docs/api.md, "How it differs from Rocket.Chat"): every message counts in the per-hour
/// totals; a message *sent* (`t` absent, `e2e` or `rm`, no `parent`) also counts for its room.
#[derive(Debug, PartialEq, Eq)]
pub struct Scanned<'a> {
    pub ts_ms: i64,
    /// The room of a message sent; `None` for any other message (or a sent one without a string `rid`,
    /// which no room can match).
    pub sent_in: Option<&'a str>,
    /// Its sender, `u._id` (`""` when that is not a string).
    pub user: &'a str,
}

impl<'a> Scanned<'a> {
    /// Classifies a projected `{ts, rid, t, parent}` document; `None` when `ts` is not a date (the `ts`
    /// range filters of the scan and of the raw pipeline skip those too).
    pub fn of(doc: &'a bson::RawDocument) -> Option<Self> {
        use bson::RawBsonRef;
        let ts_ms = doc.get_datetime("ts").ok()?.timestamp_millis();
        let sent = matches!(doc.get("parent"), Ok(None))
            && match doc.get("t") {
                Ok(None) => true,
                Ok(Some(RawBsonRef::String(t))) => t == "e2e" || t == "rm",
                _ => false,
            };
        let sent_in = if sent { doc.get_str("rid").ok() } else { None };
        let user = doc
            .get_document("u")
            .ok()
            .and_then(|u| u.get_str("_id").ok())
            .unwrap_or("");
        Some(Self { ts_ms, sent_in, user })
    }
}

/// A UTC hour's fingerprint, as the `{ts:1}` index alone can give it: how many messages, and the sum of
/// their milliseconds since the hour began. A message deleted and another written in the same hour
/// between two refreshes change the sum even when the count stays.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HourTotal {
    pub messages: u64,
    /// The sum of `ts % HOUR_MS` (truncated, as MongoDB's `$mod`: negative before 1970).
    pub ms_of_hour: i64,
}

/// [`Table::index`]'s running totals: derived from the rooms, so no part of a table's equality.
#[derive(Clone, Debug, Default)]
struct Running(std::sync::OnceLock<Map<String, Vec<u32>>>);

impl PartialEq for Running {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Running {}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    /// Per room: `(slot, messages sent)`, sorted by slot, no zero counts.
    rooms: Map<String, Vec<(i32, u32)>>,
    /// Per UTC hour: all messages (any `t`, with or without `parent`) with a date `ts`.
    hour_totals: BTreeMap<i64, HourTotal>,
    /// The table holds the messages with `ts < watermark` (a slot boundary).
    watermark: i64,
    /// The earliest `ts` ever added (`i64::MAX` when empty): boundaries before it split nothing.
    min_ts: i64,
    /// Messages sent in the table.
    sent: u64,
    /// A message whose slot does not fit an `i32` was seen: the table cannot answer exactly.
    overflow: bool,
    /// A slot was added before its room's last one: [`Self::normalize`] must sort before the table is read.
    unsorted: bool,
    /// Per room, the running totals of its entries (`[i]`: messages sent in its first `i` entries), so that
    /// a range of any length sums in two binary searches; built on first use after each change
    /// ([`Self::index`]), 4 bytes per entry.
    running: Running,
    /// Counts the changes after the first build ([`Self::advance`], [`Self::replace_day`]).
    generation: u64,
    /// The same messages sent per person ([`People`]).
    people: People,
}

impl Default for Table {
    fn default() -> Self {
        Self {
            rooms: Map::default(),
            hour_totals: BTreeMap::new(),
            watermark: 0,
            min_ts: 0,
            sent: 0,
            overflow: false,
            unsorted: false,
            running: Running::default(),
            generation: 0,
            people: People::new(SLOT_MS),
        }
    }
}

impl Table {
    /// An empty table covering `ts < watermark` (rounded down to a slot boundary).
    pub fn new(watermark: i64) -> Self {
        Self {
            watermark: watermark.div_euclid(SLOT_MS) * SLOT_MS,
            min_ts: i64::MAX,
            ..Self::default()
        }
    }

    pub fn watermark(&self) -> i64 {
        self.watermark
    }

    pub fn messages_sent(&self) -> u64 {
        self.sent
    }

    pub fn rooms(&self) -> usize {
        self.rooms.len()
    }

    /// (room, slot) entries held.
    pub fn entries(&self) -> usize {
        self.rooms.values().map(Vec::len).sum()
    }

    /// How many times the table changed since it was built (see [`super::rooms`]).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn usable(&self) -> bool {
        !self.overflow
    }

    pub fn hour_totals(&self) -> &BTreeMap<i64, HourTotal> {
        &self.hour_totals
    }

    /// Messages sent per person ([`People`]), on this table's slots.
    pub fn people(&self) -> &People {
        &self.people
    }

    /// The earliest `ts` added (`i64::MAX` when empty).
    pub fn min_ts(&self) -> i64 {
        self.min_ts
    }

    /// Counts one scanned message (the caller scans `ts < watermark` only).
    pub fn add(&mut self, m: &Scanned) {
        self.running.0.take();
        let total = self.hour_totals.entry(utc_hour_of(m.ts_ms)).or_default();
        total.messages += 1;
        total.ms_of_hour += m.ts_ms % HOUR_MS;
        self.min_ts = self.min_ts.min(m.ts_ms);
        let Some(rid) = m.sent_in else { return };
        let Some(slot) = slot_of(m.ts_ms) else {
            self.overflow = true;
            return;
        };
        self.sent += 1;
        self.people.add(m.user, rid, m.ts_ms, 1);
        let series = match self.rooms.get_mut(rid) {
            Some(s) => s,
            None => self.rooms.entry(rid.to_string()).or_default(),
        };
        // A read of a `ts` range comes in `ts` order: slots mostly arrive in order and extend the room's
        // last entry; any other (an older range read later) is appended and sorted in by `normalize`.
        match series.last_mut() {
            Some((last, n)) if *last == slot => *n += 1,
            Some((last, _)) => {
                self.unsorted |= slot < *last;
                series.push((slot, 1));
            }
            None => series.push((slot, 1)),
        }
    }

    /// Sorts each room's slots and merges equal ones, after [`Self::add`]s out of order.
    pub fn normalize(&mut self) {
        self.people.normalize();
        if !std::mem::take(&mut self.unsorted) {
            return;
        }
        for series in self.rooms.values_mut() {
            if series.windows(2).all(|w| w[0].0 < w[1].0) {
                continue;
            }
            series.sort_unstable_by_key(|(s, _)| *s);
            series.dedup_by(|b, a| {
                let same = a.0 == b.0;
                if same {
                    a.1 += b.1;
                }
                same
            });
        }
    }

    /// Returns the spare capacity of every vector, the per-person ones too (after the build, which grows
    /// them by doubling).
    pub fn compact(&mut self) {
        for series in self.rooms.values_mut() {
            series.shrink_to_fit();
        }
        self.rooms.shrink_to_fit();
        self.people.compact();
    }

    /// Moves the watermark forward to `to` with `delta`, a table of the messages in `[watermark, to)`.
    pub fn advance(&mut self, delta: Table) {
        debug_assert!(delta.watermark >= self.watermark);
        self.merge(delta);
        self.generation += 1;
    }

    /// Replaces everything of UTC day `day` with `fresh`, a table of that day's messages (`ts < watermark`).
    pub fn replace_day(&mut self, day: i64, fresh: Table) {
        let (lo, hi) = day_slots(day);
        self.running.0.take();
        let mut removed = 0u64;
        self.rooms.retain(|_, series| {
            let a = series.partition_point(|(s, _)| i64::from(*s) < lo);
            let b = series.partition_point(|(s, _)| i64::from(*s) < hi);
            removed += series.drain(a..b).map(|(_, n)| u64::from(n)).sum::<u64>();
            !series.is_empty()
        });
        self.sent -= removed;
        self.people.remove(lo * SLOT_MS, hi * SLOT_MS);
        let hours = day * 24..(day + 1) * 24;
        self.hour_totals.retain(|hour, _| !hours.contains(hour));
        let watermark = self.watermark;
        self.merge(fresh);
        self.watermark = watermark;
        self.generation += 1;
    }

    fn merge(&mut self, mut other: Table) {
        other.normalize();
        self.normalize();
        self.running.0.take();
        self.watermark = self.watermark.max(other.watermark);
        self.min_ts = self.min_ts.min(other.min_ts);
        self.overflow |= other.overflow;
        self.sent += other.sent;
        self.people.merge(other.people);
        for (hour, add) in other.hour_totals {
            let total = self.hour_totals.entry(hour).or_default();
            total.messages += add.messages;
            total.ms_of_hour += add.ms_of_hour;
        }
        for (rid, add) in other.rooms {
            let series = self.rooms.entry(rid).or_default();
            let mut merged = Vec::with_capacity(series.len() + add.len());
            let (mut i, mut j) = (0, 0);
            while i < series.len() || j < add.len() {
                match (series.get(i), add.get(j)) {
                    (Some(a), Some(b)) if a.0 == b.0 => {
                        merged.push((a.0, a.1 + b.1));
                        i += 1;
                        j += 1;
                    }
                    (Some(a), Some(b)) if a.0 < b.0 => {
                        merged.push(*a);
                        i += 1;
                    }
                    (Some(a), None) => {
                        merged.push(*a);
                        i += 1;
                    }
                    (_, Some(b)) => {
                        merged.push(*b);
                        j += 1;
                    }
                    (None, None) => unreachable!(),
                }
            }
            *series = merged;
        }
    }

    /// Whether a range boundary at instant `b` splits no slot that may hold messages of the table: on a
    /// slot boundary, or at/before the earliest message, or at/after the watermark.
    pub fn splits_cleanly(&self, b: i64) -> bool {
        b.rem_euclid(SLOT_MS) == 0 || b <= self.min_ts || b >= self.watermark
    }

    /// Whether both bounds of `[from, to)` split cleanly, so that [`Self::per_room_in`] answers it.
    pub fn answers(&self, from: i64, to: i64) -> bool {
        self.slot_range(from, to).is_some()
    }

    /// The slot indices `[lo, hi)` holding the table's messages in `[from, to)`, when both bounds split
    /// cleanly (see [`Self::splits_cleanly`]); `to` is clipped to the watermark.
    fn slot_range(&self, from: i64, to: i64) -> Option<(i64, i64)> {
        if !self.usable() || !self.splits_cleanly(from) || !self.splits_cleanly(to) {
            return None;
        }
        let to = to.min(self.watermark);
        Some((
            from.div_euclid(SLOT_MS),
            to.div_euclid(SLOT_MS).max(from.div_euclid(SLOT_MS)),
        ))
    }

    /// The running totals of every room, built now unless already built since the last change (the
    /// refresh builds them in the background, so that answers find them ready).
    pub fn index(&self) -> &Map<String, Vec<u32>> {
        self.running.0.get_or_init(|| {
            self.rooms
                .iter()
                .map(|(rid, series)| {
                    let mut total = 0u32;
                    let mut running = Vec::with_capacity(series.len() + 1);
                    running.push(0);
                    running.extend(series.iter().map(|(_, n)| {
                        total += n;
                        total
                    }));
                    (rid.clone(), running)
                })
                .collect()
        })
    }

    /// The rooms with messages sent in `[from, to) ∩ (−∞, watermark)`, without counting them; `None` as
    /// [`Self::per_room_in`].
    pub fn rooms_in(&self, from: i64, to: i64) -> Option<Vec<&str>> {
        let (lo, hi) = self.slot_range(from, to)?;
        Some(
            self.rooms
                .iter()
                .filter(|(_, series)| {
                    let a = series.partition_point(|(s, _)| i64::from(*s) < lo);
                    series.get(a).is_some_and(|(s, _)| i64::from(*s) < hi)
                })
                .map(|(rid, _)| rid.as_str())
                .collect(),
        )
    }

    /// Messages sent per room in each `[from, to) ∩ (−∞, watermark)` of `ranges`; rooms without any in
    /// every range are left out. `None` when a bound splits a slot (the caller then answers from the raw
    /// pipeline). One pass over the rooms: two binary searches per room and range.
    pub fn per_room_in<const N: usize>(&self, ranges: [(i64, i64); N]) -> Option<Vec<(&str, [i64; N])>> {
        let mut slots = [(0, 0); N];
        for (slot, (from, to)) in slots.iter_mut().zip(ranges) {
            *slot = self.slot_range(from, to)?;
        }
        if slots.iter().all(|(lo, hi)| lo >= hi) {
            return Some(vec![]);
        }
        let running = self.index();
        let mut out = Vec::new();
        for (rid, series) in &self.rooms {
            let totals = running.get(rid);
            let mut counts = [0; N];
            for (n, &(lo, hi)) in counts.iter_mut().zip(&slots) {
                if lo >= hi {
                    continue;
                }
                let a = series.partition_point(|(s, _)| i64::from(*s) < lo);
                let b = series.partition_point(|(s, _)| i64::from(*s) < hi);
                *n = match totals {
                    Some(r) => i64::from(r[b] - r[a]),
                    None => series[a..b].iter().map(|(_, n)| i64::from(*n)).sum(),
                };
            }
            if counts.iter().any(|n| *n > 0) {
                out.push((rid.as_str(), counts));
            }
        }
        Some(out)
    }

    /// [`Self::per_room_in`] of one range, as a map.
    #[cfg(test)]
    pub fn per_room(&self, from: i64, to: i64) -> Option<HashMap<&str, i64>> {
        Some(
            self.per_room_in([(from, to)])?
                .into_iter()
                .map(|(rid, [n])| (rid, n))
                .collect(),
        )
    }

    /// Messages sent per day of `zone` in `[from, to) ∩ (−∞, watermark)` in the rooms that `keep` accepts,
    /// where `from` and `to` are day starts of `zone`; days without any are left out. `None` when any day
    /// boundary inside splits a slot. One pass over the entries in range, none per day.
    pub fn per_day(
        &self,
        from: i64,
        to: i64,
        zone: ReportZone,
        keep: impl Fn(&str) -> bool,
    ) -> Option<BTreeMap<NaiveDate, i64>> {
        self.sum_days(from, to, zone, |add| {
            for (rid, series) in &self.rooms {
                if keep(rid) {
                    add(series);
                }
            }
        })
    }

    /// As [`Self::per_day`], from `totals`: this table's [`Self::slot_totals`] of the same rooms, so that
    /// a year is about 35,000 slots to read, whatever the number of rooms.
    pub fn per_day_of(
        &self,
        totals: &[(i32, u32)],
        from: i64,
        to: i64,
        zone: ReportZone,
    ) -> Option<BTreeMap<NaiveDate, i64>> {
        self.sum_days(from, to, zone, |add| add(totals))
    }

    /// Messages sent per slot in the rooms that `keep` accepts, all rooms summed: sorted by slot, no zero.
    pub fn slot_totals(&self, keep: impl Fn(&str) -> bool) -> Vec<(i32, u32)> {
        let mut sums: HashMap<i32, u32> = HashMap::new();
        for (rid, series) in &self.rooms {
            if keep(rid) {
                for (slot, n) in series {
                    *sums.entry(*slot).or_default() += n;
                }
            }
        }
        let mut totals: Vec<(i32, u32)> = sums.into_iter().collect();
        totals.sort_unstable();
        totals
    }

    /// The per-day sums of `[from, to)` over the slot series that `each` hands to `add`.
    fn sum_days(
        &self,
        from: i64,
        to: i64,
        zone: ReportZone,
        each: impl FnOnce(&mut dyn FnMut(&[(i32, u32)])),
    ) -> Option<BTreeMap<NaiveDate, i64>> {
        let (lo, hi) = self.slot_range(from, to)?;
        if lo >= hi {
            return Some(BTreeMap::new());
        }
        // Day starts (as slot indices) of every day holding table slots in range; each must split cleanly.
        let first = zone.date_of(instant((lo * SLOT_MS).max(self.min_ts)));
        let last = zone.date_of(instant(hi * SLOT_MS - 1));
        let mut starts: Vec<i64> = Vec::new();
        let mut days: Vec<NaiveDate> = Vec::new();
        let mut day = first;
        while day <= last {
            let start = zone.start_of_day(day).timestamp_millis();
            if !self.splits_cleanly(start) {
                return None;
            }
            starts.push(start.div_euclid(SLOT_MS));
            days.push(day);
            match day.succ_opt() {
                Some(next) => day = next,
                None => break,
            }
        }
        let mut totals = vec![0i64; days.len()];
        each(&mut |series| {
            let a = series.partition_point(|(s, _)| i64::from(*s) < lo);
            let b = series.partition_point(|(s, _)| i64::from(*s) < hi);
            if a == b {
                return;
            }
            // Slots ascend, so the day only moves forward.
            let mut i = starts.partition_point(|s| *s <= i64::from(series[a].0));
            for (slot, n) in &series[a..b] {
                while i < starts.len() && starts[i] <= i64::from(*slot) {
                    i += 1;
                }
                // Slots before the first listed day start lie before min_ts's day: none exist.
                if let Some(total) = i.checked_sub(1).and_then(|d| totals.get_mut(d)) {
                    *total += i64::from(*n);
                }
            }
        });
        Some(days.into_iter().zip(totals).filter(|(_, n)| *n > 0).collect())
    }
}

/// The slot indices `[lo, hi)` of UTC day `day`.
pub fn day_slots(day: i64) -> (i64, i64) {
    (day * SLOTS_PER_DAY, (day + 1) * SLOTS_PER_DAY)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::doc;

    fn ms(iso: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(iso).unwrap().timestamp_millis()
    }

    fn table(messages: &[(&str, &str)], watermark: &str) -> Table {
        let mut t = Table::new(ms(watermark));
        for (rid, ts) in messages {
            t.add(&Scanned {
                user: "u",
                ts_ms: ms(ts),
                sent_in: Some(rid),
            });
        }
        t.normalize();
        t
    }

    #[test]
    fn slots_added_out_of_order_are_sorted_and_merged() {
        let ordered = table(
            &[
                ("a", "2024-01-01T00:00:00Z"),
                ("a", "2024-01-01T00:01:00Z"),
                ("a", "2024-01-01T10:00:00Z"),
                ("a", "2024-01-02T00:00:00Z"),
                ("b", "2024-01-01T05:00:00Z"),
            ],
            "2024-01-03T00:00:00Z",
        );
        let shuffled = table(
            &[
                ("a", "2024-01-02T00:00:00Z"),
                ("a", "2024-01-01T00:01:00Z"),
                ("b", "2024-01-01T05:00:00Z"),
                ("a", "2024-01-01T10:00:00Z"),
                ("a", "2024-01-01T00:00:00Z"),
            ],
            "2024-01-03T00:00:00Z",
        );
        assert_eq!(shuffled, ordered);
        assert_eq!(ordered.entries(), 4);
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn zone(s: &str) -> ReportZone {
        ReportZone::parse(s).unwrap()
    }

    #[test]
    fn classifies_like_the_raw_match() {
        let ts = bson::DateTime::from_millis(1_000);
        let sent = |d: bson::Document| {
            let raw = bson::RawDocumentBuf::from_document(&d).unwrap();
            Scanned::of(&raw).map(|s| s.sent_in.is_some())
        };
        assert_eq!(sent(doc! {"ts": ts, "rid": "r"}), Some(true));
        assert_eq!(sent(doc! {"ts": ts, "rid": "r", "t": "e2e"}), Some(true));
        assert_eq!(sent(doc! {"ts": ts, "rid": "r", "t": "rm"}), Some(true));
        assert_eq!(sent(doc! {"ts": ts, "rid": "r", "t": "uj"}), Some(false));
        assert_eq!(sent(doc! {"ts": ts, "rid": "r", "t": null}), Some(false));
        assert_eq!(sent(doc! {"ts": ts, "rid": "r", "parent": "m1"}), Some(false));
        assert_eq!(sent(doc! {"ts": ts, "rid": "r", "parent": null}), Some(false));
        assert_eq!(sent(doc! {"ts": ts, "rid": 5}), Some(false));
        assert_eq!(sent(doc! {"ts": "2024-01-01", "rid": "r"}), None);
        assert_eq!(sent(doc! {"rid": "r"}), None);
    }

    #[test]
    fn an_entry_is_twelve_bytes() {
        assert_eq!(std::mem::size_of::<(i32, u32)>(), 8);
        assert_eq!(ENTRY_BYTES, 12);
    }

    #[test]
    fn slots_and_days() {
        assert_eq!(slot_of(0), Some(0));
        assert_eq!(slot_of(SLOT_MS - 1), Some(0));
        assert_eq!(slot_of(-1), Some(-1));
        assert_eq!(slot_of(i64::MAX), None);
        assert_eq!(utc_day_of(-1), -1);
        assert_eq!(day_slots(1), (96, 192));
        assert_eq!(
            Table::new(ms("2024-01-01T00:20:00Z")).watermark(),
            ms("2024-01-01T00:15:00Z")
        );
    }

    #[test]
    fn per_room_sums_whole_slots_below_the_watermark() {
        let t = table(
            &[
                ("a", "2024-01-01T00:00:00Z"),
                ("a", "2024-01-01T00:14:59.999Z"),
                ("a", "2024-01-01T23:59:59Z"),
                ("b", "2024-01-02T00:00:00Z"),
                ("b", "2023-12-31T23:59:59Z"),
            ],
            "2024-01-03T00:00:00Z",
        );
        let r = t
            .per_room(ms("2024-01-01T00:00:00Z"), ms("2024-01-02T00:00:00Z"))
            .unwrap();
        assert_eq!(r, HashMap::from([("a", 3)]));
        let r = t
            .per_room(ms("2024-01-01T00:15:00Z"), ms("2024-01-03T00:00:00Z"))
            .unwrap();
        assert_eq!(r, HashMap::from([("a", 1), ("b", 1)]));
        // A bound inside a slot that may hold messages: no answer.
        assert_eq!(t.per_room(ms("2024-01-01T00:05:00Z"), ms("2024-01-02T00:00:00Z")), None);
        // Off-grid bounds before the first message or after the watermark split nothing.
        let r = t
            .per_room(ms("2023-12-31T23:59:58Z"), ms("2024-01-05T00:05:00Z"))
            .unwrap();
        assert_eq!(r, HashMap::from([("a", 3), ("b", 2)]));
        // Several ranges in one pass (channels/list: both periods and their union); an empty range
        // counts nothing, and one bound inside a slot leaves the whole answer to the raw pipeline.
        let (jan1, jan2, jan3) = (
            ms("2024-01-01T00:00:00Z"),
            ms("2024-01-02T00:00:00Z"),
            ms("2024-01-03T00:00:00Z"),
        );
        let mut r = t
            .per_room_in([(jan1, jan3), (jan2, jan3), (jan1, jan2), (jan2, jan2)])
            .unwrap();
        r.sort();
        assert_eq!(r, [("a", [3, 0, 3, 0]), ("b", [1, 1, 0, 0])]);
        assert_eq!(t.per_room_in([(jan1, jan3), (jan1 + 60_000, jan2)]), None);
        assert_eq!(t.per_room_in([(jan2, jan2)]), Some(vec![]));
        let mut rooms = t
            .rooms_in(ms("2024-01-01T00:15:00Z"), ms("2024-01-03T00:00:00Z"))
            .unwrap();
        rooms.sort();
        assert_eq!(rooms, ["a", "b"]);
        assert_eq!(
            t.rooms_in(ms("2024-01-01T00:15:00Z"), ms("2024-01-01T23:45:00Z")),
            Some(vec![])
        );
        assert_eq!(t.messages_sent(), 5);
        assert_eq!(t.entries(), 4);
        // Inverted or empty ranges hold nothing.
        assert!(t
            .per_room(ms("2024-01-02T00:00:00Z"), ms("2024-01-01T00:00:00Z"))
            .unwrap()
            .is_empty());
    }

    #[test]
    fn days_of_half_and_three_quarter_hour_zones() {
        let t = table(
            &[
                ("a", "2024-01-01T18:29:59Z"), // Jan 1 in +05:30 (23:59:59)
                ("a", "2024-01-01T18:30:00Z"), // Jan 2 00:00 in +05:30
                ("a", "2024-01-01T18:15:00Z"), // Jan 2 00:00 in Kathmandu (+05:45), Jan 1 23:45 in +05:30
                ("a", "2024-01-01T18:14:59Z"), // Jan 1 23:59:59 in Kathmandu
            ],
            "2024-02-01T00:00:00Z",
        );
        let ist = zone("+05:30");
        let from = ist.start_of_day(day("2024-01-01")).timestamp_millis();
        let to = ist.start_of_day(day("2024-01-03")).timestamp_millis();
        let r = t.per_day(from, to, ist, |_| true).unwrap();
        assert_eq!(r, BTreeMap::from([(day("2024-01-01"), 3), (day("2024-01-02"), 1)]));
        let ktm = zone("Asia/Kathmandu");
        let from = ktm.start_of_day(day("2024-01-01")).timestamp_millis();
        let to = ktm.start_of_day(day("2024-01-03")).timestamp_millis();
        assert_eq!(from, ms("2023-12-31T18:15:00Z"));
        let r = t.per_day(from, to, ktm, |_| true).unwrap();
        assert_eq!(r, BTreeMap::from([(day("2024-01-01"), 1), (day("2024-01-02"), 3)]));
        // −09:30 (Marquesas) days are on the grid too.
        let mq = zone("Pacific/Marquesas");
        let from = mq.start_of_day(day("2024-01-01")).timestamp_millis();
        assert_eq!(from, ms("2024-01-01T09:30:00Z"));
        assert!(t.splits_cleanly(from));
        // +05:17 is off the grid: a day boundary inside the data splits a slot.
        let odd = zone("+05:17");
        let from = odd.start_of_day(day("2024-01-01")).timestamp_millis();
        let to = odd.start_of_day(day("2024-01-03")).timestamp_millis();
        assert_eq!(t.per_day(from, to, odd, |_| true), None);
        assert_eq!(t.per_room(from, to), None);
    }

    #[test]
    fn per_day_counts_the_kept_rooms_only() {
        let t = table(
            &[
                ("a", "2024-01-01T10:00:00Z"),
                ("b", "2024-01-01T11:00:00Z"),
                ("b", "2024-01-02T11:00:00Z"),
                ("gone", "2024-01-02T12:00:00Z"),
            ],
            "2024-02-01T00:00:00Z",
        );
        let utc = zone("UTC");
        let (from, to) = (ms("2024-01-01T00:00:00Z"), ms("2024-01-03T00:00:00Z"));
        assert_eq!(
            t.per_day(from, to, utc, |rid| rid != "gone"),
            Some(BTreeMap::from([(day("2024-01-01"), 2), (day("2024-01-02"), 1)]))
        );
        assert_eq!(
            t.per_day(from, to, utc, |rid| rid == "a"),
            Some(BTreeMap::from([(day("2024-01-01"), 1)]))
        );
        let totals = t.slot_totals(|rid| rid != "gone");
        assert_eq!(totals.iter().map(|(_, n)| n).sum::<u32>(), 3);
        assert_eq!(
            t.per_day_of(&totals, from, to, utc),
            t.per_day(from, to, utc, |rid| rid != "gone")
        );
        let same_slot = table(
            &[("a", "2024-01-01T10:00:00Z"), ("b", "2024-01-01T10:05:00Z")],
            "2024-02-01T00:00:00Z",
        );
        assert_eq!(
            same_slot.slot_totals(|_| true),
            [(slot_of(ms("2024-01-01T10:00:00Z")).unwrap(), 2)]
        );
    }

    #[test]
    fn days_across_dst_changes() {
        // Sao Paulo ended DST on 2019-02-17 00:00 (−02:00 → −03:00): Feb 16 lasted 25 hours.
        let sp = zone("America/Sao_Paulo");
        let t = table(
            &[
                ("r", "2019-02-17T02:30:00Z"), // Feb 16 23:30 (−03:00, the repeated hour)
                ("r", "2019-02-17T03:00:00Z"), // Feb 17 00:00 −03:00
                ("r", "2019-02-16T02:00:00Z"), // Feb 16 00:00 −02:00
                ("r", "2019-02-16T01:59:00Z"), // Feb 15 23:59 −02:00
            ],
            "2019-03-01T00:00:00Z",
        );
        let from = sp.start_of_day(day("2019-02-15")).timestamp_millis();
        let to = sp.start_of_day(day("2019-02-18")).timestamp_millis();
        let r = t.per_day(from, to, sp, |_| true).unwrap();
        assert_eq!(
            r,
            BTreeMap::from([(day("2019-02-15"), 1), (day("2019-02-16"), 2), (day("2019-02-17"), 1)])
        );
        // Brazil's DST began at midnight on 2018-11-04: that day started at 01:00 local (03:00Z) and
        // lasted 23 hours.
        let t = table(
            &[
                ("r", "2018-11-04T02:59:00Z"),
                ("r", "2018-11-04T03:00:00Z"),
                ("r", "2018-11-05T01:59:00Z"),
            ],
            "2018-12-01T00:00:00Z",
        );
        let from = sp.start_of_day(day("2018-11-03")).timestamp_millis();
        let to = sp.start_of_day(day("2018-11-06")).timestamp_millis();
        let r = t.per_day(from, to, sp, |_| true).unwrap();
        assert_eq!(r, BTreeMap::from([(day("2018-11-03"), 1), (day("2018-11-04"), 2)]));
        // Berlin: a 23-hour day in March, whole slots.
        let berlin = zone("Europe/Berlin");
        let start = berlin.start_of_day(day("2024-03-31")).timestamp_millis();
        let end = berlin.start_of_day(day("2024-04-01")).timestamp_millis();
        assert_eq!((end - start) / SLOT_MS, 92);
    }

    #[test]
    fn a_day_equals_the_sum_of_its_whole_slots_in_every_listed_zone() {
        // Every slot of Jan 2024 holds one message; a zone's day then holds exactly its length in slots.
        let mut t = Table::new(ms("2024-02-01T00:00:00Z"));
        let mut at = ms("2024-01-01T00:00:00Z");
        while at < ms("2024-02-01T00:00:00Z") {
            t.add(&Scanned {
                user: "u",
                ts_ms: at,
                sent_in: Some("r"),
            });
            at += SLOT_MS;
        }
        for name in [
            "UTC",
            "America/Sao_Paulo",
            "+05:30",
            "Asia/Kathmandu",
            "-09:30",
            "+12:45",
            "Pacific/Chatham",
        ] {
            let z = zone(name);
            let from = z.start_of_day(day("2024-01-10")).timestamp_millis();
            let to = z.start_of_day(day("2024-01-12")).timestamp_millis();
            let r = t.per_day(from, to, z, |_| true).unwrap();
            assert_eq!(
                t.per_day_of(&t.slot_totals(|_| true), from, to, z),
                Some(r.clone()),
                "{name}"
            );
            assert_eq!(
                r,
                BTreeMap::from([(day("2024-01-10"), 96), (day("2024-01-11"), 96)]),
                "{name}"
            );
        }
    }

    #[test]
    fn advance_and_replace_day() {
        let mut t = table(
            &[("a", "2024-01-01T10:00:00Z"), ("b", "2024-01-02T10:00:00Z")],
            "2024-01-03T00:00:00Z",
        );
        let whole = (i64::MIN / 2, i64::MAX / 2);
        // The running totals built now are dropped by each change.
        assert_eq!(
            t.per_room(whole.0, whole.1).unwrap(),
            HashMap::from([("a", 1), ("b", 1)])
        );
        let delta = table(&[("a", "2024-01-03T00:00:00Z")], "2024-01-03T01:00:00Z");
        t.advance(delta);
        assert_eq!(t.watermark(), ms("2024-01-03T01:00:00Z"));
        assert_eq!(t.messages_sent(), 3);
        assert_eq!(
            t.per_room(whole.0, whole.1).unwrap(),
            HashMap::from([("a", 2), ("b", 1)])
        );
        // Day Jan 1 now holds two other messages (one deleted, two imported) and one system message.
        let mut fresh = table(
            &[("c", "2024-01-01T05:00:00Z"), ("a", "2024-01-01T06:00:00Z")],
            "2024-01-03T00:00:00Z",
        );
        fresh.add(&Scanned {
            user: "u",
            ts_ms: ms("2024-01-01T07:00:00Z"),
            sent_in: None,
        });
        t.replace_day(utc_day_of(ms("2024-01-01T00:00:00Z")), fresh);
        assert_eq!(t.watermark(), ms("2024-01-03T01:00:00Z"));
        assert_eq!(t.messages_sent(), 4);
        let all = t.per_room(i64::MIN / 2, i64::MAX / 2).unwrap();
        assert_eq!(all, HashMap::from([("a", 2), ("b", 1), ("c", 1)]));
        // 05:00, 06:00 and 07:00: one message in each hour, on the hour; 10:00 (a) is gone.
        let day1 = utc_hour_of(ms("2024-01-01T00:00:00Z"));
        let one = HourTotal {
            messages: 1,
            ms_of_hour: 0,
        };
        let hours: Vec<(i64, HourTotal)> = t.hour_totals().range(day1..day1 + 24).map(|(h, n)| (*h, *n)).collect();
        assert_eq!(hours, [(day1 + 5, one), (day1 + 6, one), (day1 + 7, one)]);
        // Milliseconds into the hour: truncated, as MongoDB's $mod.
        let mut odd = table(&[("a", "1969-12-31T23:59:59.750Z")], "2024-01-01T00:00:00Z");
        odd.add(&Scanned {
            user: "u",
            ts_ms: ms("2024-01-01T05:30:00.5Z"),
            sent_in: None,
        });
        assert_eq!(
            odd.hour_totals().values().map(|t| t.ms_of_hour).collect::<Vec<_>>(),
            [-250, 1_800_500]
        );
        // A pruned day: replaced by nothing, its room entries and hours go.
        t.replace_day(utc_day_of(ms("2024-01-02T00:00:00Z")), Table::new(0));
        assert_eq!(t.rooms(), 2);
        assert_eq!(t.hour_totals().len(), 4);
    }
}
