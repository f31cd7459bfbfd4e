//! The binary's command line (clap): serve (the default), `healthcheck`, `pipeline <url>`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use clap::{Parser, Subcommand};

/// What `--help` says of serving: the environment, each variable with its default (README.md
/// "Configuration" explains each).
const ENVIRONMENT: &str = "\
Serving is configured by the environment only; a bad or missing value stops start-up (exit 2, one line).
  Variable                    Default             Meaning
  MONGO_URL                   (required)          the MongoDB URL Rocket.Chat uses; the database is its path (rocketchat if none)
  RCA_BIND                    0.0.0.0:3100        address:port to listen on
  RCA_TIMEZONE                UTC                 report zone when a request has no tz: an IANA name or ±HH:MM
  RCA_CACHE_TTL_SECS          60                  how long report results are cached (0: off)
  RCA_CACHE_MAX_MB            64                  bound of the result cache, MiB
  RCA_AUTH_CACHE_TTL_SECS     5                   how long users and permission grants are cached (0: off)
  RCA_AUTH_TIMEOUT_MS         3000                bound of each of the guard's look-ups
  RCA_QUERY_TIMEOUT_MS        30000               bound of every database operation
  RCA_CONNECT_TIMEOUT_MS      2000                how long a request waits for an unreachable MongoDB
  RCA_READ_PREFERENCE         secondaryPreferred  or primary, primaryPreferred, secondary, nearest
  RCA_ROLLUP                  on                  off: the message reports from the raw pipeline only
  RCA_ROLLUP_REFRESH_SECS     30                  how often the message rollup and the workspace series catch up
  RCA_ROLLUP_RECENT_HOURS     24                  the last UTC hours every refresh checks in full
  RCA_ROLLUP_VERIFY_MESSAGES  100000              about how many older messages each refresh checks, in rotation
  RCA_WORKSPACE_METRICS       on                  off: /metrics without the workspace series (no reads for them)
  RCA_MEMBER_INSIGHTS         on                  off: the insights show no per-person data (docs/insights.md)
  RUST_LOG                    info                log filter";

/// rc-analytics: Rocket.Chat's analytics REST API, served from Rocket.Chat's own MongoDB (read-only).
#[derive(Debug, Parser)]
#[command(name = "rc-analytics", version, after_help = ENVIRONMENT)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (the default when no command is given)
    Serve,
    /// Exit 0 when the local service answers GET /health, 1 otherwise (Docker's HEALTHCHECK)
    ///
    /// Asks 127.0.0.1 at the port of RCA_BIND (default 3100) within 3 s; needs no MONGO_URL.
    Healthcheck,
    /// Print the raw pipeline a message report runs without the rollup
    ///
    /// As relaxed extended JSON, {"collection":…,"pipeline":[…]}, for mongosh's aggregate or explain. Exit 2
    /// for another route or a bad query.
    Pipeline {
        /// The report's path and query, e.g. /api/v1/engagement-dashboard/messages/origin?start=…&end=…
        url: String,
    },
}

/// `rc-analytics pipeline <path?query>`: `{"collection":…,"pipeline":[…]}` in relaxed extended JSON.
pub fn pipeline(url: &str) -> i32 {
    match crate::reports::engagement::raw_message_pipeline(url) {
        Some(Ok(stages)) => {
            let stages = bson::Bson::Array(stages.into_iter().map(bson::Bson::Document).collect());
            let out = serde_json::json!({
                "collection": crate::store::coll::MESSAGES,
                "pipeline": stages.into_relaxed_extjson(),
            });
            println!("{out}");
            0
        }
        Some(Err(e)) => {
            eprintln!("pipeline: {e}");
            2
        }
        None => {
            eprintln!("pipeline: not a message report route: {url}");
            2
        }
    }
}

/// How long the health check waits in all (connect, send, read).
pub(crate) const HEALTHCHECK_TIMEOUT: Duration = Duration::from_secs(3);

/// `rc-analytics healthcheck`: `GET /health` on 127.0.0.1 at the port of `RCA_BIND` (default 3100);
/// exit code 0 on a 200, 1 otherwise. Needs no `MONGO_URL` (Docker runs it with the container's
/// environment, but `/health` does no I/O and the check must not depend on the database).
pub fn healthcheck() -> i32 {
    let addr = match health_address(std::env::var("RCA_BIND").ok().as_deref()) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("healthcheck: {e}");
            return 1;
        }
    };
    match check_health(addr, HEALTHCHECK_TIMEOUT) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("healthcheck: {e}");
            1
        }
    }
}

/// Why the health check failed.
#[derive(Debug, thiserror::Error)]
pub enum HealthError {
    #[error("RCA_BIND: '{0}' is not an address:port")]
    Bind(String),
    #[error("{addr}: {source}")]
    Io {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("{addr}: /health answered '{line}'")]
    Status { addr: SocketAddr, line: String },
}

/// Where the local service answers: `RCA_BIND` (`0.0.0.0:3100` when unset), with a wildcard address
/// (`0.0.0.0`, `::`) replaced by the loopback address of its family.
pub(crate) fn health_address(bind: Option<&str>) -> Result<SocketAddr, HealthError> {
    let bind = bind.unwrap_or("0.0.0.0:3100");
    let mut addr = bind
        .parse::<SocketAddr>()
        .map_err(|_| HealthError::Bind(bind.to_string()))?;
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    Ok(addr)
}

/// One HTTP/1.1 `GET /health` with a total time limit; Ok when the status line says 200.
pub fn check_health(addr: SocketAddr, timeout: Duration) -> Result<(), HealthError> {
    let io = |source| HealthError::Io { addr, source };
    let mut stream = TcpStream::connect_timeout(&addr, timeout).map_err(io)?;
    stream.set_read_timeout(Some(timeout)).map_err(io)?;
    stream.set_write_timeout(Some(timeout)).map_err(io)?;
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nUser-Agent: rc-analytics-healthcheck\r\n\r\n")
        .map_err(io)?;
    // The status line is all we need; read at most 1 KiB of it.
    let mut head = Vec::with_capacity(128);
    let mut buf = [0u8; 128];
    while !head.windows(2).any(|w| w == b"\r\n") && head.len() < 1024 {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
            Err(e) => return Err(io(e)),
        }
    }
    let line = String::from_utf8_lossy(&head);
    let line = line.lines().next().unwrap_or("");
    match line.split(' ').nth(1) {
        Some("200") => Ok(()),
        _ => Err(HealthError::Status {
            addr,
            line: line.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> Result<Option<Command>, clap::Error> {
        Cli::try_parse_from(std::iter::once("rc-analytics").chain(args.iter().copied())).map(|c| c.command)
    }

    #[test]
    fn commands_and_usage_errors() {
        Cli::command().debug_assert();
        assert!(parse(&[]).unwrap().is_none());
        assert!(matches!(parse(&["serve"]), Ok(Some(Command::Serve))));
        assert!(matches!(parse(&["healthcheck"]), Ok(Some(Command::Healthcheck))));
        assert!(matches!(parse(&["pipeline", "/x?a=1"]), Ok(Some(Command::Pipeline { url })) if url == "/x?a=1"));
        for bad in [
            &["seed"][..],
            &["healthcheck", "x"],
            &["pipeline"],
            &["pipeline", "a", "b"],
            &["--port=1"],
        ] {
            assert_eq!(parse(bad).unwrap_err().exit_code(), 2, "{bad:?}");
        }
        assert_eq!(parse(&["--help"]).unwrap_err().exit_code(), 0);
    }

    /// The variables `--help` lists are those `Settings` reads (and `RUST_LOG`), with `Settings`' defaults.
    #[test]
    fn help_lists_every_variable_with_its_default() {
        let listed: Vec<(&str, &str)> = ENVIRONMENT
            .lines()
            .skip(2)
            .map(|line| {
                let mut words = line.split_whitespace();
                (words.next().unwrap(), words.next().unwrap())
            })
            .collect();
        let url = || Some("mongodb://h/rocketchat".to_string());
        let asked = std::cell::RefCell::new(std::collections::BTreeSet::new());
        let defaults = crate::config::Settings::from_lookup(|k| {
            asked.borrow_mut().insert(k.to_string());
            if k == "MONGO_URL" {
                url()
            } else {
                None
            }
        })
        .unwrap();
        let mut names: Vec<String> = listed.iter().map(|(n, _)| n.to_string()).collect();
        let mut expected: Vec<String> = asked.into_inner().into_iter().chain(["RUST_LOG".into()]).collect();
        names.sort();
        expected.sort();
        assert_eq!(names, expected);
        let given = crate::config::Settings::from_lookup(|k| match k {
            "MONGO_URL" => url(),
            _ => listed.iter().find(|(n, _)| *n == k).map(|(_, d)| d.to_string()),
        })
        .unwrap();
        assert_eq!(format!("{given:?}"), format!("{defaults:?}"));
        let help = Cli::command().render_help().to_string();
        assert!(help.contains(ENVIRONMENT), "{help}");
    }

    #[test]
    fn port_from_bind() {
        let addr = |s: &str| s.parse::<SocketAddr>().unwrap();
        let of = |bind| health_address(bind).unwrap();
        assert_eq!(of(None), addr("127.0.0.1:3100"));
        assert_eq!(of(Some("127.0.0.1:8080")), addr("127.0.0.1:8080"));
        assert_eq!(of(Some("10.0.0.5:3100")), addr("10.0.0.5:3100"));
        assert_eq!(of(Some("[::]:3200")), addr("[::1]:3200"));
        assert_eq!(
            health_address(Some("nowhere")).unwrap_err().to_string(),
            "RCA_BIND: 'nowhere' is not an address:port"
        );
    }

    #[test]
    fn non_200_and_closed_ports_fail() {
        use std::net::TcpListener;
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut buf = [0u8; 512];
            let _ = s.read(&mut buf);
            s.write_all(b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n")
                .unwrap();
        });
        let err = check_health(addr, HEALTHCHECK_TIMEOUT).unwrap_err().to_string();
        assert_eq!(
            err,
            format!("{addr}: /health answered 'HTTP/1.1 503 Service Unavailable'")
        );
        server.join().unwrap();
        // The listener is gone: connection refused.
        assert!(check_health(addr, HEALTHCHECK_TIMEOUT).is_err());
    }
}
