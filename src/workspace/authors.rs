//! Who sent messages lately: per user, the instant of their last message sent (any room) in the last 91 days,
//! kept in memory. Each round reads only the messages saved since the round before (`ts` in
//! `[through, now − 5 s)`, the `{ts:1}` index: in proportion to the traffic), one day at a time; the first
//! round reads the last 91 days that way. A message counts once it is 5 s old (a message being saved right
//! now is read by the next round). A message deleted after it was read still counts until it is 91 days
//! old. Memory: per user who sent a message in the last 91 days, their id and an instant (~80 bytes).

use std::collections::HashMap;

use bson::doc;

use crate::params::window::{bson_bound, instant};
use crate::rollup::table::{Scanned, DAY_MS};
use crate::store::{coll, Scan, Store, StoreError};

/// How far back the last messages are kept: the longest inactivity window (90 days of the report zone),
/// and a day for the zone's offset.
const KEEP_MS: i64 = 91 * DAY_MS;
/// How old a message must be before it is read (as the rollup's watermark).
const MARGIN_MS: i64 = 5_000;

#[derive(Debug, Default)]
pub(crate) struct Authors {
    /// The messages with `ts` before this were read.
    through: Option<i64>,
    /// Per user id, the `ts` of their last message sent (ms).
    last: HashMap<String, i64>,
}

impl Authors {
    /// Reads the messages saved since the last call (the last 91 days on the first), as of `now_ms`. On an
    /// error, what was read stays and the next call goes on from there.
    pub(crate) async fn advance(&mut self, store: &Store, now_ms: i64) -> Result<(), StoreError> {
        let to = now_ms - MARGIN_MS;
        let oldest = to - KEEP_MS;
        let mut from = self.through.map_or(oldest, |t| t.max(oldest));
        while from < to {
            let step = (from + DAY_MS).min(to);
            let last = &mut self.last;
            store
                .scan(
                    coll::MESSAGES,
                    doc! {"ts": {"$gte": bson_bound(instant(from)), "$lt": bson_bound(instant(step))}},
                    doc! {"_id": 0, "ts": 1, "rid": 1, "t": 1, "parent": 1, "u._id": 1},
                    Scan::Range,
                    |d| {
                        let sent = Scanned::of(d).filter(|m| m.sent_in.is_some());
                        let author = d.get_document("u").ok().and_then(|u| u.get_str("_id").ok());
                        if let (Some(m), Some(user)) = (sent, author) {
                            let at = last.entry(user.to_string()).or_insert(m.ts_ms);
                            *at = (*at).max(m.ts_ms);
                        }
                    },
                )
                .await?;
            self.through = Some(step);
            from = step;
        }
        self.last.retain(|_, ts| *ts >= oldest);
        Ok(())
    }

    /// The users whose last message sent is at or after `since_ms`.
    pub(crate) fn since(&self, since_ms: i64) -> Vec<&str> {
        self.last
            .iter()
            .filter(|(_, ts)| **ts >= since_ms)
            .map(|(user, _)| user.as_str())
            .collect()
    }
}
