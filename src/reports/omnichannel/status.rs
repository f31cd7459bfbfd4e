//! `GET …/conversations-by-status`: `Open` (open, not on hold, served), `Closed` (`metrics.chatDuration`
//! truthy: a duration of 0 is not counted), `Queued` (open, never served), `On_Hold` (`onHold: true`), by
//! count descending, ties in that fixed order; `total` = all conversations of the window (a conversation
//! may be in none or in two of the entries, as in Rocket.Chat). No `sort`, no `unspecified`.

use bson::{doc, Document};

use super::scope::Scope;
use super::{
    conversations, rooms_match, Conversations, DataTotal, LabelValue, Omnichannel, ReportRequest, PARAMS_UNSORTED,
};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::registry::Param;
use crate::reports::count_of;
use crate::reports::Report;
use crate::state::AppState;
use crate::store::coll;

pub(crate) struct ByStatus;

/// Labels in Rocket.Chat's order, with the field of the `$group` that counts each.
const STATUSES: [(&str, &str); 4] = [
    ("Open", "open"),
    ("Closed", "closed"),
    ("Queued", "queued"),
    ("On_Hold", "onhold"),
];

impl Report for ByStatus {
    type Family = Omnichannel;
    const PATH: &'static str = "/conversations-by-status";
    const SUMMARY: &'static str = "Conversations open, closed, queued and on hold";
    const PARAMS: &'static [Param] = &PARAMS_UNSORTED;
    type Request = Conversations;
    type Body = DataTotal;

    async fn request(state: &AppState, user: &AuthUser, query: &str) -> Result<Conversations, ApiError> {
        // Rocket.Chat reads `sort` here not.
        conversations(state, user, query, false).await
    }

    async fn compute(state: &AppState, c: &Conversations) -> Result<DataTotal, ApiError> {
        let (request, scope) = (&c.request, &c.scope);
        // Rocket.Chat sends no hint here.
        let rows = state
            .store
            .aggregate(coll::ROOMS, pipeline(request, scope), None)
            .await?;
        Ok(shape(rows.first()))
    }
}

/// One `$group` over the window's conversations, with Rocket.Chat's conditions.
pub(crate) fn pipeline(request: &ReportRequest, scope: &Scope) -> Vec<Document> {
    let [open, queued, onhold] = open_states();
    vec![
        doc! {"$match": rooms_match(request, scope, doc! {})},
        doc! {"$group": {
            "_id": null,
            "total": {"$sum": 1},
            "open": open,
            "closed": count_if(doc! {"$ifNull": ["$metrics.chatDuration", false]}),
            "queued": queued,
            "onhold": onhold,
        }},
    ]
}

/// `$sum` of 1 for each document where `condition` holds.
fn count_if(condition: Document) -> Document {
    doc! {"$sum": {"$cond": [condition, 1, 0]}}
}

/// The `$group` accumulators of `Open`, `Queued` and `On_Hold`, Rocket.Chat's conditions: open, not on hold,
/// served; open, never served; on hold.
pub(crate) fn open_states() -> [Document; 3] {
    [
        count_if(doc! {"$and": [
            {"$eq": ["$open", true]},
            {"$or": [{"$not": ["$onHold"]}, {"$eq": ["$onHold", false]}]},
            {"$ifNull": ["$servedBy", false]},
        ]}),
        count_if(doc! {"$and": [
            {"$eq": ["$open", true]},
            {"$eq": [{"$ifNull": ["$servedBy", null]}, null]},
        ]}),
        count_if(doc! {"$eq": ["$onHold", true]}),
    ]
}

/// `{total, data: [{label, value}…]}` by value descending (stable: ties keep Rocket.Chat's label order);
/// no conversation at all → `{data: [], total: 0}`.
pub(crate) fn shape(row: Option<&Document>) -> DataTotal {
    let Some(row) = row else {
        return DataTotal::of(&[], "", "", None);
    };
    let mut counts: Vec<(&str, i64)> = STATUSES
        .iter()
        .map(|(label, field)| (*label, count_of(row, field)))
        .collect();
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    let data = counts
        .into_iter()
        .map(|(label, value)| LabelValue {
            label: Some(label.into()),
            value,
        })
        .collect();
    DataTotal {
        total: count_of(row, "total"),
        data,
        unspecified: None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::request;
    use super::*;
    use crate::reports::stage_names as stages;

    #[test]
    fn pipeline_is_one_group() {
        let p = pipeline(&request(None), &Scope::All);
        assert_eq!(stages(&p), ["$match", "$group"]);
        let g = p[1].get_document("$group").unwrap();
        let keys: Vec<&str> = g.keys().map(String::as_str).collect();
        assert_eq!(keys, ["_id", "total", "open", "closed", "queued", "onhold"]);
    }

    #[test]
    fn shape_sorts_by_value_keeping_label_order_for_ties() {
        let row = doc! {"_id": null, "total": 9, "open": 2, "closed": 5, "queued": 2, "onhold": 0};
        assert_eq!(
            crate::reports::json_of(&shape(Some(&row))),
            r#"{"total":9,"data":[{"label":"Closed","value":5},{"label":"Open","value":2},{"label":"Queued","value":2},{"label":"On_Hold","value":0}]}"#
        );
        assert_eq!(crate::reports::json_of(&shape(None)), r#"{"data":[],"total":0}"#);
    }
}
