//! Settings from the environment. Every bad value names its variable in one line.

use std::time::Duration;

use crate::params::zone::ReportZone;

/// Where reads go; mirrors MongoDB's read preference modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ReadPref {
    Primary,
    PrimaryPreferred,
    Secondary,
    SecondaryPreferred,
    Nearest,
}

impl ReadPref {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "primary" => Self::Primary,
            "primaryPreferred" => Self::PrimaryPreferred,
            "secondary" => Self::Secondary,
            "secondaryPreferred" => Self::SecondaryPreferred,
            "nearest" => Self::Nearest,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug)]
pub struct Settings {
    /// The URL Rocket.Chat itself uses.
    pub mongo_url: String,
    /// Database from the URL's path, `rocketchat` if none.
    pub database: String,
    pub bind: String,
    /// Report zone when a request gives no `tz`.
    pub timezone: ReportZone,
    /// How long report results are kept (0 disables the result cache; single flight stays).
    pub cache_ttl: Duration,
    /// Upper bound of the result cache in bytes (`RCA_CACHE_MAX_MB`): what its entries hold, measured.
    pub cache_max_bytes: u64,
    /// How long resolved users and permission grants are kept (0 disables).
    pub auth_cache_ttl: Duration,
    /// Upper bound for every database operation (`maxTimeMS` and a client-side limit).
    pub query_timeout: Duration,
    /// Upper bound for the guard's own look-ups (user by token, permission roles): `RCA_AUTH_TIMEOUT_MS`,
    /// applied as `min(auth_timeout, query_timeout)`, so a slow database cannot hold a request at the
    /// guard for long.
    pub auth_timeout: Duration,
    /// Server selection and connect timeout: how long a request waits for an unreachable MongoDB.
    pub connect_timeout: Duration,
    pub(crate) read_preference: ReadPref,
    /// `RCA_ROLLUP` (`on`, the default, or `off`): answer the message reports from the in-memory rollup.
    pub rollup: bool,
    /// `RCA_ROLLUP_REFRESH_SECS` (default 30, at least 1): how often the rollup moves its watermark and
    /// checks its per-hour totals against the database's (docs/rollup.md); also how often the workspace
    /// series are computed.
    pub rollup_refresh: Duration,
    /// `RCA_WORKSPACE_METRICS` (`on`, the default, or `off`): compute the workspace series of `/metrics` in
    /// the background (docs/monitoring.md).
    pub workspace_metrics: bool,
    /// `RCA_MEMBER_INSIGHTS` (`on`, the default, or `off`): `off` removes per-person data from the insights
    /// (docs/insights.md).
    pub member_insights: bool,
    /// `RCA_ROLLUP_RECENT_HOURS` (default 24, 1 to 87600): the UTC hours up to the watermark whose totals
    /// every refresh checks.
    pub rollup_recent_hours: u32,
    /// `RCA_ROLLUP_VERIFY_MESSAGES` (default 100000, at least 1): about how many index keys of older history
    /// each refresh checks, in rotation (whole UTC hours, until they reach it).
    pub rollup_verify_messages: u64,
}

/// A variable that stops start-up.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{var}: {reason}")]
pub struct ConfigError {
    pub(crate) var: &'static str,
    /// What is wrong with the variable's value (it is quoted, a password redacted).
    pub reason: String,
}

fn err(var: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        reason: reason.into(),
    }
}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads settings through `get` (the environment, or a map in tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mongo_url = get("MONGO_URL")
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| err("MONGO_URL", "is required (the MongoDB URL Rocket.Chat uses)"))?;
        let database = database_from_url(&mongo_url)?;
        let bind = get("RCA_BIND").unwrap_or_else(|| "0.0.0.0:3100".into());
        if bind.parse::<std::net::SocketAddr>().is_err() {
            return Err(err("RCA_BIND", format!("'{bind}' is not an address:port")));
        }
        let timezone = match get("RCA_TIMEZONE") {
            None => ReportZone::utc(),
            Some(v) => ReportZone::parse(&v)
                .ok_or_else(|| err("RCA_TIMEZONE", format!("'{v}' is neither an IANA zone nor ±HH:MM")))?,
        };
        let read_preference = match get("RCA_READ_PREFERENCE") {
            None => ReadPref::SecondaryPreferred,
            Some(v) => ReadPref::parse(&v).ok_or_else(|| {
                err(
                    "RCA_READ_PREFERENCE",
                    format!("'{v}' is not one of primary, primaryPreferred, secondary, secondaryPreferred, nearest"),
                )
            })?,
        };
        let rollup = on_off(&get, "RCA_ROLLUP")?;
        let secs = |var: &'static str, default: u64| number(&get, var, default, 0).map(Duration::from_secs);
        let millis = |var: &'static str, default: u64| number(&get, var, default, 1).map(Duration::from_millis);
        Ok(Self {
            mongo_url,
            database,
            bind,
            timezone,
            cache_ttl: secs("RCA_CACHE_TTL_SECS", 60)?,
            cache_max_bytes: number(&get, "RCA_CACHE_MAX_MB", 64, 1)? * 1024 * 1024,
            auth_cache_ttl: secs("RCA_AUTH_CACHE_TTL_SECS", 5)?,
            query_timeout: millis("RCA_QUERY_TIMEOUT_MS", 30_000)?,
            auth_timeout: millis("RCA_AUTH_TIMEOUT_MS", 3_000)?,
            connect_timeout: millis("RCA_CONNECT_TIMEOUT_MS", 2_000)?,
            read_preference,
            rollup,
            rollup_refresh: number(&get, "RCA_ROLLUP_REFRESH_SECS", 30, 1).map(Duration::from_secs)?,
            workspace_metrics: on_off(&get, "RCA_WORKSPACE_METRICS")?,
            member_insights: on_off(&get, "RCA_MEMBER_INSIGHTS")?,
            rollup_recent_hours: number_in(&get, "RCA_ROLLUP_RECENT_HOURS", 24, 1, 87_600)? as u32,
            rollup_verify_messages: number(&get, "RCA_ROLLUP_VERIFY_MESSAGES", 100_000, 1)?,
        })
    }
}

/// A switch: `on` (the default) or `off`.
fn on_off(get: &impl Fn(&str) -> Option<String>, var: &'static str) -> Result<bool, ConfigError> {
    match get(var).as_deref() {
        None | Some("on") => Ok(true),
        Some("off") => Ok(false),
        Some(v) => Err(err(var, format!("'{v}' is neither on nor off"))),
    }
}

fn number(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    default: u64,
    min: u64,
) -> Result<u64, ConfigError> {
    number_in(get, var, default, min, 86_400_000)
}

fn number_in(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    default: u64,
    min: u64,
    max: u64,
) -> Result<u64, ConfigError> {
    match get(var) {
        None => Ok(default),
        Some(v) => match v.trim().parse::<u64>() {
            Ok(n) if n >= min && n <= max => Ok(n),
            _ => Err(err(var, format!("'{v}' is not a whole number from {min} to {max}"))),
        },
    }
}

/// The database named in the URL's path (`mongodb://h/db?x`), `rocketchat` when there is none.
pub fn database_from_url(url: &str) -> Result<String, ConfigError> {
    let rest = url
        .strip_prefix("mongodb://")
        .or_else(|| url.strip_prefix("mongodb+srv://"))
        .ok_or_else(|| {
            err(
                "MONGO_URL",
                format!("'{}' does not start with mongodb:// or mongodb+srv://", redact(url)),
            )
        })?;
    let after_hosts = rest.split_once('/').map(|(_, p)| p).unwrap_or("");
    let name = after_hosts.split('?').next().unwrap_or("");
    if name.is_empty() {
        return Ok("rocketchat".into());
    }
    let name = url::form_urlencoded::parse(format!("n={name}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    if name.contains(['/', '\\', '.', ' ', '"', '$']) {
        return Err(err("MONGO_URL", format!("'{name}' is not a valid database name")));
    }
    Ok(name)
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://***@{}", &url[..s], &url[at + 1..]),
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults() {
        let s = settings(&[("MONGO_URL", "mongodb://db:27017/?replicaSet=rs0")]).unwrap();
        assert_eq!(s.database, "rocketchat");
        assert_eq!(s.bind, "0.0.0.0:3100");
        assert_eq!(s.timezone.name(), "UTC");
        assert_eq!(s.cache_ttl, Duration::from_secs(60));
        assert_eq!(s.cache_max_bytes, 64 * 1024 * 1024);
        assert_eq!(s.query_timeout, Duration::from_millis(30_000));
        assert_eq!(s.auth_timeout, Duration::from_millis(3_000));
        assert_eq!(s.auth_cache_ttl, Duration::from_secs(5));
        assert_eq!(s.read_preference, ReadPref::SecondaryPreferred);
        assert!(s.rollup && s.member_insights);
        assert_eq!(s.rollup_refresh, Duration::from_secs(30));
        assert!(s.workspace_metrics);
        assert_eq!((s.rollup_recent_hours, s.rollup_verify_messages), (24, 100_000));
        let off = settings(&[
            ("MONGO_URL", "mongodb://db/rc"),
            ("RCA_ROLLUP", "off"),
            ("RCA_ROLLUP_REFRESH_SECS", "5"),
            ("RCA_WORKSPACE_METRICS", "off"),
            ("RCA_MEMBER_INSIGHTS", "off"),
            ("RCA_ROLLUP_RECENT_HOURS", "48"),
            ("RCA_ROLLUP_VERIFY_MESSAGES", "1000"),
        ])
        .unwrap();
        assert!(!off.rollup && !off.member_insights);
        assert!(!off.workspace_metrics);
        let bad = settings(&[("MONGO_URL", "mongodb://db/rc"), ("RCA_MEMBER_INSIGHTS", "no")]);
        assert_eq!(
            bad.unwrap_err().to_string(),
            "RCA_MEMBER_INSIGHTS: 'no' is neither on nor off"
        );
        assert_eq!(off.rollup_refresh, Duration::from_secs(5));
        assert_eq!((off.rollup_recent_hours, off.rollup_verify_messages), (48, 1000));
    }

    #[test]
    fn database_from_path() {
        assert_eq!(
            database_from_url("mongodb://u:p@a,b/rc_prod?authSource=admin").unwrap(),
            "rc_prod"
        );
        assert_eq!(
            database_from_url("mongodb+srv://cluster.example/").unwrap(),
            "rocketchat"
        );
        assert!(database_from_url("http://x/y").is_err());
    }

    #[test]
    fn each_bad_variable_is_named() {
        let base = ("MONGO_URL", "mongodb://localhost/rc");
        assert_eq!(settings(&[]).unwrap_err().var, "MONGO_URL");
        assert_eq!(settings(&[("MONGO_URL", "localhost")]).unwrap_err().var, "MONGO_URL");
        for (var, value) in [
            ("RCA_BIND", "nowhere"),
            ("RCA_TIMEZONE", "Mars/Base"),
            ("RCA_CACHE_TTL_SECS", "-1"),
            ("RCA_CACHE_MAX_MB", "0"),
            ("RCA_AUTH_CACHE_TTL_SECS", "soon"),
            ("RCA_QUERY_TIMEOUT_MS", "0"),
            ("RCA_AUTH_TIMEOUT_MS", "0"),
            ("RCA_AUTH_TIMEOUT_MS", "2s"),
            ("RCA_CONNECT_TIMEOUT_MS", "1.5"),
            ("RCA_READ_PREFERENCE", "closest"),
            ("RCA_ROLLUP", "yes"),
            ("RCA_ROLLUP_REFRESH_SECS", "0"),
            ("RCA_WORKSPACE_METRICS", "1"),
            ("RCA_ROLLUP_RECENT_HOURS", "0"),
            ("RCA_ROLLUP_RECENT_HOURS", "87601"),
            ("RCA_ROLLUP_VERIFY_MESSAGES", "0"),
        ] {
            let e = settings(&[base, (var, value)]).unwrap_err();
            assert_eq!(e.var, var, "{e}");
            assert!(e.to_string().starts_with(&format!("{var}: '{value}'")), "{e}");
        }
    }

    #[test]
    fn redacts_password() {
        assert_eq!(redact("mongodb://u:secret@h/db"), "mongodb://***@h/db");
    }
}
