//! Small subcommands of the binary besides serving.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

pub const USAGE: &str = "usage:
  rc-analytics                 serve the API (configured by environment: MONGO_URL, RCA_*)
  rc-analytics healthcheck     exit 0 when the local service answers /health (for Docker's HEALTHCHECK)
  rc-analytics pipeline URL    print the raw pipeline a message report runs without the rollup, as
                               extended JSON (URL: /api/v1/engagement-dashboard/messages/origin?start=…)";

/// `rc-analytics pipeline <path?query>`: `{"collection":…,"pipeline":[…]}` in relaxed extended JSON (for
/// `db.collection.aggregate(…)` in mongosh, or `explain`); exit 2 for another route or a bad query.
pub fn pipeline(args: &[String]) -> i32 {
    let [url] = args else {
        eprintln!("pipeline: takes one argument, the report's path and query\n{USAGE}");
        return 2;
    };
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
pub fn healthcheck(args: &[String]) -> i32 {
    if !args.is_empty() {
        eprintln!("healthcheck: takes no arguments\n{USAGE}");
        return 2;
    }
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

/// Where the local service answers: `RCA_BIND` (`0.0.0.0:3100` when unset), with a wildcard address
/// (`0.0.0.0`, `::`) replaced by the loopback address of its family.
pub(crate) fn health_address(bind: Option<&str>) -> Result<SocketAddr, String> {
    let bind = bind.unwrap_or("0.0.0.0:3100");
    let mut addr = bind
        .parse::<SocketAddr>()
        .map_err(|_| format!("RCA_BIND: '{bind}' is not an address:port"))?;
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    Ok(addr)
}

/// One HTTP/1.1 `GET /health` with a total time limit; Ok when the status line says 200.
pub fn check_health(addr: SocketAddr, timeout: Duration) -> Result<(), String> {
    let mut stream = TcpStream::connect_timeout(&addr, timeout).map_err(|e| format!("{addr}: {e}"))?;
    stream.set_read_timeout(Some(timeout)).map_err(|e| e.to_string())?;
    stream.set_write_timeout(Some(timeout)).map_err(|e| e.to_string())?;
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nUser-Agent: rc-analytics-healthcheck\r\n\r\n")
        .map_err(|e| format!("{addr}: {e}"))?;
    // The status line is all we need; read at most 1 KiB of it.
    let mut head = Vec::with_capacity(128);
    let mut buf = [0u8; 128];
    while !head.windows(2).any(|w| w == b"\r\n") && head.len() < 1024 {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
            Err(e) => return Err(format!("{addr}: {e}")),
        }
    }
    let line = String::from_utf8_lossy(&head);
    let line = line.lines().next().unwrap_or("");
    match line.split(' ').nth(1) {
        Some("200") => Ok(()),
        _ => Err(format!("{addr}: /health answered '{line}'")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_from_bind() {
        let addr = |s: &str| s.parse::<SocketAddr>().unwrap();
        assert_eq!(health_address(None), Ok(addr("127.0.0.1:3100")));
        assert_eq!(health_address(Some("127.0.0.1:8080")), Ok(addr("127.0.0.1:8080")));
        assert_eq!(health_address(Some("10.0.0.5:3100")), Ok(addr("10.0.0.5:3100")));
        assert_eq!(health_address(Some("[::]:3200")), Ok(addr("[::1]:3200")));
        assert!(health_address(Some("nowhere")).is_err());
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
        let err = check_health(addr, HEALTHCHECK_TIMEOUT).unwrap_err();
        assert!(err.contains("503"), "{err}");
        server.join().unwrap();
        // The listener is gone: connection refused.
        assert!(check_health(addr, HEALTHCHECK_TIMEOUT).is_err());
    }
}
