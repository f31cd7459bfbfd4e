//! The message reports answered from the rollup (`crate::rollup`): counts per room from the table for
//! everything below its watermark `W`, plus a raw read of `[W, end)` (a small indexed `ts` range, so a
//! message counts as soon as it is saved), joined to the current dashboard rooms. Each function gives the
//! same rows as the report's raw pipeline, or `None` when the rollup cannot answer (not built yet, or a
//! day boundary of the request zone splits a 15-minute slot: `tz=+05:17`), and the report then runs its
//! raw pipeline. Rooms come from the rollup's snapshot ([`crate::rollup::rooms`]); only rooms it cannot
//! vouch for are read.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use bson::{doc, Bson, DateTime, Document};

use super::{day_of, messages_per_room, messages_sent_stages};
use crate::error::ApiError;
use crate::params::zone::ReportZone;
use crate::reports::count_of;
use crate::rollup::rooms::{dashboard_rooms, Rooms};
use crate::state::AppState;
use crate::store::coll;

/// Above this many rooms, the dashboard rooms are read by type alone (not by a list of ids).
const MAX_IDS: usize = 10_000;

/// Messages sent per room, one count per range of the answer.
type Counts<const N: usize> = HashMap<String, [i64; N], ahash::RandomState>;

fn date(ms: i64) -> DateTime {
    DateTime::from_millis(ms)
}

/// What the table answered: its watermark and generation.
#[derive(Clone, Copy)]
struct Read {
    watermark: i64,
    generation: u64,
}

/// Whether an answer for `[from, to)` reads messages newer than a kept answer would show: it is then
/// computed for every request, never kept in the result cache, so that a message counts as soon as it is
/// saved (Rocket.Chat's own rollup is written as each message is saved). From the rollup, when `to` is
/// after its watermark (the raw part); from the raw pipeline (the rollup off, still building, or a zone off
/// its slot grid: `tz=+05:17`), when `to` is after [`crate::rollup::settled_before`].
pub(crate) fn live(state: &AppState, (from, to): (DateTime, DateTime)) -> bool {
    let (from, to) = (from.timestamp_millis(), to.timestamp_millis());
    let watermark = state
        .rollup
        .read(|t| t.answers(from, to).then(|| t.watermark()))
        .flatten();
    to > watermark.unwrap_or_else(crate::rollup::settled_before)
}

/// Messages sent per room from the table for each `[from, to)` of `ranges`.
fn per_room<const N: usize>(state: &AppState, ranges: [(i64, i64); N]) -> Option<(Counts<N>, Read)> {
    state
        .rollup
        .read(|t| {
            let counts = t.per_room_in(ranges)?;
            Some((
                counts.into_iter().map(|(rid, n)| (rid.to_owned(), n)).collect(),
                Read::of(t),
            ))
        })
        .flatten()
}

impl Read {
    fn of(t: &crate::rollup::table::Table) -> Self {
        Self {
            watermark: t.watermark(),
            generation: t.generation(),
        }
    }
}

/// The raw rows of `[max(from, watermark), to)`, none when that range is empty.
async fn tail(
    state: &AppState,
    from: i64,
    to: i64,
    watermark: i64,
    pipeline: impl FnOnce(DateTime, DateTime) -> Vec<Document>,
) -> Result<Vec<Document>, ApiError> {
    let from = from.max(watermark);
    if from >= to {
        return Ok(vec![]);
    }
    Ok(state
        .store
        .aggregate(coll::MESSAGES, pipeline(date(from), date(to)), None)
        .await?)
}

/// Adds the raw rows' counts (`keys`, one per range) to `counts`.
fn add_rows<const N: usize>(counts: &mut Counts<N>, rows: &[Document], keys: [&str; N]) {
    for row in rows {
        if let Ok(rid) = row.get_str("_id") {
            let room = counts.entry(rid.to_string()).or_insert([0; N]);
            for (n, key) in room.iter_mut().zip(keys) {
                *n += count_of(row, key);
            }
        }
    }
}

/// The room ids of raw rows (`_id`, or `_id.rid` when grouped per room and day).
fn row_rooms(rows: &[Document]) -> HashSet<String> {
    rows.iter()
        .filter_map(|r| match r.get("_id") {
            Some(Bson::String(rid)) => Some(rid.clone()),
            Some(Bson::Document(id)) => id.get_str("rid").ok().map(str::to_string),
            _ => None,
        })
        .collect()
}

/// The current dashboard rooms among those of an answer: the rollup's snapshot, and the rooms read because
/// the snapshot could not vouch for them (see [`RoomFacts::resolve`]).
struct RoomFacts {
    snapshot: Option<Arc<Rooms>>,
    read: HashMap<String, Document>,
}

impl RoomFacts {
    /// Reads from `rocketchat_room` only the rooms among `rids` that the snapshot lacks and that may exist:
    /// all of them while no snapshot of the table's generation `read` exists, else those of the raw tail
    /// (`in_tail`: a room newer than the snapshot). A table room missing from a snapshot of its
    /// generation is deleted or not a dashboard room (see [`crate::rollup::rooms`]).
    async fn resolve<'a>(
        state: &AppState,
        read: Read,
        rids: impl Iterator<Item = &'a String>,
        in_tail: &HashSet<String>,
        fields: &[&str],
    ) -> Result<Self, ApiError> {
        let snapshot = state.rollup.rooms();
        let current = snapshot.as_deref().is_some_and(|s| s.generation() == read.generation);
        let unknown: Vec<&String> = rids
            .filter(|rid| !snapshot.as_deref().is_some_and(|s| s.contains(rid)))
            .filter(|rid| !current || in_tail.contains(*rid))
            .collect();
        let read = read_rooms(state, unknown, fields).await?;
        Ok(Self { snapshot, read })
    }

    fn contains(&self, rid: &str) -> bool {
        self.read.contains_key(rid) || self.snapshot.as_deref().is_some_and(|s| s.contains(rid))
    }

    fn t(&self, rid: &str) -> Option<&str> {
        match self.read.get(rid) {
            Some(room) => room.get_str("t").ok(),
            None => self.snapshot.as_deref()?.t(rid),
        }
    }

    /// The room's `fields`, as the raw pipeline's `room`.
    fn get(&self, rid: &str, fields: &[&str]) -> Option<Document> {
        match self.read.get(rid) {
            Some(room) => Some(room.clone()),
            None => self.snapshot.as_deref()?.get(rid, fields),
        }
    }
}

/// The dashboard rooms among `rids`, read from `rocketchat_room`.
async fn read_rooms(
    state: &AppState,
    rids: Vec<&String>,
    fields: &[&str],
) -> Result<HashMap<String, Document>, ApiError> {
    if rids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut filter = dashboard_rooms();
    if rids.len() <= MAX_IDS {
        filter.insert(
            "_id",
            doc! {"$in": rids.iter().map(|r| Bson::String((*r).clone())).collect::<Vec<_>>()},
        );
    }
    let mut projection = doc! {"_id": 1};
    for f in fields {
        projection.insert(*f, 1);
    }
    let found = state
        .store
        .aggregate(
            coll::ROOMS,
            vec![doc! {"$match": filter}, doc! {"$project": projection}],
            None,
        )
        .await?;
    Ok(found
        .into_iter()
        .filter_map(|mut room| {
            let id = match room.remove("_id") {
                Some(Bson::String(id)) => id,
                _ => return None,
            };
            Some((id, room))
        })
        .collect())
}

/// `messages/origin`: rows `{_id: t, messages}`.
pub(crate) async fn origin(state: &AppState, from: i64, to: i64) -> Result<Option<Vec<Document>>, ApiError> {
    let Some((mut counts, read)) = per_room(state, [(from, to)]) else {
        return Ok(None);
    };
    let rows = tail(state, from, to, read.watermark, messages_per_room).await?;
    add_rows(&mut counts, &rows, ["messages"]);
    let rooms = RoomFacts::resolve(state, read, counts.keys(), &row_rooms(&rows), &["t"]).await?;
    let mut per_type: BTreeMap<&str, i64> = BTreeMap::new();
    for (rid, [n]) in &counts {
        if let Some(t) = rooms.t(rid) {
            *per_type.entry(t).or_default() += n;
        }
    }
    Ok(Some(
        per_type
            .into_iter()
            .map(|(t, n)| doc! {"_id": t, "messages": n})
            .collect(),
    ))
}

/// `messages/top-five-popular-channels`: rows `{_id, messages, room}`, the top `limit`.
pub(crate) async fn top(
    state: &AppState,
    from: i64,
    to: i64,
    fields: &[&str],
    limit: usize,
) -> Result<Option<Vec<Document>>, ApiError> {
    let Some((mut counts, read)) = per_room(state, [(from, to)]) else {
        return Ok(None);
    };
    let rows = tail(state, from, to, read.watermark, messages_per_room).await?;
    add_rows(&mut counts, &rows, ["messages"]);
    let rooms = RoomFacts::resolve(state, read, counts.keys(), &row_rooms(&rows), fields).await?;
    let mut ranked: Vec<(String, i64)> = counts
        .into_iter()
        .filter(|(rid, _)| rooms.contains(rid))
        .map(|(rid, [n])| (rid, n))
        .collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked.truncate(limit);
    Ok(Some(
        ranked
            .into_iter()
            .filter_map(|(rid, n)| {
                let room = rooms.get(&rid, fields)?;
                Some(doc! {"_id": rid, "messages": n, "room": room})
            })
            .collect(),
    ))
}

/// `channels/list`: rows `{_id, messages, lastWeekMessages, room}` for the rooms with messages in
/// `[from, to)`, counting `[current_from, to)` as `messages` and `[from, previous_to)` as
/// `lastWeekMessages` (the raw pipeline's `$cond`s), sorted by `messages` descending, then `_id`.
pub(crate) async fn channels(
    state: &AppState,
    (from, to): (i64, i64),
    current_from: i64,
    previous_to: i64,
    fields: &[&str],
) -> Result<Option<Vec<Document>>, ApiError> {
    let ranges = [(from, to), (from.max(current_from), to), (from, to.min(previous_to))];
    let Some((mut counts, read)) = per_room(state, ranges) else {
        return Ok(None);
    };
    let rows = tail(state, from, to, read.watermark, |a, b| {
        let mut stages = messages_sent_stages(a, b).to_vec();
        stages.push(doc! {"$group": {
            "_id": "$rid",
            "messages": {"$sum": {"$cond": [{"$gte": ["$ts", date(current_from)]}, 1, 0]}},
            "lastWeekMessages": {"$sum": {"$cond": [{"$lt": ["$ts", date(previous_to)]}, 1, 0]}},
            "all": {"$sum": 1},
        }});
        stages
    })
    .await?;
    add_rows(&mut counts, &rows, ["all", "messages", "lastWeekMessages"]);
    let rooms = RoomFacts::resolve(state, read, counts.keys(), &row_rooms(&rows), fields).await?;
    // A room is listed when it has messages in `[from, to)`, which holds both other ranges.
    let mut listed: Vec<(String, i64, i64)> = counts
        .into_iter()
        .filter(|(rid, _)| rooms.contains(rid))
        .map(|(rid, [_, current, previous])| (rid, current, previous))
        .collect();
    listed.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(Some(
        listed
            .into_iter()
            .filter_map(|(rid, messages, last)| {
                let room = rooms.get(&rid, fields)?;
                Some(doc! {"_id": rid, "messages": messages, "lastWeekMessages": last, "room": room})
            })
            .collect(),
    ))
}

/// `messages/messages-sent`: rows `{_id: "YYYY-MM-DD", n}` of `[from, to)` (day starts of `zone`). From the
/// snapshot's per-slot totals when it belongs to the table as it is (the usual case); else the rooms are
/// resolved between two reads of the table, and when the table changed in between (a refresh) the answer
/// starts again, so that the rooms, the table's days and the raw part all belong to one watermark.
pub(crate) async fn per_day(
    state: &AppState,
    from: i64,
    to: i64,
    zone: ReportZone,
) -> Result<Option<Vec<Document>>, ApiError> {
    let raw = |a, b| {
        let mut stages = messages_sent_stages(a, b).to_vec();
        stages.push(doc! {"$group": {"_id": {"rid": "$rid", "day": day_of("$ts", zone)}, "n": {"$sum": 1}}});
        stages
    };
    if let Some(snapshot) = state.rollup.rooms() {
        let summed = state
            .rollup
            .read(|t| {
                let totals = snapshot
                    .slot_totals()
                    .filter(|_| snapshot.generation() == t.generation())?;
                Some((t.per_day_of(totals, from, to, zone), Read::of(t)))
            })
            .flatten();
        if let Some((days, read)) = summed {
            let Some(days) = days else { return Ok(None) };
            let rows = tail(state, from, to, read.watermark, raw).await?;
            let in_tail = row_rooms(&rows);
            let rooms = RoomFacts::resolve(state, read, in_tail.iter(), &in_tail, &["t"]).await?;
            return Ok(Some(day_rows(days, &rows, &rooms)));
        }
    }
    for _ in 0..3 {
        let Some((rids, read)) = state
            .rollup
            .read(|t| {
                let rids: Vec<String> = t.rooms_in(from, to)?.into_iter().map(str::to_string).collect();
                Some((rids, Read::of(t)))
            })
            .flatten()
        else {
            return Ok(None);
        };
        let rows = tail(state, from, to, read.watermark, raw).await?;
        let in_tail = row_rooms(&rows);
        let rooms = RoomFacts::resolve(state, read, rids.iter().chain(&in_tail), &in_tail, &["t"]).await?;
        let days = state
            .rollup
            .read(|t| (t.generation() == read.generation).then(|| t.per_day(from, to, zone, |rid| rooms.contains(rid))))
            .flatten();
        let Some(days) = days else { continue };
        let Some(days) = days else { return Ok(None) };
        return Ok(Some(day_rows(days, &rows, &rooms)));
    }
    Ok(None)
}

/// The table's `days` plus the raw `rows` (`{_id: {rid, day}, n}`) of dashboard rooms: `{_id: day, n}`.
fn day_rows(days: BTreeMap<chrono::NaiveDate, i64>, rows: &[Document], rooms: &RoomFacts) -> Vec<Document> {
    let mut per_day: BTreeMap<String, i64> = days
        .into_iter()
        .map(|(day, n)| (day.format("%Y-%m-%d").to_string(), n))
        .collect();
    for row in rows {
        let Ok(id) = row.get_document("_id") else { continue };
        if let (Ok(rid), Ok(day)) = (id.get_str("rid"), id.get_str("day")) {
            if rooms.contains(rid) {
                *per_day.entry(day.to_string()).or_default() += count_of(row, "n");
            }
        }
    }
    per_day.into_iter().map(|(day, n)| doc! {"_id": day, "n": n}).collect()
}
