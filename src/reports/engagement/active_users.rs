//! `GET /api/v1/engagement-dashboard/users/active-users`: distinct active (non-anonymous) users per
//! stored day, from the daily session roll-ups, for the dates of `start` and `end` in the report zone
//! (see [`super::sessions`] on what `tz` can and cannot change). `usersList` is sorted ascending
//! (Rocket.Chat's `$addToSet` order is unspecified).

use bson::{doc, Document};
use serde_json::{json, Map, Value};

use super::sessions::{day_month_year, newest_first, user_daily_match};
use super::{list_body, start_end_window, Engagement, START_END};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::params::window::DayWindow;
use crate::registry::Param;
use crate::reports::count_of;
use crate::reports::{aggregate, Report};
use crate::state::AppState;
use crate::store::{coll, strings};

pub(crate) struct ActiveUsers;

impl Report for ActiveUsers {
    type Family = Engagement;
    const PATH: &'static str = "/users/active-users";
    const SUMMARY: &'static str = "Distinct active users per day (daily session roll-ups)";
    const PARAMS: &'static [Param] = &START_END;
    type Request = DayWindow;

    async fn request(state: &AppState, _: &AuthUser, query: &str) -> Result<Self::Request, ApiError> {
        start_end_window(query, state.settings.timezone)
    }

    async fn compute(state: &AppState, request: &Self::Request) -> Result<Map<String, Value>, ApiError> {
        aggregate(state, coll::SESSIONS, pipeline(request), shape).await
    }
}

pub(crate) fn pipeline(window: &DayWindow) -> Vec<Document> {
    vec![
        user_daily_match(window.first_day, window.last_day),
        doc! {"$group": {"_id": {"day": "$day", "month": "$month", "year": "$year", "userId": "$userId"}}},
        doc! {"$group": {
            "_id": {"day": "$_id.day", "month": "$_id.month", "year": "$_id.year"},
            "usersList": {"$addToSet": "$_id.userId"},
            "users": {"$sum": 1},
        }},
        newest_first("_id."),
    ]
}

/// `{"month":[{"usersList":[…],"users":n,"day","month","year"}]}`.
pub(crate) fn shape(rows: &[Document]) -> Map<String, Value> {
    let days = rows.iter().filter_map(|row| {
        let date = row.get_document("_id").ok()?;
        let mut users = strings(row, "usersList");
        users.sort_unstable();
        let mut entry = Map::new();
        entry.insert("usersList".into(), json!(users));
        entry.insert("users".into(), json!(count_of(row, "users")));
        day_month_year(date, &mut entry);
        Some(Value::Object(entry))
    });
    list_body("month", days)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::zone::ReportZone;

    #[test]
    fn pipeline_and_shape() {
        let w = DayWindow::from_instants(1_704_067_200_000, 1_704_671_999_999, ReportZone::utc());
        let p = pipeline(&w);
        assert_eq!(
            p[0].get_document("$match").unwrap().get_document("day").unwrap(),
            &doc! {"$gte": 1, "$lte": 7}
        );
        assert_eq!(p[3], doc! {"$sort": {"_id.year": -1, "_id.month": -1, "_id.day": -1}});
        let rows = vec![doc! {"_id": {"day": 7, "month": 1, "year": 2024}, "usersList": ["u2", "u1"], "users": 2}];
        assert_eq!(
            Value::Object(shape(&rows)).to_string(),
            r#"{"month":[{"usersList":["u1","u2"],"users":2,"day":7,"month":1,"year":2024}]}"#
        );
    }
}
