//! The query string as Rocket.Chat's router sees it: `qs.parse(url.split('?')[1], {arrayLimit: 500,
//! throwOnLimitExceeded: true})`. Only what the checks need is kept: each top-level key, in order of
//! first appearance, with either its one string value or the fact that it is not a string.

use crate::error::ApiError;

/// qs's `parameterLimit` (with `throwOnLimitExceeded`, more parameters are an error).
const PARAMETER_LIMIT: usize = 1000;
/// Rocket.Chat's `arrayLimit`.
const ARRAY_LIMIT: usize = 500;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum QsValue {
    Str(String),
    /// A repeated key (`a=1&a=2`) or an array/object form (`a[]=1`, `a[b]=1`): never a string.
    /// The first raw value is kept for messages.
    NotString(Vec<String>),
}

impl QsValue {
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Self::Str(s) => Some(s),
            Self::NotString(_) => None,
        }
    }

    /// JavaScript's `String(value)`: arrays join with commas.
    pub(crate) fn to_js_string(&self) -> String {
        match self {
            Self::Str(s) => s.clone(),
            Self::NotString(v) => v.join(","),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Query {
    entries: Vec<(String, QsValue)>,
}

impl Query {
    /// Parses a raw query string (what follows the first `?`).
    pub(crate) fn parse(raw: &str) -> Result<Self, ApiError> {
        // Rocket.Chat reads `url.split('?')[1]`: a second `?` ends the query.
        let raw = raw.split('?').next().unwrap_or("");
        let parts: Vec<&str> = raw.split('&').collect();
        if parts.len() > PARAMETER_LIMIT {
            return Err(ApiError::InvalidQuery);
        }
        let mut q = Query::default();
        for part in parts.into_iter().filter(|p| !p.is_empty()) {
            let pos = match part.find("]=") {
                Some(p) => Some(p + 1),
                None => part.find('='),
            };
            let (key, val) = match pos {
                Some(p) => (decode(&part[..p]), decode(&part[p + 1..])),
                None => (decode(part), String::new()),
            };
            if key.is_empty() {
                continue;
            }
            // `a[...]` is an array or object under `a`.
            let (base, bracketed) = match key.find('[') {
                Some(0) | None => (key.as_str(), false),
                Some(i) => (&key[..i], key[i..].contains(']')),
            };
            q.add(base, val, bracketed)?;
        }
        Ok(q)
    }

    fn add(&mut self, key: &str, val: String, bracketed: bool) -> Result<(), ApiError> {
        match self.entries.iter_mut().find(|(k, _)| k == key) {
            Some((_, existing)) => {
                let mut values = match std::mem::replace(existing, QsValue::NotString(vec![])) {
                    QsValue::Str(s) => vec![s],
                    QsValue::NotString(v) => v,
                };
                values.push(val);
                if values.len() > ARRAY_LIMIT {
                    return Err(ApiError::InvalidQuery);
                }
                *existing = QsValue::NotString(values);
            }
            None => {
                let v = if bracketed {
                    QsValue::NotString(vec![val])
                } else {
                    QsValue::Str(val)
                };
                self.entries.push((key.to_string(), v));
            }
        }
        Ok(())
    }

    pub(crate) fn get(&self, key: &str) -> Option<&QsValue> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Keys in the order Rocket.Chat iterates them.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(k, _)| k.as_str())
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &QsValue)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }
}

/// qs's decoder: `+` is a space, then `decodeURIComponent`; a malformed escape keeps the text as it is.
fn decode(s: &str) -> String {
    let s = s.replace('+', " ");
    let b = s.as_bytes();
    if !b.contains(&b'%') {
        return s;
    }
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
            match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                Some(byte) if hex.is_some_and(|h| h.bytes().all(|c| c.is_ascii_hexdigit())) => {
                    out.push(byte);
                    i += 3;
                }
                _ => return s,
            }
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(raw: &str) -> Query {
        Query::parse(raw).unwrap()
    }

    #[test]
    fn strings_arrays_objects() {
        let parsed = q("end=b&start=a&start=c&x[]=1&y[k]=2&z=%2B1+2&&=9&flag");
        let keys: Vec<_> = parsed.keys().collect();
        assert_eq!(keys, ["end", "start", "x", "y", "z", "flag"]);
        assert_eq!(parsed.get("end"), Some(&QsValue::Str("b".into())));
        assert_eq!(
            parsed.get("start"),
            Some(&QsValue::NotString(vec!["a".into(), "c".into()]))
        );
        assert_eq!(parsed.get("x").unwrap().as_str(), None);
        assert_eq!(parsed.get("y").unwrap().as_str(), None);
        assert_eq!(parsed.get("z").unwrap().as_str(), Some("+1 2"));
        assert_eq!(parsed.get("flag").unwrap().as_str(), Some(""));
    }

    #[test]
    fn malformed_escapes_are_kept() {
        assert_eq!(q("a=%E0%A4%A").get("a").unwrap().as_str(), Some("%E0%A4%A"));
        assert_eq!(q("a=%zz").get("a").unwrap().as_str(), Some("%zz"));
        assert_eq!(q("a=%FF").get("a").unwrap().as_str(), Some("%FF"));
        assert_eq!(q("a=%C3%A9").get("a").unwrap().as_str(), Some("é"));
    }

    #[test]
    fn second_question_mark_ends_the_query() {
        assert_eq!(q("a=1?b=2").get("b"), None);
    }

    #[test]
    fn limits() {
        let many = vec!["a=1"; 501].join("&");
        assert!(matches!(Query::parse(&many), Err(ApiError::InvalidQuery)));
        let params: Vec<String> = (0..1001).map(|i| format!("k{i}=1")).collect();
        assert!(matches!(Query::parse(&params.join("&")), Err(ApiError::InvalidQuery)));
        assert!(Query::parse(&vec!["a=1"; 500].join("&")).is_ok());
    }
}
