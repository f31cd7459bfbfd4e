//! `GET …/conversations-by-source`: conversations per source, labelled with the source's `alias`, else
//! its `type`; by count descending, ties by label then type and alias. No `sort`, no `unspecified`.

use bson::{doc, Document};

use super::scope::Scope;
use super::{
    aggregate_rooms, conversations, rooms_match, Conversations, DataTotal, Omnichannel, ReportRequest, PARAMS_UNSORTED,
};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::registry::Param;
use crate::reports::Report;
use crate::state::AppState;

pub(crate) struct BySource;

impl Report for BySource {
    type Family = Omnichannel;
    const PATH: &'static str = "/conversations-by-source";
    const SUMMARY: &'static str = "Conversations per source (alias, else type)";
    const PARAMS: &'static [Param] = &PARAMS_UNSORTED;
    type Request = Conversations;
    type Body = DataTotal;

    async fn request(state: &AppState, user: &AuthUser, query: &str) -> Result<Conversations, ApiError> {
        // Rocket.Chat reads `sort` here not.
        conversations(state, user, query, false).await
    }

    async fn compute(state: &AppState, c: &Conversations) -> Result<DataTotal, ApiError> {
        let (request, scope) = (&c.request, &c.scope);
        let rows = aggregate_rooms(state, pipeline(request, scope), "source_1_ts_1").await?;
        Ok(DataTotal::of(&rows, "label", "value", None))
    }
}

/// Rooms with a source → count per (type, alias) → label = alias ?? type.
pub(crate) fn pipeline(request: &ReportRequest, scope: &Scope) -> Vec<Document> {
    vec![
        doc! {"$match": rooms_match(request, scope, doc! {"source": {"$exists": true}})},
        doc! {"$group": {"_id": {"type": "$source.type", "alias": "$source.alias"}, "value": {"$sum": 1}}},
        doc! {"$set": {"label": {"$ifNull": ["$_id.alias", "$_id.type"]}}},
        doc! {"$sort": {"value": -1, "label": 1, "_id.type": 1, "_id.alias": 1}},
    ]
}

#[cfg(test)]
mod tests {
    use super::super::test_support::request;
    use super::*;
    use crate::reports::stage_names as stages;

    #[test]
    fn pipeline_labels_alias_else_type() {
        let p = pipeline(&request(Some(r#"{"label":1}"#)), &Scope::All);
        assert_eq!(stages(&p), ["$match", "$group", "$set", "$sort"]);
        assert_eq!(p[2], doc! {"$set": {"label": {"$ifNull": ["$_id.alias", "$_id.type"]}}});
        // The sort is fixed: Rocket.Chat ignores `sort` on this route.
        assert_eq!(p[3].get_document("$sort").unwrap().get_i32("value").unwrap(), -1);
    }

    #[test]
    fn shape() {
        let rows = vec![doc! {"label": "widget", "value": 3}, doc! {"label": "Foo", "value": 1}];
        let json = crate::reports::json_of;
        assert_eq!(
            json(&DataTotal::of(&rows, "label", "value", None)),
            r#"{"total":4,"data":[{"label":"widget","value":3},{"label":"Foo","value":1}]}"#
        );
        assert_eq!(
            json(&DataTotal::of(&[], "label", "value", None)),
            r#"{"data":[],"total":0}"#
        );
    }
}
