//! JavaScript's number rules, where rc-analytics reads or writes a number the way Rocket.Chat's Node
//! process does: `parseInt` in ([`parse_int`]), `Number.prototype.toString` ([`number_to_string`]) and
//! `JSON.stringify` ([`to_json`]) out. Every JSON answer the service writes goes through [`to_json`], so a
//! number echoed in a body (`channels/list`'s `offset`) is written as Rocket.Chat writes it: integers below
//! 10²¹ in plain digits (`100000000000000000000`, `9007199254740992`), the shortest digits that read
//! back to the same double, `1e+21` from there on, `-0` as `0`.

use std::io;

use serde::Serialize;
use serde_json::ser::{Formatter, Serializer};

/// `JSON.stringify(value)` of a body: compact, keys in their order, numbers as JavaScript writes them.
pub fn to_json(value: &impl Serialize) -> String {
    let mut out = Vec::with_capacity(128);
    let mut serializer = Serializer::with_formatter(&mut out, JsNumbers);
    // The bodies are JSON-shaped types (string keys, numbers and strings): writing them into a `Vec`
    // cannot fail.
    if value.serialize(&mut serializer).is_err() {
        return "null".into();
    }
    String::from_utf8(out).unwrap_or_default()
}

/// serde_json's compact output, with JavaScript's number text.
struct JsNumbers;

/// 2⁵³: every integer of smaller magnitude is a double exactly and written in plain digits by both.
const EXACT: u64 = 1 << 53;

impl Formatter for JsNumbers {
    fn write_f64<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f64) -> io::Result<()> {
        writer.write_all(number_to_string(value).as_bytes())
    }

    fn write_f32<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f32) -> io::Result<()> {
        self.write_f64(writer, f64::from(value))
    }

    /// A JavaScript number is a double: beyond 2⁵³ an integer is written as the double nearest to it.
    fn write_i64<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: i64) -> io::Result<()> {
        if value.unsigned_abs() <= EXACT {
            write!(writer, "{value}")
        } else {
            self.write_f64(writer, value as f64)
        }
    }

    fn write_u64<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: u64) -> io::Result<()> {
        if value <= EXACT {
            write!(writer, "{value}")
        } else {
            self.write_f64(writer, value as f64)
        }
    }

    fn write_i128<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: i128) -> io::Result<()> {
        self.write_f64(writer, value as f64)
    }

    fn write_u128<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: u128) -> io::Result<()> {
        self.write_f64(writer, value as f64)
    }
}

/// ECMAScript's `Number::toString(x)` (radix 10): `NaN`, `Infinity`, `-0` → `0`; otherwise the
/// shortest decimal digits `s` (k of them) that read back to `x`, with `x = s × 10^(n−k)`, written as
/// plain digits when `k ≤ n ≤ 21`, with a point when `0 < n ≤ 21` or `−6 < n ≤ 0`, else as
/// `d[.ddd]e±e`.
pub fn number_to_string(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x == 0.0 {
        return "0".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if x < 0.0 {
        return format!("-{}", number_to_string(-x));
    }
    // Rust writes the shortest digits that round-trip (the closest such, as ECMAScript asks):
    // `d[.ddd]e<exponent>`.
    let sci = format!("{x:e}");
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let k = digits.len() as i32;
    let n = exponent.parse::<i32>().unwrap_or(0) + 1;
    if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        let (int, frac) = digits.split_at(n as usize);
        format!("{int}.{frac}")
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let e = n - 1;
        let sign = if e < 0 { '-' } else { '+' };
        let (first, rest) = digits.split_at(1);
        let point = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        format!("{first}{point}e{sign}{}", e.abs())
    }
}

/// ECMAScript's `StrWhiteSpaceChar`: WhiteSpace (TAB, VT, FF, ZWNBSP, the `Zs` spaces) and
/// LineTerminator (LF, CR, LS, PS). Not Rust's `char::is_whitespace`, which adds U+0085 and lacks U+FEFF.
fn is_js_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{B}' | '\u{C}' | '\r' | ' ' | '\u{A0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200A}' | '\u{2028}' | '\u{2029}' | '\u{202F}' | '\u{205F}' | '\u{3000}' | '\u{FEFF}'
    )
}

/// JavaScript's `parseInt(s)` (no radix: 10, or 16 after `0x`/`0X`): leading white space, a sign, the
/// longest run of digits, the rest ignored; the mathematical value of the digits rounded to the nearest
/// double (ties to even), as V8 does. `NaN` is `None`; `-0` stays negative zero.
pub fn parse_int(s: &str) -> Option<f64> {
    let s = s.trim_start_matches(is_js_space);
    let (negative, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (radix, digits) = match rest.get(..2) {
        Some("0x") | Some("0X") => (16, &rest[2..]),
        _ => (10, rest),
    };
    let end = digits.find(|c: char| !c.is_digit(radix)).unwrap_or(digits.len());
    if end == 0 {
        return None;
    }
    let run = &digits[..end];
    let value = if radix == 10 {
        // Correctly rounded for any length (overflow is infinity, as in JavaScript). Accumulating digit
        // by digit in f64 is not: it rounds at every step.
        run.parse::<f64>().ok()?
    } else {
        hex_to_f64(run)
    };
    Some(if negative { -value } else { value })
}

/// A run of hex digits as the nearest double: the leading 32 digits exactly in a `u128`, every further
/// non-zero digit folded into its lowest bit (a sticky bit: 128 bits keep far more than a double's 53,
/// so it only ever breaks a tie), then scaled by 16 per further digit.
fn hex_to_f64(run: &str) -> f64 {
    let run = run.trim_start_matches('0');
    let (head, tail) = run.split_at(run.len().min(32));
    let mut bits = u128::from_str_radix(head, 16).unwrap_or(0);
    if tail.bytes().any(|b| b != b'0') {
        bits |= 1;
    }
    let scale = i32::try_from(tail.len()).unwrap_or(i32::MAX).saturating_mul(4);
    // `bits as f64` rounds to nearest; multiplying by a power of two is exact until it overflows.
    let mut value = bits as f64;
    let mut left = scale;
    while left > 0 && value.is_finite() {
        let step = left.min(1000);
        value *= 2f64.powi(step);
        left -= step;
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn number_to_string_like_ecmascript() {
        for (x, text) in [
            (0.0, "0"),
            (-0.0, "0"),
            (1.5, "1.5"),
            (-1.5, "-1.5"),
            (12.0, "12"),
            (1e20, "100000000000000000000"),
            (1.0000000000000002e20, "100000000000000020000"),
            (9007199254740992.0, "9007199254740992"),
            (9007199254740993.0, "9007199254740992"),
            (123456789012345680000.0, "123456789012345680000"),
            (1e21, "1e+21"),
            (-1e21, "-1e+21"),
            (1.5e21, "1.5e+21"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (0.1 + 0.2, "0.30000000000000004"),
            (0.000001, "0.000001"),
            (0.0000015, "0.0000015"),
            (1e-7, "1e-7"),
            (1.5e-7, "1.5e-7"),
            (5e-324, "5e-324"),
            (123.456, "123.456"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
        ] {
            assert_eq!(number_to_string(x), text, "{x:e}");
        }
    }

    #[test]
    fn json_like_json_stringify() {
        let body = json!({
            "offset": 1e20,
            "count": 0,
            "total": 3,
            "exact": 9007199254740992.0,
            "neg": -0.0,
            "half": 1.5,
            "big": 1e21,
            "wide": u64::MAX,
            "name": "a\"b",
            "list": [1, 2.5, null],
        });
        assert_eq!(
            to_json(&body),
            r#"{"offset":100000000000000000000,"count":0,"total":3,"exact":9007199254740992,"neg":0,"half":1.5,"big":1e+21,"wide":18446744073709552000,"name":"a\"b","list":[1,2.5,null]}"#
        );
        // Integers that doubles hold exactly keep serde_json's text.
        assert_eq!(
            to_json(&json!([-9007199254740992_i64, 9007199254740992_u64])),
            "[-9007199254740992,9007199254740992]"
        );
        assert_eq!(to_json(&json!(-9007199254740993_i64)), "-9007199254740992");
    }

    #[test]
    fn parse_int_like_javascript() {
        assert_eq!(parse_int("12"), Some(12.0));
        assert_eq!(parse_int("  12abc"), Some(12.0));
        assert_eq!(parse_int("\u{FEFF}\u{A0}\t7"), Some(7.0));
        // U+0085 is not JavaScript white space.
        assert_eq!(parse_int("\u{85}7"), None);
        assert_eq!(parse_int("1e3"), Some(1.0));
        assert_eq!(parse_int("1.9"), Some(1.0));
        assert_eq!(parse_int("-3"), Some(-3.0));
        assert_eq!(parse_int("+7"), Some(7.0));
        assert_eq!(parse_int("0x1F"), Some(31.0));
        assert_eq!(parse_int("-0X1fz"), Some(-31.0));
        assert_eq!(parse_int("0x"), None);
        assert_eq!(parse_int("abc"), None);
        assert_eq!(parse_int(""), None);
        assert_eq!(parse_int("-"), None);
        assert!(parse_int("-0").unwrap().is_sign_negative());
        // The nearest double, not the digit-by-digit sum (which gives 1.0000000000000002e20).
        assert_eq!(parse_int("99999999999999999999"), Some(1e20));
        // 2**53 + 1 is a tie between 2**53 and 2**53 + 2: even wins.
        assert_eq!(parse_int("9007199254740993"), Some(9007199254740992.0));
        assert_eq!(parse_int("9007199254740995"), Some(9007199254740996.0));
        assert_eq!(parse_int(&format!("1{}", "0".repeat(400))), Some(f64::INFINITY));
        assert_eq!(parse_int(&format!("-1{}", "0".repeat(400))), Some(f64::NEG_INFINITY));
        assert_eq!(parse_int(&format!("{}1", "0".repeat(400))), Some(1.0));
    }

    #[test]
    fn parse_int_hex_rounds_to_nearest() {
        assert_eq!(parse_int("0xFFFFFFFFFFFFFFFF"), Some(18446744073709551615_u64 as f64));
        // 2**53 + 1: a tie, to even; 2**53 + 1 followed by a non-zero digit far away: up.
        assert_eq!(parse_int("0x20000000000001"), Some(9007199254740992.0));
        let sticky = format!("0x20000000000001{}1", "0".repeat(40));
        let expected = 9007199254740994.0 * 2f64.powi(4 * 41);
        assert_eq!(parse_int(&sticky), Some(expected));
        let tie = format!("0x20000000000001{}", "0".repeat(41));
        assert_eq!(parse_int(&tie), Some(9007199254740992.0 * 2f64.powi(4 * 41)));
        assert_eq!(parse_int(&format!("0x{}", "f".repeat(300))), Some(f64::INFINITY));
        assert_eq!(parse_int(&format!("0x{}1", "0".repeat(300))), Some(1.0));
    }
}
