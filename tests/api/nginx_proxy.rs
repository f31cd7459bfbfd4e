//! The proxy configuration in the repo (`deploy/nginx/rc-analytics.conf`), run for real with Debian's nginx
//! (installed by scripts/test.sh) in front of the real rc-analytics and a stand-in for Rocket.Chat: which
//! paths reach which side, headers intact, websockets upgraded. The routed paths are compared with the
//! route registry, so routes added to `app::endpoints()` are covered without editing this test.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rc_analytics::app::endpoints;
use rc_analytics::registry::Family;
use rc_analytics::reports::engagement::PREFIX as ENGAGEMENT_PREFIX;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::process::{installed, substitute_once, temp_dir, Running};
use crate::helpers::routing::*;
use crate::helpers::*;

#[test]
fn the_comparison_finds_every_kind_of_difference() {
    let served = vec![
        ("/health".to_string(), Family::Operations),
        (format!("{ENGAGEMENT_PREFIX}/messages/origin"), Family::Engagement),
        (
            format!("{OMNICHANNEL_DASHBOARDS}conversations-by-source"),
            Family::Omnichannel,
        ),
        (format!("{DASHBOARD_PREFIX}/"), Family::Dashboard),
        (format!("{DASHBOARD_PREFIX}/api/session"), Family::Dashboard),
        ("/".to_string(), Family::Dashboard),
    ];
    let good = Routing {
        prefixes: [format!("{ENGAGEMENT_PREFIX}/"), format!("{DASHBOARD_PREFIX}/")].into(),
        exact: [
            format!("{OMNICHANNEL_DASHBOARDS}conversations-by-source"),
            DASHBOARD_PREFIX.to_string(),
        ]
        .into(),
    };
    assert_eq!(routing_mismatches(&served, &good), Vec::<String>::new());
    let bad = Routing {
        prefixes: ["/".to_string()].into(),
        exact: [format!("{OMNICHANNEL_DASHBOARDS}agents-productivity-totals")].into(),
    };
    assert_eq!(
        routing_mismatches(&served, &bad),
        [
            "prefix / is routed; only /api/v1/engagement-dashboard/ and /rc-analytics/ may be".to_string(),
            "prefix /api/v1/engagement-dashboard/ is not routed".into(),
            "prefix /rc-analytics/ is not routed".into(),
            "/rc-analytics (redirects to /rc-analytics/) is not routed".into(),
            "/api/v1/livechat/analytics/dashboards/agents-productivity-totals is routed to rc-analytics, which does not serve it".into(),
            "/health (operations) is exposed through the proxy".into(),
            "/api/v1/livechat/analytics/dashboards/conversations-by-source is not routed by exact path".into(),
            "/ (dashboard, outside /rc-analytics/) is routed to rc-analytics".into(),
        ]
    );
    let none = Routing::default();
    assert_eq!(
        routing_mismatches(&served, &none),
        [
            "prefix /api/v1/engagement-dashboard/ is not routed".to_string(),
            "prefix /rc-analytics/ is not routed".into(),
            "/rc-analytics (redirects to /rc-analytics/) is not routed".into(),
            "/api/v1/engagement-dashboard/messages/origin is not routed by the engagement prefix".into(),
            "/api/v1/livechat/analytics/dashboards/conversations-by-source is not routed by exact path".into(),
            "/rc-analytics/ is not routed by the dashboard prefix".into(),
            "/rc-analytics/api/session is not routed by the dashboard prefix".into(),
        ]
    );
    // The bare `/rc-analytics` (an exact path) is no substitute for the prefix.
    let slashless = Routing {
        prefixes: [format!("{ENGAGEMENT_PREFIX}/")].into(),
        exact: [
            format!("{OMNICHANNEL_DASHBOARDS}conversations-by-source"),
            DASHBOARD_PREFIX.to_string(),
        ]
        .into(),
    };
    assert_eq!(
        routing_mismatches(&served, &slashless),
        [
            "prefix /rc-analytics/ is not routed".to_string(),
            "/rc-analytics/ is not routed by the dashboard prefix".into(),
            "/rc-analytics/api/session is not routed by the dashboard prefix".into(),
        ]
    );
}

#[test]
fn nginx_routes_exactly_the_registry() {
    let conf = std::fs::read_to_string(repo_file(NGINX_CONF)).unwrap();
    let routing = nginx_routing(&conf);
    assert!(!routing.prefixes.is_empty() && !routing.exact.is_empty(), "{routing:?}");
    assert_routes_registry(NGINX_CONF, &routing);
}

/// What the stand-in for Rocket.Chat saw.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// A loopback HTTP/1.1 listener standing in for Rocket.Chat: records each request, answers
/// `200 rocketchat` (or `101` to a websocket upgrade), closes the connection.
async fn stand_in_rocketchat() -> (u16, Arc<Mutex<Vec<Seen>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let record = record.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&head).to_string();
                let mut lines = text.split("\r\n");
                let mut first = lines.next().unwrap_or("").split(' ');
                let (method, target) = (
                    first.next().unwrap_or("").to_string(),
                    first.next().unwrap_or("").to_string(),
                );
                let headers: Vec<(String, String)> = lines
                    .filter_map(|l| l.split_once(':'))
                    .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
                    .collect();
                let seen = Seen {
                    method,
                    target,
                    headers,
                };
                let upgrade = seen.header("upgrade") == Some("websocket");
                record.lock().unwrap().push(seen);
                let answer: &[u8] = if upgrade {
                    b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
                } else {
                    b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 10\r\nconnection: close\r\n\r\nrocketchat"
                };
                let _ = sock.write_all(answer).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    (port, seen)
}

/// Runs deploy/nginx/rc-analytics.conf with only its three addresses changed (`server rc-analytics:3100;`,
/// `server rocketchat:3000;`, `listen 80;` → loopback ports), included from a minimal main file that keeps
/// pid, logs and temp files in a temporary directory; nginx in the foreground (`daemon off`).
fn start_nginx(nginx: &Path, listen: u16, rca: u16, rocketchat: u16) -> Running {
    let dir = temp_dir("nginx", listen);
    let conf = std::fs::read_to_string(repo_file(NGINX_CONF)).unwrap();
    let substitute = |text: &str, from, to: String| substitute_once(NGINX_CONF, text, from, &to);
    let conf = substitute(&conf, "server rc-analytics:3100;", format!("server 127.0.0.1:{rca};"));
    let conf = substitute(
        &conf,
        "server rocketchat:3000;",
        format!("server 127.0.0.1:{rocketchat};"),
    );
    let conf = substitute(&conf, "listen 80;", format!("listen 127.0.0.1:{listen};"));
    std::fs::write(dir.join("rc-analytics.conf"), conf).unwrap();
    let d = dir.display();
    std::fs::write(
        dir.join("nginx.conf"),
        format!(
            "worker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log info;\nevents {{ worker_connections 64; }}\n\
             http {{\n  access_log {d}/access.log;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n  \
             fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n  \
             include {d}/rc-analytics.conf;\n}}\n"
        ),
    )
    .unwrap();
    let child = Command::new(nginx)
        .arg("-p")
        .arg(&dir)
        .arg("-e")
        .arg(dir.join("error.log"))
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .args(["-g", "daemon off;"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("nginx starts");
    Running { child, dir }.wait_for_port(listen, "error.log")
}

/// The nginx binary; the test fails (never skips) without it.
fn nginx_binary() -> PathBuf {
    installed(
        "nginx",
        &[
            "/usr/sbin/nginx",
            "/usr/bin/nginx",
            "/usr/local/sbin/nginx",
            "/usr/local/bin/nginx",
        ],
    )
}

/// The dashboard page and its session route.
const DASHBOARD_PAGE: &str = "/rc-analytics/";
const SESSION: &str = "/rc-analytics/api/session";

/// Whether a route of `family` at `path` is meant to be reachable through the proxy.
fn proxied(family: Family, path: &str) -> bool {
    match family {
        Family::Engagement | Family::Omnichannel => true,
        Family::Dashboard | Family::Insights => in_dashboard(path),
        Family::Operations => false,
    }
}

/// An answer as compared between rc-analytics and the proxy.
#[derive(Debug, PartialEq, Eq)]
struct Answer {
    status: u16,
    /// The headers a proxy must pass through unchanged (absent ones as `None`).
    headers: Vec<(&'static str, Option<String>)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| *n == name)?.1.as_deref()
    }
}

const PASSED_THROUGH: [&str; 11] = [
    "content-type",
    "content-encoding",
    "cache-control",
    "etag",
    "vary",
    "location",
    "content-security-policy",
    "x-content-type-options",
    "x-frame-options",
    "referrer-policy",
    "www-authenticate",
];

async fn answer(http: &reqwest::Client, url: &str, creds: Option<&Creds>, gzip: bool) -> Answer {
    let mut req = http.get(url);
    if gzip {
        // reqwest here does not decode it: the compressed bytes and their headers are compared.
        req = req.header("Accept-Encoding", "gzip");
    }
    if let Some(c) = creds {
        req = req.header("X-User-Id", &c.user_id).header("X-Auth-Token", &c.token);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let headers = PASSED_THROUGH
        .iter()
        .map(|&n| (n, res.headers().get(n).map(|v| v.to_str().unwrap().to_string())))
        .collect();
    let body = res.bytes().await.unwrap().to_vec();
    Answer { status, headers, body }
}

/// `path` answered by rc-analytics directly and through the proxy, plain and gzip-compressed: the same
/// answers. Returns the plain one.
async fn same_answer(http: &reqwest::Client, direct: &str, proxy: &str, path: &str, creds: Option<&Creds>) -> Answer {
    for gzip in [true, false] {
        let expected = answer(http, &format!("{direct}{path}"), creds, gzip).await;
        let through = answer(http, &format!("{proxy}{path}"), creds, gzip).await;
        assert_eq!(
            through, expected,
            "{path} (gzip: {gzip}) through the proxy differs from rc-analytics' own answer"
        );
        if !gzip {
            return through;
        }
    }
    unreachable!()
}

/// The first script or stylesheet the page loads from below the dashboard prefix, as an absolute path
/// (relative references resolved against the page's URL).
fn first_asset(html: &str) -> String {
    let base = url::Url::parse(&format!("http://page{DASHBOARD_PAGE}")).unwrap();
    for attr in [" src=\"", " href=\""] {
        for piece in html.split(attr).skip(1) {
            let reference = piece.split('"').next().unwrap();
            let resolved = base.join(reference).unwrap();
            let path = resolved.path();
            if resolved.host_str() == Some("page") && path.starts_with(DASHBOARD_PAGE) && path != DASHBOARD_PAGE {
                return path.to_string();
            }
        }
    }
    panic!("the page loads no asset from below {DASHBOARD_PAGE}:\n{html}")
}

#[tokio::test]
async fn nginx_sends_the_registry_routes_to_rc_analytics_and_the_rest_to_rocket_chat() {
    let nginx = nginx_binary();
    let app = spawn_app().await;
    let admin = app.admin().await;
    let rca_port: u16 = app.address.rsplit(':').next().unwrap().parse().unwrap();
    let (rc_port, seen) = stand_in_rocketchat().await;
    let listen = free_port();
    let _nginx = start_nginx(&nginx, listen, rca_port, rc_port);
    let proxy = format!("http://127.0.0.1:{listen}");
    // Redirects are answers to compare, not to follow.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let get = |path: &str, creds: Option<&Creds>| {
        let mut req = http.get(format!("{proxy}{path}"));
        if let Some(c) = creds {
            req = req.header("X-User-Id", &c.user_id).header("X-Auth-Token", &c.token);
        }
        req
    };
    let seen_count = || seen.lock().unwrap().len();

    // Every API route rc-analytics serves to Rocket.Chat's clients reaches rc-analytics, with the headers
    // intact (the admin passes the guard: no 401/403) and rc-analytics' request id echoed.
    for (path, family) in registry_routes() {
        if !matches!(family, Family::Engagement | Family::Omnichannel) {
            continue;
        }
        let before = seen_count();
        let res = get(&path, Some(&admin))
            .header("X-Request-Id", "via-proxy")
            .send()
            .await
            .unwrap();
        assert_eq!(seen_count(), before, "{path} reached Rocket.Chat");
        assert_eq!(res.headers()["x-request-id"], "via-proxy", "{path}");
        let status = res.status().as_u16();
        let body = res.text().await.unwrap();
        assert!(![401, 403, 404].contains(&status), "{path}: {status} {body}");
        assert!(
            body.starts_with(r#"{"success""#) || body.ends_with(r#""success":true}"#),
            "{path}: {body}"
        );
    }
    // Exact answers through the proxy: a report, and the 401 for a wrong token.
    let origin =
        "/api/v1/engagement-dashboard/messages/origin?start=2024-01-01T00:00:00.000Z&end=2024-01-01T00:00:00.000Z";
    let res = send(get(origin, Some(&admin))).await;
    assert_json(
        &res,
        200,
        r#"{"origins":[{"messages":0,"t":"c"},{"messages":0,"t":"d"},{"messages":0,"t":"p"}],"success":true}"#,
    );
    let wrong = Creds {
        user_id: admin.user_id.clone(),
        token: "not-the-token".into(),
    };
    assert_json(&send(get(origin, Some(&wrong))).await, 401, UNAUTHORIZED);
    // The dashboard page: every literal dashboard route of the registry under the prefix, the page, an asset
    // the page loads and the bare prefix reach rc-analytics and come back as rc-analytics answers them
    // directly (status, bytes, content type, caching, compression and security headers, redirect target);
    // the session route sees the caller's auth headers.
    let direct = format!("http://127.0.0.1:{rca_port}");
    let dashboard_paths: Vec<String> = registry_routes()
        .into_iter()
        .filter(|(p, f)| *f == Family::Dashboard && in_dashboard(p) && !p.contains('{'))
        .map(|(p, _)| p)
        .collect();
    assert!(
        dashboard_paths.contains(&DASHBOARD_PAGE.to_string()),
        "{dashboard_paths:?}"
    );
    assert!(dashboard_paths.contains(&SESSION.to_string()), "{dashboard_paths:?}");
    let page = same_answer(&http, &direct, &proxy, DASHBOARD_PAGE, Some(&admin)).await;
    assert_eq!(page.status, 200);
    assert!(
        page.header("content-type").unwrap().starts_with("text/html"),
        "{page:?}"
    );
    let asset = first_asset(&String::from_utf8_lossy(&page.body));
    let script = same_answer(&http, &direct, &proxy, &asset, None).await;
    assert_eq!(script.status, 200, "{asset}");
    assert!(!script.body.is_empty(), "{asset}");
    // The browser's revalidation passes through too: If-None-Match in, 304 out.
    let etag = script.header("etag").unwrap_or_else(|| panic!("{asset} has no ETag"));
    let res = get(&asset, None).header("If-None-Match", etag).send().await.unwrap();
    assert_eq!(res.status(), 304, "{asset}");
    assert_eq!(res.headers()["etag"], etag);
    let bare = same_answer(&http, &direct, &proxy, DASHBOARD_PREFIX, None).await;
    assert_eq!(bare.status, 301, "{bare:?}");
    assert_eq!(bare.header("location"), Some(DASHBOARD_PAGE));
    for path in &dashboard_paths {
        same_answer(&http, &direct, &proxy, path, Some(&admin)).await;
    }
    let res = get(SESSION, Some(&admin))
        .header("X-Request-Id", "page-via-proxy")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "page-via-proxy");
    assert_eq!(
        res.text().await.unwrap(),
        r#"{"user":{"_id":"admin1","username":"admin1"},"can":{"engagement":true,"omnichannel":true,"people":true},"timezone":"UTC","success":true}"#
    );
    assert_json(&send(get(SESSION, Some(&wrong))).await, 401, UNAUTHORIZED);
    assert_eq!(seen_count(), 0, "a dashboard request reached Rocket.Chat");

    // An unknown engagement-dashboard route is answered by rc-analytics (JSON 404), as the prefix says.
    let res = send(get("/api/v1/engagement-dashboard/not-a-route", None)).await;
    assert_json(&res, 404, r#"{"success":false,"error":"Resource not found"}"#);
    // Without an incoming id, the proxy's own (nginx $request_id: 32 hex digits) reaches rc-analytics.
    let res = get("/api/v1/engagement-dashboard/not-a-route", None)
        .send()
        .await
        .unwrap();
    let id = res.headers()["x-request-id"].to_str().unwrap().to_string();
    assert!(id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    assert_eq!(seen_count(), 0);

    // Everything else reaches Rocket.Chat, with the query string and the auth headers intact: routes
    // rc-analytics does not serve (also under the omnichannel dashboards, below an exact path, and beside
    // the dashboard prefix), Rocket.Chat's own root and pages, and rc-analytics' operations routes, which
    // the proxy does not expose.
    let not_served = [
        "/api/v1/livechat/analytics/dashboards/agents-productivity-totals?start=2024-01-01T00:00:00.000Z&end=x",
        "/api/v1/livechat/analytics/dashboards/conversations-by-source/extra",
        "/api/v1/livechat/analytics/dashboards/charts/chats",
        "/api/v1/engagement-dashboard",
        "/api/v1/me",
        "/api/v1/login",
        "/",
        "/home",
        "/rc-analyticsx",
        "/rc-analytics.js",
        "/health",
        "/ready",
        "/metrics",
        "/openapi.json",
    ];
    for target in not_served {
        let path = target.split('?').next().unwrap();
        assert!(!endpoints().iter().any(|e| e.path == path && proxied(e.family, &e.path)));
        let res = get(target, Some(&admin)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{target}");
        assert_eq!(res.text().await.unwrap(), "rocketchat", "{target}");
        let last = seen.lock().unwrap().last().cloned().unwrap();
        assert_eq!((last.method.as_str(), last.target.as_str()), ("GET", target));
        assert_eq!(last.header("x-auth-token"), Some(admin.token.as_str()), "{target}");
        assert_eq!(last.header("x-user-id"), Some(admin.user_id.as_str()), "{target}");
    }
    assert_eq!(seen_count(), not_served.len());

    // A websocket upgrade (Rocket.Chat's DDP at /websocket) reaches Rocket.Chat with its upgrade headers,
    // and the 101 comes back.
    let answer = tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", listen)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s.write_all(
            b"GET /websocket HTTP/1.1\r\nHost: chat.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
              Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        )
        .unwrap();
        let mut buf = [0u8; 256];
        let n = s.read(&mut buf).unwrap();
        String::from_utf8_lossy(&buf[..n]).to_string()
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 101 "), "{answer}");
    let ws = seen.lock().unwrap().last().cloned().unwrap();
    assert_eq!((ws.method.as_str(), ws.target.as_str()), ("GET", "/websocket"));
    assert_eq!(ws.header("upgrade"), Some("websocket"));
    assert_eq!(
        ws.header("connection").map(str::to_ascii_lowercase).as_deref(),
        Some("upgrade")
    );
    assert_eq!(ws.header("sec-websocket-key"), Some("dGhlIHNhbXBsZSBub25jZQ=="));
    assert_eq!(ws.header("host"), Some("chat.example"));
}
