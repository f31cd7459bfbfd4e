//! The Engagement Dashboard family as a whole: every route's guard, validation and empty answer.
//! Route-specific data tests live in `engagement_origin.rs`, `engagement_messages.rs` and `engagement_users.rs`.

use rc_analytics::app::endpoints;
use rc_analytics::registry::Family;

use crate::helpers::*;

const P: &str = "/api/v1/engagement-dashboard";
const WEEK: &str = "start=2025-01-01T00:00:00.000Z&end=2025-01-07T23:59:59.999Z";

fn family_paths() -> Vec<String> {
    endpoints()
        .into_iter()
        .filter(|e| e.family == Family::Engagement)
        .map(|e| e.path)
        .collect()
}

#[tokio::test]
async fn every_route_is_401_without_headers_and_403_without_the_permission() {
    let app = spawn_app().await;
    app.default_permissions().await;
    let plain = app.user("plain", &["user"]).await;
    let paths = family_paths();
    assert_eq!(paths.len(), 9, "{paths:?}");
    for path in paths {
        for query in ["", "?start=bad", &format!("?{WEEK}")] {
            let url = format!("{path}{query}");
            let res = app.get(&url, None).await;
            assert_eq!((res.status, res.body.as_str()), (401, UNAUTHORIZED), "{url}");
            let res = app.get(&url, Some(&plain)).await;
            assert_eq!((res.status, res.body.as_str()), (403, FORBIDDEN), "{url}");
            assert_eq!(res.content_type, "application/json");
        }
    }
}

/// Routes with their required keys (the chat-busier routes take `start` alone).
const START_END_ROUTES: [&str; 7] = [
    "/messages/origin",
    "/messages/messages-sent",
    "/messages/top-five-popular-channels",
    "/channels/list",
    "/users/new-users",
    "/users/active-users",
    "/users/users-by-time-of-the-day-in-a-week",
];
const START_ROUTES: [&str; 2] = ["/users/chat-busier/hourly-data", "/users/chat-busier/weekly-data"];

#[tokio::test]
async fn meteor_check_per_route() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let ok = "2025-01-01T00:00:00.000Z";
    let missing_start = match_error("Missing key 'start'");
    let bad_start = match_error("Failed Match.Where validation in field start");
    let bad_end = match_error("Failed Match.Where validation in field end");
    for route in START_END_ROUTES {
        let cases = [
            (String::new(), missing_start.clone()),
            (format!("end={ok}"), missing_start.clone()),
            (format!("start={ok}"), match_error("Missing key 'end'")),
            (format!("start=2025-01-01&end={ok}"), bad_start.clone()),
            (format!("end=bad&start={ok}&start={ok}"), bad_end.clone()),
            (format!("start[]={ok}&end={ok}"), bad_start.clone()),
            (
                format!("start={ok}&end={ok}&tz=Mars/Base"),
                r#"{"success":false,"error":"Invalid time zone: Mars/Base"}"#.into(),
            ),
        ];
        for (query, body) in cases {
            let res = app.get(&format!("{P}{route}?{query}"), Some(&admin)).await;
            assert_eq!((res.status, res.body.as_str()), (400, body.as_str()), "{route}?{query}");
        }
    }
    for route in START_ROUTES {
        let cases = [
            (String::new(), missing_start.clone()),
            (format!("end={ok}"), missing_start.clone()),
            ("start=bad&end=bad".to_string(), bad_start.clone()),
            (format!("start={ok}&start={ok}"), bad_start.clone()),
            (
                format!("start={ok}&tz=%2B5:30"),
                r#"{"success":false,"error":"Invalid time zone: +5:30"}"#.into(),
            ),
        ];
        for (query, body) in cases {
            let res = app.get(&format!("{P}{route}?{query}"), Some(&admin)).await;
            assert_eq!((res.status, res.body.as_str()), (400, body.as_str()), "{route}?{query}");
        }
        // `end` is not part of their pattern: a bad one is ignored.
        let res = app.get(&format!("{P}{route}?start={ok}&end=bad"), Some(&admin)).await;
        assert_eq!(res.status, 200, "{route}: {}", res.body);
    }
}

#[tokio::test]
async fn channels_list_pagination_checks() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let maybe = |k: &str| {
        match_error(&format!(
            "Failed Match.OneOf, Match.Maybe or Match.Optional validation in field {k}"
        ))
    };
    let url = |q: &str| format!("{P}/channels/list?{q}");
    let cases = [
        (format!("{WEEK}&offset[]=1"), maybe("offset")),
        (format!("count=1&count=2&{WEEK}"), maybe("count")),
        // URL order decides between kinds of keys.
        ("offset[a]=1&start=bad&end=bad".to_string(), maybe("offset")),
        ("start=bad&offset[]=1&end=bad".to_string(), match_error("Failed Match.Where validation in field start")),
        (
            format!("{WEEK}&offset=-1&count=-5"),
            r#"{"success":false,"error":"invalid argument to $skip stage: Expected a non-negative number in: $skip: -1"}"#.into(),
        ),
        (
            format!("{WEEK}&count=-5"),
            r#"{"success":false,"error":"invalid argument to $limit stage: Expected a non-negative number in: $limit: -5"}"#.into(),
        ),
    ];
    for (query, body) in cases {
        assert_json(&app.get(&url(&query), Some(&admin)).await, 400, &body);
    }
    let empty = |offset: &str| format!(r#"{{"channels":[],"total":0,"offset":{offset},"count":0,"success":true}}"#);
    // Removed in 8.x, ignored by `ObjectIncluding`.
    assert_json(
        &app.get(&url(&format!("{WEEK}&hideRoomsWithNoActivity=true")), Some(&admin))
            .await,
        200,
        &empty("0"),
    );
    assert_json(
        &app.get(&url(&format!("{WEEK}&offset=abc")), Some(&admin)).await,
        200,
        &empty("null"),
    );
    assert_json(
        &app.get(&url(&format!("{WEEK}&offset=%2012x&count=0x10")), Some(&admin))
            .await,
        200,
        &empty("12"),
    );
}

/// `offset` is read as JavaScript's `parseInt` reads it (the nearest double) and written
/// as `JSON.stringify` writes it, byte for byte what Rocket.Chat answers.
#[tokio::test]
async fn channels_list_echoes_offset_as_javascript_writes_it() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for (offset, echoed) in [
        ("99999999999999999999", "100000000000000000000"),
        ("9007199254740993", "9007199254740992"),
    ] {
        let res = app
            .get(&format!("{P}/channels/list?{WEEK}&offset={offset}"), Some(&admin))
            .await;
        assert_json(
            &res,
            200,
            &format!(r#"{{"channels":[],"total":0,"offset":{echoed},"count":0,"success":true}}"#),
        );
    }
}

const PERIOD_EMPTY: &str =
    r#"{"days":[],"period":{"count":0,"variation":0},"yesterday":{"count":0,"variation":0},"success":true}"#;

/// Every route of the family with its answer on a database without data.
const EMPTY: [(&str, &str); 9] = [
    (
        "/messages/origin",
        r#"{"origins":[{"messages":0,"t":"c"},{"messages":0,"t":"d"},{"messages":0,"t":"p"}],"success":true}"#,
    ),
    ("/messages/messages-sent", PERIOD_EMPTY),
    (
        "/messages/top-five-popular-channels",
        r#"{"channels":[],"success":true}"#,
    ),
    (
        "/channels/list",
        r#"{"channels":[],"total":0,"offset":0,"count":0,"success":true}"#,
    ),
    ("/users/new-users", PERIOD_EMPTY),
    ("/users/active-users", r#"{"month":[],"success":true}"#),
    ("/users/chat-busier/hourly-data", r#"{"hours":[],"success":true}"#),
    ("/users/chat-busier/weekly-data", r#"{"month":[],"success":true}"#),
    (
        "/users/users-by-time-of-the-day-in-a-week",
        r#"{"week":[],"success":true}"#,
    ),
];

#[tokio::test]
async fn empty_database_answers() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let covered: Vec<String> = EMPTY.iter().map(|(r, _)| format!("{P}{r}")).collect();
    assert_eq!(covered, family_paths());
    // `end` is ignored by the chat-busier routes. The admin the fixtures created (2024-01-01) is
    // outside the window.
    for (route, body) in EMPTY {
        assert_json(
            &app.get(&format!("{P}{route}?{WEEK}&tz=%2B05:30"), Some(&admin)).await,
            200,
            body,
        );
    }
}

#[tokio::test]
async fn extreme_instants_do_not_break_any_route() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (min, max) = ("-271821-04-20T00:00:00.000Z", "%2B275760-09-13T00:00:00.000Z");
    for (route, empty) in EMPTY {
        for (start, end) in [(min, max), (max, min), (min, min), (max, max)] {
            let url = format!("{P}{route}?start={start}&end={end}");
            let body = match (route, start) {
                // All of time holds the admin the fixtures created.
                ("/users/new-users", s) if s == min && end == max => {
                    r#"{"days":[{"day":"2024-01-01T00:00:00.000Z","users":1}],"period":{"count":1,"variation":1},"yesterday":{"count":0,"variation":0},"success":true}"#
                }
                _ => empty,
            };
            let res = app.get(&url, Some(&admin)).await;
            assert_eq!((res.status, res.body.as_str()), (200, body), "{url}");
        }
    }
}
