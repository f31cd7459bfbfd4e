//! JavaScript's canonical ISO date strings (`Date.prototype.toISOString`).
//!
//! Rocket.Chat's `isDateISOString(v)` accepts a value only when `new Date(Date.parse(v)).toISOString() === v`,
//! so the only accepted form is `YYYY-MM-DDTHH:mm:ss.sssZ` (or `±YYYYYY-…` outside years 0–9999) for an
//! instant within JS's range of ±8.64e15 ms.

use std::fmt::Write;

/// The OpenAPI pattern of [`parse_canonical`]'s years 0–9999: every string it matches is accepted.
pub(crate) const CANONICAL_PATTERN: &str = concat!(
    "^",
    calendar_date_pattern!(),
    "T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\\.[0-9]{3}Z$"
);

/// Milliseconds since the epoch of a canonical JS ISO string, or `None` for anything else.
pub(crate) fn parse_canonical(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let (year, rest) = match b.first()? {
        b'+' | b'-' => {
            let digits = b.get(1..7)?;
            let y = digits_value(digits)? as i64;
            let y = if b[0] == b'-' { -y } else { y };
            if (0..=9999).contains(&y) {
                return None; // JS writes these years with four digits
            }
            (y, &b[7..])
        }
        _ => (digits_value(b.get(0..4)?)? as i64, &b[4..]),
    };
    // rest = "-MM-DDTHH:mm:ss.sssZ"
    if rest.len() != 20 {
        return None;
    }
    let sep_ok = rest[0] == b'-'
        && rest[3] == b'-'
        && rest[6] == b'T'
        && rest[9] == b':'
        && rest[12] == b':'
        && rest[15] == b'.'
        && rest[19] == b'Z';
    if !sep_ok {
        return None;
    }
    let num = |r: std::ops::Range<usize>| digits_value(&rest[r]);
    let (month, day) = (num(1..3)?, num(4..6)?);
    let (hour, minute, second, milli) = (num(7..9)?, num(10..12)?, num(13..15)?, num(16..19)?);
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let ms = ((days * 24 + hour as i64) * 60 + minute as i64) * 60_000 + second as i64 * 1000 + milli as i64;
    (ms.abs() <= 8_640_000_000_000_000).then_some(ms)
}

/// `Date.prototype.toISOString` of milliseconds since the epoch.
pub fn format_canonical(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let in_day = ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    let mut out = String::with_capacity(27);
    // Writing to a `String` cannot fail.
    let _ = if (0..=9999).contains(&y) {
        write!(out, "{y:04}")
    } else {
        write!(out, "{}{:06}", if y < 0 { '-' } else { '+' }, y.abs())
    };
    let _ = write!(
        out,
        "-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000
    );
    out
}

fn digits_value(d: &[u8]) -> Option<u32> {
    d.iter()
        .try_fold(0u32, |acc, c| c.is_ascii_digit().then(|| acc * 10 + (c - b'0') as u32))
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every calendar combination of leap, common and century years: the pattern matches exactly what
    /// the parser accepts.
    #[test]
    fn pattern_matches_exactly_the_accepted_dates() {
        let pattern = regex::Regex::new(CANONICAL_PATTERN).unwrap();
        for year in ["0000", "1900", "1970", "2000", "2023", "2024", "2100", "9999"] {
            for month in 0..=13 {
                for day in 0..=32 {
                    for time in ["00:00:00.000", "23:59:59.999", "24:00:00.000", "12:60:00.000"] {
                        let s = format!("{year}-{month:02}-{day:02}T{time}Z");
                        assert_eq!(pattern.is_match(&s), parse_canonical(&s).is_some(), "{s}");
                    }
                }
            }
        }
        for other in [
            "2024-01-01T00:00:00Z",
            "+010000-01-01T00:00:00.000Z",
            " 2024-01-01T00:00:00.000Z",
        ] {
            assert!(!pattern.is_match(other), "{other}");
        }
    }

    #[test]
    fn accepts_only_the_canonical_form() {
        assert_eq!(parse_canonical("1970-01-01T00:00:00.000Z"), Some(0));
        assert_eq!(parse_canonical("2024-01-07T23:59:59.999Z"), Some(1_704_671_999_999));
        assert_eq!(parse_canonical("2024-02-29T12:00:00.000Z"), Some(1_709_208_000_000));
        assert_eq!(
            parse_canonical("+275760-09-13T00:00:00.000Z"),
            Some(8_640_000_000_000_000)
        );
        assert_eq!(
            parse_canonical("-271821-04-20T00:00:00.000Z"),
            Some(-8_640_000_000_000_000)
        );
        assert_eq!(
            parse_canonical("-000001-12-31T23:59:59.999Z"),
            Some(-62_167_219_200_001)
        );
        for bad in [
            "2024-01-01",
            "2024-01-01T00:00:00Z",
            "2024-01-01T00:00:00.00Z",
            "2024-01-01T00:00:00.0000Z",
            "2024-01-01T00:00:00.000+00:00",
            "2024-01-01 00:00:00.000Z",
            "2024-01-01T00:00:00.000z",
            "2023-02-29T00:00:00.000Z",
            "2024-13-01T00:00:00.000Z",
            "2024-01-01T24:00:00.000Z",
            "2024-01-01T00:00:60.000Z",
            "+002024-01-01T00:00:00.000Z",
            "-000000-01-01T00:00:00.000Z",
            "+275760-09-13T00:00:00.001Z",
            "١٢٣٤-01-01T00:00:00.000Z",
            "",
            "bad",
        ] {
            assert_eq!(parse_canonical(bad), None, "{bad}");
        }
    }

    #[test]
    fn formats_like_javascript() {
        for s in [
            "1970-01-01T00:00:00.000Z",
            "2024-01-07T23:59:59.999Z",
            "0000-01-01T00:00:00.000Z",
            "-000001-12-31T23:59:59.999Z",
            "+010000-01-01T00:00:00.000Z",
            "1969-12-31T23:59:59.999Z",
        ] {
            assert_eq!(format_canonical(parse_canonical(s).unwrap()), s);
        }
    }
}
