//! The application factory: builds the shared state, binds, registers every
//! route of the registry, and the middleware that wraps them all (request ids, metrics, logging, panics
//! as JSON 500s, the `format=csv` extension). JSON answers for everything outside the routes.

use std::net::TcpListener;
use std::panic::AssertUnwindSafe;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::{from_fn, Next};
use actix_web::{web, App, HttpResponse, HttpServer, ResponseError};
use futures::FutureExt;
use serde_json::json;

use crate::auth::Authenticator;
use crate::config::Settings;
use crate::error::{json_response, ApiError};
use crate::hooks::Hooks;
use crate::metrics::Metrics;
use crate::registry::{get, Endpoint, Family};
use crate::state::AppState;
use crate::workspace::Workspace;

/// A bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
    auth: web::Data<Authenticator>,
}

impl Application {
    /// Binds `settings.bind` (port 0 picks a free port) and builds the server.
    pub async fn build(settings: Settings) -> std::io::Result<Self> {
        Self::build_with(settings, Hooks::default()).await
    }

    /// [`Self::build`], with `hooks` where the service may be made to wait (the tests').
    pub async fn build_with(settings: Settings, hooks: Hooks) -> std::io::Result<Self> {
        let listener = TcpListener::bind(&settings.bind)?;
        let port = listener.local_addr()?.port();
        let auth = web::Data::new(Authenticator::from_settings(&settings, &hooks));
        let state = web::Data::new(
            AppState::new(settings, registry_metrics(), &hooks)
                .await
                .map_err(std::io::Error::other)?,
        );
        // Learn which report indexes exist while MongoDB answers; otherwise the first report retries.
        let hints_state = state.clone();
        tokio::spawn(async move { hints_state.room_hints.refresh(&hints_state.store).await });
        let rollup_state = state.clone();
        tokio::spawn(async move { rollup_state.run_rollup().await });
        let logins_state = state.clone();
        tokio::spawn(async move { logins_state.run_logins().await });
        if let Some(workspace) = Workspace::new(&state) {
            let workspace_state = state.clone();
            tokio::spawn(async move { workspace.run(&workspace_state).await });
        }
        let server = run(listener, state.clone(), auth.clone())?;
        Ok(Self {
            port,
            server,
            state,
            auth,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// The guard's state (its caches).
    pub fn auth(&self) -> web::Data<Authenticator> {
        self.auth.clone()
    }

    /// Serves until SIGINT/SIGTERM, then drains in-flight requests (at most 8 s, inside Docker's 10 s).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// The server: actix-web's `HttpServer` (keep-alive 5 s, graceful shutdown draining in-flight requests for
/// at most 8 s). Malformed HTTP is answered by actix-http itself (docs/operations.md, "Malformed HTTP").
fn run(listener: TcpListener, state: web::Data<AppState>, auth: web::Data<Authenticator>) -> std::io::Result<Server> {
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(auth.clone())
            .wrap(from_fn(observe))
            .configure(routes)
            .default_service(web::to(not_found))
    })
    .shutdown_timeout(8)
    .listen(listener)?
    .run();
    Ok(server)
}

/// Every route rc-analytics serves.
pub fn endpoints() -> Vec<Endpoint> {
    let ops = |path: &str, summary, register| Endpoint::plain(path, Family::Operations, summary, register);
    let mut all = vec![
        ops("/health", "Liveness: 200 while the process runs (no I/O)", |p| {
            get(p, health)
        }),
        ops(
            "/ready",
            "Readiness: pings MongoDB, 503 when it cannot be reached",
            |p| get(p, ready),
        ),
        ops("/metrics", "Prometheus metrics", |p| get(p, metrics)),
        ops(
            "/openapi.json",
            "This OpenAPI description, generated from the route registry",
            |p| get(p, openapi),
        ),
    ];
    all.extend(crate::reports::endpoints());
    all.extend(crate::insights::endpoints());
    all.extend(crate::ui::endpoints());
    all
}

/// The metrics of every route and report of the registry, and of requests that match no route.
fn registry_metrics() -> Metrics {
    let all = endpoints();
    let mut routes: Vec<&str> = all.iter().map(|e| e.path.as_str()).collect();
    routes.push(UNMATCHED);
    let reports: Vec<&str> = all.iter().filter_map(|e| e.report.as_deref()).collect();
    Metrics::new(&routes, &reports)
}

pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    for endpoint in endpoints() {
        cfg.service((endpoint.register)(&endpoint.path));
    }
}

async fn not_found() -> HttpResponse {
    ApiError::NotFound.error_response()
}

async fn health() -> HttpResponse {
    json_response(StatusCode::OK, &json!({"status": "ok", "success": true}))
}

async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state.store.ping().await?;
    Ok(json_response(
        StatusCode::OK,
        &json!({"status": "ready", "success": true}),
    ))
}

async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    state.metrics.cache_bytes(state.reports.weighed_bytes().await);
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .insert_header((actix_web::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(state.metrics.render())
}

async fn openapi() -> HttpResponse {
    json_response(StatusCode::OK, &crate::openapi::document(&endpoints()))
}

/// The caller's (or the proxy's) `X-Request-Id` when it is 1 to 64 visible ASCII characters, else a new
/// random 16-hex-digit id. Anything else is replaced rather than echoed, so log lines stay one line.
pub(crate) fn request_id(incoming: Option<&[u8]>) -> String {
    match incoming {
        Some(v) if (1..=64).contains(&v.len()) && v.iter().all(|b| (0x21..=0x7e).contains(b)) => {
            String::from_utf8_lossy(v).into_owned()
        }
        _ => format!("{:016x}", rand::random::<u64>()),
    }
}

/// The request id header, read and echoed.
const REQUEST_ID: &str = "x-request-id";

/// Counts and times each request, logs one line for it (method, path, status, duration, request id),
/// echoes the request id in `X-Request-Id`, and turns a panic into a JSON 500.
///
/// Handler and extractor errors arrive here as responses, so they carry the header. A panic (or an error
/// returned by the service itself) leaves no request to build a response on: actix renders that error
/// after this middleware, without the header; its log line still has the id.
async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse, actix_web::Error> {
    let started = Instant::now();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let id = request_id(req.headers().get(REQUEST_ID).map(|v| v.as_bytes()));
    let method = req.method().clone();
    let path = req.path().to_owned();
    let mut outcome = match AssertUnwindSafe(next.call(req)).catch_unwind().await {
        Ok(Ok(res)) => Ok(res.map_into_boxed_body()),
        Ok(Err(e)) => Err(e),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(ApiError::internal(format!("panic while serving {path} (request {id}): {what}")).into())
        }
    };
    let (status, route) = match &mut outcome {
        Ok(res) => {
            if let Ok(value) = HeaderValue::from_str(&id) {
                res.headers_mut().insert(HeaderName::from_static(REQUEST_ID), value);
            }
            (res.status(), res.request().match_pattern())
        }
        Err(e) => (e.as_response_error().status_code(), None),
    };
    let route = route.unwrap_or_else(|| UNMATCHED.into());
    let elapsed = started.elapsed();
    if let Some(state) = state {
        state.metrics.request(&route, status.as_u16(), elapsed.as_secs_f64());
    }
    log::info!(
        "{method} {path} {} {:.1}ms request_id={id}",
        status.as_u16(),
        elapsed.as_secs_f64() * 1000.0
    );
    outcome
}

/// The metrics route label of requests that match no route (one label, so unknown paths cannot
/// multiply the series).
pub(crate) const UNMATCHED: &str = "unmatched";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_id_keeps_sane_ids_and_replaces_others() {
        assert_eq!(request_id(Some(b"abc-123_XYZ")), "abc-123_XYZ");
        assert_eq!(request_id(Some(&[b'a'; 64])), "a".repeat(64));
        for bad in [&b""[..], &[b'a'; 65], b"has space", b"line\nbreak", "é".as_bytes()] {
            let id = request_id(Some(bad));
            assert_eq!(id.len(), 16, "{bad:?}");
            assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
        }
        assert_ne!(request_id(None), request_id(None));
    }

    #[test]
    fn every_registry_route_is_described_with_its_parameters() {
        let all = endpoints();
        let doc = crate::openapi::document(&all);
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        let paths = doc["paths"].as_object().unwrap();
        assert_eq!(paths.len(), all.len());
        for e in &all {
            let op = &paths[&e.path]["get"];
            let names: Vec<&str> = op["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["name"].as_str().unwrap())
                .collect();
            let expected: Vec<&str> = e.params.iter().map(|p| p.name).collect();
            assert_eq!(names, expected, "{}", e.path);
            assert_eq!(
                op["x-rc-permission"].as_str(),
                e.permission.map(|r| r.name),
                "{}",
                e.path
            );
        }
    }

    #[test]
    fn dashboard_routes_describe_what_they_answer() {
        let doc = crate::openapi::document(&endpoints());
        let op = |path: &str| doc["paths"][path]["get"].clone();
        let session = op(crate::ui::SESSION);
        assert_eq!(
            session["responses"]["401"]["content"]["application/json"]["examples"]["unauthorized"]["value"],
            ApiError::Unauthorized.body()
        );
        assert_eq!(session["security"], json!([{"authToken": [], "userId": []}]));
        assert!(session["responses"]["200"]["content"]["application/json"].is_object());
        assert!(session.get("x-rc-permission").is_none());
        let page = op(crate::ui::PAGE);
        assert!(page["responses"]["200"]["content"]["text/html; charset=utf-8"].is_object());
        assert!(page["responses"]["304"].is_object());
        assert!(page["responses"].get("401").is_none());
        assert!(page.get("security").is_none());
        assert_eq!(
            op("/")["responses"]["302"]["headers"]["Location"]["schema"]["example"],
            crate::ui::PAGE
        );
        assert!(op(crate::ui::PREFIX)["responses"]["301"].is_object());
        assert!(op(crate::ui::PREFIX)["responses"].get("200").is_none());
    }

    #[test]
    fn operations_routes_are_registered() {
        let ops: Vec<String> = endpoints()
            .into_iter()
            .filter(|e| e.family == Family::Operations)
            .map(|e| e.path)
            .collect();
        assert_eq!(ops, ["/health", "/ready", "/metrics", "/openapi.json"]);
    }
}
