//! `GET /api/v1/engagement-dashboard/users/chat-busier/weekly-data`: active (non-anonymous) users per
//! stored day from 7 days before the date of `start` to that date (report zone; see
//! [`super::sessions`]), newest first.

use bson::{doc, Document};
use chrono::NaiveDate;
use get_size2::GetSize;
use schemars::JsonSchema;
use serde::Serialize;

use super::sessions::{newest_first, user_daily_match, DayMonthYear};
use super::{start_only, Engagement, START_ONLY};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::params::window::{add_days, instant};
use crate::registry::Param;
use crate::reports::{aggregate, body_rows, count_of, Report};
use crate::state::AppState;
use crate::store::coll;

pub(crate) struct WeeklyData;

/// `{"month":[{users, day, month, year}…]}`, newest day first.
#[derive(Debug, Serialize, JsonSchema, GetSize)]
pub(crate) struct WeekDays {
    pub(crate) month: Vec<DayUsers>,
}

#[derive(Debug, Serialize, JsonSchema, GetSize)]
pub(crate) struct DayUsers {
    pub(crate) users: i64,
    #[serde(flatten)]
    pub(crate) date: DayMonthYear,
}

body_rows!(WeekDays, DayUsers, month);

impl Report for WeeklyData {
    type Family = Engagement;
    const PATH: &'static str = "/users/chat-busier/weekly-data";
    const SUMMARY: &'static str = "Active users per day, from 7 days before start to start";
    const PARAMS: &'static [Param] = &START_ONLY;
    type Request = NaiveDate;
    type Body = WeekDays;

    async fn request(state: &AppState, _: &AuthUser, query: &str) -> Result<Self::Request, ApiError> {
        let (start_ms, zone) = start_only(query, state.settings.timezone)?;
        Ok(zone.date_of(instant(start_ms)))
    }

    async fn compute(state: &AppState, request: &Self::Request) -> Result<WeekDays, ApiError> {
        aggregate(state, coll::SESSIONS, pipeline(*request), shape).await
    }
}

/// Rocket.Chat's `subDays(start, 7)` .. `start`, as stored dates.
pub(crate) fn pipeline(day: NaiveDate) -> Vec<Document> {
    vec![
        user_daily_match(add_days(day, -7), day),
        doc! {"$group": {"_id": {"year": "$year", "month": "$month", "day": "$day"}, "users": {"$sum": 1}}},
        newest_first("_id."),
    ]
}

/// `{"month":[{"users":n,"day","month","year"}]}`.
pub(crate) fn shape(rows: &[Document]) -> WeekDays {
    let days = rows.iter().filter_map(|row| {
        Some(DayUsers {
            users: count_of(row, "users"),
            date: DayMonthYear::of(row.get_document("_id").ok()?),
        })
    });
    WeekDays { month: days.collect() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eight_stored_days_and_shape() {
        let p = pipeline("2024-01-03".parse().unwrap());
        let m = p[0].get_document("$match").unwrap();
        // Dec 27 .. Jan 3 crosses a year: the generic form.
        assert!(m.contains_key("$and"));
        let rows = vec![doc! {"_id": {"year": 2024, "month": 1, "day": 3}, "users": 4}];
        assert_eq!(
            crate::reports::json_of(&shape(&rows)),
            r#"{"month":[{"users":4,"day":3,"month":1,"year":2024}]}"#
        );
    }
}
