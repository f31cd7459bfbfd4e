//! The guard: 401 and 403 exactly as Rocket.Chat answers them.

use std::time::{Duration, Instant};

use bson::doc;
use rc_analytics::hooks::{Gate, Hooks};
use rc_analytics_seed::docs;

use crate::helpers::*;

const ORIGIN: &str =
    "/api/v1/engagement-dashboard/messages/origin?start=2024-01-01T00:00:00.000Z&end=2024-01-07T23:59:59.999Z";
const EMPTY_ORIGINS: &str =
    r#"{"origins":[{"messages":0,"t":"c"},{"messages":0,"t":"d"},{"messages":0,"t":"p"}],"success":true}"#;

#[tokio::test]
async fn missing_or_partial_headers_are_401() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    assert_json(&app.get(ORIGIN, None).await, 401, UNAUTHORIZED);
    for (uid, token) in [(admin.user_id.as_str(), ""), ("", admin.token.as_str())] {
        let req = app
            .http
            .get(format!("{}{ORIGIN}", app.address))
            .header("X-User-Id", uid)
            .header("X-Auth-Token", token);
        assert_json(&send(req).await, 401, UNAUTHORIZED);
    }
    let only_id = app
        .http
        .get(format!("{}{ORIGIN}", app.address))
        .header("X-User-Id", &admin.user_id);
    assert_json(&send(only_id).await, 401, UNAUTHORIZED);
    let only_token = app
        .http
        .get(format!("{}{ORIGIN}", app.address))
        .header("X-Auth-Token", &admin.token);
    assert_json(&send(only_token).await, 401, UNAUTHORIZED);
}

#[tokio::test]
async fn wrong_token_wrong_user_inactive_user_are_401() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let other = app.user("other", &["user"]).await;
    let wrong_token = Creds {
        token: "not-a-token".into(),
        ..admin.clone()
    };
    assert_json(&app.get(ORIGIN, Some(&wrong_token)).await, 401, UNAUTHORIZED);
    // A real token, but of another user.
    let crossed = Creds {
        user_id: admin.user_id.clone(),
        token: other.token.clone(),
    };
    assert_json(&app.get(ORIGIN, Some(&crossed)).await, 401, UNAUTHORIZED);
    let unknown = Creds {
        user_id: "nobody".into(),
        token: admin.token.clone(),
    };
    assert_json(&app.get(ORIGIN, Some(&unknown)).await, 401, UNAUTHORIZED);
    // Deactivated by a direct database edit, token still present: refused (hardening).
    let inactive = app.user("inactive", &["admin"]).await;
    app.db
        .collection::<bson::Document>("users")
        .update_one(doc! {"_id": "inactive"}, doc! {"$set": {"active": false}})
        .await
        .unwrap();
    assert_json(&app.get(ORIGIN, Some(&inactive)).await, 401, UNAUTHORIZED);
    // The 401 comes before validation.
    assert_json(
        &app.get(
            "/api/v1/engagement-dashboard/messages/origin?start=bad",
            Some(&wrong_token),
        )
        .await,
        401,
        UNAUTHORIZED,
    );
}

#[tokio::test]
async fn personal_access_token_works() {
    let app = spawn_app().await;
    app.default_permissions().await;
    let d = docs::user(
        "patuser",
        "pat.user",
        &["admin"],
        date("2024-01-01T00:00:00Z"),
        &[],
        &["pat-secret-123456"],
    );
    app.insert("users", vec![d]).await;
    let creds = Creds {
        user_id: "patuser".into(),
        token: "pat-secret-123456".into(),
    };
    assert_json(&app.get(ORIGIN, Some(&creds)).await, 200, EMPTY_ORIGINS);
}

#[tokio::test]
async fn missing_permission_is_403_before_validation() {
    let app = spawn_app().await;
    app.default_permissions().await;
    let plain = app.user("plain", &["user"]).await;
    assert_json(&app.get(ORIGIN, Some(&plain)).await, 403, FORBIDDEN);
    assert_json(
        &app.get("/api/v1/engagement-dashboard/messages/origin?start=bad", Some(&plain))
            .await,
        403,
        FORBIDDEN,
    );
    // A livechat manager holds the livechat permissions, not this one.
    let manager = app.user("manager", &["user", "livechat-manager"]).await;
    assert_json(&app.get(ORIGIN, Some(&manager)).await, 403, FORBIDDEN);
}

#[tokio::test]
async fn custom_role_granted_in_permissions_works() {
    let app = spawn_app().await;
    app.insert(
        "rocketchat_roles",
        vec![docs::role("Xy7customRoleId", "Users", "Analysts")],
    )
    .await;
    app.insert(
        "rocketchat_permissions",
        vec![docs::permission(ENGAGEMENT, &["admin", "Xy7customRoleId"])],
    )
    .await;
    let analyst = app.user("analyst", &["user", "Xy7customRoleId"]).await;
    assert_json(&app.get(ORIGIN, Some(&analyst)).await, 200, EMPTY_ORIGINS);
    // Roles come from the database: take the grant away and the same user is refused.
    app.db
        .collection::<bson::Document>("rocketchat_permissions")
        .update_one(doc! {"_id": ENGAGEMENT}, doc! {"$set": {"roles": ["admin"]}})
        .await
        .unwrap();
    assert_json(&app.get(ORIGIN, Some(&analyst)).await, 403, FORBIDDEN);
}

#[tokio::test]
async fn guest_is_denied_even_with_a_granting_role() {
    let app = spawn_app().await;
    app.default_permissions().await;
    let guest = app.user("guest1", &["guest", "admin"]).await;
    assert_json(&app.get(ORIGIN, Some(&guest)).await, 403, FORBIDDEN);
}

#[tokio::test]
async fn an_absent_engagement_document_means_the_admin_role() {
    // Community Edition keeps the core permission; should its document be missing, Rocket.Chat's
    // default (admin) applies.
    let app = spawn_app().await;
    let admin = app.user("admin1", &["admin"]).await;
    let manager = app.user("manager1", &["user", "livechat-manager"]).await;
    assert_json(&app.get(ORIGIN, Some(&admin)).await, 200, EMPTY_ORIGINS);
    assert_json(&app.get(ORIGIN, Some(&manager)).await, 403, FORBIDDEN);
}

#[tokio::test]
async fn an_existing_document_with_no_roles_refuses_everyone() {
    let app = spawn_app().await;
    app.insert("rocketchat_permissions", vec![docs::permission(ENGAGEMENT, &[])])
        .await;
    let admin = app.user("admin1", &["admin"]).await;
    assert_json(&app.get(ORIGIN, Some(&admin)).await, 403, FORBIDDEN);
}

#[tokio::test]
async fn auth_cache_keeps_a_user_for_its_ttl() {
    let app = spawn_app_with(|s| s.auth_cache_ttl = std::time::Duration::from_secs(300)).await;
    let admin = app.admin().await;
    assert_json(&app.get(ORIGIN, Some(&admin)).await, 200, EMPTY_ORIGINS);
    // Revoked in the database; the cached resolution still answers within the TTL.
    app.db
        .collection::<bson::Document>("users")
        .update_one(
            doc! {"_id": "admin1"},
            doc! {"$set": {"services.resume.loginTokens": []}},
        )
        .await
        .unwrap();
    assert_json(&app.get(ORIGIN, Some(&admin)).await, 200, EMPTY_ORIGINS);
    // Young entries (under half the TTL) are served without any look-up.
    assert_eq!(app.auth.user_lookups(), 1);
    // Without a cache, the revocation is seen at once.
    let uncached = spawn_app_with(|s| s.database = app.db.name().to_string()).await;
    assert_json(&uncached.get(ORIGIN, Some(&admin)).await, 401, UNAUTHORIZED);
}

const TIMED_OUT: &str = r#"{"success":false,"error":"Query timed out"}"#;

async fn revoke_tokens(app: &TestApp, user_id: &str) {
    app.db
        .collection::<bson::Document>("users")
        .update_one(
            doc! {"_id": user_id},
            doc! {"$set": {"services.resume.loginTokens": []}},
        )
        .await
        .unwrap();
}

/// A hit in the last part of an entry's time answers from the entry and starts one
/// background look-up (one per key, however many hits arrive meanwhile); that look-up sees the revocation.
#[tokio::test]
async fn a_hit_in_the_refresh_window_answers_from_the_cache_and_refreshes_once_in_the_background() {
    // Every hit is in the refresh window; background refreshes wait for the test.
    let gate = Gate::closed();
    let hooks = Hooks {
        auth_refresh_after: Some(Duration::ZERO),
        before_auth_refresh: Some(gate.hook()),
        ..Hooks::default()
    };
    let app = spawn_app_hooked(
        &unique_db_name(),
        |s| s.auth_cache_ttl = Duration::from_secs(300),
        hooks,
    )
    .await;
    let admin = app.admin().await;
    assert_json(&app.get(ORIGIN, Some(&admin)).await, 200, EMPTY_ORIGINS);
    assert_eq!(app.auth.user_lookups(), 1);
    revoke_tokens(&app, "admin1").await;
    // Still within the TTL: answered from the entry, while one refresh waits to run.
    for _ in 0..3 {
        assert_json(&app.get(ORIGIN, Some(&admin)).await, 200, EMPTY_ORIGINS);
    }
    assert_eq!(app.auth.user_lookups(), 2);
    gate.open(10);
    app.auth.refreshes_settled().await;
    // Exactly one background look-up ran; it found the token gone and dropped the entry.
    assert_eq!(app.auth.user_lookups(), 2);
    assert_json(&app.get(ORIGIN, Some(&admin)).await, 401, UNAUTHORIZED);
    assert_eq!(app.auth.user_lookups(), 3);
}

/// The guard's look-ups have their own short limit (`RCA_AUTH_TIMEOUT_MS`); over it the
/// answer is the store's 504, long before `RCA_QUERY_TIMEOUT_MS`.
#[tokio::test]
async fn an_auth_lookup_over_its_limit_is_504_quickly() {
    let app = spawn_app_with(|s| {
        s.auth_timeout = Duration::from_millis(200);
        s.query_timeout = Duration::from_secs(60);
    })
    .await;
    let admin = app.admin().await;
    for stalled in ["users", "rocketchat_permissions"] {
        app.stall(stalled, true);
        let started = Instant::now();
        assert_json(&app.get(ORIGIN, Some(&admin)).await, 504, TIMED_OUT);
        // 0.2 s limit; the query limit is 60 s.
        assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
        app.stall(stalled, false);
    }
    assert_json(&app.get(ORIGIN, Some(&admin)).await, 200, EMPTY_ORIGINS);
    // Both counted as database time-outs.
    let metrics = app.get("/metrics", None).await.body;
    for (kind, n) in [("timeout", 2), ("unavailable", 0), ("other", 0)] {
        let line = format!(r#"rca_mongodb_errors_total{{kind="{kind}"}} {n}"#);
        assert!(metrics.lines().any(|l| l == line), "{line} in\n{metrics}");
    }
}

/// A cached answer does not wait for a database that has stopped answering: the login
/// and the grant are served from their entries while their refreshes wait in the background.
#[tokio::test]
async fn a_cached_login_answers_while_the_database_stalls() {
    let hooks = Hooks {
        auth_refresh_after: Some(Duration::ZERO),
        ..Hooks::default()
    };
    let app = spawn_app_hooked(
        &unique_db_name(),
        |s| {
            s.auth_cache_ttl = Duration::from_secs(300);
            // A refresh that waited for the database would hold the request for a minute.
            s.auth_timeout = Duration::from_secs(60);
            s.query_timeout = Duration::from_secs(120);
        },
        hooks,
    )
    .await;
    let admin = app.admin().await;
    assert_json(&app.get(ORIGIN, Some(&admin)).await, 200, EMPTY_ORIGINS);
    for stalled in [
        "users",
        "rocketchat_permissions",
        "rocketchat_message",
        "rocketchat_room",
    ] {
        app.stall(stalled, true);
    }
    for _ in 0..3 {
        let started = Instant::now();
        assert_json(&app.get(ORIGIN, Some(&admin)).await, 200, EMPTY_ORIGINS);
        assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    }
    // One refresh started (and is still waiting for the database).
    assert_eq!(app.auth.user_lookups(), 2);
}
