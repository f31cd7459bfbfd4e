//! The "period" reports (`messages/messages-sent`, `users/new-users`): counts per day of the report
//! zone, the period total and its variation against the previous period, yesterday and its variation —
//! Rocket.Chat's arithmetic (`findWeeklyMessagesSentData` / `findWeeklyUsersRegisteredData`), exactly:
//!
//! * `daysBetweenDates` = moment's `end.diff(start, 'days') + 1` ([`days_between_inclusive`]);
//! * current period = the days of `start` to `end`; previous = `[day(start) − 1 − daysBetweenDates,
//!   day(start) − 1]`; each keeps only its `daysBetweenDates` most recent days **that have data**
//!   (Rocket.Chat's `$sort {_id:-1}` + `$limit` on day groups), none when that number is not positive;
//! * `days` = the current period's days with data, newest first (days without data are omitted, as in
//!   Rocket.Chat), each `day` = the ISO instant of that day's midnight in the report zone;
//! * `period` = {Σcurrent, Σcurrent − Σprevious}; `yesterday` = {count of day(end) − 1, count of
//!   day(end) − that}, both read from the limited current days (0 when absent).
//!
//! Both windows are read with one query over their union: rows `{_id: "YYYY-MM-DD", n}`.

use bson::{doc, Document};
use chrono::NaiveDate;
use get_size2::GetSize;
use schemars::JsonSchema;
use serde::Serialize;

use super::{midnight_iso, parse_day, StartEnd};
use crate::params::window::{add_days, days_between_inclusive, DayWindow};
use crate::reports::{count_of, Body};

/// `{"days":[…],"period":{count,variation},"yesterday":{count,variation}}`; `D` is the day entry.
#[derive(Debug, Serialize, JsonSchema, GetSize)]
pub(crate) struct PeriodBody<D> {
    pub(crate) days: Vec<D>,
    pub(crate) period: Variation,
    pub(crate) yesterday: Variation,
}

#[derive(Debug, Serialize, JsonSchema, GetSize)]
pub(crate) struct Variation {
    pub(crate) count: i64,
    pub(crate) variation: i64,
}

impl<D: Serialize + JsonSchema + GetSize + Send + Sync + 'static> Body for PeriodBody<D> {
    type Row = D;
    fn rows(&self) -> &[D] {
        &self.days
    }
}

/// A day entry: the ISO instant of the day's midnight in the report zone, and its count.
pub(crate) trait DayCount {
    fn new(day: String, n: i64) -> Self;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Periods {
    pub(crate) current: DayWindow,
    pub(crate) previous: DayWindow,
    /// `daysBetweenDates`.
    pub(crate) days: i64,
    /// The day of `end`.
    pub(crate) today: NaiveDate,
}

impl Periods {
    pub(crate) fn of(req: &StartEnd) -> Self {
        let days = days_between_inclusive(req.start_ms, req.end_ms, req.zone());
        Self {
            current: req.window,
            previous: req.window.previous(days),
            days,
            today: req.window.last_day,
        }
    }

    /// `[from, to)` covering both periods.
    pub(crate) fn bson_range(&self) -> (bson::DateTime, bson::DateTime) {
        let (cur_from, cur_to) = self.current.bson_range();
        let (prev_from, prev_to) = self.previous.bson_range();
        (cur_from.min(prev_from), cur_to.max(prev_to))
    }

    /// `{field: {$gte, $lt}}` over both periods, for the leading `$match`.
    pub(crate) fn range_filter(&self, field: &str) -> Document {
        let (from, to) = self.bson_range();
        doc! {field: {"$gte": from, "$lt": to}}
    }

    /// The `{_id: day, n}` rows of `window`, newest first, at most `days` of them.
    fn limited(&self, rows: &[(NaiveDate, i64)], window: &DayWindow) -> Vec<(NaiveDate, i64)> {
        let mut kept: Vec<(NaiveDate, i64)> = rows
            .iter()
            .filter(|(d, _)| (window.first_day..=window.last_day).contains(d))
            .copied()
            .collect();
        kept.sort_by_key(|(day, _)| std::cmp::Reverse(*day));
        if self.days > 0 {
            kept.truncate(usize::try_from(self.days).unwrap_or(usize::MAX));
        }
        kept
    }

    /// The body of `{_id: "YYYY-MM-DD", n}` rows.
    pub(crate) fn shape<D: DayCount>(&self, rows: &[Document]) -> PeriodBody<D> {
        let rows: Vec<(NaiveDate, i64)> = rows
            .iter()
            .filter_map(|d| Some((parse_day(d.get_str("_id").ok()?)?, count_of(d, "n"))))
            .collect();
        let current = self.limited(&rows, &self.current);
        let previous = self.limited(&rows, &self.previous);
        let sum = |v: &[(NaiveDate, i64)]| v.iter().map(|(_, n)| n).sum::<i64>();
        let on = |day: NaiveDate| current.iter().find(|(d, _)| *d == day).map_or(0, |(_, n)| *n);
        let yesterday = on(add_days(self.today, -1));
        let today = on(self.today);
        PeriodBody {
            days: current
                .iter()
                .map(|(d, n)| D::new(midnight_iso(*d, self.current.zone), *n))
                .collect(),
            period: Variation {
                count: sum(&current),
                variation: sum(&current) - sum(&previous),
            },
            yesterday: Variation {
                count: yesterday,
                variation: today - yesterday,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::iso::parse_canonical;
    use crate::params::zone::ReportZone;
    use crate::reports::engagement::messages_sent::MessagesDay;
    use crate::reports::engagement::new_users::UsersDay;
    use crate::reports::json_of;

    fn periods(start: &str, end: &str, zone: &str) -> Periods {
        let zone = ReportZone::parse(zone).unwrap();
        let (start_ms, end_ms) = (parse_canonical(start).unwrap(), parse_canonical(end).unwrap());
        Periods::of(&StartEnd::new(start_ms, end_ms, zone))
    }

    fn row(day: &str, n: i64) -> Document {
        doc! {"_id": day, "n": n}
    }

    #[test]
    fn windows_and_range() {
        let p = periods("2024-01-08T00:00:00.000Z", "2024-01-14T23:59:59.999Z", "UTC");
        assert_eq!(p.days, 7);
        assert_eq!(p.previous.first_day.to_string(), "2023-12-31");
        assert_eq!(p.previous.last_day.to_string(), "2024-01-07");
        let f = p.range_filter("ts");
        let ts = f.get_document("ts").unwrap();
        assert_eq!(
            ts.get_datetime("$gte").unwrap().timestamp_millis(),
            parse_canonical("2023-12-31T00:00:00.000Z").unwrap()
        );
        assert_eq!(
            ts.get_datetime("$lt").unwrap().timestamp_millis(),
            parse_canonical("2024-01-15T00:00:00.000Z").unwrap()
        );
    }

    #[test]
    fn shape_follows_rocket_chat() {
        let p = periods("2024-01-08T00:00:00.000Z", "2024-01-14T23:59:59.999Z", "UTC");
        let mut rows = vec![row("2024-01-14", 4), row("2024-01-13", 6), row("2024-01-08", 1)];
        // Previous period Dec 31 .. Jan 7: with data on all 8 days, the limit of 7 day groups drops
        // the oldest one.
        rows.push(row("2023-12-31", 100));
        rows.extend((1..=7).map(|d| row(&format!("2024-01-0{d}"), 1)));
        let body = json_of(&p.shape::<MessagesDay>(&rows));
        assert_eq!(
            body,
            r#"{"days":[{"day":"2024-01-14T00:00:00.000Z","messages":4},{"day":"2024-01-13T00:00:00.000Z","messages":6},{"day":"2024-01-08T00:00:00.000Z","messages":1}],"period":{"count":11,"variation":4},"yesterday":{"count":6,"variation":-2}}"#
        );
        // With fewer days of data than the limit, every one counts (Dec 31 included).
        let sparse = vec![row("2024-01-14", 4), row("2023-12-31", 100)];
        let body = json_of(&p.shape::<MessagesDay>(&sparse));
        assert!(
            body.ends_with(r#""period":{"count":4,"variation":-96},"yesterday":{"count":0,"variation":4}}"#),
            "{body}"
        );
    }

    #[test]
    fn limit_drops_the_oldest_current_day_and_zone_midnights() {
        // 5 days 20 hours → daysBetweenDates 6, but the window covers 7 days (Jan 1..7).
        let p = periods(
            "2024-01-01T12:00:00.000Z",
            "2024-01-07T08:00:00.000Z",
            "America/Sao_Paulo",
        );
        assert_eq!(p.days, 6);
        let rows: Vec<Document> = (1..=7).map(|d| row(&format!("2024-01-0{d}"), d)).collect();
        let body = json_of(&p.shape::<UsersDay>(&rows));
        assert!(
            body.starts_with(r#"{"days":[{"day":"2024-01-07T03:00:00.000Z","users":7},"#),
            "{body}"
        );
        assert!(
            body.contains(r#"{"day":"2024-01-02T03:00:00.000Z","users":2}],"period":{"count":27,"#),
            "{body}"
        );
    }

    #[test]
    fn empty_and_inverted() {
        let p = periods("2024-01-07T00:00:00.000Z", "2024-01-01T00:00:00.000Z", "UTC");
        assert_eq!(p.days, -5);
        let body = json_of(&p.shape::<MessagesDay>(&[row("2024-01-03", 9)]));
        assert_eq!(
            body,
            r#"{"days":[],"period":{"count":0,"variation":0},"yesterday":{"count":0,"variation":0}}"#
        );
    }
}
