//! `GET /api/v1/engagement-dashboard/users/new-users`: users created per day of the report zone
//! (`users.createdAt`), excluding users with the `anonymous` role — what Rocket.Chat's `afterCreateUser`
//! hook counts — with the period and yesterday arithmetic of [`super::period`].

use bson::{doc, Document};
use get_size2::GetSize;
use schemars::JsonSchema;
use serde::Serialize;

use super::period::{DayCount, PeriodBody, Periods};
use super::{day_of, start_end, Engagement, START_END};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::registry::Param;
use crate::reports::{aggregate, Report};
use crate::state::cache::held;
use crate::state::AppState;
use crate::store::coll;

pub(crate) struct NewUsers;

#[derive(Debug, Serialize, JsonSchema, GetSize)]
pub(crate) struct UsersDay {
    /// The day's midnight in the report zone, as an ISO instant.
    #[get_size(size_fn = held)]
    pub(crate) day: String,
    pub(crate) users: i64,
}

impl DayCount for UsersDay {
    fn new(day: String, users: i64) -> Self {
        Self { day, users }
    }
}

impl Report for NewUsers {
    type Family = Engagement;
    const PATH: &'static str = "/users/new-users";
    const SUMMARY: &'static str = "Users created per day, period and yesterday totals with variations";
    const PARAMS: &'static [Param] = &START_END;
    type Request = Periods;
    type Body = PeriodBody<UsersDay>;

    async fn request(state: &AppState, _: &AuthUser, query: &str) -> Result<Self::Request, ApiError> {
        Ok(Periods::of(&start_end(query, state.settings.timezone)?))
    }

    async fn compute(state: &AppState, request: &Self::Request) -> Result<Self::Body, ApiError> {
        aggregate(state, coll::USERS, pipeline(request), |rows| request.shape(rows)).await
    }
}

/// Users created in both periods (the `{createdAt:1}` index leads) → per day: rows `{_id: day, n}`.
pub(crate) fn pipeline(periods: &Periods) -> Vec<Document> {
    let mut filter = periods.range_filter("createdAt");
    filter.insert("roles", doc! {"$ne": "anonymous"});
    vec![
        doc! {"$match": filter},
        doc! {"$group": {"_id": day_of("$createdAt", periods.current.zone), "n": {"$sum": 1}}},
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::zone::ReportZone;
    use crate::reports::engagement::StartEnd;

    #[test]
    fn pipeline_excludes_anonymous_and_buckets_in_the_zone() {
        let zone = ReportZone::parse("Europe/Berlin").unwrap();
        let (start_ms, end_ms) = (1_704_067_200_000, 1_704_067_200_000);
        let periods = Periods::of(&StartEnd::new(start_ms, end_ms, zone));
        let p = pipeline(&periods);
        let m = p[0].get_document("$match").unwrap();
        assert_eq!(m.keys().collect::<Vec<_>>(), ["createdAt", "roles"]);
        assert_eq!(m.get_document("roles").unwrap(), &doc! {"$ne": "anonymous"});
        let created = m.get_document("createdAt").unwrap();
        // Jan 1 in Berlin, and before it the previous period Dec 30..31 (daysBetweenDates 1, plus one).
        assert_eq!(
            created.get_datetime("$gte").unwrap().try_to_rfc3339_string().unwrap(),
            "2023-12-29T23:00:00Z"
        );
        assert_eq!(
            created.get_datetime("$lt").unwrap().try_to_rfc3339_string().unwrap(),
            "2024-01-01T23:00:00Z"
        );
        assert_eq!(
            p[1],
            doc! {"$group": {"_id": {"$dateToString": {"format": "%Y-%m-%d", "date": "$createdAt", "timezone": "Europe/Berlin"}}, "n": {"$sum": 1}}}
        );
    }
}
