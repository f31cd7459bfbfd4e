//! The report time zone: an IANA zone (`America/Sao_Paulo`) or a fixed offset (`+05:30`).

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, Offset, TimeZone, Utc};

use super::query::Query;
use crate::error::ApiError;

/// The report zone of a request: its `tz` parameter (our extension), else the configured zone.
/// A bad `tz` is a 400 `Invalid time zone: <value>`.
pub(crate) fn zone_param(query: &Query, default: ReportZone) -> Result<ReportZone, ApiError> {
    match query.get("tz") {
        None => Ok(default),
        Some(value) => value
            .as_str()
            .and_then(ReportZone::parse)
            .ok_or_else(|| ApiError::BadRequest(format!("Invalid time zone: {}", value.to_js_string()))),
    }
}

/// The fixed-offset form [`ReportZone::parse`] accepts, as an OpenAPI pattern.
pub const OFFSET_PATTERN: &str = "^[+-](?:0[0-9]|1[0-4]):[0-5][0-9]$";

/// The IANA names [`ReportZone::parse`] accepts.
pub fn zone_names() -> impl Iterator<Item = &'static str> {
    chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportZone {
    Named(chrono_tz::Tz),
    Fixed(FixedOffset),
}

impl ReportZone {
    pub(crate) fn utc() -> Self {
        Self::Named(chrono_tz::UTC)
    }

    /// An IANA name, `UTC`/`Z`, or `±HH:MM` (hours 0–14, minutes 0–59).
    pub fn parse(s: &str) -> Option<Self> {
        if s == "Z" {
            return Some(Self::utc());
        }
        if let Some(sign) = s.chars().next().filter(|c| *c == '+' || *c == '-') {
            let b = s.as_bytes();
            if b.len() != 6 || b[3] != b':' || !b[1..3].iter().chain(&b[4..]).all(u8::is_ascii_digit) {
                return None;
            }
            let (h, m): (i32, i32) = (s[1..3].parse().ok()?, s[4..].parse().ok()?);
            if h > 14 || m > 59 {
                return None;
            }
            let secs = (h * 3600 + m * 60) * if sign == '-' { -1 } else { 1 };
            return FixedOffset::east_opt(secs).map(Self::Fixed);
        }
        s.parse::<chrono_tz::Tz>().ok().map(Self::Named)
    }

    /// The name as given back to users (`UTC`, `Europe/Berlin`, `+05:30`).
    pub fn name(&self) -> String {
        match self {
            Self::Named(tz) => tz.name().to_string(),
            Self::Fixed(off) => off.to_string(),
        }
    }

    /// The calendar day of an instant in this zone.
    pub(crate) fn date_of(&self, t: DateTime<Utc>) -> NaiveDate {
        match self {
            Self::Named(tz) => t.with_timezone(tz).date_naive(),
            Self::Fixed(off) => t.with_timezone(off).date_naive(),
        }
    }

    /// The offset from UTC in seconds at an instant.
    pub(crate) fn offset_secs_at(&self, t: DateTime<Utc>) -> i32 {
        match self {
            Self::Named(tz) => tz.offset_from_utc_datetime(&t.naive_utc()).fix().local_minus_utc(),
            Self::Fixed(off) => off.local_minus_utc(),
        }
    }

    /// The instant a day starts in this zone. Where a DST change skips midnight (Sao Paulo before
    /// 2019), the day starts at the first local time that exists.
    pub(crate) fn start_of_day(&self, day: NaiveDate) -> DateTime<Utc> {
        let local_midnight = day.and_time(NaiveTime::MIN);
        // Walk forward through a DST gap a quarter of an hour at a time (gaps are at most 2 hours).
        for quarter in 0..=12 {
            let Some(local) = local_midnight.checked_add_signed(chrono::Duration::minutes(15 * quarter)) else {
                break;
            };
            let resolved = match self {
                Self::Named(tz) => tz.from_local_datetime(&local).earliest().map(|d| d.with_timezone(&Utc)),
                Self::Fixed(off) => off
                    .from_local_datetime(&local)
                    .earliest()
                    .map(|d| d.with_timezone(&Utc)),
            };
            if let Some(t) = resolved {
                return t;
            }
        }
        // Unreachable for real zones; fall back to the UTC reading of the local midnight.
        local_midnight.and_utc()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_zones_parse() {
        assert!(zone_names().all(|n| ReportZone::parse(n).is_some()));
        assert_eq!(zone_names().count(), chrono_tz::TZ_VARIANTS.len());
        let offset = regex::Regex::new(OFFSET_PATTERN).unwrap();
        for sign in ['+', '-'] {
            for h in 0..=15 {
                for m in [0, 30, 59, 60] {
                    let s = format!("{sign}{h:02}:{m:02}");
                    assert_eq!(offset.is_match(&s), ReportZone::parse(&s).is_some(), "{s}");
                }
            }
        }
    }

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn parses_names_and_offsets() {
        assert_eq!(
            ReportZone::parse("America/Sao_Paulo").unwrap().name(),
            "America/Sao_Paulo"
        );
        assert_eq!(ReportZone::parse("+05:30").unwrap().name(), "+05:30");
        assert_eq!(
            ReportZone::parse("-03:00").unwrap().offset_secs_at(Utc::now()),
            -3 * 3600
        );
        assert_eq!(ReportZone::parse("UTC").unwrap(), ReportZone::utc());
        for bad in [
            "",
            "+5:30",
            "+05:60",
            "+15:00",
            "05:30",
            "Mars/Base",
            "+05:30x",
            "utc+1",
        ] {
            assert!(ReportZone::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn days_and_midnights() {
        let sp = ReportZone::parse("America/Sao_Paulo").unwrap();
        assert_eq!(sp.date_of(utc("2024-01-02T02:59:59.999Z")).to_string(), "2024-01-01");
        assert_eq!(
            sp.start_of_day(NaiveDate::from_ymd_opt(2024, 1, 2).unwrap()),
            utc("2024-01-02T03:00:00Z")
        );
        let ist = ReportZone::parse("+05:30").unwrap();
        assert_eq!(
            ist.start_of_day(NaiveDate::from_ymd_opt(2024, 1, 2).unwrap()),
            utc("2024-01-01T18:30:00Z")
        );
    }

    #[test]
    fn midnight_skipped_by_dst() {
        // Brazil's DST began at 00:00 on 2018-11-04: the day started at 01:00 local (-02:00).
        let sp = ReportZone::parse("America/Sao_Paulo").unwrap();
        let day = NaiveDate::from_ymd_opt(2018, 11, 4).unwrap();
        assert_eq!(sp.start_of_day(day), utc("2018-11-04T03:00:00Z"));
        assert_eq!(sp.start_of_day(day.succ_opt().unwrap()), utc("2018-11-05T02:00:00Z"));
    }
}
