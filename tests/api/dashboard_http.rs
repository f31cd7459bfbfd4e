//! The dashboard page as HTTP sees it: the session route's exact bodies, the redirects, and the
//! page's and assets' headers (types, caching, ETag/304, compression, security). The page's behaviour in a
//! browser is tested by tests/ui/ (node + Chromium).

use chrono::NaiveDate;
use rc_analytics::ui::{self, bundle, CSP};
use rc_analytics_seed::{docs, generate, Edition, SeedOptions};
use reqwest::header::HeaderMap;

use crate::helpers::*;

/// A client that shows redirects instead of following them.
fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).map(|v| v.to_str().unwrap())
}

#[track_caller]
fn assert_secure(headers: &HeaderMap) {
    assert_eq!(header(headers, "content-security-policy"), Some(CSP));
    assert_eq!(header(headers, "x-content-type-options"), Some("nosniff"));
    assert_eq!(header(headers, "referrer-policy"), Some("same-origin"));
    assert_eq!(header(headers, "x-frame-options"), Some("SAMEORIGIN"));
}

/// Community Edition's permission documents: no `view-livechat-reports` (the enterprise module creates it),
/// so the omnichannel section follows `view-livechat-manager`.
async fn community_permissions(app: &TestApp) {
    app.insert(
        "rocketchat_permissions",
        vec![
            docs::permission(ENGAGEMENT, &["admin"]),
            docs::permission("view-livechat-manager", &["admin", "livechat-manager"]),
        ],
    )
    .await;
}

#[tokio::test]
async fn session_tells_who_and_what_with_rocket_chat_bodies() {
    let app =
        spawn_app_with(|s| s.timezone = rc_analytics::params::zone::ReportZone::parse("Europe/Berlin").unwrap()).await;
    community_permissions(&app).await;
    let admin = app.user("admin1", &["admin", "user"]).await;
    let manager = app.user("manager1", &["livechat-manager", "user"]).await;
    let plain = app.user("plain1", &["user"]).await;
    let guest = app.user("guest1", &["guest", "admin"]).await;

    let res = app.get(ui::SESSION, Some(&admin)).await;
    assert_json(
        &res,
        200,
        r#"{"user":{"_id":"admin1","username":"admin1"},"can":{"engagement":true,"omnichannel":true,"people":true},"timezone":"Europe/Berlin","success":true}"#,
    );
    let res = app.get(ui::SESSION, Some(&manager)).await;
    assert_json(
        &res,
        200,
        r#"{"user":{"_id":"manager1","username":"manager1"},"can":{"engagement":false,"omnichannel":true,"people":false},"timezone":"Europe/Berlin","success":true}"#,
    );
    let res = app.get(ui::SESSION, Some(&plain)).await;
    assert_json(
        &res,
        200,
        r#"{"user":{"_id":"plain1","username":"plain1"},"can":{"engagement":false,"omnichannel":false,"people":false},"timezone":"Europe/Berlin","success":true}"#,
    );
    // A guest holds none of the analytics permissions, whatever other roles it has (docs/community-edition.md).
    let res = app.get(ui::SESSION, Some(&guest)).await;
    assert_json(
        &res,
        200,
        r#"{"user":{"_id":"guest1","username":"guest1"},"can":{"engagement":false,"omnichannel":false,"people":false},"timezone":"Europe/Berlin","success":true}"#,
    );

    // 401 like every route: no headers, one header, a wrong token, an unknown user.
    assert_json(&app.get(ui::SESSION, None).await, 401, UNAUTHORIZED);
    let wrong = Creds {
        user_id: "admin1".into(),
        token: "not-the-token".into(),
    };
    assert_json(&app.get(ui::SESSION, Some(&wrong)).await, 401, UNAUTHORIZED);
    let res = send(
        app.http
            .get(format!("{}{}", app.address, ui::SESSION))
            .header("X-User-Id", "admin1"),
    )
    .await;
    assert_json(&res, 401, UNAUTHORIZED);
    // Only GET.
    let res = send(app.http.post(format!("{}{}", app.address, ui::SESSION))).await;
    assert_json(&res, 405, r#"{"success":false,"error":"Method not allowed"}"#);

    // The session answer is never cached and not sniffed.
    let res = app
        .http
        .get(format!("{}{}", app.address, ui::SESSION))
        .header("X-User-Id", &admin.user_id)
        .header("X-Auth-Token", &admin.token)
        .send()
        .await
        .unwrap();
    assert_eq!(header(res.headers(), "cache-control"), Some("no-store"));
    assert_eq!(header(res.headers(), "x-content-type-options"), Some("nosniff"));
}

/// The demo generator's Community Edition data (no `view-livechat-reports` document): the admin may open
/// both sections, a livechat manager the omnichannel reports only, a plain user neither.
#[tokio::test]
async fn session_on_seeded_community_data() {
    let app = spawn_app().await;
    let mut options = SeedOptions::new(NaiveDate::from_ymd_opt(2024, 3, 10).unwrap());
    options.messages = 300;
    options.edition = Edition::Community;
    let seeded = generate(&app.db, &options).await.expect("seed");
    let creds = |role: &str| {
        let c = seeded.credentials.iter().find(|c| c.role == role).unwrap();
        (Creds::from(c), c.username.clone())
    };
    for (role, engagement, omnichannel) in [
        ("admin", true, true),
        ("livechat-manager", false, true),
        ("livechat-agent", false, false),
        ("user", false, false),
        ("guest", false, false),
    ] {
        let (c, username) = creds(role);
        let res = app.get(ui::SESSION, Some(&c)).await;
        assert_json(
            &res,
            200,
            &format!(
                r#"{{"user":{{"_id":"{}","username":"{username}"}},"can":{{"engagement":{engagement},"omnichannel":{omnichannel},"people":{engagement}}},"timezone":"UTC","success":true}}"#,
                c.user_id
            ),
        );
    }
}

#[tokio::test]
async fn enterprise_permission_document_decides_alone() {
    let app = spawn_app().await;
    app.default_permissions().await;
    let monitor = app.user("monitor1", &["livechat-monitor"]).await;
    let res = app.get(ui::SESSION, Some(&monitor)).await;
    assert_json(
        &res,
        200,
        r#"{"user":{"_id":"monitor1","username":"monitor1"},"can":{"engagement":false,"omnichannel":true,"people":false},"timezone":"UTC","success":true}"#,
    );
}

#[tokio::test]
async fn root_and_bare_prefix_redirect_to_the_page() {
    let app = spawn_app().await;
    let http = no_redirects();
    for (path, status, location) in [
        ("/", 302, "/rc-analytics/"),
        ("/rc-analytics", 301, "/rc-analytics/"),
        ("/rc-analytics?tab=users", 301, "/rc-analytics/?tab=users"),
        ("/?a=1&b=%22", 302, "/rc-analytics/?a=1&b=%22"),
    ] {
        let res = http.get(format!("{}{path}", app.address)).send().await.unwrap();
        assert_eq!(res.status().as_u16(), status, "{path}");
        assert_eq!(header(res.headers(), "location"), Some(location), "{path}");
        assert_secure(res.headers());
        assert_eq!(res.text().await.unwrap(), "", "{path}");
    }
    // Followed, it lands on the page.
    let res = app.http.get(format!("{}/", app.address)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.url().path(), "/rc-analytics/");
    // Anything else below the prefix is the usual JSON 404.
    let res = app.get("/rc-analytics/nope.js", None).await;
    assert_json(&res, 404, r#"{"success":false,"error":"Resource not found"}"#);
    let res = app.get("/rc-analytics/assets/0.0.0-0000000000/js/app.js", None).await;
    assert_json(&res, 404, r#"{"success":false,"error":"Resource not found"}"#);
}

#[tokio::test]
async fn page_and_assets_carry_types_caching_etags_and_security_headers() {
    let app = spawn_app().await;
    let http = no_redirects();
    let b = bundle();

    // The page: HTML, revalidated every time, pointing at this build's assets.
    let res = http
        .get(format!("{}{}", app.address, ui::PAGE))
        .header("Accept-Encoding", "identity")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let headers = res.headers().clone();
    assert_eq!(header(&headers, "content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(header(&headers, "cache-control"), Some("no-cache"));
    assert_eq!(header(&headers, "etag"), Some(b.page.etag.as_str()));
    assert_eq!(header(&headers, "content-encoding"), None);
    assert_secure(&headers);
    let html = res.text().await.unwrap();
    assert_eq!(html.as_bytes(), b.page.body.as_slice());
    let dir = format!("assets/{}", b.build);
    assert!(
        html.contains(&format!("<script type=\"module\" src=\"{dir}/js/app.js\"></script>")),
        "{html}"
    );
    // No inline script anywhere in the page (the CSP would refuse it).
    assert_eq!(
        html.matches("<script").count(),
        html.matches("<script src=").count() + html.matches("<script type=\"module\" src=").count()
    );
    assert!(!html.contains("style="), "{html}");

    // Every asset: its type, a year of caching, its ETag, the security headers.
    for a in &b.assets {
        let res = http.get(format!("{}{}", app.address, a.path)).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200, "{}", a.path);
        assert_eq!(
            header(res.headers(), "content-type"),
            Some(a.content_type),
            "{}",
            a.path
        );
        assert_eq!(
            header(res.headers(), "cache-control"),
            Some("public, max-age=31536000, immutable"),
            "{}",
            a.path
        );
        assert_eq!(header(res.headers(), "etag"), Some(a.etag.as_str()), "{}", a.path);
        assert_secure(res.headers());
        assert_eq!(res.bytes().await.unwrap().as_ref(), a.body.as_slice(), "{}", a.path);
    }
    let js = format!("{}{dir}/js/app.js", ui::PAGE);
    let chart = format!("{}{dir}/vendor/chart.js/chart.umd.min.js", ui::PAGE);
    let css = format!("{}{dir}/style.css", ui::PAGE);
    for (path, ty) in [
        (&js, "text/javascript; charset=utf-8"),
        (&chart, "text/javascript; charset=utf-8"),
        (&css, "text/css; charset=utf-8"),
    ] {
        let res = http.get(format!("{}{path}", app.address)).send().await.unwrap();
        assert_eq!(
            (res.status().as_u16(), header(res.headers(), "content-type")),
            (200, Some(ty)),
            "{path}"
        );
    }

    // If-None-Match with the current tag: 304, no body, same validators and headers.
    for path in [ui::PAGE, chart.as_str()] {
        let etag = b.find(path).unwrap().etag.clone();
        for sent in [
            etag.clone(),
            etag.trim_start_matches("W/").to_string(),
            format!("\"other\", {etag}"),
        ] {
            let res = http
                .get(format!("{}{path}", app.address))
                .header("If-None-Match", &sent)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status().as_u16(), 304, "{path} {sent}");
            assert_eq!(header(res.headers(), "etag"), Some(etag.as_str()));
            assert_secure(res.headers());
            assert_eq!(res.bytes().await.unwrap().len(), 0);
        }
        let res = http
            .get(format!("{}{path}", app.address))
            .header("If-None-Match", "\"stale\"")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200, "{path}");
    }

    // Compression when asked for (gzip, brotli), none otherwise; the JSON routes are left alone.
    for (accept, encoding) in [("gzip", Some("gzip")), ("br", Some("br")), ("identity", None)] {
        let res = http
            .get(format!("{}{chart}", app.address))
            .header("Accept-Encoding", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
        assert_eq!(header(res.headers(), "content-encoding"), encoding, "{accept}");
        let size = res.bytes().await.unwrap().len();
        let full = b.find(&chart).unwrap().body.len();
        if encoding.is_some() {
            assert!(size * 2 < full, "{accept}: {size} of {full}");
        } else {
            assert_eq!(size, full);
        }
    }

    // HEAD like GET, without the body; other methods 405.
    for path in [ui::PAGE, js.as_str()] {
        let res = http.head(format!("{}{path}", app.address)).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200, "HEAD {path}");
        assert_eq!(header(res.headers(), "etag"), Some(b.find(path).unwrap().etag.as_str()));
        assert_secure(res.headers());
        assert_eq!(res.bytes().await.unwrap().len(), 0, "HEAD {path}");
    }
    let res = http.head(format!("{}/rc-analytics", app.address)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 301);
    let res = send(http.post(format!("{}{js}", app.address))).await;
    assert_json(&res, 405, r#"{"success":false,"error":"Method not allowed"}"#);
}

#[tokio::test]
async fn openapi_lists_the_session_route_with_its_401() {
    let app = spawn_app().await;
    let res = app.get("/openapi.json", None).await;
    let doc: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    let session = &doc["paths"][ui::SESSION]["get"];
    assert_eq!(session["tags"], serde_json::json!(["dashboard"]));
    assert_eq!(
        session["responses"]["401"]["content"]["application/json"]["examples"]["unauthorized"]["value"].to_string(),
        UNAUTHORIZED
    );
    assert!(doc["paths"][ui::PAGE]["get"]["responses"]["200"]["content"]["text/html; charset=utf-8"].is_object());
}
