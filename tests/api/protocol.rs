//! Malformed HTTP over a raw TCP connection (src/protocol.rs): each case gets the service's JSON answer with
//! a request id and `Connection: close`, is counted in `/metrics`, and logs nothing above `debug` (the real
//! binary). Requests at the limits are served as usual.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::*;

const BAD_REQUEST: &str = r#"{"success":false,"error":"Bad request"}"#;
const TOO_LARGE: &str = r#"{"success":false,"error":"Request header fields too large"}"#;
const TIMEOUT: &str = r#"{"success":false,"error":"Request timeout"}"#;
const HEALTH: &str = r#"{"status":"ok","success":true}"#;

/// actix-http's limits, which the front keeps: header lines, request target, request head.
const MAX_HEADERS: usize = 96;
const MAX_TARGET: usize = 65_534;
const MAX_HEAD: usize = 131_072;

/// `count` header lines in all (`Host` and `Connection: close` among them).
fn with_headers(count: usize) -> Vec<u8> {
    let mut req = b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n".to_vec();
    for i in 2..count {
        req.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
    }
    req.extend_from_slice(b"\r\n");
    req
}

/// A request whose target (`/` and `a`s) is `len` bytes.
fn with_target(len: usize) -> Vec<u8> {
    format!(
        "GET /{} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "a".repeat(len - 1)
    )
    .into_bytes()
}

/// A request head of exactly `len` bytes, padded in one header.
fn head_of(len: usize) -> Vec<u8> {
    let frame = |pad: &str| format!("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Pad: {pad}\r\n\r\n");
    let head = frame(&"a".repeat(len - frame("").len()));
    assert_eq!(head.len(), len);
    head.into_bytes()
}

/// Every malformed case: what it is, its bytes, the status line and body of the answer.
fn refused() -> Vec<(&'static str, Vec<u8>, &'static str, &'static str)> {
    let bad = "HTTP/1.1 400 Bad Request";
    let large = "HTTP/1.1 431 Request Header Fields Too Large";
    let mut tls_hello = vec![0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03];
    tls_hello.extend_from_slice(&[0; 40]);
    let cases: Vec<(&str, &[u8], &str, &str)> = vec![
        (
            "DEL in a header value",
            b"GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\x7fb\r\n\r\n",
            bad,
            BAD_REQUEST,
        ),
        (
            "HTTP/1.1 without Host",
            b"GET /health HTTP/1.1\r\n\r\n",
            bad,
            BAD_REQUEST,
        ),
        (
            "two Host headers",
            b"GET /health HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
            bad,
            BAD_REQUEST,
        ),
        (
            "obs-fold",
            b"GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n",
            bad,
            BAD_REQUEST,
        ),
        (
            "bare CR",
            b"GET /health HTTP/1.1\r\nHost: x\rX-A: b\r\n\r\n",
            bad,
            BAD_REQUEST,
        ),
        (
            "raw space in the path",
            b"GET /he alth HTTP/1.1\r\nHost: x\r\n\r\n",
            bad,
            BAD_REQUEST,
        ),
        (
            "non-ASCII in the path",
            b"GET /h\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n",
            bad,
            BAD_REQUEST,
        ),
        (
            "HTTP/2.0 on HTTP/1",
            b"GET /health HTTP/2.0\r\nHost: x\r\n\r\n",
            bad,
            BAD_REQUEST,
        ),
        ("HTTP/2 preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", bad, BAD_REQUEST),
        ("HTTP/0.9 request line", b"GET /health\r\n\r\n", bad, BAD_REQUEST),
        (
            "space in a method",
            b"G T /health HTTP/1.1\r\nHost: x\r\n\r\n",
            bad,
            BAD_REQUEST,
        ),
        (
            "two Content-Length",
            b"GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            bad,
            BAD_REQUEST,
        ),
        (
            "Transfer-Encoding with Content-Length",
            b"GET /health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n",
            bad,
            BAD_REQUEST,
        ),
        (
            "HTTP/1.0 POST without Content-Length",
            b"POST /health HTTP/1.0\r\n\r\n",
            bad,
            BAD_REQUEST,
        ),
        ("TLS ClientHello", &tls_hello, bad, BAD_REQUEST),
    ];
    let mut all: Vec<_> = cases.into_iter().map(|(w, b, s, j)| (w, b.to_vec(), s, j)).collect();
    all.push(("97 header lines", with_headers(MAX_HEADERS + 1), large, TOO_LARGE));
    all.push((
        "request target of 65,535 bytes",
        with_target(MAX_TARGET + 1),
        bad,
        BAD_REQUEST,
    ));
    all.push(("request head of 131,073 bytes", head_of(MAX_HEAD + 1), large, TOO_LARGE));
    all.push(("request head of 1 MiB", head_of(1 << 20), large, TOO_LARGE));
    all
}

/// One answer off the wire.
#[derive(Debug)]
struct Answer {
    status_line: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Sends `bytes` on a new connection and reads until the server closes it; the answers in order.
async fn exchange(address: &str, bytes: &[u8]) -> Vec<Answer> {
    let mut stream = TcpStream::connect(address.trim_start_matches("http://")).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    read_answers(&mut stream).await
}

async fn read_answers(stream: &mut TcpStream) -> Vec<Answer> {
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut raw))
        .await
        .expect("the server closes the connection")
        .unwrap();
    let mut answers = Vec::new();
    let mut rest = &raw[..];
    while !rest.is_empty() {
        let end = rest.windows(4).position(|w| w == b"\r\n\r\n").expect("a complete head") + 4;
        let head = std::str::from_utf8(&rest[..end - 4]).unwrap();
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap().to_string();
        let headers: Vec<(String, String)> = lines
            .map(|l| {
                let (n, v) = l.split_once(": ").unwrap();
                (n.to_ascii_lowercase(), v.to_string())
            })
            .collect();
        let length: usize = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .unwrap()
            .1
            .parse()
            .unwrap();
        let body = String::from_utf8(rest[end..end + length].to_vec()).unwrap();
        rest = &rest[end + length..];
        answers.push(Answer {
            status_line,
            headers,
            body,
        });
    }
    answers
}

/// The service's own JSON error answer: status line, body, and its headers.
fn assert_refusal(what: &str, answer: &Answer, status_line: &str, body: &str) {
    assert_eq!(answer.status_line, status_line, "{what}");
    assert_eq!(answer.body, body, "{what}");
    let mut names: Vec<&str> = answer.headers.iter().map(|(n, _)| n.as_str()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "cache-control",
            "connection",
            "content-length",
            "content-type",
            "date",
            "pragma",
            "x-content-type-options",
            "x-request-id",
        ],
        "{what}"
    );
    assert_eq!(answer.header("content-type"), Some("application/json"), "{what}");
    assert_eq!(answer.header("connection"), Some("close"), "{what}");
    assert_eq!(answer.header("cache-control"), Some("no-store"), "{what}");
    assert_eq!(answer.header("x-content-type-options"), Some("nosniff"), "{what}");
    let id = answer.header("x-request-id").unwrap();
    assert!(
        id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "{what}: {id}"
    );
}

/// The value of `rca_http_protocol_errors_total{status="…"}`.
async fn protocol_errors(app: &TestApp, status: u16) -> String {
    let text = app.get("/metrics", None).await.body;
    let series = format!("rca_http_protocol_errors_total{{status=\"{status}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&series))
        .unwrap_or_else(|| panic!("no {series}in:\n{text}"))
        .to_string()
}

#[tokio::test]
async fn malformed_requests_get_a_json_answer_and_are_counted() {
    let app = spawn_app().await;
    assert_eq!(protocol_errors(&app, 400).await, "0");
    assert_eq!(protocol_errors(&app, 431).await, "0");
    let cases = refused();
    for (what, bytes, status_line, body) in &cases {
        let answers = exchange(&app.address, bytes).await;
        assert_eq!(answers.len(), 1, "{what}: {answers:?}");
        assert_refusal(what, &answers[0], status_line, body);
    }
    let count = |status: &str| cases.iter().filter(|c| c.2.contains(status)).count().to_string();
    assert_eq!(protocol_errors(&app, 400).await, count(" 400 "));
    assert_eq!(protocol_errors(&app, 431).await, count(" 431 "));
    assert_eq!(protocol_errors(&app, 408).await, "0");
    // They are not requests the routes saw: the only requests counted are the five `/metrics` above.
    let metrics = app.get("/metrics", None).await.body;
    let requests: Vec<&str> = metrics
        .lines()
        .filter(|l| l.starts_with("rca_http_requests_total{"))
        .collect();
    assert_eq!(
        requests,
        [r#"rca_http_requests_total{route="/metrics",status="200"} 5"#]
    );
}

#[tokio::test]
async fn requests_at_the_limits_are_served() {
    let app = spawn_app().await;
    let served: Vec<(&str, Vec<u8>, &str, &str)> = vec![
        ("96 header lines", with_headers(MAX_HEADERS), "HTTP/1.1 200 OK", HEALTH),
        (
            "request target of 65,534 bytes",
            with_target(MAX_TARGET),
            "HTTP/1.1 404 Not Found",
            r#"{"success":false,"error":"Resource not found"}"#,
        ),
        (
            "request head of 131,072 bytes",
            head_of(MAX_HEAD),
            "HTTP/1.1 200 OK",
            HEALTH,
        ),
        (
            "HTTP/1.0 without Host",
            b"GET /health HTTP/1.0\r\n\r\n".to_vec(),
            "HTTP/1.0 200 OK",
            HEALTH,
        ),
    ];
    for (what, bytes, status_line, body) in served {
        let answers = exchange(&app.address, &bytes).await;
        assert_eq!(answers.len(), 1, "{what}: {answers:?}");
        assert_eq!(answers[0].status_line, status_line, "{what}");
        assert_eq!(answers[0].body, body, "{what}");
    }
    assert_eq!(protocol_errors(&app, 400).await, "0");
    assert_eq!(protocol_errors(&app, 431).await, "0");
}

#[tokio::test]
async fn requests_before_malformed_bytes_are_answered_first_and_none_after_close() {
    let app = spawn_app().await;
    let answers = exchange(
        &app.address,
        b"GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nX-A: a\x7fb\r\n\r\n",
    )
    .await;
    let lines: Vec<&str> = answers.iter().map(|a| a.status_line.as_str()).collect();
    assert_eq!(
        lines,
        ["HTTP/1.1 200 OK", "HTTP/1.1 404 Not Found", "HTTP/1.1 400 Bad Request"]
    );
    assert_eq!(answers[0].body, HEALTH);
    assert_refusal(
        "after two good requests",
        &answers[2],
        "HTTP/1.1 400 Bad Request",
        BAD_REQUEST,
    );
    // A malformed chunked body: its request is answered first.
    let answers = exchange(
        &app.address,
        b"GET /health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n",
    )
    .await;
    assert_eq!(answers.len(), 2, "{answers:?}");
    assert_eq!(answers[0].body, HEALTH);
    assert_refusal("malformed chunk", &answers[1], "HTTP/1.1 400 Bad Request", BAD_REQUEST);
    assert_eq!(protocol_errors(&app, 400).await, "2");
    // After a request that closes the connection, nothing more is read: no answer to what follows.
    for last in [
        &b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"[..],
        b"GET /health HTTP/1.0\r\n\r\n",
    ] {
        let answers = exchange(
            &app.address,
            &[last, b"GET /nope HTTP/1.1\r\nX-A: a\x7fb\r\n\r\n"].concat(),
        )
        .await;
        assert_eq!(answers.len(), 1, "{answers:?}");
        assert_eq!(answers[0].body, HEALTH);
    }
    assert_eq!(protocol_errors(&app, 400).await, "2");
}

/// A connection that has not sent a complete first head 5 s after it opened gets a JSON 408, whether it
/// sent part of one or nothing.
#[tokio::test]
async fn an_incomplete_first_head_times_out_with_json_408() {
    let app = spawn_app().await;
    let started = Instant::now();
    let (partial, silent) = tokio::join!(
        exchange(&app.address, b"GET /health HTTP/1.1\r\nHost: x\r\n"),
        exchange(&app.address, b"")
    );
    assert!(started.elapsed() >= Duration::from_secs(5), "{:?}", started.elapsed());
    for (what, answers) in [("partial head", partial), ("nothing sent", silent)] {
        assert_eq!(answers.len(), 1, "{what}: {answers:?}");
        assert_refusal(what, &answers[0], "HTTP/1.1 408 Request Timeout", TIMEOUT);
    }
    assert_eq!(protocol_errors(&app, 408).await, "2");
}

/// The real binary at `RUST_LOG=info,rc_analytics::protocol=debug`: no line above debug for any case,
/// and one debug line per refusal naming its status and the request id of its answer.
#[tokio::test]
async fn refusals_log_one_debug_line_and_nothing_above() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rc-analytics"))
        .env("MONGO_URL", mongodb_uri())
        .env("RCA_BIND", "127.0.0.1:0")
        .env("RCA_ROLLUP", "off")
        .env("RUST_LOG", "info,rc_analytics::protocol=debug")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut log = Vec::new();
    let port = loop {
        let line = rx.recv_timeout(Duration::from_secs(20)).expect("a start-up line");
        log.push(line.clone());
        if let Some(rest) = line.split("listening on http://127.0.0.1:").nth(1) {
            break rest.split(',').next().unwrap().to_string();
        }
    };
    let address = format!("127.0.0.1:{port}");
    let mut ids = Vec::new();
    for (what, bytes, status_line, _) in refused() {
        let answers = exchange(&address, &bytes).await;
        assert_eq!(answers[0].status_line, status_line, "{what}");
        let status = status_line.split(' ').nth(1).unwrap();
        ids.push((what, status, answers[0].header("x-request-id").unwrap().to_string()));
    }
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) }, 0);
    assert_eq!(child.wait().unwrap().code(), Some(0));
    reader.join().unwrap();
    log.extend(rx.try_iter());
    let text = log.join("\n");
    for line in &log {
        assert!(!line.contains(" ERROR ") && !line.contains(" WARN "), "{line}\n{text}");
    }
    let refusals: Vec<&String> = log
        .iter()
        .filter(|l| l.contains(" DEBUG rc_analytics::protocol]"))
        .collect();
    assert_eq!(refusals.len(), ids.len(), "{text}");
    for (what, status, id) in ids {
        let suffix = format!("): answered {status} request_id={id}");
        assert_eq!(
            refusals.iter().filter(|l| l.ends_with(&suffix)).count(),
            1,
            "{what}: {text}"
        );
    }
}
