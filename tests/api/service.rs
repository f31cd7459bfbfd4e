//! JSON everywhere: unknown paths, wrong methods, a database that is down, health and readiness.

use std::time::{Duration, Instant};

use crate::helpers::*;

#[tokio::test]
async fn unknown_path_is_json_404() {
    let app = spawn_app().await;
    for path in [
        "/nope",
        "/api/v1/engagement-dashboard/nope",
        "/api/v1/engagement-dashboard/messages/origin/x",
    ] {
        assert_json(
            &app.get(path, None).await,
            404,
            r#"{"success":false,"error":"Resource not found"}"#,
        );
    }
}

#[tokio::test]
async fn wrong_method_is_json_405() {
    let app = spawn_app().await;
    let url = format!("{}/api/v1/engagement-dashboard/messages/origin", app.address);
    for req in [app.http.post(&url), app.http.delete(&url), app.http.put(&url)] {
        assert_json(
            &send(req).await,
            405,
            r#"{"success":false,"error":"Method not allowed"}"#,
        );
    }
}

#[tokio::test]
async fn health_and_ready() {
    let app = spawn_app().await;
    assert_json(
        &app.get("/health", None).await,
        200,
        r#"{"status":"ok","success":true}"#,
    );
    assert_json(
        &app.get("/ready", None).await,
        200,
        r#"{"status":"ready","success":true}"#,
    );
}

#[tokio::test]
async fn database_down_is_503_quickly() {
    // Nothing listens on port 9 of the loopback interface.
    let app = spawn_app_with(|s| {
        s.mongo_url = "mongodb://127.0.0.1:9/?directConnection=true".into();
        s.connect_timeout = Duration::from_millis(500);
    })
    .await;
    assert_json(
        &app.get("/health", None).await,
        200,
        r#"{"status":"ok","success":true}"#,
    );
    let unavailable = r#"{"success":false,"error":"Database unavailable"}"#;
    let started = Instant::now();
    assert_json(&app.get("/ready", None).await, 503, unavailable);
    let creds = Creds {
        user_id: "u".into(),
        token: "t".into(),
    };
    let res = app
        .get(
            "/api/v1/engagement-dashboard/messages/origin?start=2024-01-01T00:00:00.000Z&end=2024-01-01T00:00:00.000Z",
            Some(&creds),
        )
        .await;
    assert_json(&res, 503, unavailable);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    // Without credentials the answer is still the 401: no database needed for that.
    let res = app.get("/api/v1/engagement-dashboard/messages/origin", None).await;
    assert_json(&res, 401, UNAUTHORIZED);
}
