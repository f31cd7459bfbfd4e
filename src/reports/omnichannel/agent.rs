//! `GET …/conversations-by-agent`: conversations per serving agent, labelled with the agent's `name`
//! (else the user id), `unspecified` = conversations never served. Default order `{name: 1}`, ties by
//! name then id.

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
use crate::store::coll;

pub(crate) struct ByAgent;

impl Report for ByAgent {
    type Family = Omnichannel;
    const PATH: &'static str = "/conversations-by-agent";
    const SUMMARY: &'static str = "Conversations per serving agent (name, else id), unspecified = never served";
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
            "servedBy_1_ts_1",
            "name",
            unspecified_filter(request, scope),
        )
        .await
    }
}

/// Served rooms → count per agent id → the agent's name.
pub(crate) fn pipeline(request: &ReportRequest, scope: &Scope) -> Vec<Document> {
    vec![
        doc! {"$match": rooms_match(request, scope, doc! {"servedBy": {"$exists": true}})},
        doc! {"$group": {"_id": "$servedBy._id", "total": {"$sum": 1}}},
        doc! {"$lookup": {
            "from": coll::USERS,
            "localField": "_id",
            "foreignField": "_id",
            "pipeline": [{"$project": {"_id": 0, "name": 1}}],
            "as": "agent",
        }},
        // Element first, then its field: a path through the array (`$agent.name`) resolves to null on the
        // test server (secantusdb 0.7.0b3). Rocket.Chat does the same with `$first`.
        doc! {"$set": {"agent": {"$arrayElemAt": ["$agent", 0]}}},
        doc! {"$set": {"name": {"$ifNull": ["$agent.name", "$_id"]}}},
        request.sort_stage(&[("name", 1)], &["name", "_id"]),
    ]
}

pub(crate) fn unspecified_filter(request: &ReportRequest, scope: &Scope) -> Document {
    rooms_match(request, scope, doc! {"servedBy": {"$exists": false}})
}

#[cfg(test)]
mod tests {
    use super::super::test_support::request;
    use super::*;
    use crate::reports::stage_names as stages;

    #[test]
    fn pipeline_names_agents() {
        let p = pipeline(&request(None), &Scope::All);
        assert_eq!(stages(&p), ["$match", "$group", "$lookup", "$set", "$set", "$sort"]);
        assert_eq!(p[1], doc! {"$group": {"_id": "$servedBy._id", "total": {"$sum": 1}}});
        assert_eq!(p[5], doc! {"$sort": {"name": 1, "_id": 1}});
        let by_total = pipeline(&request(Some(r#"{"total":-1}"#)), &Scope::All);
        assert_eq!(by_total[5], doc! {"$sort": {"total": -1, "name": 1, "_id": 1}});
        let f = unspecified_filter(&request(None), &Scope::All);
        assert_eq!(f.get_document("servedBy").unwrap(), &doc! {"$exists": false});
    }
}
