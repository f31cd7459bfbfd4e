//! What the user routes share about `rocketchat_sessions`: Rocket.Chat's selection of daily roll-ups
//! (`type: 'user_daily'`) by stored calendar date, and its "who was online in this hour" grouping of
//! computed sessions (`getGroupSessionsByHour`), with hours read in the report zone.
//!
//! Daily roll-ups carry the `year`/`month`/`day` of the Rocket.Chat server's local date and cannot be
//! re-bucketed: a `tz` only changes which stored days a request selects (the dates of `start`/`end` in
//! the report zone), not how a day was cut. Hours of computed sessions are read from `loginAt` /
//! `closedAt` in the report zone (Rocket.Chat uses `$hour` in UTC; equal with the default zone `UTC`).

use bson::{doc, Bson, Document};
use chrono::{Datelike, NaiveDate};
use get_size2::GetSize;
use schemars::JsonSchema;
use serde::Serialize;

use super::hour_of;
use crate::params::window::{bson_bound, instant};
use crate::params::zone::ReportZone;
use crate::reports::count_of;

/// Rocket.Chat's `matchBasedOnDate`: stored `(year, month, day)` between two dates, both inclusive, in
/// the form the `{type, year, month, day}` index serves.
pub(crate) fn ymd_between(start: NaiveDate, end: NaiveDate) -> Document {
    let (sy, sm, sd) = (start.year(), start.month() as i32, start.day() as i32);
    let (ey, em, ed) = (end.year(), end.month() as i32, end.day() as i32);
    if sy == ey && sm == em {
        return doc! {"year": sy, "month": sm, "day": {"$gte": sd, "$lte": ed}};
    }
    if sy == ey {
        return doc! {
            "year": sy,
            "$and": [
                {"$or": [{"month": {"$gt": sm}}, {"month": sm, "day": {"$gte": sd}}]},
                {"$or": [{"month": {"$lt": em}}, {"month": em, "day": {"$lte": ed}}]},
            ],
        };
    }
    doc! {"$and": [
        {"$or": [{"year": {"$gt": sy}}, {"year": sy, "month": {"$gt": sm}}, {"year": sy, "month": sm, "day": {"$gte": sd}}]},
        {"$or": [{"year": {"$lt": ey}}, {"year": ey, "month": {"$lt": em}}, {"year": ey, "month": em, "day": {"$lte": ed}}]},
    ]}
}

/// `$match` of the daily roll-ups of non-anonymous users between two stored dates.
pub(crate) fn user_daily_match(start: NaiveDate, end: NaiveDate) -> Document {
    let mut m = ymd_between(start, end);
    m.insert("type", "user_daily");
    m.insert("mostImportantRole", doc! {"$ne": "anonymous"});
    doc! {"$match": m}
}

/// `$match` of computed sessions that logged in within `[from, to]` (ms, both inclusive).
pub(crate) fn computed_sessions_match(from_ms: i64, to_ms: i64) -> Document {
    doc! {"$match": {
        "type": "computed-session",
        "loginAt": {"$gte": bson_bound(instant(from_ms)), "$lte": bson_bound(instant(to_ms))},
    }}
}

/// `$project` of each session to its user, whether it is still open, and its login/close hours in the
/// report zone, plus `extra` fields.
pub(crate) fn session_hours(zone: ReportZone, extra: Document) -> Document {
    let mut p = doc! {
        "_id": 0,
        "userId": 1,
        "open": {"$not": ["$closedAt"]},
        "login": hour_of("$loginAt", zone),
        "closed": hour_of("$closedAt", zone),
    };
    p.extend(extra);
    doc! {"$project": p}
}

/// Rocket.Chat's `getGroupSessionsByHour`: per `_id` (built on `$range`), the distinct users whose
/// session covers the hour `$range` (open and logged in by then, or logged in by then and not closed
/// before), and their number.
pub(crate) fn users_present(id: impl Into<Bson>) -> Vec<Document> {
    let after_login = doc! {"$gte": ["$range", "$login"]};
    let before_close = doc! {"$lte": ["$range", "$closed"]};
    vec![
        doc! {"$group": {
            "_id": id.into(),
            "usersList": {"$addToSet": {"$cond": [
                {"$or": [{"$and": ["$open", after_login.clone()]}, {"$and": [after_login, before_close]}]},
                "$userId",
                "$$REMOVE",
            ]}},
        }},
        doc! {"$addFields": {"users": {"$size": "$usersList"}}},
    ]
}

/// `$sort` newest stored date first.
pub(crate) fn newest_first(prefix: &str) -> Document {
    doc! {"$sort": {format!("{prefix}year"): -1, format!("{prefix}month"): -1, format!("{prefix}day"): -1}}
}

/// `day`, `month`, `year` of a grouped `_id` (the last keys of the session reports' entries).
#[derive(Debug, Serialize, JsonSchema, GetSize)]
pub(crate) struct DayMonthYear {
    pub(crate) day: i64,
    pub(crate) month: i64,
    pub(crate) year: i64,
}

impl DayMonthYear {
    pub(crate) fn of(date: &Document) -> Self {
        Self {
            day: count_of(date, "day"),
            month: count_of(date, "month"),
            year: count_of(date, "year"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn matches_like_rocket_chat() {
        assert_eq!(
            ymd_between(d("2024-01-02"), d("2024-01-09")),
            doc! {"year": 2024, "month": 1, "day": {"$gte": 2, "$lte": 9}}
        );
        assert_eq!(
            ymd_between(d("2024-01-25"), d("2024-03-02")),
            doc! {"year": 2024, "$and": [
                {"$or": [{"month": {"$gt": 1}}, {"month": 1, "day": {"$gte": 25}}]},
                {"$or": [{"month": {"$lt": 3}}, {"month": 3, "day": {"$lte": 2}}]},
            ]}
        );
        let across = ymd_between(d("2023-12-28"), d("2024-01-03"));
        assert_eq!(across.keys().collect::<Vec<_>>(), ["$and"]);
        let m = user_daily_match(d("2024-01-02"), d("2024-01-02"));
        let m = m.get_document("$match").unwrap();
        assert_eq!(m.get_str("type").unwrap(), "user_daily");
        assert_eq!(m.get_document("mostImportantRole").unwrap(), &doc! {"$ne": "anonymous"});
    }

    #[test]
    fn hours_in_the_zone_and_presence() {
        let p = session_hours(
            ReportZone::parse("+05:30").unwrap(),
            doc! {"range": {"$range": [0, 24, 2]}},
        );
        let p = p.get_document("$project").unwrap();
        assert_eq!(
            p.get_document("login").unwrap(),
            &doc! {"$hour": {"date": "$loginAt", "timezone": "+05:30"}}
        );
        assert!(p.contains_key("range"));
        let g = users_present("$range");
        assert_eq!(g[0].get_document("$group").unwrap().get_str("_id").unwrap(), "$range");
        assert_eq!(g[1], doc! {"$addFields": {"users": {"$size": "$usersList"}}});
    }
}
