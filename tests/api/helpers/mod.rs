//! The harness: a database of its own per test, the app started in-process on a free port, and
//! fixtures that write Rocket.Chat-shaped documents. Every helper more than one test file uses lives here.

pub mod process;
pub mod routing;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::web::Data;
use bson::{doc, DateTime, Document};
use mongodb::{Client, Database};
use rc_analytics::app::Application;
use rc_analytics::auth::Authenticator;
use rc_analytics::config::Settings;
use rc_analytics::hooks::Hooks;
use rc_analytics::state::AppState;
use rc_analytics_seed::{docs, Credential, SeedSummary};

pub const ENGAGEMENT: &str = "view-engagement-dashboard";
pub const LIVECHAT_REPORTS: &str = "view-livechat-reports";

pub fn mongodb_uri() -> String {
    std::env::var("MONGODB_URI")
        .or_else(|_| std::env::var("MONGO_URL"))
        .expect("MONGODB_URI is not set: run the tests with scripts/test.sh, which starts a test database")
}

pub struct TestApp {
    pub address: String,
    pub db: Database,
    pub state: Data<AppState>,
    /// The guard's state (its caches and their test seams).
    pub auth: Data<Authenticator>,
    pub http: reqwest::Client,
    /// Collections whose operations never answer (until their time limit): see [`TestApp::stall`].
    stalled: Arc<Mutex<HashSet<String>>>,
}

/// Credentials of a user the fixtures created.
#[derive(Clone, Debug)]
pub struct Creds {
    pub user_id: String,
    pub token: String,
}

impl From<&Credential> for Creds {
    fn from(c: &Credential) -> Self {
        Self {
            user_id: c.user_id.clone(),
            token: c.token.clone(),
        }
    }
}

/// The seeded user whose most important role is `role`.
pub fn seeded(summary: &SeedSummary, role: &str) -> Creds {
    summary
        .credentials
        .iter()
        .find(|c| c.role == role)
        .unwrap_or_else(|| panic!("no {role} in {:?}", summary.credentials))
        .into()
}

/// The 400 body of a Meteor `check` failure.
pub fn match_error(text: &str) -> String {
    format!(r#"{{"success":false,"error":"Match error: {text}"}}"#)
}

pub struct Response {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

pub fn unique_db_name() -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "rca_test_{}_{}_{nanos}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Settings for a test: the test server, a fresh database, a free port, no auth cache, the guard's
/// look-ups bounded like every query (30 s).
pub fn test_settings(database: &str) -> Settings {
    let uri = mongodb_uri();
    let mut s = Settings::from_lookup(|k| match k {
        "MONGO_URL" => Some(uri.clone()),
        "RCA_BIND" => Some("127.0.0.1:0".into()),
        "RCA_AUTH_CACHE_TTL_SECS" => Some("0".into()),
        // Tests run side by side on one SecantusDB, whose Python server answers one operation at a time:
        // the guard's look-ups may queue behind other tests' aggregations. Tests of the limit set their own.
        "RCA_AUTH_TIMEOUT_MS" => Some("30000".into()),
        // Tests write their data after the service starts: the raw pipeline answers unless a test turns
        // the rollup on (tests/api/rollup.rs, which holds its build until the data is written).
        "RCA_ROLLUP" => Some("off".into()),
        // The workspace series read in the background, beside the tests' own operations (which some tests
        // count): off unless a test turns them on (tests/api/workspace_series.rs).
        "RCA_WORKSPACE_METRICS" => Some("off".into()),
        _ => None,
    })
    .expect("test settings");
    s.database = database.to_string();
    s
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(customise: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_on(&unique_db_name(), customise).await
}

/// The app on database `name` (two apps may share one: tests/api/rollup.rs compares them).
pub async fn spawn_app_on(name: &str, customise: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_hooked(name, customise, Hooks::default()).await
}

/// The app on database `name`, with `hooks` (its `before_operation` is the harness's: [`TestApp::stall`]).
pub async fn spawn_app_hooked(name: &str, customise: impl FnOnce(&mut Settings), mut hooks: Hooks) -> TestApp {
    let mut settings = test_settings(name);
    customise(&mut settings);
    let client = Client::with_uri_str(mongodb_uri()).await.expect("test client");
    let db = client.database(&settings.database);
    let stalled: Arc<Mutex<HashSet<String>>> = Arc::default();
    let stalls = Arc::clone(&stalled);
    hooks.before_operation = Some(Arc::new(move |collection| {
        let stalls = stalls.lock().unwrap();
        let stalled = stalls.contains(collection) || stalls.contains(EVERY_COLLECTION);
        Box::pin(async move {
            if stalled {
                std::future::pending::<()>().await;
            }
        })
    }));
    let app = Application::build_with(settings, hooks).await.expect("app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state();
    let auth = app.auth();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        db,
        state,
        auth,
        http: reqwest::Client::new(),
        stalled,
    }
}

/// Every `.rs` file under `dir`, at any depth, in name order.
pub fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

pub fn date(iso: &str) -> DateTime {
    DateTime::parse_rfc3339_str(iso).expect("valid date")
}

/// What [`TestApp::stall`] takes to stall every operation.
pub const EVERY_COLLECTION: &str = "*";

impl TestApp {
    /// From now on, operations on `collection` ([`EVERY_COLLECTION`]: on any) never answer; each ends at its
    /// time limit, as when the database is too slow to serve it. `false` lifts it.
    pub fn stall(&self, collection: &str, stalled: bool) {
        let mut set = self.stalled.lock().unwrap();
        if stalled {
            set.insert(collection.to_string());
        } else {
            set.remove(collection);
        }
    }

    pub async fn get(&self, path_and_query: &str, creds: Option<&Creds>) -> Response {
        send(self.request(path_and_query, creds)).await
    }

    /// The GET of [`TestApp::get`], to send (and read headers from).
    pub fn request(&self, path_and_query: &str, creds: Option<&Creds>) -> reqwest::RequestBuilder {
        let req = self.http.get(format!("{}{path_and_query}", self.address));
        match creds {
            Some(c) => req.header("X-User-Id", &c.user_id).header("X-Auth-Token", &c.token),
            None => req,
        }
    }

    pub async fn insert(&self, collection: &str, docs: Vec<Document>) {
        if !docs.is_empty() {
            self.db
                .collection::<Document>(collection)
                .insert_many(docs)
                .await
                .expect("insert");
        }
    }

    /// Rocket.Chat's default grants for the analytics permissions.
    pub async fn default_permissions(&self) {
        self.insert(
            "rocketchat_permissions",
            vec![
                docs::permission(ENGAGEMENT, &["admin"]),
                docs::permission(LIVECHAT_REPORTS, &["admin", "livechat-manager", "livechat-monitor"]),
                docs::permission(
                    "view-livechat-manager",
                    &["admin", "livechat-manager", "livechat-monitor"],
                ),
            ],
        )
        .await;
    }

    /// A user with `roles` and one login token; returns its credentials.
    pub async fn user(&self, id: &str, roles: &[&str]) -> Creds {
        let token = format!("token-of-{id}");
        let d = docs::user(id, id, roles, date("2024-01-01T00:00:00Z"), &[&token], &[]);
        self.insert("users", vec![d]).await;
        Creds {
            user_id: id.into(),
            token,
        }
    }

    /// Default permissions and an admin; the usual start of a report test.
    pub async fn admin(&self) -> Creds {
        self.default_permissions().await;
        self.user("admin1", &["admin", "user"]).await
    }
}

/// The line of metric `name` (without labels) in `app`'s `/metrics`, empty when there is none.
pub async fn metric(app: &TestApp, name: &str) -> String {
    let res = app.get("/metrics", None).await;
    res.body
        .lines()
        .find(|l| l.starts_with(&format!("{name} ")))
        .unwrap_or_default()
        .to_string()
}

pub async fn send(req: reqwest::RequestBuilder) -> Response {
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    let content_type = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = res.text().await.expect("body");
    Response {
        status,
        content_type,
        body,
    }
}

/// Asserts status and exact body (and that it is JSON).
#[track_caller]
pub fn assert_json(res: &Response, status: u16, body: &str) {
    assert_eq!((res.status, res.body.as_str()), (status, body));
    assert_eq!(res.content_type, "application/json");
}

pub const UNAUTHORIZED: &str = r#"{"success":false,"error":"You must be logged in to do this.","status":"error","message":"You must be logged in to do this."}"#;
pub const FORBIDDEN: &str =
    r#"{"success":false,"error":"User does not have the permissions required for this action [error-unauthorized]"}"#;

/// A message document, with `extra` fields set on top.
pub fn msg(id: &str, rid: &str, ts: &str, extra: Document) -> Document {
    let mut d = docs::message(id, rid, date(ts), "u1", "user.one", "hello");
    d.extend(extra);
    d
}

pub fn no_extra() -> Document {
    doc! {}
}

/// A port nothing listens on at the moment it is returned.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The omnichannel reports' path.
pub const BASE: &str = "/api/v1/livechat/analytics/dashboards";
/// The week 2024-01-01 (inclusive) to 2024-01-08 (exclusive), UTC.
pub const WEEK: &str = "start=2024-01-01T00:00:00.000Z&end=2024-01-08T00:00:00.000Z";
/// An instant inside [`WEEK`].
pub const IN_WEEK: &str = "2024-01-03T10:00:00Z";

/// An omnichannel conversation created at `ts`, with `extra` fields set and `without` fields removed.
pub fn conversation(id: &str, ts: &str, extra: Document, without: &[&str]) -> Document {
    let mut d = docs::livechat_room(id, date(ts), &format!("visitor-{id}"));
    for key in without {
        d.remove(key);
    }
    d.extend(extra);
    d
}

/// `n` conversations in the week with the same `extra` fields.
pub fn conversations(prefix: &str, n: usize, extra: Document) -> Vec<Document> {
    (0..n)
        .map(|i| conversation(&format!("{prefix}-{i}"), IN_WEEK, extra.clone(), &[]))
        .collect()
}
