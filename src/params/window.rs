//! Day windows: every whole day from the day of `start` to the day of `end`, both inclusive, in the
//! report zone — Rocket.Chat's `YYYYMMDD` buckets, made explicit about their zone.

use chrono::{DateTime, NaiveDate, Utc};

use super::zone::ReportZone;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DayWindow {
    pub(crate) zone: ReportZone,
    pub(crate) first_day: NaiveDate,
    pub(crate) last_day: NaiveDate,
}

/// An instant from milliseconds, clamped to what chrono represents (±262,143 years; JS allows a little
/// more, and no data lives out there).
pub(crate) fn instant(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or(if ms < 0 {
        DateTime::<Utc>::MIN_UTC
    } else {
        DateTime::<Utc>::MAX_UTC
    })
}

impl DayWindow {
    /// The days of `start` and `end` (ms since the epoch) in `zone`.
    pub(crate) fn from_instants(start_ms: i64, end_ms: i64, zone: ReportZone) -> Self {
        Self {
            zone,
            first_day: zone.date_of(instant(start_ms)),
            last_day: zone.date_of(instant(end_ms)),
        }
    }

    /// The instant the first day starts.
    pub(crate) fn from(&self) -> DateTime<Utc> {
        self.zone.start_of_day(self.first_day)
    }

    /// The instant after the last day ends (exclusive bound).
    pub(crate) fn to(&self) -> DateTime<Utc> {
        match self.last_day.succ_opt() {
            Some(next) => self.zone.start_of_day(next),
            None => DateTime::<Utc>::MAX_UTC,
        }
    }

    /// `[from, to)` as BSON dates, for `$match` stages (see [`bson_bound`]).
    pub(crate) fn bson_range(&self) -> (bson::DateTime, bson::DateTime) {
        (bson_bound(self.from()), bson_bound(self.to()))
    }

    /// The whole days `first_day..=last_day` in `zone`.
    pub(crate) fn from_days(first_day: NaiveDate, last_day: NaiveDate, zone: ReportZone) -> Self {
        Self {
            zone,
            first_day,
            last_day,
        }
    }

    /// Rocket.Chat's "previous period" for a `daysBetweenDates` of `days`: it ends the day before
    /// `first_day` and starts `days` days earlier, i.e. `[first_day − 1 − days, first_day − 1]` (one
    /// day more than `days`; Rocket.Chat's `$limit` then keeps the `days` most recent day groups).
    pub(crate) fn previous(&self, days: i64) -> Self {
        let last_day = add_days(self.first_day, -1);
        Self::from_days(add_days(last_day, -days), last_day, self.zone)
    }

    /// Number of days covered (0 for an inverted window), for the tests.
    #[cfg(test)]
    fn len_days(&self) -> i64 {
        ((self.last_day - self.first_day).num_days() + 1).max(0)
    }
}

/// First and last millisecond of years 1–9999.
const BOUND_MIN_MS: i64 = -62_135_596_800_000;
const BOUND_MAX_MS: i64 = 253_402_300_799_999;

/// An instant as a BSON date for a filter bound, clamped to the years 1–9999.
///
/// Stand-in gap (secantusdb 0.7.0b3): it refuses a command holding any BSON date outside Python's
/// `datetime` range (years 1–9999) as "malformed BSON" (`year 10000 is out of range`), where MongoDB
/// takes every 64-bit date. Rocket.Chat writes no date out there, so clamping the bounds of a filter
/// changes no answer on either server, and a request for `+275760-09-13T00:00:00.000Z` stays a 200.
pub(crate) fn bson_bound(t: DateTime<Utc>) -> bson::DateTime {
    bson::DateTime::from_millis(t.timestamp_millis().clamp(BOUND_MIN_MS, BOUND_MAX_MS))
}

/// `day` plus `n` days, clamped to chrono's calendar.
pub(crate) fn add_days(day: NaiveDate, n: i64) -> NaiveDate {
    let shifted = match chrono::Duration::try_days(n) {
        Some(d) => day.checked_add_signed(d),
        None => None,
    };
    shifted.unwrap_or(if n < 0 { NaiveDate::MIN } else { NaiveDate::MAX })
}

/// Rocket.Chat's `daysBetweenDates` (`diffBetweenDaysInclusive(end, start)`, moment's
/// `moment(end).diff(start, 'days') + 1`): whole days between the two instants, truncated toward zero,
/// plus one. moment measures the difference in local time, so a DST change inside the range does not
/// cost a day; here "local" is the report zone.
pub(crate) fn days_between_inclusive(start_ms: i64, end_ms: i64, zone: ReportZone) -> i64 {
    let offset_ms = |ms| i64::from(zone.offset_secs_at(instant(ms))) * 1000;
    let local_diff = i128::from(end_ms) - i128::from(start_ms) + i128::from(offset_ms(end_ms) - offset_ms(start_ms));
    // i128 division truncates toward zero, like moment's absFloor.
    (local_diff / 86_400_000) as i64 + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::iso::parse_canonical;

    fn window(start: &str, end: &str, zone: &str) -> DayWindow {
        DayWindow::from_instants(
            parse_canonical(start).unwrap(),
            parse_canonical(end).unwrap(),
            ReportZone::parse(zone).unwrap(),
        )
    }

    #[test]
    fn utc_week() {
        let w = window("2024-01-01T00:00:00.000Z", "2024-01-07T23:59:59.999Z", "UTC");
        assert_eq!(w.from().to_rfc3339(), "2024-01-01T00:00:00+00:00");
        assert_eq!(w.to().to_rfc3339(), "2024-01-08T00:00:00+00:00");
        assert_eq!(w.len_days(), 7);
    }

    #[test]
    fn zone_moves_the_days() {
        // 02:00Z on Jan 1 is still Dec 31 in Sao Paulo.
        let w = window(
            "2024-01-01T02:00:00.000Z",
            "2024-01-01T02:00:00.000Z",
            "America/Sao_Paulo",
        );
        assert_eq!(w.first_day.to_string(), "2023-12-31");
        assert_eq!(w.from().to_rfc3339(), "2023-12-31T03:00:00+00:00");
        assert_eq!(w.to().to_rfc3339(), "2024-01-01T03:00:00+00:00");
        let w = window("2024-01-01T20:00:00.000Z", "2024-01-01T20:00:00.000Z", "+05:30");
        assert_eq!(w.first_day.to_string(), "2024-01-02");
        assert_eq!(w.from().to_rfc3339(), "2024-01-01T18:30:00+00:00");
    }

    #[test]
    fn dst_day_is_23_hours() {
        let w = window("2024-03-31T12:00:00.000Z", "2024-03-31T12:00:00.000Z", "Europe/Berlin");
        assert_eq!(w.from().to_rfc3339(), "2024-03-30T23:00:00+00:00");
        assert_eq!(w.to().to_rfc3339(), "2024-03-31T22:00:00+00:00");
    }

    #[test]
    fn days_between_like_moment() {
        let ms = |s: &str| parse_canonical(s).unwrap();
        let utc = ReportZone::utc();
        let week = days_between_inclusive(ms("2024-01-01T00:00:00.000Z"), ms("2024-01-07T23:59:59.999Z"), utc);
        assert_eq!(week, 7);
        // 5 days 20 hours: truncated to 5, plus one.
        let short = days_between_inclusive(ms("2024-01-01T12:00:00.000Z"), ms("2024-01-07T08:00:00.000Z"), utc);
        assert_eq!(short, 6);
        assert_eq!(
            days_between_inclusive(ms("2024-01-07T00:00:00.000Z"), ms("2024-01-01T00:00:00.000Z"), utc),
            -5
        );
        assert_eq!(
            days_between_inclusive(ms("2024-01-02T00:00:00.000Z"), ms("2024-01-01T01:00:00.000Z"), utc),
            1
        );
        // Berlin midnight to midnight across the spring change is 6 days 23 hours of instants, 7 local days.
        let berlin = ReportZone::parse("Europe/Berlin").unwrap();
        let dst = days_between_inclusive(ms("2024-03-25T23:00:00.000Z"), ms("2024-04-01T22:00:00.000Z"), berlin);
        assert_eq!(dst, 8);
        assert_eq!(
            days_between_inclusive(-8_640_000_000_000_000, 8_640_000_000_000_000, utc),
            200_000_001
        );
    }

    #[test]
    fn previous_period() {
        let w = window("2024-01-08T00:00:00.000Z", "2024-01-14T23:59:59.999Z", "UTC");
        let p = w.previous(7);
        assert_eq!(
            (p.first_day.to_string(), p.last_day.to_string()),
            ("2023-12-31".into(), "2024-01-07".into())
        );
        let extreme = DayWindow::from_days(NaiveDate::MIN, NaiveDate::MIN, ReportZone::utc()).previous(5);
        assert_eq!(extreme.first_day, NaiveDate::MIN);
    }

    #[test]
    fn bounds_are_clamped_to_years_1_to_9999() {
        let w = DayWindow::from_instants(-8_640_000_000_000_000, 8_640_000_000_000_000, ReportZone::utc());
        let (from, to) = w.bson_range();
        assert_eq!(from.try_to_rfc3339_string().unwrap(), "0001-01-01T00:00:00Z");
        assert_eq!(to.timestamp_millis(), 253_402_300_799_999);
        let normal = window("2024-01-01T00:00:00.000Z", "2024-01-01T00:00:00.000Z", "UTC").bson_range();
        assert_eq!(normal.0.timestamp_millis(), 1_704_067_200_000);
    }

    #[test]
    fn extremes_do_not_panic() {
        let w = DayWindow::from_instants(-8_640_000_000_000_000, 8_640_000_000_000_000, ReportZone::utc());
        assert!(w.from() < w.to());
        let inverted = window("2024-01-07T00:00:00.000Z", "2024-01-01T00:00:00.000Z", "UTC");
        assert_eq!(inverted.len_days(), 0);
        assert!(inverted.from() > inverted.to());
    }
}
