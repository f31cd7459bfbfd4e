//! `GET /api/v1/engagement-dashboard/messages/origin`: validation, counting, day windows and zones.

use bson::doc;
use rc_analytics_seed::docs;

use crate::helpers::*;

const PATH: &str = "/api/v1/engagement-dashboard/messages/origin";
const START: &str = "2024-01-01T00:00:00.000Z";
const END: &str = "2024-01-07T23:59:59.999Z";

#[tokio::test]
async fn validation_table_of_rocket_chat() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let missing_start = match_error("Missing key 'start'");
    let bad_start = match_error("Failed Match.Where validation in field start");
    let bad_end = match_error("Failed Match.Where validation in field end");
    let cases: Vec<(String, String)> = vec![
        (String::new(), missing_start.clone()),
        (format!("end={END}"), missing_start.clone()),
        (format!("start={START}"), match_error("Missing key 'end'")),
        ("start=bad".into(), bad_start.clone()),
        (format!("start=bad&end={END}"), bad_start.clone()),
        (format!("start={START}&end=bad"), bad_end.clone()),
        ("end=bad&start=bad".into(), bad_end.clone()),
        (format!("start=2024-01-01&end={END}"), bad_start.clone()),
        (format!("start=2024-01-01T00:00:00Z&end={END}"), bad_start.clone()),
        (
            format!("start=2024-01-01T00:00:00.000%2B00:00&end={END}"),
            bad_start.clone(),
        ),
        (format!("start={START}&start={START}&end={END}"), bad_start.clone()),
        (format!("start[]={START}&end={END}"), bad_start.clone()),
        (format!("start[a]={START}&end={END}"), bad_start.clone()),
        ("end=bad".into(), bad_end.clone()),
    ];
    for (query, body) in cases {
        let res = app.get(&format!("{PATH}?{query}"), Some(&admin)).await;
        assert_eq!((res.status, res.body.as_str()), (400, body.as_str()), "query: {query}");
        assert_eq!(res.content_type, "application/json");
    }
}

#[tokio::test]
async fn extra_keys_ignored_and_no_order_check() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let empty = r#"{"origins":[{"messages":0,"t":"c"},{"messages":0,"t":"d"},{"messages":0,"t":"p"}],"success":true}"#;
    let res = app
        .get(&format!("{PATH}?count=5&start={START}&end={END}&_=1"), Some(&admin))
        .await;
    assert_json(&res, 200, empty);
    // end before start: accepted, matches nothing.
    let res = app.get(&format!("{PATH}?start={END}&end={START}"), Some(&admin)).await;
    assert_json(&res, 200, empty);
}

#[tokio::test]
async fn bad_time_zone_is_400() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for (tz, shown) in [
        ("Mars/Base", "Mars/Base"),
        ("%2B5:30", "+5:30"),
        ("+05:30", " 05:30"), // qs reads a raw '+' as a space
        ("UTC&tz=Europe/Berlin", "UTC,Europe/Berlin"),
    ] {
        let res = app
            .get(&format!("{PATH}?start={START}&end={END}&tz={tz}"), Some(&admin))
            .await;
        assert_json(
            &res,
            400,
            &format!(r#"{{"success":false,"error":"Invalid time zone: {shown}"}}"#),
        );
    }
    // Date validation comes first.
    let res = app
        .get(&format!("{PATH}?start=bad&end={END}&tz=Mars/Base"), Some(&admin))
        .await;
    assert_json(&res, 400, &match_error("Failed Match.Where validation in field start"));
}

#[tokio::test]
async fn empty_database_gives_three_zeros() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let res = app.get(&format!("{PATH}?start={START}&end={END}"), Some(&admin)).await;
    assert_json(
        &res,
        200,
        r#"{"origins":[{"messages":0,"t":"c"},{"messages":0,"t":"d"},{"messages":0,"t":"p"}],"success":true}"#,
    );
}

async fn rooms(app: &TestApp) {
    let ts = date("2023-06-01T00:00:00Z");
    app.insert(
        "rocketchat_room",
        vec![
            docs::room("c1", "c", "general", ts),
            docs::room("p1", "p", "secret", ts),
            docs::room("d1", "d", "user.one,user.two", ts),
            docs::livechat_room("l1", ts, "visitor1"),
            docs::room("v1", "v", "voip", ts),
        ],
    )
    .await;
}

#[tokio::test]
async fn counts_what_rocket_chat_counts() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    rooms(&app).await;
    let at = "2024-01-03T10:00:00Z";
    app.insert(
        "rocketchat_message",
        vec![
            msg("c-a", "c1", at, no_extra()),
            msg("c-b", "c1", at, no_extra()),
            msg("c-thread", "c1", at, doc! {"tmid": "c-a"}),
            msg("c-e2e", "c1", at, doc! {"t": "e2e", "e2e": "pending"}),
            msg("c-rm", "c1", at, doc! {"t": "rm"}),
            // deleted while keeping history: `_hidden` without `parent` still counts
            msg("c-hidden", "c1", at, doc! {"_hidden": true}),
            // not counted: system messages, edit-history copies
            msg("c-join", "c1", at, doc! {"t": "uj"}),
            msg("c-renamed", "c1", at, doc! {"t": "r"}),
            msg("c-history", "c1", at, doc! {"_hidden": true, "parent": "c-a"}),
            msg("p-a", "p1", at, no_extra()),
            msg("p-b", "p1", at, no_extra()),
            // day boundaries (UTC): both ends of the window count, one ms outside does not
            msg("p-first", "p1", "2024-01-01T00:00:00.000Z", no_extra()),
            msg("p-last", "p1", "2024-01-07T23:59:59.999Z", no_extra()),
            msg("p-before", "p1", "2023-12-31T23:59:59.999Z", no_extra()),
            msg("p-after", "p1", "2024-01-08T00:00:00.000Z", no_extra()),
            msg("d-a", "d1", at, no_extra()),
            // not dashboard rooms
            msg("l-a", "l1", at, doc! {"token": "token-visitor1"}),
            msg("l-b", "l1", at, no_extra()),
            msg("v-a", "v1", at, no_extra()),
            // room gone
            msg("gone-a", "deleted-room", at, no_extra()),
            msg("gone-b", "deleted-room", at, no_extra()),
        ],
    )
    .await;
    // start and end inside their days: whole days count.
    let query = format!("{PATH}?start=2024-01-01T12:00:00.000Z&end=2024-01-07T08:00:00.000Z");
    let expected =
        r#"{"origins":[{"messages":6,"t":"c"},{"messages":4,"t":"p"},{"messages":1,"t":"d"}],"success":true}"#;
    assert_json(&app.get(&query, Some(&admin)).await, 200, expected);
    // The same days again come from the result cache: no second aggregation.
    assert_eq!(app.state.store.aggregations_run(), 1);
    let same_days = format!("{PATH}?start=2024-01-01T00:00:00.000Z&end=2024-01-07T23:59:59.999Z");
    assert_json(&app.get(&same_days, Some(&admin)).await, 200, expected);
    assert_eq!(app.state.store.aggregations_run(), 1);
}

/// Repeated requests are answered from one cache entry: the same bytes each time, counted as cache hits;
/// a `format=csv` request of it is CSV from the same entry.
#[tokio::test]
async fn repeated_requests_are_answered_from_one_entry() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    rooms(&app).await;
    app.insert(
        "rocketchat_message",
        vec![msg("a", "c1", "2024-01-02T10:00:00Z", no_extra())],
    )
    .await;
    let query = format!("{PATH}?start={START}&end={END}");
    let expected =
        r#"{"origins":[{"messages":1,"t":"c"},{"messages":0,"t":"d"},{"messages":0,"t":"p"}],"success":true}"#;
    for _ in 0..8 {
        assert_json(&app.get(&query, Some(&admin)).await, 200, expected);
    }
    for _ in 0..2 {
        let res = app.get(&format!("{query}&format=csv"), Some(&admin)).await;
        assert_eq!(
            (res.status, res.body.as_str()),
            (200, "messages,t\r\n1,c\r\n0,d\r\n0,p\r\n")
        );
    }
    assert_eq!(app.state.store.aggregations_run(), 1);
    let metrics = app.get("/metrics", None).await.body;
    for line in [
        r#"rca_report_cache_total{report="engagement.messages.origin",result="hit"} 9"#,
        r#"rca_report_cache_total{report="engagement.messages.origin",result="miss"} 1"#,
    ] {
        assert!(metrics.lines().any(|l| l == line), "{line} in\n{metrics}");
    }
}

/// One message just outside and just inside each end of the local day 2024-01-01, given as UTC instants.
async fn boundary_messages(app: &TestApp, outside_before: &str, first: &str, last: &str, outside_after: &str) {
    app.insert(
        "rocketchat_message",
        vec![
            msg("before", "c1", outside_before, no_extra()),
            msg("first", "c1", first, no_extra()),
            msg("last", "c1", last, no_extra()),
            msg("after", "c1", outside_after, no_extra()),
        ],
    )
    .await;
}

const TWO_IN_C: &str =
    r#"{"origins":[{"messages":2,"t":"c"},{"messages":0,"t":"d"},{"messages":0,"t":"p"}],"success":true}"#;

#[tokio::test]
async fn sao_paulo_days() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    rooms(&app).await;
    boundary_messages(
        &app,
        "2024-01-01T02:59:59.999Z",
        "2024-01-01T03:00:00.000Z",
        "2024-01-02T02:59:59.999Z",
        "2024-01-02T03:00:00.000Z",
    )
    .await;
    // 2024-01-02T01:00Z is still Jan 1 in Sao Paulo.
    let q = "start=2024-01-01T12:00:00.000Z&end=2024-01-02T01:00:00.000Z";
    let res = app.get(&format!("{PATH}?{q}&tz=America/Sao_Paulo"), Some(&admin)).await;
    assert_json(&res, 200, TWO_IN_C);
    // The same question in UTC covers Jan 1 and Jan 2 (UTC): all four messages.
    let res = app.get(&format!("{PATH}?{q}"), Some(&admin)).await;
    assert_json(
        &res,
        200,
        r#"{"origins":[{"messages":4,"t":"c"},{"messages":0,"t":"d"},{"messages":0,"t":"p"}],"success":true}"#,
    );
    // RCA_TIMEZONE is the default zone.
    let app_sp = spawn_app_with(|s| {
        s.database = app.db.name().to_string();
        s.timezone = rc_analytics::params::zone::ReportZone::parse("America/Sao_Paulo").unwrap();
    })
    .await;
    assert_json(&app_sp.get(&format!("{PATH}?{q}"), Some(&admin)).await, 200, TWO_IN_C);
}

#[tokio::test]
async fn half_hour_offset_days() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    rooms(&app).await;
    boundary_messages(
        &app,
        "2023-12-31T18:29:59.999Z",
        "2023-12-31T18:30:00.000Z",
        "2024-01-01T18:29:59.999Z",
        "2024-01-01T18:30:00.000Z",
    )
    .await;
    let q = "start=2024-01-01T00:00:00.000Z&end=2024-01-01T00:00:00.000Z&tz=%2B05:30";
    assert_json(&app.get(&format!("{PATH}?{q}"), Some(&admin)).await, 200, TWO_IN_C);
}

#[tokio::test]
async fn dst_day_in_berlin_is_23_hours() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    rooms(&app).await;
    // 2024-03-31 in Berlin: 23:00Z (Mar 30) to 22:00Z (Mar 31).
    boundary_messages(
        &app,
        "2024-03-30T22:59:59.999Z",
        "2024-03-30T23:00:00.000Z",
        "2024-03-31T21:59:59.999Z",
        "2024-03-31T22:00:00.000Z",
    )
    .await;
    let q = "start=2024-03-31T10:00:00.000Z&end=2024-03-31T10:00:00.000Z&tz=Europe/Berlin";
    assert_json(&app.get(&format!("{PATH}?{q}"), Some(&admin)).await, 200, TWO_IN_C);
}

#[tokio::test]
async fn csv_extension() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    rooms(&app).await;
    app.insert(
        "rocketchat_message",
        vec![
            msg("a", "c1", "2024-01-02T10:00:00Z", no_extra()),
            msg("b", "d1", "2024-01-02T10:00:00Z", no_extra()),
            msg("c", "c1", "2024-01-02T10:00:00Z", no_extra()),
        ],
    )
    .await;
    let res = app
        .get(&format!("{PATH}?start={START}&end={END}&format=csv"), Some(&admin))
        .await;
    assert_eq!(
        (res.status, res.content_type.as_str(), res.body.as_str()),
        (200, "text/csv; charset=utf-8", "messages,t\r\n2,c\r\n1,d\r\n0,p\r\n")
    );
    let json = r#"{"origins":[{"messages":2,"t":"c"},{"messages":1,"t":"d"},{"messages":0,"t":"p"}],"success":true}"#;
    assert_json(
        &app.get(&format!("{PATH}?start={START}&end={END}&format=json"), Some(&admin))
            .await,
        200,
        json,
    );
    let res = app
        .get(&format!("{PATH}?start={START}&end={END}&format=xml"), Some(&admin))
        .await;
    assert_json(
        &res,
        400,
        r#"{"success":false,"error":"Invalid format: xml. Use csv or json."}"#,
    );
    // The report's own checks come first.
    let res = app
        .get(&format!("{PATH}?start=bad&end={END}&format=csv"), Some(&admin))
        .await;
    assert_json(&res, 400, &match_error("Failed Match.Where validation in field start"));
    assert_json(&app.get(&format!("{PATH}?format=csv"), None).await, 401, UNAUTHORIZED);
}
