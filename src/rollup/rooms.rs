//! Room facts for the message reports: the dashboard rooms (`t` ∈ c, p, d) of `rocketchat_room` with the
//! fields those reports show, read whole by the rollup after each build and refresh (one projected read
//! of the dashboard rooms through the `{t:1, ts:1}` index: one document per room, every
//! `RCA_ROLLUP_REFRESH_SECS`). Kept apart from the counts, so a room renamed, converted or deleted is
//! right again at the next refresh without recounting a message.
//!
//! A snapshot is taken after the table it goes with: every message the table holds was read before the
//! snapshot, so its room existed then. A room of the table missing from a snapshot of the same
//! [`Table::generation`](super::table::Table::generation) is therefore deleted or not a dashboard room; a
//! room of the raw tail (messages after the watermark) may be newer than the snapshot and is read from the
//! database when the snapshot lacks it.
//!
//! With each snapshot goes the table's per-slot total over its rooms (computed in the background, once per
//! snapshot, when the snapshot is bound to its table).
//!
//! Memory: per dashboard room its id and the BSON bytes of its projected fields (~100–200 bytes for a
//! channel, more for a DM with many `usernames`).

use std::collections::HashMap;

use bson::{doc, Document, RawDocumentBuf};

use super::table::Table;
use crate::store::{coll, Scan, Store, StoreError};

/// The room types the engagement dashboard counts (Rocket.Chat's `getTypesToShowOnDashboard`): public,
/// private, direct.
pub const DASHBOARD_ROOM_TYPES: [&str; 3] = ["c", "p", "d"];
/// Every room field a message report shows (each report asks for a part of them).
pub const ROOM_FIELDS: [&str; 6] = ["t", "name", "fname", "ts", "_updatedAt", "usernames"];

/// The filter of the dashboard rooms (the `{t:1, ts:1}` index serves it).
pub fn dashboard_rooms() -> Document {
    doc! {"t": {"$in": DASHBOARD_ROOM_TYPES.to_vec()}}
}

/// One read of the dashboard rooms, bound to the table of one generation.
#[derive(Debug, Default)]
pub struct Rooms {
    generation: u64,
    facts: HashMap<String, RawDocumentBuf>,
    /// The table's messages sent per slot in these rooms, all summed ([`Table::slot_totals`]):
    /// messages-sent's days from ~35,000 slots a year, whatever the number of rooms.
    slot_totals: Option<Vec<(i32, u32)>>,
}

impl Rooms {
    /// Reads every dashboard room's [`ROOM_FIELDS`] (after every message of the table it will be bound to).
    pub(crate) async fn read(store: &Store) -> Result<Self, StoreError> {
        let mut projection = doc! {"_id": 1};
        for f in ROOM_FIELDS {
            projection.insert(f, 1);
        }
        let mut facts = HashMap::new();
        store
            .scan(coll::ROOMS, dashboard_rooms(), projection, Scan::Range, |room| {
                if let Ok(id) = room.get_str("_id") {
                    facts.insert(id.to_string(), room.to_raw_document_buf());
                }
            })
            .await?;
        Ok(Self {
            generation: 0,
            facts,
            slot_totals: None,
        })
    }

    /// Binds the snapshot to `table`, whose messages were all read before it: takes its generation, sums
    /// its slots over these rooms, and builds its running totals (in the background, before the answers
    /// need them). The sums of `previous` are taken as they are when it was bound to the same generation
    /// and holds the same rooms (an idle refresh: no pass over the table).
    pub(crate) fn bind(&mut self, table: &Table, previous: Option<&Rooms>) {
        table.index();
        self.generation = table.generation();
        let same = previous.filter(|p| {
            p.generation == self.generation
                && p.facts.len() == self.facts.len()
                && p.facts.keys().all(|rid| self.facts.contains_key(rid))
        });
        self.slot_totals = match same.and_then(|p| p.slot_totals.clone()) {
            Some(totals) => Some(totals),
            None => Some(table.slot_totals(|rid| self.facts.contains_key(rid))),
        };
    }

    pub fn slot_totals(&self) -> Option<&[(i32, u32)]> {
        self.slot_totals.as_deref()
    }

    /// The table generation this snapshot was taken after.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn len(&self) -> usize {
        self.facts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.facts.is_empty()
    }

    pub fn contains(&self, rid: &str) -> bool {
        self.facts.contains_key(rid)
    }

    /// The room's type.
    pub fn t(&self, rid: &str) -> Option<&str> {
        self.facts.get(rid)?.get_str("t").ok()
    }

    /// The room's `fields` (a part of [`ROOM_FIELDS`]) in the stored order, as a `$project` of them
    /// gives; `None` for a room not in the snapshot.
    pub fn get(&self, rid: &str, fields: &[&str]) -> Option<Document> {
        let raw = self.facts.get(rid)?;
        let mut out = Document::new();
        for (key, value) in raw.iter().flatten() {
            if fields.contains(&key) {
                out.insert(key, bson::Bson::try_from(value).ok()?);
            }
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_projects_in_stored_order() {
        let room =
            doc! {"_id": "r1", "usernames": ["a", "b"], "t": "d", "ts": bson::DateTime::from_millis(5), "name": null};
        let rooms = Rooms {
            generation: 3,
            facts: HashMap::from([("r1".to_string(), RawDocumentBuf::from_document(&room).unwrap())]),
            slot_totals: None,
        };
        assert_eq!(rooms.get("r1", &["t"]), Some(doc! {"t": "d"}));
        assert_eq!(
            rooms.get("r1", &["t", "name", "usernames"]),
            Some(doc! {"usernames": ["a", "b"], "t": "d", "name": null})
        );
        assert_eq!(rooms.get("r2", &["t"]), None);
        assert_eq!((rooms.t("r1"), rooms.t("r2")), (Some("d"), None));
        assert!(rooms.contains("r1") && !rooms.contains("r2"));
        assert_eq!((rooms.generation(), rooms.len()), (3, 1));
    }

    #[test]
    fn a_snapshot_of_the_same_rooms_and_generation_takes_the_sums_of_the_previous_one() {
        use crate::rollup::table::Scanned;
        let rooms = |ids: &[&str]| Rooms {
            facts: ids
                .iter()
                .map(|id| (id.to_string(), RawDocumentBuf::from_document(&doc! {"t": "c"}).unwrap()))
                .collect(),
            ..Rooms::default()
        };
        let mut table = Table::new(10 * 900_000);
        for (rid, ts) in [("a", 0), ("b", 900_000), ("a", 900_000)] {
            table.add(&Scanned {
                user: "u",
                ts_ms: ts,
                sent_in: Some(rid),
            });
        }
        let mut first = rooms(&["a", "b"]);
        first.bind(&table, None);
        assert_eq!(first.slot_totals(), Some(&[(0, 1), (1, 2)][..]));
        // Same rooms, same generation: the sums are taken over (a stale copy would show here).
        first.slot_totals = Some(vec![(7, 7)]);
        let mut second = rooms(&["b", "a"]);
        second.bind(&table, Some(&first));
        assert_eq!(second.slot_totals(), Some(&[(7, 7)][..]));
        // Other rooms, or a table that changed: summed again.
        let mut fewer = rooms(&["b"]);
        fewer.bind(&table, Some(&first));
        assert_eq!(fewer.slot_totals(), Some(&[(1, 1)][..]));
        table.advance(Table::new(20 * 900_000));
        let mut later = rooms(&["a", "b"]);
        later.bind(&table, Some(&first));
        assert_eq!(later.slot_totals(), Some(&[(0, 1), (1, 2)][..]));
    }
}
