//! Operations: `/metrics`, `/openapi.json`, the request id and log line, `rc-analytics healthcheck`, and a
//! graceful stop on SIGTERM (the real binary).

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rc_analytics::app::endpoints;
use rc_analytics::registry::Family;
use serde_json::{json, Value};

use crate::helpers::*;

const ORIGIN: &str = "/api/v1/engagement-dashboard/messages/origin";
const DATES: &str = "start=2024-01-01T00:00:00.000Z&end=2024-01-01T00:00:00.000Z";

/// The value of a series line `name{labels} value` in a Prometheus text exposition.
fn series(text: &str, name_and_labels: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name_and_labels)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test]
async fn metrics_record_requests_latency_queries_cache_and_auth_failures() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.get("/health", None).await;
    app.get("/nope", None).await;
    app.get(ORIGIN, None).await;
    let wrong = Creds {
        user_id: "admin1".into(),
        token: "wrong".into(),
    };
    app.get(ORIGIN, Some(&wrong)).await;
    let path = format!("{ORIGIN}?{DATES}");
    assert_eq!(app.get(&path, Some(&admin)).await.status, 200);
    assert_eq!(app.get(&path, Some(&admin)).await.status, 200);

    let res = app.get("/metrics", None).await;
    assert_eq!(res.status, 200);
    assert!(res.content_type.starts_with("text/plain"), "{}", res.content_type);
    let m = res.body;
    let origin = format!(r#"route="{ORIGIN}""#);
    for (line, value) in [
        (
            r#"rca_http_requests_total{route="/health",status="200"}"#.to_string(),
            1.0,
        ),
        (r#"rca_http_requests_total{route="unmatched",status="404"}"#.into(), 1.0),
        (format!(r#"rca_http_requests_total{{{origin},status="401"}}"#), 2.0),
        (format!(r#"rca_http_requests_total{{{origin},status="200"}}"#), 2.0),
        (
            r#"rca_http_request_duration_seconds_count{route="/health"}"#.into(),
            1.0,
        ),
        (format!(r#"rca_http_request_duration_seconds_count{{{origin}}}"#), 4.0),
        (
            r#"rca_mongodb_query_duration_seconds_count{report="engagement.messages.origin"}"#.into(),
            1.0,
        ),
        (
            r#"rca_report_cache_total{report="engagement.messages.origin",result="miss"}"#.into(),
            1.0,
        ),
        (
            r#"rca_report_cache_total{report="engagement.messages.origin",result="hit"}"#.into(),
            1.0,
        ),
        (r#"rca_auth_failures_total{reason="missing-headers"}"#.into(), 1.0),
        (r#"rca_auth_failures_total{reason="unauthenticated"}"#.into(), 1.0),
    ] {
        assert_eq!(series(&m, &line), Some(value), "{line} in\n{m}");
    }
    assert!(m.contains(r#"rca_http_request_duration_seconds_bucket{route="/health",le="+Inf"} 1"#));

    // Counts increase (the /metrics request itself is counted once it has been answered).
    app.get("/health", None).await;
    let again = app.get("/metrics", None).await.body;
    assert_eq!(
        series(&again, r#"rca_http_requests_total{route="/health",status="200"}"#),
        Some(2.0)
    );
    assert_eq!(
        series(&again, r#"rca_http_requests_total{route="/metrics",status="200"}"#),
        Some(1.0)
    );
}

#[tokio::test]
async fn openapi_describes_every_registry_route() {
    let app = spawn_app().await;
    let res = app.get("/openapi.json", None).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.content_type, "application/json");
    let doc: Value = serde_json::from_str(&res.body).expect("valid JSON");
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{}", doc["openapi"]);
    let paths = doc["paths"].as_object().unwrap();
    let registry = endpoints();
    assert_eq!(
        paths.keys().cloned().collect::<BTreeSet<_>>(),
        registry.iter().map(|e| e.path.clone()).collect::<BTreeSet<_>>()
    );
    for e in &registry {
        let op = &paths[&e.path]["get"];
        assert_eq!(op["summary"], e.summary, "{}", e.path);
        let params = op["parameters"].as_array().unwrap();
        assert_eq!(params.len(), e.params.len(), "{}", e.path);
        for (described, p) in params.iter().zip(&e.params) {
            assert_eq!(described["name"], p.name, "{}", e.path);
            assert_eq!(described["in"], "query");
            assert_eq!(described["required"], p.required, "{} {}", e.path, p.name);
            let extension = p.description.starts_with(rc_analytics::openapi::EXTENSION_MARK);
            assert_eq!(
                described["x-rc-analytics-extension"].as_bool().unwrap_or(false),
                extension
            );
        }
        let responses = op["responses"].as_object().unwrap();
        // The dashboard's redirects answer 301/302 where other routes answer 200.
        let ok = match rc_analytics::ui::kind(&e.path) {
            Some(rc_analytics::ui::Kind::Redirect(status)) if e.family == Family::Dashboard => status.to_string(),
            _ => "200".to_string(),
        };
        for status in [ok.as_str(), "404", "405", "500", "503", "504"] {
            assert!(responses.contains_key(status), "{} lacks {status}", e.path);
        }
        // Report routes check permissions and parameters; the dashboard's session route only signs in.
        let guarded = matches!(e.family, Family::Engagement | Family::Omnichannel | Family::Insights);
        let signed_in = guarded || e.path == rc_analytics::ui::SESSION;
        for (status, expected) in [("400", guarded), ("401", signed_in), ("403", guarded)] {
            assert_eq!(responses.contains_key(status), expected, "{} {status}", e.path);
        }
        if guarded {
            let rule = e.permission.unwrap();
            assert_eq!(op["x-rc-permission"], rule.name);
            let fallback = match e.family {
                Family::Engagement | Family::Insights => json!({"role": "admin"}),
                _ => json!({"rolesOf": "view-livechat-manager"}),
            };
            assert_eq!(op["x-rc-permission-fallback"], fallback, "{}", e.path);
            let example = &responses["401"]["content"]["application/json"]["examples"]["unauthorized"]["value"];
            assert_eq!(example.to_string(), UNAUTHORIZED);
        }
    }
    // The tz extension of the engagement routes is marked.
    let tz = paths[ORIGIN]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "tz")
        .unwrap();
    assert_eq!(tz["x-rc-analytics-extension"], true);
}

#[tokio::test]
async fn request_id_is_echoed_or_generated() {
    let app = spawn_app().await;
    let url = format!("{}/health", app.address);
    let res = app
        .http
        .get(&url)
        .header("X-Request-Id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "abc-123");
    // Errors carry it too, and an insane id is replaced.
    let res = app
        .http
        .get(format!("{}/nope", app.address))
        .header("X-Request-Id", "x".repeat(65))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let id = res.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_eq!(id.len(), 16);
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
}

fn healthcheck(port: u16) -> i32 {
    Command::new(env!("CARGO_BIN_EXE_rc-analytics"))
        .arg("healthcheck")
        .env("RCA_BIND", format!("0.0.0.0:{port}"))
        .env_remove("MONGO_URL")
        .stderr(Stdio::null())
        .status()
        .unwrap()
        .code()
        .unwrap()
}

#[tokio::test]
async fn healthcheck_subcommand() {
    let app = spawn_app().await;
    let port: u16 = app.address.rsplit(':').next().unwrap().parse().unwrap();
    let code = tokio::task::spawn_blocking(move || healthcheck(port)).await.unwrap();
    assert_eq!(code, 0);
    let closed = free_port();
    let code = tokio::task::spawn_blocking(move || healthcheck(closed)).await.unwrap();
    assert_eq!(code, 1);
}

/// The binary, serving on `port` against the test server, with its log on a pipe.
struct Served(Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn sigterm_stops_gracefully_within_docker_grace_period() {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_rc-analytics"))
        .env("MONGO_URL", mongodb_uri())
        .env("RCA_BIND", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut served = Served(child);
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let started = Instant::now();
    while rc_analytics::cli::check_health(addr, Duration::from_millis(500)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the binary did not answer /health"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // One request with a known id, for the log line.
    let res = get_health_with_id(port);
    assert_eq!(res, 200);

    let pid = served.0.id() as libc::pid_t;
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let stopping = Instant::now();
    let status = loop {
        if let Some(status) = served.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            stopping.elapsed() < Duration::from_secs(10),
            "still running 10 s after SIGTERM (Docker would SIGKILL it)"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0), "{status:?}");
    let log: Vec<String> = BufReader::new(served.0.stderr.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .collect();
    let line = log
        .iter()
        .find(|l| l.contains("request_id=sigterm-test-1"))
        .unwrap_or_else(|| panic!("no request line in the log:\n{}", log.join("\n")));
    assert!(line.contains(" INFO "), "{line}");
    assert!(line.contains("GET /health 200 "), "{line}");
    assert!(line.contains("ms request_id=sigterm-test-1"), "{line}");
}

/// A blocking `GET /health` with `X-Request-Id: sigterm-test-1` (std only, outside any runtime).
fn get_health_with_id(port: u16) -> u16 {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Request-Id: sigterm-test-1\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out.split(' ').nth(1).unwrap().parse().unwrap()
}

/// The one start-up line: version, database (from MONGO_URL's path), report zone, and the address actually
/// bound (RCA_BIND asks for port 0 here, so the logged port must be the one that answers). MongoDB is not
/// needed: the service starts while it is down.
#[test]
fn logs_one_start_up_line() {
    let child = Command::new(env!("CARGO_BIN_EXE_rc-analytics"))
        .env(
            "MONGO_URL",
            format!(
                "mongodb://127.0.0.1:{}/rca_start_line?directConnection=true",
                free_port()
            ),
        )
        .env("RCA_BIND", "127.0.0.1:0")
        .env("RCA_TIMEZONE", "America/Sao_Paulo")
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut served = Served(child);
    let stderr = served.0.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let prefix = format!(
        "rc-analytics {} listening on http://127.0.0.1:",
        env!("CARGO_PKG_VERSION")
    );
    let suffix = ", database 'rca_start_line', report zone America/Sao_Paulo";
    let mut log = Vec::new();
    let port: u16 = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|e| panic!("no start-up line ({e}) in:\n{}", log.join("\n")));
        log.push(line.clone());
        if let Some(at) = line.find(&prefix) {
            assert!(line.contains(" INFO "), "{line}");
            let rest = line[at + prefix.len()..]
                .strip_suffix(suffix)
                .unwrap_or_else(|| panic!("{line}"));
            break rest.parse().unwrap_or_else(|_| panic!("{line}"));
        }
    };
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    rc_analytics::cli::check_health(addr, Duration::from_secs(5)).expect("healthy");
    // Stop it; nothing after start logs the line again.
    assert_eq!(unsafe { libc::kill(served.0.id() as libc::pid_t, libc::SIGTERM) }, 0);
    assert!(served.0.wait().unwrap().success());
    log.extend(rx.iter());
    assert_eq!(
        log.iter().filter(|l| l.contains(&prefix)).count(),
        1,
        "{}",
        log.join("\n")
    );
}

/// Every parameter is described with the values it takes, `format` on every report, and
/// `start=&end=` (answered 400) is outside the schema.
#[tokio::test]
async fn openapi_types_every_parameter() {
    let app = spawn_app().await;
    let doc: Value = serde_json::from_str(&app.get("/openapi.json", None).await.body).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let param = |path: &str, name: &str| -> Value {
        let op = &doc["paths"][path]["get"];
        let found = op["parameters"].as_array().unwrap().iter().find(|p| p["name"] == name);
        found.cloned().unwrap_or(Value::Null)
    };
    let reports: Vec<String> = endpoints()
        .into_iter()
        .filter(|e| matches!(e.family, Family::Engagement | Family::Omnichannel))
        .map(|e| e.path)
        .collect();
    assert_eq!(reports.len(), 14);
    for path in &reports {
        assert_eq!(
            param(path, "format")["schema"],
            serde_json::json!({"type": "string", "enum": ["csv", "json"]}),
            "{path}"
        );
        let tz = &param(path, "tz")["schema"]["anyOf"];
        assert_eq!(tz[1]["pattern"], "^[+-](?:0[0-9]|1[0-4]):[0-5][0-9]$", "{path}");
        assert!(tz[0]["enum"]
            .as_array()
            .unwrap()
            .contains(&Value::from("America/Sao_Paulo")));
        let ok = &doc["paths"][path.as_str()]["get"]["responses"]["200"]["content"];
        assert_eq!(
            ok["application/json"]["schema"]["additionalProperties"], false,
            "{path}"
        );
        assert_eq!(ok["text/csv; charset=utf-8"]["schema"]["type"], "string", "{path}");
    }
    let origin = "/api/v1/engagement-dashboard/messages/origin";
    let start = regex::Regex::new(param(origin, "start")["schema"]["pattern"].as_str().unwrap()).unwrap();
    assert!(start.is_match("2024-02-29T23:59:59.999Z"));
    for refused in ["", "2023-02-29T00:00:00.000Z", "2024-01-01T00:00:00Z", "2024-01-01"] {
        assert!(!start.is_match(refused), "{refused}");
    }
    let admin = app.admin().await;
    assert_json(
        &app.get(&format!("{origin}?start=&end="), Some(&admin)).await,
        400,
        r#"{"success":false,"error":"Match error: Failed Match.Where validation in field start"}"#,
    );
    let list = "/api/v1/engagement-dashboard/channels/list";
    for name in ["offset", "count"] {
        assert_eq!(
            param(list, name)["schema"],
            serde_json::json!({"type": "string", "pattern": "^[0-9]{1,20}$"})
        );
    }
    let omni = "/api/v1/livechat/analytics/dashboards";
    let sort = param(&format!("{omni}/conversations-by-department"), "sort");
    assert_eq!(sort["content"]["application/json"]["schema"]["maxProperties"], 30);
    assert_eq!(
        sort["content"]["application/json"]["schema"]["additionalProperties"],
        serde_json::json!({"type": "integer", "enum": [1, -1]})
    );
    for unsorted in ["conversations-by-source", "conversations-by-status"] {
        assert_eq!(
            param(&format!("{omni}/{unsorted}"), "sort")["schema"],
            serde_json::json!({"type": "string"})
        );
    }
    let omni_start = param(&format!("{omni}/conversations-by-source"), "start")["schema"]["pattern"].clone();
    let omni_start = regex::Regex::new(omni_start.as_str().unwrap()).unwrap();
    for accepted in ["2024-01-15", "2024-01-15T10:20", "2024-01-15T10:20:30.123+05:30"] {
        assert!(omni_start.is_match(accepted), "{accepted}");
    }
    assert!(!omni_start.is_match(""));
}
