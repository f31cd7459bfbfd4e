//! Rooms by type, idle channels, and the open omnichannel conversations by status and department.
//!
//! * A *channel* is a room of type `c` (public) or `p` (private), discussions and team main rooms included.
//!   It is *idle N days* when its last activity — its last message (`lm`), or its creation (`ts`) when it
//!   never had one — is N × 24 hours old or older (a room with neither is idle), as the insights' channel
//!   health counts it (docs/insights.md); *never used* when it has no `lm`.
//! * The open conversations (`t: "l"`, `open: true`) in the states of the conversations-by-status report:
//!   open (served, not on hold), queued (never served), on hold. A conversation queued and on hold is in
//!   both, as there.

use std::collections::BTreeMap;

use bson::{doc, Bson, Document};
use chrono::{DateTime, Utc};

use crate::params::window::bson_bound;
use crate::reports::count_of;
use crate::reports::omnichannel::status::open_states;

/// The channel types, in the order of [`Channels::by_type`].
pub(crate) const CHANNEL_TYPES: [&str; 2] = ["c", "p"];
/// The idleness windows, in days.
pub(crate) const IDLE_DAYS: [i64; 2] = [30, 90];
/// The conversation statuses, as labels, in the order of [`open_states`].
pub(crate) const STATUSES: [&str; 3] = ["open", "queued", "on_hold"];
/// How many departments are named; the others are summed as [`OTHER`].
pub(crate) const TOP_DEPARTMENTS: usize = 10;
/// The label of the conversations of the departments beyond the largest [`TOP_DEPARTMENTS`], and of
/// departments that no longer exist.
pub(crate) const OTHER: &str = "(other)";
/// The label of the conversations without a department.
pub(crate) const NONE: &str = "(none)";

/// A channel type's figures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Channels {
    pub(crate) rooms: i64,
    /// Idle for each of [`IDLE_DAYS`].
    pub(crate) idle: [i64; 2],
    pub(crate) never_used: i64,
}

/// Every channel counted per type, idle and never used as of `now`: rows `{_id: t, rooms, idle30, idle90,
/// neverUsed}`. Reads every channel (not the direct messages, counted apart).
pub(crate) fn channels_pipeline(now: DateTime<Utc>) -> Vec<Document> {
    // A room with neither counts as idle (as the insights' channel health counts it).
    let last_activity = doc! {"$ifNull": ["$lm", {"$ifNull": ["$ts", bson::DateTime::from_millis(0)]}]};
    let mut group = doc! {"_id": "$t", "rooms": {"$sum": 1}};
    for days in IDLE_DAYS {
        let before = bson_bound(now - chrono::Duration::days(days));
        group.insert(
            format!("idle{days}"),
            doc! {"$sum": {"$cond": [{"$lte": [last_activity.clone(), before]}, 1, 0]}},
        );
    }
    group.insert(
        "neverUsed",
        doc! {"$sum": {"$cond": [{"$ifNull": ["$lm", false]}, 0, 1]}},
    );
    vec![
        doc! {"$match": {"t": {"$in": CHANNEL_TYPES.to_vec()}}},
        doc! {"$group": group},
    ]
}

/// [`channels_pipeline`]'s rows per type of [`CHANNEL_TYPES`] (zeros for a type without channels).
pub(crate) fn channels(rows: &[Document]) -> [Channels; 2] {
    CHANNEL_TYPES.map(|t| {
        rows.iter()
            .find(|row| row.get_str("_id") == Ok(t))
            .map_or_else(Channels::default, |row| Channels {
                rooms: count_of(row, "rooms"),
                idle: IDLE_DAYS.map(|days| count_of(row, &format!("idle{days}"))),
                never_used: count_of(row, "neverUsed"),
            })
    })
}

/// The open conversations per `departmentId` (`null` for none) and state: rows `{_id, open, queued,
/// onhold}`. Rocket.Chat's `open` index serves it: it reads the open conversations only.
pub(crate) fn open_conversations_pipeline() -> Vec<Document> {
    let [open, queued, onhold] = open_states();
    vec![
        doc! {"$match": {"t": "l", "open": true}},
        doc! {"$group": {"_id": "$departmentId", "open": open, "queued": queued, "onhold": onhold}},
    ]
}

/// The department ids of [`open_conversations_pipeline`]'s rows.
pub(crate) fn department_ids(rows: &[Document]) -> Vec<Bson> {
    rows.iter()
        .filter_map(|row| row.get("_id"))
        .filter(|id| !matches!(id, Bson::Null))
        .cloned()
        .collect()
}

/// The conversations per department label and status ([`STATUSES`]): departments merged by name (as the
/// conversations-by-department report merges them), the [`TOP_DEPARTMENTS`] with most conversations named
/// (ties by name), the rest and those of departments that no longer exist (`names` lacks them) under
/// [`OTHER`], those without a department under [`NONE`]. [`OTHER`] and [`NONE`] are always present.
pub(crate) fn by_department(rows: &[Document], names: &BTreeMap<String, String>) -> BTreeMap<String, [i64; 3]> {
    let mut named: BTreeMap<String, [i64; 3]> = BTreeMap::new();
    let mut out = BTreeMap::from([(OTHER.to_string(), [0; 3]), (NONE.to_string(), [0; 3])]);
    let add = |to: &mut [i64; 3], row: &Document| {
        for (n, key) in to.iter_mut().zip(["open", "queued", "onhold"]) {
            *n += count_of(row, key);
        }
    };
    for row in rows {
        let label = match row.get("_id") {
            None | Some(Bson::Null) => NONE,
            Some(Bson::String(id)) => names.get(id).map_or(OTHER, String::as_str),
            Some(_) => OTHER,
        };
        match label {
            NONE | OTHER => add(out.get_mut(label).expect("present"), row),
            name => add(named.entry(name.to_string()).or_default(), row),
        }
    }
    let mut ranked: Vec<(String, [i64; 3])> = named.into_iter().collect();
    // By total descending; the map's order (by name) breaks ties, the sort being stable.
    ranked.sort_by_key(|(_, counts)| std::cmp::Reverse(counts.iter().sum::<i64>()));
    for (i, (name, counts)) in ranked.into_iter().enumerate() {
        let into = if i < TOP_DEPARTMENTS {
            out.entry(name).or_default()
        } else {
            out.get_mut(OTHER).expect("present")
        };
        for (n, add) in into.iter_mut().zip(counts) {
            *n += add;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_by_type() {
        let now = DateTime::parse_from_rfc3339("2024-03-10T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let p = channels_pipeline(now);
        assert_eq!(p[0], doc! {"$match": {"t": {"$in": ["c", "p"]}}});
        let group = p[1].get_document("$group").unwrap();
        assert_eq!(
            group.keys().collect::<Vec<_>>(),
            ["_id", "rooms", "idle30", "idle90", "neverUsed"]
        );
        let idle30 = group.get_document("idle30").unwrap().get_document("$sum").unwrap();
        let before = bson::DateTime::parse_rfc3339_str("2024-02-09T12:00:00Z").unwrap();
        assert_eq!(
            idle30,
            &doc! {"$cond": [{"$lte": [
                {"$ifNull": ["$lm", {"$ifNull": ["$ts", bson::DateTime::from_millis(0)]}]},
                before,
            ]}, 1, 0]}
        );
        let rows = vec![doc! {"_id": "p", "rooms": 4, "idle30": 2, "idle90": 1_i64, "neverUsed": 1}];
        assert_eq!(
            channels(&rows),
            [
                Channels::default(),
                Channels {
                    rooms: 4,
                    idle: [2, 1],
                    never_used: 1
                }
            ]
        );
    }

    #[test]
    fn departments_merged_by_name_bounded_with_other_and_none() {
        let mut rows = vec![
            doc! {"_id": null, "open": 1, "queued": 2, "onhold": 0},
            doc! {"_id": "gone", "open": 5, "queued": 0, "onhold": 1},
            doc! {"_id": "s1", "open": 1, "queued": 0, "onhold": 0},
            doc! {"_id": "s2", "open": 0, "queued": 1, "onhold": 1},
        ];
        let mut names = BTreeMap::from([
            ("s1".to_string(), "Accounts".to_string()),
            ("s2".to_string(), "Accounts".into()),
        ]);
        // Twelve more departments of 1 to 12 conversations: the two smallest go to (other).
        for i in 1..=12 {
            rows.push(doc! {"_id": format!("d{i}"), "open": i, "queued": 0, "onhold": 0});
            names.insert(format!("d{i}"), format!("Dep {i:02}"));
        }
        let out = by_department(&rows, &names);
        assert_eq!(out[NONE], [1, 2, 0]);
        // The deleted department's, and Dep 01 to 03's: Accounts (3, merged from two departments) ties with
        // Dep 03 and precedes it by name.
        assert_eq!(out[OTHER], [5 + 1 + 2 + 3, 0, 1]);
        assert_eq!(out["Accounts"], [1, 1, 1]);
        assert!(!out.contains_key("Dep 01") && !out.contains_key("Dep 02") && !out.contains_key("Dep 03"));
        assert_eq!(out.len(), 2 + TOP_DEPARTMENTS);
        assert_eq!(out["Dep 12"], [12, 0, 0]);
        let none = by_department(&[], &BTreeMap::new());
        assert_eq!(
            none,
            BTreeMap::from([(OTHER.to_string(), [0; 3]), (NONE.to_string(), [0; 3])])
        );
        assert_eq!(
            department_ids(&rows[..3]),
            [Bson::String("gone".into()), Bson::String("s1".into())]
        );
    }
}
