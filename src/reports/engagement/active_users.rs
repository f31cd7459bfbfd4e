//! `GET /api/v1/engagement-dashboard/users/active-users`: distinct active (non-anonymous) users per
//! stored day, from the daily session roll-ups, for the dates of `start` and `end` in the report zone
//! (see [`super::sessions`] on what `tz` can and cannot change). `usersList` is sorted ascending
//! (Rocket.Chat's `$addToSet` order is unspecified).

use bson::{doc, Document};
use get_size2::GetSize;
use schemars::JsonSchema;
use serde::Serialize;

use super::sessions::{newest_first, user_daily_match, DayMonthYear};
use super::{start_end_window, Engagement, START_END};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::registry::Param;
use crate::reports::{aggregate, body_rows, count_of, Report};
use crate::state::cache::held;
use crate::state::AppState;
use crate::store::{coll, strings};
use chrono::NaiveDate;

pub(crate) struct ActiveUsers;

/// `{"month":[{usersList, users, day, month, year}…]}`, newest day first.
#[derive(Debug, Serialize, JsonSchema, GetSize)]
pub(crate) struct ActiveDays {
    pub(crate) month: Vec<ActiveDay>,
}

#[derive(Debug, Serialize, JsonSchema, GetSize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ActiveDay {
    #[get_size(size_fn = held)]
    pub(crate) users_list: Vec<String>,
    pub(crate) users: i64,
    #[serde(flatten)]
    pub(crate) date: DayMonthYear,
}

body_rows!(ActiveDays, ActiveDay, month);

impl Report for ActiveUsers {
    type Family = Engagement;
    const PATH: &'static str = "/users/active-users";
    const SUMMARY: &'static str = "Distinct active users per day (daily session roll-ups)";
    const PARAMS: &'static [Param] = &START_END;
    /// What the report reads: the stored days (the zone only chose them), so `tz` values that pick the
    /// same days share one cache entry.
    type Request = StoredDays;
    type Body = ActiveDays;

    async fn request(state: &AppState, _: &AuthUser, query: &str) -> Result<Self::Request, ApiError> {
        let window = start_end_window(query, state.settings.timezone)?;
        Ok(StoredDays {
            first: window.first_day,
            last: window.last_day,
        })
    }

    async fn compute(state: &AppState, request: &Self::Request) -> Result<ActiveDays, ApiError> {
        aggregate(state, coll::SESSIONS, pipeline(request), shape).await
    }
}

/// The stored days of the daily session roll-ups a request reads, both inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct StoredDays {
    pub(crate) first: NaiveDate,
    pub(crate) last: NaiveDate,
}

pub(crate) fn pipeline(days: &StoredDays) -> Vec<Document> {
    vec![
        user_daily_match(days.first, days.last),
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
pub(crate) fn shape(rows: &[Document]) -> ActiveDays {
    let days = rows.iter().filter_map(|row| {
        let date = row.get_document("_id").ok()?;
        let mut users: Vec<String> = strings(row, "usersList").into_iter().map(str::to_string).collect();
        users.sort_unstable();
        Some(ActiveDay {
            users_list: users,
            users: count_of(row, "users"),
            date: DayMonthYear::of(date),
        })
    });
    ActiveDays { month: days.collect() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::window::DayWindow;
    use crate::params::zone::ReportZone;

    #[test]
    fn pipeline_and_shape() {
        let w = DayWindow::from_instants(1_704_067_200_000, 1_704_671_999_999, ReportZone::utc());
        let p = pipeline(&StoredDays {
            first: w.first_day,
            last: w.last_day,
        });
        assert_eq!(
            p[0].get_document("$match").unwrap().get_document("day").unwrap(),
            &doc! {"$gte": 1, "$lte": 7}
        );
        assert_eq!(p[3], doc! {"$sort": {"_id.year": -1, "_id.month": -1, "_id.day": -1}});
        let rows = vec![doc! {"_id": {"day": 7, "month": 1, "year": 2024}, "usersList": ["u2", "u1"], "users": 2}];
        assert_eq!(
            crate::reports::json_of(&shape(&rows)),
            r#"{"month":[{"usersList":["u1","u2"],"users":2,"day":7,"month":1,"year":2024}]}"#
        );
    }
}
