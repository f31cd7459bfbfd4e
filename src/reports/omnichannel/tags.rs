//! `GET …/conversations-by-tags`: conversations per tag (a room with several tags counts once for each),
//! `unspecified` = conversations without tags (missing or `[]`). Default order `{total: 1}`, ties by tag.

use bson::{doc, Document};

use super::scope::Scope;
use super::{
    conversations, report_with_unspecified, rooms_match, Conversations, DataTotal, Omnichannel, ReportRequest, PARAMS,
};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::registry::Param;
use crate::reports::Report;
use crate::state::AppState;

pub(crate) struct ByTags;

impl Report for ByTags {
    type Family = Omnichannel;
    const PATH: &'static str = "/conversations-by-tags";
    const SUMMARY: &'static str = "Conversations per tag, unspecified = without tags";
    const PARAMS: &'static [Param] = &PARAMS;
    type Request = Conversations;
    type Body = DataTotal;

    async fn request(state: &AppState, user: &AuthUser, query: &str) -> Result<Conversations, ApiError> {
        // Rocket.Chat reads `sort` here.
        conversations(state, user, query, true).await
    }

    async fn compute(state: &AppState, c: &Conversations) -> Result<DataTotal, ApiError> {
        let (request, scope) = (&c.request, &c.scope);
        report_with_unspecified(
            state,
            pipeline(request, scope),
            "tags.0_1_ts_1",
            "_id",
            unspecified_filter(request, scope),
        )
        .await
    }
}

/// Tagged rooms → count per tag set → one row per tag → summed per tag.
pub(crate) fn pipeline(request: &ReportRequest, scope: &Scope) -> Vec<Document> {
    vec![
        doc! {"$match": rooms_match(request, scope, doc! {"tags": {"$exists": true, "$ne": []}})},
        doc! {"$group": {"_id": "$tags", "total": {"$sum": 1}}},
        doc! {"$unwind": "$_id"},
        doc! {"$group": {"_id": "$_id", "total": {"$sum": "$total"}}},
        request.sort_stage(&[("total", 1)], &["_id"]),
    ]
}

pub(crate) fn unspecified_filter(request: &ReportRequest, scope: &Scope) -> Document {
    rooms_match(
        request,
        scope,
        doc! {"$or": [{"tags": {"$exists": false}}, {"tags": {"$eq": []}}]},
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_support::request;
    use super::*;
    use crate::reports::stage_names as stages;

    #[test]
    fn pipeline_unwinds_tag_sets() {
        let p = pipeline(&request(Some(r#"{"_id":-1}"#)), &Scope::All);
        assert_eq!(stages(&p), ["$match", "$group", "$unwind", "$group", "$sort"]);
        let m = p[0].get_document("$match").unwrap();
        assert_eq!(m.get_document("tags").unwrap(), &doc! {"$exists": true, "$ne": []});
        assert_eq!(p[4], doc! {"$sort": {"_id": -1}});
        let f = unspecified_filter(&request(None), &Scope::All);
        assert_eq!(f.get_array("$or").unwrap().len(), 2, "tags missing or empty: {f}");
    }
}
