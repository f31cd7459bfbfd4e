//! Day windows: every whole day from the day of `start` to the day of `end`, both inclusive, in the
//! report zone — Rocket.Chat's `YYYYMMDD` buckets, made explicit about their zone.

use chrono::{DateTime, NaiveDate, Utc};

use super::zone::ReportZone;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DayWindow {
    pub zone: ReportZone,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
}

/// An instant from milliseconds, clamped to what chrono represents (±262,143 years; JS allows a little
/// more, and no data lives out there).
pub fn instant(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or(if ms < 0 {
        DateTime::<Utc>::MIN_UTC
    } else {
        DateTime::<Utc>::MAX_UTC
    })
}

impl DayWindow {
    /// The days of `start` and `end` (ms since the epoch) in `zone`.
    pub fn from_instants(start_ms: i64, end_ms: i64, zone: ReportZone) -> Self {
        Self {
            zone,
            first_day: zone.date_of(instant(start_ms)),
            last_day: zone.date_of(instant(end_ms)),
        }
    }

    /// The instant the first day starts.
    pub fn from(&self) -> DateTime<Utc> {
        self.zone.start_of_day(self.first_day)
    }

    /// The instant after the last day ends (exclusive bound).
    pub fn to(&self) -> DateTime<Utc> {
        match self.last_day.succ_opt() {
            Some(next) => self.zone.start_of_day(next),
            None => DateTime::<Utc>::MAX_UTC,
        }
    }

    /// `[from, to)` as BSON dates, for `$match` stages.
    pub fn bson_range(&self) -> (bson::DateTime, bson::DateTime) {
        (
            bson::DateTime::from_chrono(self.from()),
            bson::DateTime::from_chrono(self.to()),
        )
    }

    /// Number of days covered (0 for an inverted window).
    pub fn len_days(&self) -> i64 {
        ((self.last_day - self.first_day).num_days() + 1).max(0)
    }
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
    fn extremes_do_not_panic() {
        let w = DayWindow::from_instants(-8_640_000_000_000_000, 8_640_000_000_000_000, ReportZone::utc());
        assert!(w.from() < w.to());
        let inverted = window("2024-01-07T00:00:00.000Z", "2024-01-01T00:00:00.000Z", "UTC");
        assert_eq!(inverted.len_days(), 0);
        assert!(inverted.from() > inverted.to());
    }
}
