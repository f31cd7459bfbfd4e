//! `GET /api/v1/livechat/analytics/dashboards/conversations-by-department` (and what the family shares:
//! validation, dates, guard, monitor scope, cache, hints).

use bson::{doc, Document};
use std::sync::Arc;

use futures::future::join_all;
use rc_analytics::hooks::Hooks;
use rc_analytics_seed::docs;

use crate::helpers::*;

const DEPT: &str = "/api/v1/livechat/analytics/dashboards/conversations-by-department";
const ROUTES: [&str; 5] = [
    "conversations-by-department",
    "conversations-by-source",
    "conversations-by-status",
    "conversations-by-tags",
    "conversations-by-agent",
];

fn in_department(id: &str) -> Document {
    doc! {"departmentId": id}
}

/// Rocket.Chat's documented example: TestQueue 1, TestBH 1, "Missing" 16 (two departments of that
/// name, 10 + 6), 43 without department; plus what must not count.
async fn example_data(app: &TestApp) {
    app.insert(
        "rocketchat_livechat_department",
        vec![
            docs::department("dep-queue", "TestQueue"),
            docs::department("dep-bh", "TestBH"),
            docs::department("dep-missing-a", "Missing"),
            docs::department("dep-missing-b", "Missing"),
        ],
    )
    .await;
    let mut rooms = vec![
        conversation("queue-1", IN_WEEK, in_department("dep-queue"), &[]),
        conversation("bh-1", "2024-01-01T00:00:00.000Z", in_department("dep-bh"), &[]),
        // Outside [start, end): one ms before, exactly at the end.
        conversation("bh-before", "2023-12-31T23:59:59.999Z", in_department("dep-bh"), &[]),
        conversation("bh-at-end", "2024-01-08T00:00:00.000Z", in_department("dep-bh"), &[]),
        // A department that was deleted: counted nowhere.
        conversation("deleted-1", IN_WEEK, in_department("dep-deleted"), &[]),
        conversation("deleted-2", IN_WEEK, in_department("dep-deleted"), &[]),
        // Not an omnichannel room.
        {
            let mut d = docs::room("channel-1", "c", "general", date(IN_WEEK));
            d.insert("departmentId", "dep-queue");
            d
        },
    ];
    rooms.extend(conversations("missing-a", 10, in_department("dep-missing-a")));
    rooms.extend(conversations("missing-b", 6, in_department("dep-missing-b")));
    rooms.extend(conversations("none", 43, doc! {}));
    app.insert("rocketchat_room", rooms).await;
}

/// The example data in the default order: `{total: 1}`, ties by name.
const DEFAULT_ORDER: &str = r#"{"total":18,"data":[{"label":"TestBH","value":1},{"label":"TestQueue","value":1},{"label":"Missing","value":16}],"unspecified":43,"success":true}"#;
const EXAMPLE: &str = r#"{"total":18,"data":[{"label":"TestQueue","value":1},{"label":"TestBH","value":1},{"label":"Missing","value":16}],"unspecified":43,"success":true}"#;

#[tokio::test]
async fn rocket_chats_example_is_reproduced() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    example_data(&app).await;
    // Rocket.Chat's example lists the tie TestQueue/TestBH in that order: ask for names descending
    // within equal totals.
    let sort = r#"{"total":1,"_id":-1}"#;
    let res = app.get(&format!("{DEPT}?{WEEK}&sort={sort}"), Some(&admin)).await;
    assert_json(&res, 200, EXAMPLE);
    // Default order {total: 1}, ties by name.
    let res = app.get(&format!("{DEPT}?{WEEK}"), Some(&admin)).await;
    assert_json(&res, 200, DEFAULT_ORDER);
    // The same rows as CSV (the `format` extension).
    let res = app.get(&format!("{DEPT}?{WEEK}&format=csv"), Some(&admin)).await;
    assert_eq!(
        (res.status, res.content_type.as_str(), res.body.as_str()),
        (
            200,
            "text/csv; charset=utf-8",
            "label,value\r\nTestBH,1\r\nTestQueue,1\r\nMissing,16\r\n"
        )
    );
}

#[tokio::test]
async fn sorts() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    example_data(&app).await;
    let by_total_desc = r#"{"total":18,"data":[{"label":"Missing","value":16},{"label":"TestBH","value":1},{"label":"TestQueue","value":1}],"unspecified":43,"success":true}"#;
    let by_name = by_total_desc; // the same order here
    let by_name_desc = r#"{"total":18,"data":[{"label":"TestQueue","value":1},{"label":"TestBH","value":1},{"label":"Missing","value":16}],"unspecified":43,"success":true}"#;
    for (sort, body) in [
        (r#"{"total":-1}"#, by_total_desc),
        (r#"{"_id":1}"#, by_name),
        (r#"{"_id":-1}"#, by_name_desc),
        (r#"{"total":-1.0,"_id":1}"#, by_total_desc),
        // Unknown keys are accepted, as in Rocket.Chat (every row ties: by name).
        (r#"{"foo":1}"#, by_name),
        // Decision: an empty sort is the default order.
        ("{}", DEFAULT_ORDER),
        ("%7B%22total%22%3A-1%7D", by_total_desc),
    ] {
        let res = app.get(&format!("{DEPT}?{WEEK}&sort={sort}"), Some(&admin)).await;
        assert_eq!((res.status, res.body.as_str()), (200, body), "sort={sort}");
    }
}

#[tokio::test]
async fn empty_answer_keeps_rocket_chats_key_order() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.insert("rocketchat_room", conversations("none", 2, doc! {})).await;
    let res = app.get(&format!("{DEPT}?{WEEK}"), Some(&admin)).await;
    assert_json(&res, 200, r#"{"data":[],"total":0,"unspecified":2,"success":true}"#);
}

fn error(text: &str) -> String {
    format!(
        r#"{{"success":false,"error":{}}}"#,
        serde_json::to_string(text).unwrap()
    )
}

fn invalid_params(text: &str) -> String {
    format!(r#"{{"success":false,"error":"{text} [invalid-params]","errorType":"invalid-params"}}"#)
}

fn invalid_sort(raw_json_escaped: &str) -> String {
    format!(
        r#"{{"success":false,"error":"Invalid sort parameter provided: \"{raw_json_escaped}\" [error-invalid-sort]","errorType":"error-invalid-sort","details":{{"helperMethod":"parseJsonQuery"}}}}"#
    )
}

#[tokio::test]
async fn validation_vectors() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let start = "2024-01-01T00:00:00.000Z";
    let end = "2024-01-08T00:00:00.000Z";
    let valid_start = error(r#"The "start" query parameter must be a valid date."#);
    let valid_end = error(r#"The "end" query parameter must be a valid date."#);
    let year_apart = error(r#"The "start" and "end" query parameters must be less than 1 year apart."#);
    let start_before = error(r#"The "start" query parameter must be before the "end" query parameter."#);
    let cases: Vec<(String, String)> = vec![
        (String::new(), invalid_params("must have required property 'start'")),
        (
            format!("end={end}"),
            invalid_params("must have required property 'start'"),
        ),
        (
            format!("start={start}"),
            invalid_params("must have required property 'end'"),
        ),
        (
            format!("start={start}&foo=1"),
            invalid_params("must have required property 'end'"),
        ),
        (
            format!("start={start}&end={end}&foo=1"),
            invalid_params("must NOT have additional properties"),
        ),
        (
            format!("start={start}&end={end}&count=10&_=1"),
            invalid_params("must NOT have additional properties"),
        ),
        (
            format!("start={start}&end={end}&foo=1&sort=abc&tz=bad"),
            invalid_params("must NOT have additional properties"),
        ),
        (
            format!("start={start}&start={start}&end={end}"),
            invalid_params("must be string"),
        ),
        (format!("start={start}&end[]={end}"), invalid_params("must be string")),
        (
            format!("start={start}&end={end}&sort=a&sort=b"),
            invalid_params("must be string"),
        ),
        (format!("start={start}&end={end}&sort=abc"), invalid_sort("abc")),
        (format!("start=bad&end={end}&sort=abc"), invalid_sort("abc")),
        (
            format!("start={start}&end={end}&sort={{\"total\":2}}"),
            invalid_sort(r#"{\"total\":2}"#),
        ),
        (format!("start={start}&end={end}&sort="), invalid_sort("")),
        (format!("start={start}&end={end}&sort=null"), invalid_sort("null")),
        // tz (our extension) after sort, before the dates it is needed for.
        (
            format!("start=bad&end={end}&sort=abc&tz=Mars/Base"),
            invalid_sort("abc"),
        ),
        (
            format!("start=bad&end={end}&tz=Mars/Base"),
            error("Invalid time zone: Mars/Base"),
        ),
        (
            format!("start=bad&end={end}&tz=UTC&tz=UTC"),
            error("Invalid time zone: UTC,UTC"),
        ),
        ("start=bad&end=worse".into(), valid_start.clone()),
        (format!("start=&end={end}"), valid_start.clone()),
        (format!("start=2024-02-30&end={end}"), valid_start.clone()),
        (format!("start=2024/01/01&end={end}"), valid_start.clone()),
        (format!("start={start}&end=bad"), valid_end.clone()),
        (format!("start={start}&end=2024-01-08T25:00"), valid_end.clone()),
        (
            "start=2022-01-01T00:00:00.000Z&end=2024-01-01T00:00:00.000Z".into(),
            year_apart.clone(),
        ),
        ("start=2024-01-01&end=2025-01-05".into(), year_apart.clone()),
        (format!("start={end}&end={start}"), start_before.clone()),
        (
            "start=2024-01-02T00:00:00.001Z&end=2024-01-02T00:00:00.000Z".into(),
            start_before.clone(),
        ),
    ];
    for (query, body) in cases {
        let res = app.get(&format!("{DEPT}?{query}"), Some(&admin)).await;
        assert_eq!((res.status, res.body.as_str()), (400, body.as_str()), "query: {query}");
        assert_eq!(res.content_type, "application/json");
    }
    let empty = r#"{"data":[],"total":0,"unspecified":0,"success":true}"#;
    for query in [
        // At most 1.01 years apart, counted from day to day.
        "start=2024-01-01&end=2025-01-04T23:59:59".to_string(),
        // start == end is allowed (an empty range).
        format!("start={start}&end={start}"),
        // Our extensions.
        format!("start={start}&end={end}&tz=%2B05:30&format=json"),
        // Other ISO 8601 forms moment accepts.
        "start=2024-W01-1&end=20240108T000000Z".to_string(),
        "start=2024-001T00:00%2B01:00&end=2024-01-08%2000:00:00,000".to_string(),
        // RFC 2822 as moment reads it.
        "start=Mon,%201%20Jan%202024%2000:00:00%20GMT&end=2024-01-08".to_string(),
        // qs drops keys that shadow Object.prototype before ajv sees them.
        format!("start={start}&end={end}&toString=1"),
    ] {
        let res = app.get(&format!("{DEPT}?{query}"), Some(&admin)).await;
        assert_eq!((res.status, res.body.as_str()), (200, empty), "query: {query}");
    }
}

#[tokio::test]
async fn every_route_validates_the_same_way_and_only_some_read_sort() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for route in ROUTES {
        let res = app.get(&format!("{BASE}/{route}?{WEEK}&foo=1"), Some(&admin)).await;
        assert_json(&res, 400, &invalid_params("must NOT have additional properties"));
        let res = app.get(&format!("{BASE}/{route}?start=2024-01-01"), Some(&admin)).await;
        assert_json(&res, 400, &invalid_params("must have required property 'end'"));
        let res = app
            .get(&format!("{BASE}/{route}?start=x&end=2024-01-01"), Some(&admin))
            .await;
        assert_json(
            &res,
            400,
            &error(r#"The "start" query parameter must be a valid date."#),
        );
        let res = app.get(&format!("{BASE}/{route}?{WEEK}&sort=abc"), Some(&admin)).await;
        if route.ends_with("source") || route.ends_with("status") {
            // Rocket.Chat does not parse sort on these two routes.
            assert_eq!(res.status, 200, "{route}");
        } else {
            assert_json(&res, 400, &invalid_sort("abc"));
        }
    }
}

#[tokio::test]
async fn guard_comes_first() {
    let app = spawn_app().await;
    app.default_permissions().await;
    let agent = app.user("agent1", &["livechat-agent"]).await;
    let manager = app.user("manager1", &["livechat-manager", "user"]).await;
    for route in ROUTES {
        for query in [WEEK, "foo=1"] {
            let path = format!("{BASE}/{route}?{query}");
            assert_json(&app.get(&path, None).await, 401, UNAUTHORIZED);
            let wrong = Creds {
                user_id: "agent1".into(),
                token: "wrong".into(),
            };
            assert_json(&app.get(&path, Some(&wrong)).await, 401, UNAUTHORIZED);
            assert_json(&app.get(&path, Some(&agent)).await, 403, FORBIDDEN);
        }
        let res = app.get(&format!("{BASE}/{route}?{WEEK}"), Some(&manager)).await;
        assert_eq!(res.status, 200, "{route}: {}", res.body);
    }
}

#[tokio::test]
async fn date_only_and_offset_less_dates_are_in_the_report_zone() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.insert(
        "rocketchat_livechat_department",
        vec![
            docs::department("d1", "Early"),
            docs::department("d2", "Middle"),
            docs::department("d3", "Late"),
        ],
    )
    .await;
    app.insert(
        "rocketchat_room",
        vec![
            // Jan 1 01:00Z is still Dec 31 in Sao Paulo (UTC-3).
            conversation("early", "2024-01-01T01:00:00Z", in_department("d1"), &[]),
            conversation("middle", "2024-01-01T03:00:00Z", in_department("d2"), &[]),
            conversation("late", "2024-01-02T02:59:59.999Z", in_department("d3"), &[]),
        ],
    )
    .await;
    let one_day = "start=2024-01-01&end=2024-01-02";
    let res = app.get(&format!("{DEPT}?{one_day}"), Some(&admin)).await;
    assert_json(
        &res,
        200,
        r#"{"total":2,"data":[{"label":"Early","value":1},{"label":"Middle","value":1}],"unspecified":0,"success":true}"#,
    );
    let res = app
        .get(&format!("{DEPT}?{one_day}&tz=America/Sao_Paulo"), Some(&admin))
        .await;
    assert_json(
        &res,
        200,
        r#"{"total":2,"data":[{"label":"Late","value":1},{"label":"Middle","value":1}],"unspecified":0,"success":true}"#,
    );
    // Offset-less times too; strings with an offset are instants whatever the zone.
    let res = app
        .get(
            &format!("{DEPT}?start=2023-12-31T22:00&end=2024-01-01T01:00:00.001%2B00:00&tz=America/Sao_Paulo"),
            Some(&admin),
        )
        .await;
    assert_json(
        &res,
        200,
        r#"{"total":1,"data":[{"label":"Early","value":1}],"unspecified":0,"success":true}"#,
    );
}

/// Unit U1 with department d-in (ancestors [U1]); department d-out outside any unit.
async fn unit_data(app: &TestApp) {
    let mut unit = docs::department("U1", "North");
    unit.insert("type", "u");
    let mut inside = docs::department("d-in", "Inside");
    inside.insert("ancestors", vec!["U1"]);
    inside.insert("parentId", "U1");
    app.insert(
        "rocketchat_livechat_department",
        vec![unit, inside, docs::department("d-out", "Outside")],
    )
    .await;
    app.insert(
        "rocketchat_livechat_unit_monitors",
        vec![doc! {"_id": "um1", "monitorId": "monitor1", "unitId": "U1", "username": "monitor1"}],
    )
    .await;
    let mut rooms = conversations("in", 3, doc! {"departmentId": "d-in", "departmentAncestors": ["U1"]});
    // Moved into the department after the unit was set up: matched by departmentId alone.
    rooms.extend(conversations("in-late", 1, doc! {"departmentId": "d-in"}));
    rooms.extend(conversations("out", 2, doc! {"departmentId": "d-out"}));
    rooms.extend(conversations("none", 1, doc! {}));
    app.insert("rocketchat_room", rooms).await;
}

#[tokio::test]
async fn monitors_see_their_units_only() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    unit_data(&app).await;
    let monitor = app.user("monitor1", &["livechat-monitor", "user"]).await;
    let other_monitor = app.user("monitor2", &["livechat-monitor", "user"]).await;
    let manager_and_monitor = app.user("boss1", &["livechat-manager", "livechat-monitor"]).await;
    let everything = r#"{"total":6,"data":[{"label":"Outside","value":2},{"label":"Inside","value":4}],"unspecified":1,"success":true}"#;
    let path = format!("{DEPT}?{WEEK}");
    assert_json(&app.get(&path, Some(&admin)).await, 200, everything);
    // Same request, different scope: the cache keeps them apart.
    assert_json(
        &app.get(&path, Some(&monitor)).await,
        200,
        r#"{"total":4,"data":[{"label":"Inside","value":4}],"unspecified":0,"success":true}"#,
    );
    assert_json(
        &app.get(&path, Some(&other_monitor)).await,
        200,
        r#"{"data":[],"total":0,"unspecified":0,"success":true}"#,
    );
    assert_json(&app.get(&path, Some(&manager_and_monitor)).await, 200, everything);
    let status = format!("{BASE}/conversations-by-status?{WEEK}");
    let res = app.get(&status, Some(&monitor)).await;
    assert_json(
        &res,
        200,
        r#"{"total":4,"data":[{"label":"Queued","value":4},{"label":"Open","value":0},{"label":"Closed","value":0},{"label":"On_Hold","value":0}],"success":true}"#,
    );
}

#[tokio::test]
async fn monitors_see_everything_when_there_are_no_units() {
    let app = spawn_app().await;
    app.default_permissions().await;
    let monitor = app.user("monitor1", &["livechat-monitor"]).await;
    app.insert("rocketchat_livechat_department", vec![docs::department("d1", "Sales")])
        .await;
    app.insert("rocketchat_room", conversations("r", 2, in_department("d1")))
        .await;
    let res = app.get(&format!("{DEPT}?{WEEK}"), Some(&monitor)).await;
    assert_json(
        &res,
        200,
        r#"{"total":2,"data":[{"label":"Sales","value":2}],"unspecified":0,"success":true}"#,
    );
}

#[tokio::test]
async fn twenty_identical_cold_requests_run_one_aggregation() {
    // No result cache, and each computation held 300 ms before it starts: all twenty requests are in
    // flight together, so only single flight can make them share one aggregation.
    let hooks = Hooks {
        before_compute: Some(Arc::new(|_| {
            Box::pin(tokio::time::sleep(std::time::Duration::from_millis(300)))
        })),
        ..Hooks::default()
    };
    let app = spawn_app_hooked(&unique_db_name(), |s| s.cache_ttl = std::time::Duration::ZERO, hooks).await;
    let admin = app.admin().await;
    example_data(&app).await;
    let before = app.state.store.aggregations_run();
    let path = format!("{DEPT}?{WEEK}");
    let responses = join_all((0..20).map(|_| app.get(&path, Some(&admin)))).await;
    for res in &responses {
        assert_json(res, 200, DEFAULT_ORDER);
    }
    assert_eq!(app.state.store.aggregations_run(), before + 1);
    // Nothing is kept: the next request computes again.
    assert_json(&app.get(&path, Some(&admin)).await, 200, DEFAULT_ORDER);
    assert_eq!(app.state.store.aggregations_run(), before + 2);
}

#[tokio::test]
async fn results_are_cached_per_parameters() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    example_data(&app).await;
    let before = app.state.store.aggregations_run();
    let path = format!("{DEPT}?{WEEK}");
    assert_json(&app.get(&path, Some(&admin)).await, 200, DEFAULT_ORDER);
    assert_json(&app.get(&path, Some(&admin)).await, 200, DEFAULT_ORDER);
    assert_eq!(app.state.store.aggregations_run(), before + 1);
    // Another sort is another entry.
    let res = app
        .get(&format!("{path}&sort={{\"total\":1,\"_id\":-1}}"), Some(&admin))
        .await;
    assert_json(&res, 200, EXAMPLE);
    assert_eq!(app.state.store.aggregations_run(), before + 2);
}

const REPORT_INDEXES: [(&str, &str); 4] = [
    ("departmentId_1_ts_1", "departmentId"),
    ("source_1_ts_1", "source"),
    ("tags.0_1_ts_1", "tags.0"),
    ("servedBy_1_ts_1", "servedBy"),
];

async fn create_report_indexes(app: &TestApp) {
    let indexes: Vec<Document> = REPORT_INDEXES
        .iter()
        .map(|(name, field)| {
            doc! {"key": {*field: 1, "ts": 1}, "name": *name, "partialFilterExpression": {"t": "l"}}
        })
        .collect();
    app.db
        .run_command(doc! {"createIndexes": "rocketchat_room", "indexes": indexes})
        .await
        .expect("createIndexes");
}

#[tokio::test]
async fn hints_are_sent_only_when_the_indexes_exist() {
    let app = spawn_app_with(|s| s.cache_ttl = std::time::Duration::ZERO).await;
    let admin = app.admin().await;
    example_data(&app).await;
    let path = format!("{DEPT}?{WEEK}&sort={{\"total\":1,\"_id\":-1}}");
    // No index: no hint, same answer.
    assert!(app.state.room_hints.refresh(&app.state.store).await);
    assert!(!app.state.room_hints.knows("departmentId_1_ts_1"));
    assert_json(&app.get(&path, Some(&admin)).await, 200, EXAMPLE);
    // Rocket.Chat's partial indexes: the hint is sent, same answer.
    create_report_indexes(&app).await;
    assert!(app.state.room_hints.refresh(&app.state.store).await);
    for (name, _) in REPORT_INDEXES {
        assert!(app.state.room_hints.knows(name), "{name}");
    }
    let before = app.state.store.aggregations_run();
    assert_json(&app.get(&path, Some(&admin)).await, 200, EXAMPLE);
    assert_eq!(app.state.store.aggregations_run(), before + 1);
    // The index disappears while we still believe in it: the hinted aggregation fails (which shows the
    // hint is sent), the report runs again without it and the answer stays right.
    app.db
        .run_command(doc! {"dropIndexes": "rocketchat_room", "index": "departmentId_1_ts_1"})
        .await
        .expect("dropIndexes");
    let before = app.state.store.aggregations_run();
    assert_json(&app.get(&path, Some(&admin)).await, 200, EXAMPLE);
    assert_eq!(app.state.store.aggregations_run(), before + 2);
    // Read again on the next use: the other indexes are still there, this one is gone.
    let before = app.state.store.aggregations_run();
    assert_json(&app.get(&path, Some(&admin)).await, 200, EXAMPLE);
    assert_eq!(app.state.store.aggregations_run(), before + 1);
    assert!(!app.state.room_hints.knows("departmentId_1_ts_1"));
    assert!(app.state.room_hints.knows("tags.0_1_ts_1"));
}

#[tokio::test]
async fn dates_at_the_ends_of_the_calendar_and_sort_paths_mongodb_refuses() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for route in ROUTES {
        let empty = app.get(&format!("{BASE}/{route}?{WEEK}"), Some(&admin)).await;
        assert_eq!(empty.status, 200, "{route}: {}", empty.body);
        for window in [
            "start=0000-01-01&end=0000-01-02",
            "start=-000001-06-01T00:00:00Z&end=0000-01-01T00:00:00Z",
            "start=9999-12-31&end=%2B010000-01-01",
        ] {
            let res = app.get(&format!("{BASE}/{route}?{window}"), Some(&admin)).await;
            assert_json(&res, 200, &empty.body);
        }
    }
    // MongoDB refuses a `$` at the start of any part of a sort path: the sort error, never a 500.
    let res = app
        .get(&format!("{DEPT}?{WEEK}&sort={{\"a.$b\":1}}"), Some(&admin))
        .await;
    assert_json(&res, 400, &invalid_sort(r#"{\"a.$b\":1}"#));
}
