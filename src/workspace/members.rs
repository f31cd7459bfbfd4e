//! The daily, weekly and monthly active users of the active-users report, and the new users of the new-users
//! report, over the last days. (Members and inactive members are the insights': `insights::counts`.)

use bson::{doc, Bson, Document};
use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::params::window::{add_days, bson_bound};
use crate::params::zone::ReportZone;
use crate::reports::count_of;
use crate::reports::engagement::sessions::user_daily_match;

/// The first instant of the last `days` whole days of `zone` that end with `today` (today included).
pub(crate) fn last_days(zone: ReportZone, today: NaiveDate, days: i64) -> DateTime<Utc> {
    zone.start_of_day(add_days(today, 1 - days))
}

/// The inactivity windows, in days.
pub(crate) const INACTIVE_DAYS: [i64; 2] = [30, 90];

/// The windows of the active-users and new-users series, in days.
pub(crate) const WINDOWS: [i64; 3] = [1, 7, 30];

/// The `YYYYMMDD` number of a date.
fn day_number(day: NaiveDate) -> i64 {
    i64::from(day.year()) * 10_000 + i64::from(day.month()) * 100 + i64::from(day.day())
}

/// The distinct users of the daily session roll-ups of the 30 stored days that end with `last` (what the
/// active-users report reads for those days), each with its last day: rows `{_id: userId, last: YYYYMMDD}`.
pub(crate) fn active_users_pipeline(last: NaiveDate) -> Vec<Document> {
    let stored_day = doc! {"$add": [{"$multiply": ["$year", 10_000]}, {"$multiply": ["$month", 100]}, "$day"]};
    vec![
        user_daily_match(add_days(last, 1 - WINDOWS[2]), last),
        doc! {"$group": {"_id": "$userId", "last": {"$max": stored_day}}},
    ]
}

/// The users active in the last 1, 7 and 30 stored days that end with `last` (Rocket.Chat's DAU, WAU and MAU
/// of that day: the distinct users of the active-users report's `usersList`s of those days), from the rows
/// of [`active_users_pipeline`].
pub(crate) fn active_users(rows: &[Document], last: NaiveDate) -> [i64; 3] {
    WINDOWS.map(|days| {
        let first = day_number(add_days(last, 1 - days));
        rows.iter().filter(|row| count_of(row, "last") >= first).count() as i64
    })
}

/// The users created in the last 1, 7 and 30 days of `zone` that end with `today`, as the new-users report
/// counts them (`createdAt` in those days, not `anonymous`): one row `{d1, d7, d30}` (none when there are
/// none). The `{createdAt:1}` index serves it: it reads the users created in the last 30 days.
pub(crate) fn new_users_pipeline(zone: ReportZone, today: NaiveDate) -> Vec<Document> {
    let since = |days| bson_bound(last_days(zone, today, days));
    let mut group = doc! {"_id": Bson::Null};
    for days in WINDOWS {
        group.insert(
            format!("d{days}"),
            doc! {"$sum": {"$cond": [{"$gte": ["$createdAt", since(days)]}, 1, 0]}},
        );
    }
    vec![
        doc! {"$match": {
            "createdAt": {"$gte": since(WINDOWS[2]), "$lt": bson_bound(zone.start_of_day(add_days(today, 1)))},
            "roles": {"$ne": "anonymous"},
        }},
        doc! {"$group": group},
    ]
}

/// The counts of [`new_users_pipeline`]'s row.
pub(crate) fn new_users(rows: &[Document]) -> [i64; 3] {
    WINDOWS.map(|days| rows.first().map_or(0, |row| count_of(row, &format!("d{days}"))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn last_days_start_at_a_zone_midnight() {
        let berlin = ReportZone::parse("Europe/Berlin").unwrap();
        let since = last_days(berlin, date("2024-03-31"), 30);
        // 30 days ending March 31 start on March 2, at midnight in Berlin (UTC+1).
        assert_eq!(since.to_rfc3339(), "2024-03-01T23:00:00+00:00");
        // March 31 starts before the change to summer time.
        assert_eq!(
            last_days(berlin, date("2024-03-31"), 1).to_rfc3339(),
            "2024-03-30T23:00:00+00:00"
        );
    }

    #[test]
    fn active_users_of_the_last_days() {
        let p = active_users_pipeline(date("2024-03-10"));
        assert_eq!(p[0], user_daily_match(date("2024-02-10"), date("2024-03-10")));
        assert_eq!(p[1].get_document("$group").unwrap().get_str("_id").unwrap(), "$userId");
        let rows: Vec<Document> = [20240310, 20240304, 20240303, 20240210]
            .iter()
            .enumerate()
            .map(|(i, last)| doc! {"_id": format!("u{i}"), "last": *last})
            .collect();
        assert_eq!(active_users(&rows, date("2024-03-10")), [1, 2, 4]);
        assert_eq!(active_users(&[], date("2024-03-10")), [0, 0, 0]);
    }

    #[test]
    fn new_users_of_the_last_days() {
        let p = new_users_pipeline(ReportZone::utc(), date("2024-03-10"));
        let created = p[0].get_document("$match").unwrap().get_document("createdAt").unwrap();
        assert_eq!(
            created.get_datetime("$gte").unwrap().try_to_rfc3339_string().unwrap(),
            "2024-02-10T00:00:00Z"
        );
        assert_eq!(
            created.get_datetime("$lt").unwrap().try_to_rfc3339_string().unwrap(),
            "2024-03-11T00:00:00Z"
        );
        let group = p[1].get_document("$group").unwrap();
        assert_eq!(group.keys().collect::<Vec<_>>(), ["_id", "d1", "d7", "d30"]);
        assert_eq!(
            new_users(&[doc! {"_id": null, "d1": 1, "d7": 3_i64, "d30": 9.0}]),
            [1, 3, 9]
        );
        assert_eq!(new_users(&[]), [0, 0, 0]);
    }
}
