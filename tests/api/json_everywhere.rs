//! JSON everywhere: unknown paths, wrong methods, a database that is down, health and readiness.

use std::time::Duration;

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
async fn head_is_served_where_get_is_and_405_names_the_allowed_methods() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let origin =
        "/api/v1/engagement-dashboard/messages/origin?start=2024-01-01T00:00:00.000Z&end=2024-01-07T23:59:59.999Z";
    for (path, creds, status) in [("/health", None, 200), (origin, None, 401), (origin, Some(&admin), 200)] {
        let mut req = app.http.head(format!("{}{path}", app.address));
        if let Some(c) = creds {
            req = req.header("X-User-Id", &c.user_id).header("X-Auth-Token", &c.token);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status().as_u16(), status, "HEAD {path}");
        assert_eq!(res.headers()["content-type"], "application/json", "HEAD {path}");
        assert_eq!(res.text().await.unwrap(), "", "HEAD {path} has no body");
    }
    let res = app.http.post(format!("{}/health", app.address)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 405);
    assert_eq!(res.headers()["allow"], "GET, HEAD");
    assert_eq!(
        res.text().await.unwrap(),
        r#"{"success":false,"error":"Method not allowed"}"#
    );
}

#[tokio::test]
async fn json_answers_are_never_sniffed_and_metrics_are_not_cached() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let path = "/api/v1/engagement-dashboard/messages/origin?start=2024-01-01T00:00:00.000Z&end=2024-01-07T23:59:59.999Z&tz=%3Cscript%3E";
    let res = app.request(path, Some(&admin)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 400);
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(
        res.text().await.unwrap(),
        r#"{"success":false,"error":"Invalid time zone: <script>"}"#
    );
    let res = app.http.get(format!("{}/metrics", app.address)).send().await.unwrap();
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
}

/// A `format=csv` answer carries exactly these headers (its request id is generated), a JSON answer's
/// `cache-control`, `pragma` and `x-content-type-options` among them.
#[tokio::test]
async fn csv_answers_carry_exactly_these_headers() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let path = "/api/v1/engagement-dashboard/messages/origin?start=2024-01-01T00:00:00.000Z&end=2024-01-07T23:59:59.999Z&format=csv";
    let res = app.request(path, Some(&admin)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let headers: std::collections::BTreeMap<String, String> = res
        .headers()
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_string()))
        .collect();
    let generated = |name: &str, valid: fn(&str) -> bool| {
        let value = &headers[name];
        assert!(valid(value), "{name}: {value}");
        (name.to_string(), value.clone())
    };
    let expected = [
        ("cache-control", "no-store"),
        ("content-disposition", "attachment; filename=\"origin.csv\""),
        ("content-length", "27"),
        ("content-type", "text/csv; charset=utf-8"),
        ("pragma", "no-cache"),
        ("x-content-type-options", "nosniff"),
    ]
    .map(|(name, value)| (name.to_string(), value.to_string()))
    .into_iter()
    .chain([
        generated("date", |v| v.ends_with(" GMT")),
        generated("x-request-id", |v| {
            v.len() == 16 && v.bytes().all(|b| b.is_ascii_hexdigit())
        }),
    ])
    .collect();
    assert_eq!(headers, expected);
    assert_eq!(res.text().await.unwrap(), "messages,t\r\n0,c\r\n0,d\r\n0,p\r\n");
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
    // Without credentials the answer is still the 401: no database needed for that.
    let res = app.get("/api/v1/engagement-dashboard/messages/origin", None).await;
    assert_json(&res, 401, UNAUTHORIZED);
}

#[tokio::test]
async fn query_over_the_time_limit_is_504() {
    // 1 ms: no server, however fast, answers a 20,000-message aggregation within it (the guard's own
    // look-up may time out first: the answer is the same 504).
    let app = spawn_app_with(|s| s.query_timeout = Duration::from_millis(1)).await;
    let admin = app.admin().await;
    app.insert(
        "rocketchat_room",
        vec![rc_analytics_seed::docs::room(
            "c1",
            "c",
            "general",
            date("2023-01-01T00:00:00Z"),
        )],
    )
    .await;
    let start = date("2024-01-01T00:00:00Z").timestamp_millis();
    let messages = (0..20_000)
        .map(|i| bson::doc! {"_id": format!("m{i}"), "rid": "c1", "ts": bson::DateTime::from_millis(start + i * 1000)})
        .collect();
    app.insert("rocketchat_message", messages).await;
    let res = app
        .get(
            "/api/v1/engagement-dashboard/messages/origin?start=2024-01-01T00:00:00.000Z&end=2024-01-01T23:59:59.999Z",
            Some(&admin),
        )
        .await;
    assert_json(&res, 504, r#"{"success":false,"error":"Query timed out"}"#);
}

/// Runs the real binary with exactly `env` and returns (exit code, stderr).
fn run_binary(env: &[(&str, &str)]) -> (Option<i32>, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rc-analytics"))
        .env_clear()
        .envs(env.iter().copied())
        .output()
        .expect("binary runs");
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn bad_configuration_stops_start_up_naming_the_variable() {
    let url = ("MONGO_URL", "mongodb://127.0.0.1:9/rocketchat");
    let cases: [(&[(&str, &str)], &str); 5] = [
        (&[], "MONGO_URL"),
        (&[("MONGO_URL", "localhost:27017")], "MONGO_URL"),
        (&[url, ("RCA_CACHE_TTL_SECS", "abc")], "RCA_CACHE_TTL_SECS"),
        (&[url, ("RCA_TIMEZONE", "Mars/Base")], "RCA_TIMEZONE"),
        (&[url, ("RCA_BIND", "everywhere")], "RCA_BIND"),
    ];
    for (env, var) in cases {
        let (code, stderr) = run_binary(env);
        assert_eq!(code, Some(2), "{env:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with(&format!("rc-analytics: {var}: ")), "{stderr}");
    }
}

#[tokio::test]
async fn query_strings_qs_refuses_are_json_400() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let invalid = r#"{"success":false,"error":"Invalid query parameters"}"#;
    let dates = "start=2024-01-01T00:00:00.000Z&end=2024-01-01T00:00:00.000Z";
    // More than 500 values for one key (qs's arrayLimit), more than 1000 parameters (its parameterLimit).
    let many_values = vec!["x=1"; 501].join("&");
    let many_keys: Vec<String> = (0..1001).map(|i| format!("k{i}=1")).collect();
    for query in [many_values, many_keys.join("&")] {
        for path in [
            "/api/v1/engagement-dashboard/messages/origin",
            "/api/v1/livechat/analytics/dashboards/conversations-by-source",
        ] {
            let res = app.get(&format!("{path}?{dates}&{query}"), Some(&admin)).await;
            assert_json(&res, 400, invalid);
        }
    }
    // A malformed escape is kept as text, as qs does: here it makes `start` an invalid date.
    let res = app
        .get(
            "/api/v1/engagement-dashboard/messages/origin?start=%zz&end=%E0%A4%A",
            Some(&admin),
        )
        .await;
    assert_json(
        &res,
        400,
        r#"{"success":false,"error":"Match error: Failed Match.Where validation in field start"}"#,
    );
}
