//! `GET …/conversations-by-department`: conversations per department, departments of the same name
//! merged, deleted departments dropped (counted nowhere), `unspecified` = conversations without a
//! `departmentId`. Default order `{total: 1}`, ties by name.

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

pub(crate) struct ByDepartment;

impl Report for ByDepartment {
    type Family = Omnichannel;
    const PATH: &'static str = "/conversations-by-department";
    const SUMMARY: &'static str = "Conversations per department (merged by name), unspecified = without department";
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
            "departmentId_1_ts_1",
            "_id",
            unspecified_filter(request, scope),
        )
        .await
    }
}

/// Rooms with a department → count per department → the department's name → merged per name.
pub(crate) fn pipeline(request: &ReportRequest, scope: &Scope) -> Vec<Document> {
    vec![
        doc! {"$match": rooms_match(request, scope, doc! {"departmentId": {"$exists": true}})},
        doc! {"$group": {"_id": "$departmentId", "total": {"$sum": 1}}},
        doc! {"$lookup": {
            "from": coll::DEPARTMENTS,
            "localField": "_id",
            "foreignField": "_id",
            "pipeline": [{"$project": {"_id": 0, "name": 1}}],
            "as": "department",
        }},
        // Rocket.Chat groups on `{$arrayElemAt: ['$department.name', 0]}` and then drops null names.
        // `$unwind` drops deleted departments the same way, and avoids a path through an array, which
        // the test server (secantusdb 0.7.0b3) resolves to null.
        doc! {"$unwind": "$department"},
        doc! {"$group": {"_id": "$department.name", "total": {"$sum": "$total"}}},
        doc! {"$match": {"_id": {"$ne": null}}},
        request.sort_stage(&[("total", 1)], &["_id"]),
    ]
}

/// `countDocuments` of the conversations without a department.
pub(crate) fn unspecified_filter(request: &ReportRequest, scope: &Scope) -> Document {
    rooms_match(request, scope, doc! {"departmentId": {"$exists": false}})
}

#[cfg(test)]
mod tests {
    use super::super::test_support::request;
    use super::*;
    use crate::reports::stage_names as stages;

    #[test]
    fn pipeline_groups_before_joining_and_merges_by_name() {
        let p = pipeline(&request(None), &Scope::All);
        assert_eq!(
            stages(&p),
            ["$match", "$group", "$lookup", "$unwind", "$group", "$match", "$sort"]
        );
        let m = p[0].get_document("$match").unwrap();
        assert_eq!(m.get_str("t").unwrap(), "l");
        assert_eq!(m.get_document("departmentId").unwrap(), &doc! {"$exists": true});
        let ts = m.get_document("ts").unwrap();
        assert_eq!(ts.get_datetime("$gte").unwrap().timestamp_millis(), 1_704_067_200_000);
        assert_eq!(ts.get_datetime("$lt").unwrap().timestamp_millis(), 1_704_153_600_000);
        assert_eq!(
            p[4],
            doc! {"$group": {"_id": "$department.name", "total": {"$sum": "$total"}}}
        );
        assert_eq!(p[6], doc! {"$sort": {"total": 1, "_id": 1}});
        let sorted = pipeline(&request(Some(r#"{"total":-1}"#)), &Scope::All);
        assert_eq!(sorted[6], doc! {"$sort": {"total": -1, "_id": 1}});
    }

    #[test]
    fn unspecified_counts_rooms_without_department() {
        let f = unspecified_filter(&request(None), &Scope::All);
        assert_eq!(f.get_document("departmentId").unwrap(), &doc! {"$exists": false});
        assert_eq!(f.get_str("t").unwrap(), "l");
    }
}
