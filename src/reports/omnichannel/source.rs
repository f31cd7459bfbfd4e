//! `GET …/conversations-by-source`: conversations per source, labelled with the source's `alias`, else
//! its `type`; by count descending, ties by label then type and alias. No `sort`, no `unspecified`.

use bson::{doc, Document};
use serde_json::{Map, Value};

use super::scope::Scope;
use super::{
    aggregate_rooms, conversations, labelled, report_body, rooms_match, Conversations, Omnichannel, ReportRequest,
    PARAMS_UNSORTED,
};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::registry::{Json, Param};
use crate::reports::Report;
use crate::state::AppState;

pub(crate) struct BySource;

impl Report for BySource {
    type Family = Omnichannel;
    const PATH: &'static str = "/conversations-by-source";
    const SUMMARY: &'static str = "Conversations per source (alias, else type)";
    const PARAMS: &'static [Param] = &PARAMS_UNSORTED;
    const BODY: &'static [(&'static str, Json)] = crate::reports::DATA_TOTAL;
    type Request = Conversations;

    async fn request(state: &AppState, user: &AuthUser, query: &str) -> Result<Conversations, ApiError> {
        // Rocket.Chat reads `sort` here not.
        conversations(state, user, query, false).await
    }

    async fn compute(state: &AppState, c: &Conversations) -> Result<Map<String, Value>, ApiError> {
        let (request, scope) = (&c.request, &c.scope);
        let rows = aggregate_rooms(state, pipeline(request, scope), "source_1_ts_1").await?;
        let (data, total) = labelled(&rows, "label", "value");
        Ok(report_body(data, total, None))
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
        let (data, total) = labelled(&rows, "label", "value");
        assert_eq!(
            Value::Object(report_body(data, total, None)).to_string(),
            r#"{"total":4,"data":[{"label":"widget","value":3},{"label":"Foo","value":1}]}"#
        );
        assert_eq!(
            Value::Object(report_body(vec![], 0, None)).to_string(),
            r#"{"data":[],"total":0}"#
        );
    }
}
