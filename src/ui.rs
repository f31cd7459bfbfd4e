//! The dashboard page (docs/dashboard.md): Rocket.Chat's Engagement Dashboard and Omnichannel reports in the browser,
//! served under `/rc-analytics/` so that a proxy puts it on Rocket.Chat's origin, signed in with the
//! Rocket.Chat session the browser already has (the page reads it and sends the usual `X-User-Id` /
//! `X-Auth-Token` headers; the guard stays header-based).
//!
//! Everything the page needs is in `ui/` and embedded here at compile time (`include_bytes!`): no Node.js
//! at build time, no files at run time, nothing loaded from other hosts. Assets live under a versioned
//! directory, `/rc-analytics/assets/<crate version>-<content hash>/…`, so they can be cached for a year
//! (`immutable`); the page itself is revalidated on every load (`no-cache` plus `ETag`). Page and assets
//! carry a strict Content-Security-Policy (only `'self'`, no inline script, no `eval`), `nosniff`,
//! `Referrer-Policy: same-origin` and `frame-ancestors 'self'`, and are compressed when the client asks.
//!
//! Every path is a literal registry entry (`endpoints()`), so the router, `/openapi.json` and the proxy
//! checks all see the same list.

use std::sync::OnceLock;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Compress;
use actix_web::{web, HttpRequest, HttpResponse, HttpResponseBuilder, Resource, ResponseError};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::auth::{Authenticated, ENGAGEMENT_DASHBOARD, LIVECHAT_REPORTS, USER_ADMINISTRATION};
use crate::error::{success, ApiError};
use crate::registry::{get_or_head, Endpoint, Family};
use crate::state::AppState;

/// The bare prefix; redirects to [`PAGE`].
pub(crate) const PREFIX: &str = "/rc-analytics";
/// The page.
pub const PAGE: &str = "/rc-analytics/";
/// Who is signed in and which sections they may open.
pub const SESSION: &str = "/rc-analytics/api/session";
/// Where the versioned assets live, below [`PAGE`].
pub(crate) const ASSETS_DIR: &str = "assets";
/// Replaced in `ui/index.html` by the versioned asset directory (relative to the page).
const ASSETS_MARK: &str = "{{assets}}";

/// The Content-Security-Policy of the page and its assets: only this origin, no inline script or style,
/// no `eval`, no plugins, no `<base>` tricks, framing only by the same origin (Rocket.Chat itself).
/// Chart.js sizes its canvas through the CSSOM (`element.style.width = …`), which `style-src 'self'` allows.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; \
    connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
    frame-ancestors 'self'";

/// Long caching for versioned assets (their URL changes when their bytes do).
pub(crate) const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// The page itself: always revalidated (cheap, thanks to the ETag), so a new release is picked up.
pub(crate) const REVALIDATE: &str = "no-cache";

/// The files of `ui/`, embedded. `tests` checks that this list and the directory agree.
const FILES: &[(&str, &[u8])] = &[
    ("index.html", include_bytes!("../ui/index.html")),
    ("style.css", include_bytes!("../ui/style.css")),
    ("icon.svg", include_bytes!("../ui/icon.svg")),
    ("js/api.js", include_bytes!("../ui/js/api.js")),
    ("js/app.js", include_bytes!("../ui/js/app.js")),
    ("js/auth.js", include_bytes!("../ui/js/auth.js")),
    ("js/card.js", include_bytes!("../ui/js/card.js")),
    ("js/charts.js", include_bytes!("../ui/js/charts.js")),
    ("js/csv.js", include_bytes!("../ui/js/csv.js")),
    ("js/dom.js", include_bytes!("../ui/js/dom.js")),
    ("js/engagement.js", include_bytes!("../ui/js/engagement.js")),
    ("js/format.js", include_bytes!("../ui/js/format.js")),
    ("js/history.js", include_bytes!("../ui/js/history.js")),
    ("js/insights.js", include_bytes!("../ui/js/insights.js")),
    ("js/list.js", include_bytes!("../ui/js/list.js")),
    ("js/omnichannel.js", include_bytes!("../ui/js/omnichannel.js")),
    ("js/periods.js", include_bytes!("../ui/js/periods.js")),
    ("js/reports.js", include_bytes!("../ui/js/reports.js")),
    ("js/rooms.js", include_bytes!("../ui/js/rooms.js")),
    ("js/route.js", include_bytes!("../ui/js/route.js")),
    (
        "vendor/chart.js/chart.umd.min.js",
        include_bytes!("../ui/vendor/chart.js/chart.umd.min.js"),
    ),
    (
        "vendor/chart.js/LICENSE.md",
        include_bytes!("../ui/vendor/chart.js/LICENSE.md"),
    ),
    (
        "vendor/chart.js/VERSION",
        include_bytes!("../ui/vendor/chart.js/VERSION"),
    ),
];

/// One served file.
pub struct Asset {
    /// The URL path (absolute).
    pub path: String,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    /// A weak validator (`W/"…"`): the bytes on the wire differ with the negotiated compression.
    pub etag: String,
    pub(crate) cache_control: &'static str,
}

/// The page and its assets, built once from the embedded files.
pub struct Bundle {
    /// `<crate version>-<first 10 hex digits of the SHA-256 of every file>`.
    pub build: String,
    pub page: Asset,
    pub assets: Vec<Asset>,
}

impl Bundle {
    fn build(files: &[(&str, &[u8])]) -> Self {
        let mut all = Sha256::new();
        for (name, bytes) in files {
            all.update(name.as_bytes());
            all.update([0]);
            all.update((bytes.len() as u64).to_le_bytes());
            all.update(bytes);
        }
        let build = format!("{}-{}", env!("CARGO_PKG_VERSION"), &hex(&all.finalize())[..10]);
        let dir = format!("{ASSETS_DIR}/{build}");
        let mut page = None;
        let mut assets = Vec::new();
        for (name, bytes) in files {
            if *name == "index.html" {
                let html = String::from_utf8_lossy(bytes).replace(ASSETS_MARK, &dir);
                page = Some(asset(PAGE.into(), name, html.into_bytes(), REVALIDATE));
            } else {
                let path = format!("{PAGE}{dir}/{name}");
                assets.push(asset(path, name, bytes.to_vec(), IMMUTABLE));
            }
        }
        Self {
            build,
            page: page.expect("ui/index.html is embedded"),
            assets,
        }
    }

    /// The file served at `path`, if any.
    pub fn find(&self, path: &str) -> Option<&Asset> {
        std::iter::once(&self.page).chain(&self.assets).find(|a| a.path == path)
    }
}

fn asset(path: String, name: &str, body: Vec<u8>, cache_control: &'static str) -> Asset {
    let etag = format!("W/\"{}\"", &hex(&Sha256::digest(&body))[..20]);
    Asset {
        path,
        content_type: content_type(name),
        body,
        etag,
        cache_control,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The content type of an embedded file, by its name.
pub(crate) fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "json" => "application/json",
        _ => "text/plain; charset=utf-8",
    }
}

/// The embedded page and assets (built on first use).
pub fn bundle() -> &'static Bundle {
    static BUNDLE: OnceLock<Bundle> = OnceLock::new();
    BUNDLE.get_or_init(|| Bundle::build(FILES))
}

/// Whether an `If-None-Match` value matches `etag` (weak comparison, as RFC 9110 requires for it).
pub(crate) fn etag_matches(if_none_match: &str, etag: &str) -> bool {
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_string();
    let ours = opaque(etag);
    if_none_match.trim() == "*" || if_none_match.split(',').any(|candidate| opaque(candidate) == ours)
}

/// What a dashboard route answers, for the OpenAPI description.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A redirect to the page, with this status.
    Redirect(u16),
    /// The page or an asset, with this content type.
    File(&'static str),
    /// A guarded JSON route (401 like every route).
    Json,
}

/// The kind of the dashboard route at `path` (None: not a dashboard route).
pub fn kind(path: &str) -> Option<Kind> {
    if path == "/" {
        Some(Kind::Redirect(StatusCode::FOUND.as_u16()))
    } else if path == PREFIX {
        Some(Kind::Redirect(StatusCode::MOVED_PERMANENTLY.as_u16()))
    } else if path == SESSION {
        Some(Kind::Json)
    } else {
        bundle().find(path).map(|a| Kind::File(a.content_type))
    }
}

pub(crate) fn endpoints() -> Vec<Endpoint> {
    let endpoint = |path: String, summary, register| Endpoint::plain(path, Family::Dashboard, summary, register);
    let mut all = vec![
        endpoint(
            "/".into(),
            "Redirects to the dashboard page /rc-analytics/ (rc-analytics' own root; not proxied)",
            |p| redirect_resource(p, redirect_root),
        ),
        endpoint(PREFIX.into(), "Redirects to the dashboard page /rc-analytics/", |p| {
            redirect_resource(p, redirect_prefix)
        }),
        endpoint(
            PAGE.into(),
            "The dashboard page (HTML): Engagement Dashboard and Omnichannel reports, signed in with the \
             browser's Rocket.Chat session",
            file_resource,
        ),
        endpoint(
            SESSION.into(),
            "The signed-in user, which dashboard sections they may open (view-engagement-dashboard, \
             view-livechat-reports with its Community Edition fallback) and the report time zone",
            |p| crate::registry::get(p, session),
        ),
    ];
    for a in &bundle().assets {
        all.push(endpoint(
            a.path.clone(),
            "A dashboard page asset (versioned URL, cached for a year)",
            file_resource,
        ));
    }
    all
}

/// Adds the security headers every dashboard answer carries.
fn secure(mut res: HttpResponseBuilder) -> HttpResponseBuilder {
    res.insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "same-origin"))
        .insert_header((header::X_FRAME_OPTIONS, "SAMEORIGIN"));
    res
}

/// A GET (and HEAD) resource for a file, compressed when the client accepts it.
fn file_resource(path: &str) -> Resource {
    web::resource(path)
        .route(get_or_head().to(serve_file).wrap(Compress::default()))
        .default_service(web::to(method_not_allowed))
}

fn redirect_resource<F>(path: &str, handler: F) -> Resource
where
    F: actix_web::Handler<(HttpRequest,)>,
    F::Output: actix_web::Responder + 'static,
{
    web::resource(path)
        .route(get_or_head().to(handler))
        .default_service(web::to(method_not_allowed))
}

async fn method_not_allowed() -> HttpResponse {
    ApiError::MethodNotAllowed.error_response()
}

async fn serve_file(req: HttpRequest) -> HttpResponse {
    let Some(file) = bundle().find(req.path()) else {
        return ApiError::NotFound.error_response();
    };
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| etag_matches(v, &file.etag));
    let status = if fresh {
        StatusCode::NOT_MODIFIED
    } else {
        StatusCode::OK
    };
    let mut res = secure(HttpResponse::build(status));
    res.insert_header((header::ETAG, file.etag.as_str()))
        .insert_header((header::CACHE_CONTROL, file.cache_control));
    if fresh {
        return res.finish();
    }
    res.insert_header((header::CONTENT_TYPE, file.content_type))
        .body(file.body.clone())
}

/// `Location` for a redirect to the page, keeping the query string (the fragment stays in the browser).
pub(crate) fn location(query: &str) -> String {
    if query.is_empty() {
        PAGE.to_string()
    } else {
        format!("{PAGE}?{query}")
    }
}

fn redirect(req: &HttpRequest, status: StatusCode) -> HttpResponse {
    let mut res = secure(HttpResponse::build(status));
    match HeaderValue::from_str(&location(req.query_string())) {
        Ok(value) => res.insert_header((header::LOCATION, value)),
        Err(_) => res.insert_header((header::LOCATION, PAGE)),
    };
    res.insert_header((header::CACHE_CONTROL, "no-cache")).finish()
}

/// `/rc-analytics` → `/rc-analytics/`: the canonical address of a directory (permanent, like nginx's own).
async fn redirect_prefix(req: HttpRequest) -> HttpResponse {
    redirect(&req, StatusCode::MOVED_PERMANENTLY)
}

/// `/` → `/rc-analytics/`: rc-analytics' root opens the page (temporary: the root may serve more later).
async fn redirect_root(req: HttpRequest) -> HttpResponse {
    redirect(&req, StatusCode::FOUND)
}

/// `GET /rc-analytics/api/session`:
/// `{"user":{"_id","username"},"can":{"engagement","omnichannel"},"timezone","success":true}`.
async fn session(auth: Authenticated, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let engagement = auth.permits(ENGAGEMENT_DASHBOARD).await?;
    let omnichannel = auth.permits(LIVECHAT_REPORTS).await?;
    // The insights' members table (docs/insights.md): both permissions, and per-person data not turned off.
    let people = engagement && state.settings.member_insights && auth.permits(USER_ADMINISTRATION).await?;
    let user = auth.user;
    Ok(session_response(session_body(
        &user.id,
        user.username.as_deref(),
        [engagement, omnichannel, people],
        &state.settings.timezone.name(),
    )))
}

/// The session body's keys, in order, before `success`.
pub(crate) fn session_body(
    id: &str,
    username: Option<&str>,
    [engagement, omnichannel, people]: [bool; 3],
    timezone: &str,
) -> Map<String, Value> {
    let mut body = Map::new();
    body.insert("user".into(), json!({"_id": id, "username": username}));
    body.insert(
        "can".into(),
        json!({"engagement": engagement, "omnichannel": omnichannel, "people": people}),
    );
    body.insert("timezone".into(), Value::String(timezone.into()));
    body
}

fn session_response(body: Map<String, Value>) -> HttpResponse {
    let mut res = success(&body);
    let headers = res.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_of_ui_is_embedded_and_nothing_else() {
        fn walk(dir: &std::path::Path, root: &std::path::Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, root, out);
                } else {
                    out.push(path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/"));
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui");
        let mut on_disk = Vec::new();
        walk(&root, &root, &mut on_disk);
        on_disk.sort();
        let mut embedded: Vec<String> = FILES.iter().map(|(n, _)| n.to_string()).collect();
        embedded.sort();
        assert_eq!(embedded, on_disk);
    }

    #[test]
    fn the_page_points_at_the_versioned_assets_and_every_asset_has_a_type() {
        let b = Bundle::build(FILES);
        assert!(
            b.build.starts_with(concat!(env!("CARGO_PKG_VERSION"), "-")),
            "{}",
            b.build
        );
        assert_eq!(b.build.len(), env!("CARGO_PKG_VERSION").len() + 11);
        let html = String::from_utf8(b.page.body.clone()).unwrap();
        assert!(!html.contains(ASSETS_MARK));
        let dir = format!("assets/{}/", b.build);
        assert!(
            html.contains(&format!("src=\"{dir}vendor/chart.js/chart.umd.min.js\"")),
            "{html}"
        );
        assert!(html.contains(&format!("src=\"{dir}js/app.js\"")), "{html}");
        assert!(html.contains(&format!("href=\"{dir}style.css\"")), "{html}");
        assert_eq!(b.page.content_type, "text/html; charset=utf-8");
        assert_eq!(b.page.cache_control, REVALIDATE);
        for a in &b.assets {
            assert!(a.path.starts_with(&format!("{PAGE}{dir}")), "{}", a.path);
            assert_eq!(a.cache_control, IMMUTABLE);
        }
        let js = b.find(&format!("{PAGE}{dir}js/app.js")).unwrap();
        assert_eq!(js.content_type, "text/javascript; charset=utf-8");
        assert!(b.find("/rc-analytics/assets/0.0.0-0000000000/js/app.js").is_none());
        // The same files give the same build id and tags; one changed byte changes both.
        let again = Bundle::build(FILES);
        assert_eq!(
            (again.build.as_str(), again.page.etag.as_str()),
            (b.build.as_str(), b.page.etag.as_str())
        );
        let mut changed: Vec<(&str, &[u8])> = FILES.to_vec();
        changed[1] = ("style.css", b"body{}");
        let other = Bundle::build(&changed);
        assert_ne!(other.build, b.build);
        assert_ne!(other.page.etag, b.page.etag);
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type("a/b.js"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("style.css"), "text/css; charset=utf-8");
        assert_eq!(content_type("icon.svg"), "image/svg+xml");
        assert_eq!(content_type("LICENSE.md"), "text/plain; charset=utf-8");
        assert_eq!(content_type("VERSION"), "text/plain; charset=utf-8");
    }

    #[test]
    fn etags_compare_weakly() {
        let tag = "W/\"abc\"";
        assert!(etag_matches("W/\"abc\"", tag));
        assert!(etag_matches("\"abc\"", tag));
        assert!(etag_matches("\"x\", W/\"abc\"", tag));
        assert!(etag_matches("*", tag));
        assert!(!etag_matches("\"abd\"", tag));
        assert!(!etag_matches("", tag));
    }

    #[test]
    fn redirect_keeps_the_query() {
        assert_eq!(location(""), "/rc-analytics/");
        assert_eq!(location("a=1&b=2"), "/rc-analytics/?a=1&b=2");
    }

    #[test]
    fn session_body_key_order() {
        let body = session_body("u1", Some("ann"), [true, false, true], "Europe/Berlin");
        assert_eq!(
            Value::Object(body).to_string(),
            r#"{"user":{"_id":"u1","username":"ann"},"can":{"engagement":true,"omnichannel":false,"people":true},"timezone":"Europe/Berlin"}"#
        );
    }

    #[test]
    fn csp_allows_only_self_and_no_inline_script() {
        assert!(CSP.starts_with("default-src 'self';"));
        assert!(CSP.ends_with("frame-ancestors 'self'"));
        assert!(!CSP.contains("unsafe"));
        assert!(!CSP.contains("http"));
    }

    #[test]
    fn dashboard_routes_are_registered_literally() {
        let paths: Vec<String> = endpoints().into_iter().map(|e| e.path).collect();
        assert_eq!(&paths[..4], ["/", PREFIX, PAGE, SESSION]);
        assert_eq!(paths.len(), 4 + FILES.len() - 1);
        assert!(paths.iter().all(|p| !p.contains('{')));
        assert_eq!(kind("/"), Some(Kind::Redirect(302)));
        assert_eq!(kind(PREFIX), Some(Kind::Redirect(301)));
        assert_eq!(kind(SESSION), Some(Kind::Json));
        assert_eq!(kind(PAGE), Some(Kind::File("text/html; charset=utf-8")));
        assert_eq!(kind("/health"), None);
    }
}
