//! Dates as Rocket.Chat's omnichannel reports read them: `moment(string)` (moment 2.29/2.30), then
//! `checkDates` (`apps/meteor/ee/server/api/v1/omnichannel/reports.ts`), replicated without a JS engine.
//!
//! What `moment(string)` accepts, in its order (`src/lib/create/from-string.js`):
//! 1. ASP.NET JSON dates `/Date(1704067200000)/` (milliseconds since the epoch);
//! 2. ISO 8601 through moment's `extendedIsoRegex`/`basicIsoRegex`: calendar dates `YYYY-MM-DD`/`YYYYMMDD`
//!    (and `±YYYYYY-MM-DD`/`±YYYYYYMMDD`), `YYYY-MM`, `YYYY`, ISO week dates `YYYY-Www[-D]`/`YYYYWww[D]`,
//!    ordinal dates `YYYY-DDD`/`YYYYDDD`; then `T` or a space and `HH`, `HH:mm`, `HH:mm:ss`,
//!    `HH:mm:ss.S…` (any number of fraction digits, `.` or `,`; milliseconds truncated) or their basic
//!    forms; then `Z`, `±HH`, `±HHmm` or `±HH:mm` (any two-digit hours/minutes, as moment does). Leading
//!    whitespace is allowed. Out-of-range fields are invalid (month 13, 30 February, minute 60, week 54),
//!    except `24:00:00` which is the next midnight. Month-only, year-only and week-without-day forms take
//!    no time;
//! 3. RFC 2822 (`Mon, 15 Jan 2024 10:00:00 +0100`, obsolete zone names UT/GMT/EST…/PDT, comments in
//!    parentheses removed, day-of-week checked, out-of-range fields roll over as `Date.UTC` does).
//!
//! A string with an offset or `Z` is an instant. Anything without one (date-only included) is local time
//! in the report zone, resolved as JavaScript's `Date` resolves server-local time: a time skipped by a DST
//! change moves forward by the gap, a repeated time takes its first occurrence.
//!
//! Not replicated (decision, documented): moment's last resort `new Date(string)` (engine-specific
//! formats such as `2024/01/15` or `January 15, 2024`): those are refused as invalid dates. Signed
//! six-digit years only in the calendar forms, and only years chrono represents (±262,143).

use std::sync::LazyLock;

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc, Weekday,
};
use regex::Regex;

use super::zone::ReportZone;
use crate::error::ApiError;

/// JavaScript's `Date` range.
const JS_MAX_MS: i64 = 8_640_000_000_000_000;

static ASP_NET: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)^/?Date\((-?[0-9]+)").unwrap());
static EXTENDED_ISO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^\s*((?:[+-][0-9]{6}|[0-9]{4})-(?:[0-9]{2}-[0-9]{2}|W[0-9]{2}-[0-9]|W[0-9]{2}|[0-9]{3}|[0-9]{2}))",
        r"(?:(T| )([0-9]{2}(?::[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?)?)([+-][0-9]{2}(?::?[0-9]{2})?|\s*Z)?)?$"
    ))
    .unwrap()
});
static BASIC_ISO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^\s*((?:[+-][0-9]{6}|[0-9]{4})(?:[0-9]{4}|W[0-9]{3}|W[0-9]{2}|[0-9]{3}|[0-9]{2}|))",
        r"(?:(T| )([0-9]{2}(?:[0-9]{2}(?:[0-9]{2}(?:[.,][0-9]+)?)?)?)([+-][0-9]{2}(?::?[0-9]{2})?|\s*Z)?)?$"
    ))
    .unwrap()
});
static RFC_2822: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^(?:(Mon|Tue|Wed|Thu|Fri|Sat|Sun),?\s)?([0-9]{1,2})\s(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s",
        r"([0-9]{2,4})\s([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?\s(?:(UT|GMT|[ECMP][SD]T)|([Zz])|([+-][0-9]{4}))$"
    ))
    .unwrap()
});
static RFC_COMMENTS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\([^)]*\)|[\n\t]").unwrap());
static RFC_SPACES: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\s\s+").unwrap());

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The OpenAPI pattern of the omnichannel dates: the extended ISO 8601 forms of calendar dates that
/// moment accepts (date; date and time to the minute, second or millisecond; `Z` or a `±HH:MM` offset, or
/// none: the report zone). Every string it matches is accepted; moment's other forms (week and ordinal
/// dates, basic format, RFC 2822, ASP.NET) are accepted too, and named in the description.
pub(crate) const ISO_PATTERN: &str = concat!(
    "^",
    calendar_date_pattern!(),
    "(?:T(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\\.[0-9]{1,3})?)?",
    "(?:Z|[+-](?:0[0-9]|1[0-4]):[0-5][0-9])?)?$"
);

/// `moment(s)` as milliseconds since the epoch, `None` where moment is invalid.
pub(crate) fn parse(s: &str, zone: ReportZone) -> Option<i64> {
    let ms = if let Some(c) = ASP_NET.captures(s) {
        c[1].parse::<i64>().ok()?
    } else if let Some(c) = EXTENDED_ISO.captures(s).or_else(|| BASIC_ISO.captures(s)) {
        iso(&c, zone)?
    } else {
        rfc_2822(s)?
    };
    // Within JavaScript's range, and within chrono's (±262,143 years, slightly less than JS's).
    (ms.abs() <= JS_MAX_MS && DateTime::from_timestamp_millis(ms).is_some()).then_some(ms)
}

/// Rocket.Chat's `checkDates(moment(start), moment(end))`, in its order; returns both instants.
pub(crate) fn check_dates(start: &str, end: &str, zone: ReportZone) -> Result<(i64, i64), ApiError> {
    let bad = |text: &str| ApiError::BadRequest(text.to_string());
    let start = parse(start, zone).ok_or_else(|| bad(r#"The "start" query parameter must be a valid date."#))?;
    let end = parse(end, zone).ok_or_else(|| bad(r#"The "end" query parameter must be a valid date."#))?;
    // moment(end).startOf('day').diff(moment(start).startOf('day'), 'year', true) > 1.01
    let years = month_diff(start_of_day(end, zone), start_of_day(start, zone), zone) / 12.0;
    if years > 1.01 {
        return Err(bad(
            r#"The "start" and "end" query parameters must be less than 1 year apart."#,
        ));
    }
    if start > end {
        return Err(bad(
            r#"The "start" query parameter must be before the "end" query parameter."#,
        ));
    }
    Ok((start, end))
}

fn iso(c: &regex::Captures, zone: ReportZone) -> Option<i64> {
    let (date, allows_time) = iso_date(&c[1])?;
    let time = match c.get(3) {
        Some(_) if !allows_time => return None,
        Some(t) => iso_time(t.as_str())?,
        None => (0, 0, 0, 0),
    };
    let (hour, minute, second, milli) = time;
    if hour > 24 || minute > 59 || second > 59 || (hour == 24 && (minute, second, milli) != (0, 0, 0)) {
        return None;
    }
    let since_midnight = Duration::milliseconds((((hour * 60 + minute) * 60 + second) as i64) * 1000 + milli);
    let local = date.and_time(NaiveTime::MIN).checked_add_signed(since_midnight)?;
    match c.get(4) {
        Some(offset) => Some(local.and_utc().timestamp_millis() - offset_minutes(offset.as_str()) * 60_000),
        None => Some(local_to_instant(zone, local)),
    }
}

/// The date part and whether it may carry a time (moment's `isoDates` table).
fn iso_date(d: &str) -> Option<(NaiveDate, bool)> {
    let num = |r: std::ops::Range<usize>| d.get(r)?.parse::<i32>().ok();
    let b = d.as_bytes();
    if b[0] == b'+' || b[0] == b'-' {
        let year = num(0..7)?;
        let (month, day) = match d.len() {
            13 if b[7] == b'-' && b[10] == b'-' => (num(8..10)?, num(11..13)?),
            11 if b[1..].iter().all(u8::is_ascii_digit) => (num(7..9)?, num(9..11)?),
            _ => return None,
        };
        return Some((NaiveDate::from_ymd_opt(year, month as u32, day as u32)?, true));
    }
    let year = num(0..4)?;
    let rest = &d[4..];
    let rest = rest.strip_prefix('-').unwrap_or(rest);
    let rnum = |r: std::ops::Range<usize>| rest.get(r)?.parse::<u32>().ok();
    if let Some(week) = rest.strip_prefix('W') {
        let w = week.get(0..2)?.parse::<u32>().ok()?;
        let day = week[2..].trim_start_matches('-');
        let (e, allows_time) = if day.is_empty() {
            (1, false)
        } else {
            (day.parse::<u32>().ok()?, true)
        };
        let weekday = Weekday::try_from(u8::try_from(e.checked_sub(1)?).ok()?).ok()?;
        return Some((NaiveDate::from_isoywd_opt(year, w, weekday)?, allows_time));
    }
    match rest.len() {
        0 => Some((NaiveDate::from_ymd_opt(year, 1, 1)?, false)),
        2 => Some((NaiveDate::from_ymd_opt(year, rnum(0..2)?, 1)?, false)),
        3 => Some((NaiveDate::from_yo_opt(year, rnum(0..3)?)?, true)),
        4 => Some((NaiveDate::from_ymd_opt(year, rnum(0..2)?, rnum(2..4)?)?, true)),
        5 if rest.as_bytes()[2] == b'-' => Some((NaiveDate::from_ymd_opt(year, rnum(0..2)?, rnum(3..5)?)?, true)),
        _ => None,
    }
}

/// `HH[:mm[:ss[.S…]]]` or `HH[mm[ss[.S…]]]` → (hours, minutes, seconds, milliseconds).
fn iso_time(t: &str) -> Option<(u32, u32, u32, i64)> {
    let (clock, fraction) = match t.find(['.', ',']) {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    let digits: String = clock.chars().filter(|c| *c != ':').collect();
    let field = |i: usize| digits.get(i..i + 2).map_or(Some(0), |s| s.parse::<u32>().ok());
    // moment: toInt(('0.' + digits) * 1000), truncating.
    let milli = match fraction {
        Some(f) => (format!("0.{f}").parse::<f64>().ok()? * 1000.0).trunc() as i64,
        None => 0,
    };
    Some((field(0)?, field(2)?, field(4)?, milli))
}

/// moment's `offsetFromString` for `Z`, `±HH`, `±HHmm`, `±HH:mm` (minutes east of UTC).
fn offset_minutes(s: &str) -> i64 {
    let s = s.trim();
    if s.ends_with('Z') {
        return 0;
    }
    let digits: String = s[1..].chars().filter(char::is_ascii_digit).collect();
    let hours: i64 = digits[..2].parse().unwrap_or(0);
    let minutes: i64 = digits.get(2..4).and_then(|m| m.parse().ok()).unwrap_or(0);
    let total = hours * 60 + minutes;
    if s.starts_with('-') {
        -total
    } else {
        total
    }
}

fn rfc_2822(s: &str) -> Option<i64> {
    let cleaned = RFC_COMMENTS.replace_all(s, " ");
    let cleaned = RFC_SPACES.replace_all(&cleaned, " ");
    let c = RFC_2822.captures(cleaned.trim())?;
    let year: i64 = match c[4].parse::<i64>().ok()? {
        y if y <= 49 => 2000 + y,
        y if y <= 999 => 1900 + y,
        y => y,
    };
    let month = MONTHS.iter().position(|m| *m == &c[3])? as u32 + 1;
    let day: i64 = c[2].parse().ok()?;
    let field = |i: usize| c.get(i).map_or(Some(0), |m| m.as_str().parse::<i64>().ok());
    // Date.UTC rolls out-of-range days and hours over.
    let first = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, 1)?;
    let date = first.checked_add_signed(Duration::days(day - 1))?;
    if let Some(name) = c.get(1) {
        // Day-of-week must agree (moment's checkWeekday).
        if date.weekday().to_string() != name.as_str() {
            return None;
        }
    }
    let offset = match (c.get(8), c.get(9), c.get(10)) {
        (Some(obs), _, _) => match obs.as_str() {
            "UT" | "GMT" => 0,
            "EDT" => -4 * 60,
            "EST" | "CDT" => -5 * 60,
            "CST" | "MDT" => -6 * 60,
            "MST" | "PDT" => -7 * 60,
            _ => -8 * 60, // PST
        },
        (_, Some(_), _) => 0,
        (_, _, Some(num)) => {
            let hm: i64 = num.as_str().parse().ok()?;
            let m = hm % 100;
            (hm - m) / 100 * 60 + m
        }
        _ => return None,
    };
    let seconds = field(5)? * 3600 + field(6)? * 60 + field(7)? - offset * 60;
    Some(date.and_time(NaiveTime::MIN).and_utc().timestamp_millis() + seconds * 1000)
}

/// A local wall-clock time in `zone` as JavaScript's `Date` resolves it (instant in ms).
pub(crate) fn local_to_instant(zone: ReportZone, local: NaiveDateTime) -> i64 {
    let resolved = match zone {
        ReportZone::Fixed(off) => off.from_local_datetime(&local).map(|d| d.with_timezone(&Utc)),
        ReportZone::Named(tz) => tz.from_local_datetime(&local).map(|d| d.with_timezone(&Utc)),
    };
    match resolved {
        LocalResult::Single(t) => t.timestamp_millis(),
        LocalResult::Ambiguous(a, b) => a.min(b).timestamp_millis(),
        LocalResult::None => {
            // In a DST gap: read with the offset in force before it (the time moves forward).
            let before = local.checked_sub_signed(Duration::days(1)).unwrap_or(local);
            let offset = match zone {
                ReportZone::Fixed(off) => off.local_minus_utc(),
                ReportZone::Named(tz) => tz.offset_from_utc_datetime(&before).fix().local_minus_utc(),
            };
            local.and_utc().timestamp_millis() - offset as i64 * 1000
        }
    }
}

/// The wall-clock time of an instant in `zone`.
fn local_of(ms: i64, zone: ReportZone) -> NaiveDateTime {
    let t = DateTime::from_timestamp_millis(ms).unwrap_or_default();
    let offset = Duration::seconds(zone.offset_secs_at(t) as i64);
    t.naive_utc().checked_add_signed(offset).unwrap_or(t.naive_utc())
}

/// `moment(ms).startOf('day')`: local midnight of the instant's day, as a wall-clock time and instant.
fn start_of_day(ms: i64, zone: ReportZone) -> NaiveDateTime {
    let day = local_of(ms, zone).date().and_time(NaiveTime::MIN);
    local_of(local_to_instant(zone, day), zone)
}

/// moment's `add(n, 'months')` on a wall-clock time: same time of day, day clamped to the month's end.
fn add_months(t: NaiveDateTime, n: i64, zone: ReportZone) -> f64 {
    let total = t.year() as i64 * 12 + t.month0() as i64 + n;
    let (year, month0) = (total.div_euclid(12) as i32, total.rem_euclid(12) as u32);
    let first = NaiveDate::from_ymd_opt(year, month0 + 1, 1).unwrap_or_default();
    let last_day = first
        .checked_add_months(chrono::Months::new(1))
        .and_then(|n| n.pred_opt())
        .map_or(31, |d| d.day());
    let date = first.with_day(t.day().min(last_day)).unwrap_or(first);
    local_to_instant(zone, date.and_time(t.time())) as f64
}

/// moment's `monthDiff(a, b)` (2.29.2+, with the end-of-month swap): months from `a` to `b`, negated.
fn month_diff(a: NaiveDateTime, b: NaiveDateTime, zone: ReportZone) -> f64 {
    if a.day() < b.day() {
        return -month_diff(b, a, zone);
    }
    let whole = (b.year() as i64 - a.year() as i64) * 12 + (b.month() as i64 - a.month() as i64);
    let b_ms = local_to_instant(zone, b) as f64;
    let anchor = add_months(a, whole, zone);
    let adjust = if b_ms - anchor < 0.0 {
        (b_ms - anchor) / (anchor - add_months(a, whole - 1, zone))
    } else {
        (b_ms - anchor) / (add_months(a, whole + 1, zone) - anchor)
    };
    let result = -(whole as f64 + adjust);
    if result == 0.0 {
        0.0
    } else {
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::iso::format_canonical;

    /// Every string the OpenAPI pattern allows is a date moment accepts, in any zone.
    #[test]
    fn pattern_admits_only_accepted_dates() {
        let pattern = Regex::new(ISO_PATTERN).unwrap();
        let mut matched = 0;
        for zone in ["UTC", "America/Sao_Paulo", "+14:00", "-12:00"] {
            let zone = ReportZone::parse(zone).unwrap();
            for year in ["0000", "1900", "2000", "2023", "2024", "9999"] {
                for month in 0..=13 {
                    for day in 0..=32 {
                        for time in [
                            "",
                            "T00:00",
                            "T23:59:59",
                            "T02:30:00.5",
                            "T10:20:30.123Z",
                            "T10:20-14:59",
                            "T24:00",
                        ] {
                            let s = format!("{year}-{month:02}-{day:02}{time}");
                            if pattern.is_match(&s) {
                                matched += 1;
                                assert!(parse(&s, zone).is_some(), "{s}");
                            }
                        }
                    }
                }
            }
        }
        assert_eq!(matched, 4 * (6 * 365 + 3) * 6);
    }

    fn utc() -> ReportZone {
        ReportZone::utc()
    }

    fn iso_of(s: &str, zone: &str) -> Option<String> {
        parse(s, ReportZone::parse(zone).unwrap()).map(format_canonical)
    }

    #[test]
    fn iso_forms_moment_accepts() {
        let cases = [
            ("2024-01-15", "2024-01-15T00:00:00.000Z"),
            ("2024-01-15T10:20", "2024-01-15T10:20:00.000Z"),
            ("2024-01-15T10:20:30", "2024-01-15T10:20:30.000Z"),
            ("2024-01-15T10:20:30.1239", "2024-01-15T10:20:30.123Z"),
            ("2024-01-15 10:20:30,5", "2024-01-15T10:20:30.500Z"),
            ("2024-01-15T10", "2024-01-15T10:00:00.000Z"),
            ("2024-01-15T10:20:30.000Z", "2024-01-15T10:20:30.000Z"),
            ("2024-01-15T10:20:30+02:00", "2024-01-15T08:20:30.000Z"),
            ("2024-01-15T10:20:30-0130", "2024-01-15T11:50:30.000Z"),
            ("2024-01-15T10:20:30+05", "2024-01-15T05:20:30.000Z"),
            ("2024-01-15T10:20 Z", "2024-01-15T10:20:00.000Z"),
            ("  2024-01-15", "2024-01-15T00:00:00.000Z"),
            ("20240115", "2024-01-15T00:00:00.000Z"),
            ("20240115T102030Z", "2024-01-15T10:20:30.000Z"),
            ("20240115T1020", "2024-01-15T10:20:00.000Z"),
            ("2024-01", "2024-01-01T00:00:00.000Z"),
            ("202402", "2024-02-01T00:00:00.000Z"),
            ("2024", "2024-01-01T00:00:00.000Z"),
            ("2024-W03-1", "2024-01-15T00:00:00.000Z"),
            ("2024W037T1200Z", "2024-01-21T12:00:00.000Z"),
            ("2024-W03", "2024-01-15T00:00:00.000Z"),
            ("2024-015", "2024-01-15T00:00:00.000Z"),
            ("2024015T01", "2024-01-15T01:00:00.000Z"),
            ("2024-01-15T24:00:00", "2024-01-16T00:00:00.000Z"),
            ("+002024-01-15", "2024-01-15T00:00:00.000Z"),
            ("2024-02-29", "2024-02-29T00:00:00.000Z"),
            ("/Date(1705314000000)/", "2024-01-15T10:20:00.000Z"),
            ("Mon, 15 Jan 2024 10:20:00 +0100", "2024-01-15T09:20:00.000Z"),
            ("15 Jan 24 10:20 GMT", "2024-01-15T10:20:00.000Z"),
            ("Mon, 15 Jan 2024 10:20:00 (comment) PST", "2024-01-15T18:20:00.000Z"),
            ("31 Feb 2024 10:20 Z", "2024-03-02T10:20:00.000Z"),
        ];
        for (input, expected) in cases {
            assert_eq!(iso_of(input, "UTC").as_deref(), Some(expected), "{input}");
        }
    }

    #[test]
    fn forms_refused() {
        // Refused by moment's ISO and RFC 2822 parsers. (Rocket.Chat's last resort, `new Date(string)`,
        // may still accept a few, e.g. `2024-01T10:00`; that fallback is not replicated.)
        for input in [
            "",
            "abc",
            "2024-13-01",
            "2024-02-30",
            "2023-02-29",
            "2024-01-15T25:00",
            "2024-01-15T24:00:01",
            "2024-01-15T10:60",
            "2024-01-15T10:20:60",
            "2024-01-15T1020",
            "2024-01T10:00",
            "2024T10",
            "2024-W54-1",
            "2024-W01-8",
            "2024-000",
            "2023-366",
            "2024-01-15t10:00",
            "2024-01-15 ",
            "2024/01/15",
            "January 15, 2024",
            "Tue, 15 Jan 2024 10:20:00 +0100",
            "/Date(8640000000000001)/",
            // JavaScript has these, chrono does not.
            "/Date(8639999999999999)/",
            "+270000-01-01",
        ] {
            assert_eq!(iso_of(input, "UTC"), None, "{input}");
        }
    }

    #[test]
    fn extremes_do_not_panic() {
        for zone in ["UTC", "Pacific/Kiritimati", "-12:00"] {
            let zone = ReportZone::parse(zone).unwrap();
            for s in [
                "+262143-12-31T24:00",
                "+262143-12-31T23:59",
                "-262143-01-01",
                "-262144-01-01T00:00Z",
            ] {
                let _ = parse(s, zone);
                let _ = check_dates(s, "+262143-12-31", zone);
                let _ = check_dates("-262143-01-01", s, zone);
            }
        }
    }

    #[test]
    fn offset_less_strings_are_report_zone_local() {
        assert_eq!(
            iso_of("2024-01-15", "America/Sao_Paulo").as_deref(),
            Some("2024-01-15T03:00:00.000Z")
        );
        assert_eq!(
            iso_of("2024-01-15T10:00", "+05:30").as_deref(),
            Some("2024-01-15T04:30:00.000Z")
        );
        assert_eq!(
            iso_of("2024-01-15T10:00Z", "+05:30").as_deref(),
            Some("2024-01-15T10:00:00.000Z")
        );
        // Berlin 2024-03-31 02:30 does not exist: JavaScript reads it as 03:30 CEST.
        assert_eq!(
            iso_of("2024-03-31T02:30", "Europe/Berlin").as_deref(),
            Some("2024-03-31T01:30:00.000Z")
        );
        // 2024-10-27 02:30 happens twice: the first (CEST) one.
        assert_eq!(
            iso_of("2024-10-27T02:30", "Europe/Berlin").as_deref(),
            Some("2024-10-27T00:30:00.000Z")
        );
    }

    fn check(start: &str, end: &str) -> Result<(), String> {
        check_dates(start, end, utc()).map(|_| ()).map_err(|e| e.to_string())
    }

    #[test]
    fn check_dates_texts_and_order() {
        let apart = r#"The "start" and "end" query parameters must be less than 1 year apart."#;
        let before = r#"The "start" query parameter must be before the "end" query parameter."#;
        assert_eq!(
            check("x", "y").unwrap_err(),
            r#"The "start" query parameter must be a valid date."#
        );
        assert_eq!(
            check("2024-01-01", "y").unwrap_err(),
            r#"The "end" query parameter must be a valid date."#
        );
        assert_eq!(
            check("2022-01-01T00:00:00.000Z", "2024-01-01T00:00:00.000Z").unwrap_err(),
            apart
        );
        assert_eq!(check("2024-01-02", "2024-01-01").unwrap_err(), before);
        assert_eq!(check("2024-01-01", "2024-01-01"), Ok(()));
        // An inverted window more than a year apart: the distance check reads |months| negated → negative.
        assert_eq!(check("2026-01-01", "2024-01-01").unwrap_err(), before);
    }

    #[test]
    fn one_year_and_a_bit() {
        // 1.01 years = 12.12 months: 2024-01-01 → 2025-01-04 is 12 + 3/31 = 12.097 months.
        assert_eq!(check("2024-01-01", "2025-01-04"), Ok(()));
        // → 2025-01-05 is 12 + 4/31 = 12.129 months: too far.
        assert!(check("2024-01-01", "2025-01-05").is_err());
        // Only days count: any time of day on the last allowed day passes.
        assert_eq!(check("2024-01-01T23:59:59Z", "2025-01-04T23:59:59.999Z"), Ok(()));
        // The month used is the one before the anchor: 2023-02-01 → 2024-02-04 is 12 + 3/31.
        assert_eq!(check("2023-02-01", "2024-02-04"), Ok(()));
        assert!(check("2023-02-01", "2024-02-05").is_err());
        // End of month (moment swaps when the end's day is smaller): 2024-01-31 → 2025-02-03 is
        // 13 − 25/28 months (anchor 2025-02-28, previous anchor 2025-01-31).
        let months = month_diff(
            start_of_day(parse("2025-02-03", utc()).unwrap(), utc()),
            start_of_day(parse("2024-01-31", utc()).unwrap(), utc()),
            utc(),
        );
        assert!((months - (13.0 - 25.0 / 28.0)).abs() < 1e-9, "{months}");
    }
}
