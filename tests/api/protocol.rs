//! Malformed HTTP is answered by actix-http itself (docs/operations.md, "Malformed HTTP"): a status line and an empty body,
//! then the connection closes; the real binary logs nothing above INFO for it (src/main.rs turns actix-http's
//! dispatcher target off).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::*;

/// What a client may send that actix-http refuses, and the status line it answers.
fn malformed() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let bad = "HTTP/1.1 400 Bad Request";
    let mut many_headers = b"GET /health HTTP/1.1\r\nHost: x\r\n".to_vec();
    for i in 0..100 {
        many_headers.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
    }
    many_headers.extend_from_slice(b"\r\n");
    vec![
        (
            "DEL in a header value",
            b"GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\x7fb\r\n\r\n".to_vec(),
            bad,
        ),
        (
            "a bad method token",
            b"G(T /health HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
            bad,
        ),
        ("HTTP/2.0", b"GET /health HTTP/2.0\r\nHost: x\r\n\r\n".to_vec(), bad),
        (
            "more than 96 header lines",
            many_headers,
            "HTTP/1.1 431 Request Header Fields Too Large",
        ),
    ]
}

/// Sends `bytes` on a new connection and reads until the server closes it.
async fn exchange(address: &str, bytes: &[u8]) -> String {
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut raw))
        .await
        .expect("the server closes the connection")
        .unwrap();
    String::from_utf8_lossy(&raw).into_owned()
}

#[tokio::test]
async fn malformed_requests_get_actix_https_answer_and_no_error_line() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rc-analytics"))
        .env("MONGO_URL", mongodb_uri())
        .env("RCA_BIND", "127.0.0.1:0")
        .env("RCA_ROLLUP", "off")
        .env("RUST_LOG", "info")
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
    for (what, bytes, status_line) in malformed() {
        let answer = exchange(&address, &bytes).await;
        let (head, body) = answer.split_once("\r\n\r\n").expect("a whole answer");
        assert_eq!(head.lines().next(), Some(status_line), "{what}: {answer}");
        assert!(
            head.to_ascii_lowercase().contains("content-length: 0"),
            "{what}: {answer}"
        );
        assert_eq!(body, "", "{what}");
    }
    // A well-formed request on the same server is still served.
    let health = exchange(
        &address,
        b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(health.ends_with(r#"{"status":"ok","success":true}"#), "{health}");
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) }, 0);
    assert_eq!(child.wait().unwrap().code(), Some(0));
    reader.join().unwrap();
    log.extend(rx.try_iter());
    let text = log.join("\n");
    for line in &log {
        assert!(!line.contains(" ERROR ") && !line.contains(" WARN "), "{line}\n{text}");
    }
}
