//! `users/new-users`, `users/active-users`, `users/chat-busier/{hourly,weekly}-data`,
//! `users/users-by-time-of-the-day-in-a-week` on seeded data (users, daily session roll-ups, computed
//! sessions), in UTC, a DST zone and a half-hour zone.

use bson::{doc, Document};
use rc_analytics_seed::docs;

use crate::helpers::*;

const P: &str = "/api/v1/engagement-dashboard/users";

/// A `rocketchat_sessions` daily roll-up (`type: 'user_daily'`) as Rocket.Chat's nightly job writes it.
fn user_daily(user: &str, role: &str, (year, month, day): (i32, i32, i32)) -> Document {
    doc! {
        "_id": format!("{user}-{year}-{month}-{day}"),
        "type": "user_daily",
        "_computedAt": date("2024-02-01T02:00:00Z"),
        "day": day,
        "month": month,
        "year": year,
        "userId": user,
        "mostImportantRole": role,
        "time": 3600,
        "sessions": 1,
        "devices": [{"sessions": 1, "time": 3600, "device": {"type": "browser", "name": "Chrome", "longVersion": "120.0.0", "os": {"name": "Linux", "version": "6.1"}, "version": "120.0.0"}}],
    }
}

/// A session (`type` `computed-session` once the nightly job ran) logged in at `login` (UTC ISO),
/// closed at `closed` if given; `year`/`month`/`day` are the (UTC) server-local login date.
fn session(id: &str, kind: &str, user: &str, login: &str, closed: Option<&str>) -> Document {
    let part = |r: std::ops::Range<usize>| login[r].parse::<i32>().unwrap();
    let mut d = doc! {
        "_id": id,
        "type": kind,
        "sessionId": format!("sess-{id}"),
        "instanceId": "instance-1",
        "userId": user,
        "roles": ["user"],
        "mostImportantRole": "user",
        "loginAt": date(login),
        "ip": "10.0.0.1",
        "host": "chat.example.com",
        "device": {"type": "browser", "name": "Firefox", "longVersion": "121.0", "os": {"name": "Linux", "version": "6.1"}, "version": "121.0"},
        "year": part(0..4),
        "month": part(5..7),
        "day": part(8..10),
        "createdAt": date(login),
        "_computedAt": date("2024-02-01T02:00:00Z"),
    };
    if let Some(closed) = closed {
        d.insert("closedAt", date(closed));
        d.insert("lastActivityAt", date(closed));
    }
    d
}

fn computed(id: &str, user: &str, login: &str, closed: Option<&str>) -> Document {
    session(id, "computed-session", user, login, closed)
}

#[tokio::test]
async fn new_users_on_berlin_dst_day() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let user = |id: &str, roles: &[&str], at: &str| docs::user(id, id, roles, date(at), &[], &[]);
    app.insert(
        "users",
        vec![
            // Berlin, 2024-03-31: 23:00Z (Mar 30) .. 22:00Z (Mar 31), 23 hours.
            user("mar30", &["user"], "2024-03-30T22:59:59.999Z"),
            user("first", &["user"], "2024-03-30T23:00:00.000Z"),
            user("last", &["bot"], "2024-03-31T21:59:59.999Z"),
            user("anon", &["anonymous"], "2024-03-31T12:00:00.000Z"),
            user("apr1", &["user"], "2024-03-31T22:00:00.000Z"),
        ],
    )
    .await;
    let q = "start=2024-03-31T10:00:00.000Z&end=2024-03-31T10:00:00.000Z";
    assert_json(
        &app.get(&format!("{P}/new-users?{q}&tz=Europe/Berlin"), Some(&admin))
            .await,
        200,
        r#"{"days":[{"day":"2024-03-30T23:00:00.000Z","users":2}],"period":{"count":2,"variation":1},"yesterday":{"count":0,"variation":2},"success":true}"#,
    );
    // In UTC, Mar 31 holds "last" and "apr1", and "mar30"/"first" are the previous period.
    assert_json(
        &app.get(&format!("{P}/new-users?{q}"), Some(&admin)).await,
        200,
        r#"{"days":[{"day":"2024-03-31T00:00:00.000Z","users":2}],"period":{"count":2,"variation":0},"yesterday":{"count":0,"variation":2},"success":true}"#,
    );
}

async fn daily_rollups(app: &TestApp) {
    app.insert(
        "rocketchat_sessions",
        vec![
            user_daily("u3", "user", (2023, 12, 26)),
            user_daily("u3", "user", (2023, 12, 31)),
            user_daily("u1", "user", (2024, 1, 2)),
            user_daily("u2", "admin", (2024, 1, 2)),
            user_daily("anon", "anonymous", (2024, 1, 2)),
            user_daily("u1", "user", (2024, 1, 3)),
            user_daily("u1", "user", (2024, 1, 4)),
            // raw sessions are not roll-ups
            computed("s1", "u9", "2024-01-02T10:00:00.000Z", Some("2024-01-02T11:00:00.000Z")),
        ],
    )
    .await;
}

const ACTIVE: &str = r#"{"month":[{"usersList":["u1"],"users":1,"day":3,"month":1,"year":2024},{"usersList":["u1","u2"],"users":2,"day":2,"month":1,"year":2024},{"usersList":["u3"],"users":1,"day":31,"month":12,"year":2023}],"success":true}"#;

#[tokio::test]
async fn active_users_select_stored_days() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    daily_rollups(&app).await;
    let q = "start=2023-12-31T00:00:00.000Z&end=2024-01-03T23:59:59.999Z";
    assert_json(
        &app.get(&format!("{P}/active-users?{q}"), Some(&admin)).await,
        200,
        ACTIVE,
    );
    // In +05:30 these instants fall on Dec 31 and Jan 3: the same stored days.
    let q = "start=2023-12-30T20:00:00.000Z&end=2024-01-02T20:00:00.000Z&tz=%2B05:30";
    assert_json(
        &app.get(&format!("{P}/active-users?{q}"), Some(&admin)).await,
        200,
        ACTIVE,
    );
}

/// `tz` values that select the same stored days read them once and are cached once.
#[tokio::test]
async fn active_users_are_cached_on_the_stored_days_not_the_zone() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    daily_rollups(&app).await;
    let before = app.state.store.aggregations_run();
    for tz in ["%2B00:01", "%2B00:02", "%2B00:03"] {
        let q = format!("start=2023-12-31T00:00:00.000Z&end=2024-01-03T23:00:00.000Z&tz={tz}");
        assert_json(
            &app.get(&format!("{P}/active-users?{q}"), Some(&admin)).await,
            200,
            ACTIVE,
        );
    }
    assert_eq!(app.state.store.aggregations_run(), before + 1);
}

#[tokio::test]
async fn weekly_data_is_the_eight_days_up_to_start() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    daily_rollups(&app).await;
    let week = r#"{"month":[{"users":1,"day":3,"month":1,"year":2024},{"users":2,"day":2,"month":1,"year":2024},{"users":1,"day":31,"month":12,"year":2023}],"success":true}"#;
    // Dec 27 .. Jan 3: Dec 26 and Jan 4 are outside, the anonymous roll-up is not counted.
    let res = app
        .get(
            &format!("{P}/chat-busier/weekly-data?start=2024-01-03T10:00:00.000Z"),
            Some(&admin),
        )
        .await;
    assert_json(&res, 200, week);
    // 2024-01-03T20:00Z is Jan 4 in +05:30: Dec 28 .. Jan 4.
    let res = app
        .get(
            &format!("{P}/chat-busier/weekly-data?start=2024-01-03T20:00:00.000Z&tz=%2B05:30"),
            Some(&admin),
        )
        .await;
    assert_json(
        &res,
        200,
        r#"{"month":[{"users":1,"day":4,"month":1,"year":2024},{"users":1,"day":3,"month":1,"year":2024},{"users":2,"day":2,"month":1,"year":2024},{"users":1,"day":31,"month":12,"year":2023}],"success":true}"#,
    );
}

async fn computed_sessions(app: &TestApp) {
    app.insert(
        "rocketchat_sessions",
        vec![
            computed("s1", "u1", "2024-01-01T09:30:00.000Z", Some("2024-01-01T13:10:00.000Z")),
            computed("s2", "u2", "2024-01-01T08:00:00.000Z", Some("2024-01-01T08:59:00.000Z")),
            computed("s3", "u1", "2024-01-01T11:00:00.000Z", None),
            // outside the 24 hours before start
            computed("s4", "u3", "2023-12-31T23:59:59.999Z", None),
            // not computed yet
            session("s5", "session", "u4", "2024-01-01T12:00:00.000Z", None),
            user_daily("u1", "user", (2024, 1, 1)),
        ],
    )
    .await;
}

fn hours(users: &[(i32, i32)]) -> String {
    let entries: Vec<String> = users
        .iter()
        .map(|(u, h)| format!(r#"{{"users":{u},"hour":{h}}}"#))
        .collect();
    format!(r#"{{"hours":[{}],"success":true}}"#, entries.join(","))
}

#[tokio::test]
async fn hourly_data_counts_users_per_two_hour_slot() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    computed_sessions(&app).await;
    let start = "start=2024-01-02T00:00:00.000Z";
    // UTC: s1 covers 10 and 12, s2 covers 8, s3 (open since 11) covers 12..22; u1 counts once.
    let utc = [
        (1, 22),
        (1, 20),
        (1, 18),
        (1, 16),
        (1, 14),
        (1, 12),
        (1, 10),
        (1, 8),
        (0, 6),
        (0, 4),
        (0, 2),
        (0, 0),
    ];
    assert_json(
        &app.get(&format!("{P}/chat-busier/hourly-data?{start}"), Some(&admin))
            .await,
        200,
        &hours(&utc),
    );
    // +05:30: s1 15:00–18:40 → 16, 18; s2 13:30–14:29 → 14; s3 open since 16:30 → 18..22.
    let ist = [
        (1, 22),
        (1, 20),
        (1, 18),
        (1, 16),
        (1, 14),
        (0, 12),
        (0, 10),
        (0, 8),
        (0, 6),
        (0, 4),
        (0, 2),
        (0, 0),
    ];
    assert_json(
        &app.get(
            &format!("{P}/chat-busier/hourly-data?{start}&tz=%2B05:30"),
            Some(&admin),
        )
        .await,
        200,
        &hours(&ist),
    );
    // Both ends are inclusive: a start at s4's login instant takes it in, alone. u3 logged in at 23h,
    // after every even slot, yet all twelve slots are listed once a session matched.
    let res = app
        .get(
            &format!("{P}/chat-busier/hourly-data?start=2023-12-31T23:59:59.999Z"),
            Some(&admin),
        )
        .await;
    let alone = [
        (0, 22),
        (0, 20),
        (0, 18),
        (0, 16),
        (0, 14),
        (0, 12),
        (0, 10),
        (0, 8),
        (0, 6),
        (0, 4),
        (0, 2),
        (0, 0),
    ];
    assert_json(&res, 200, &hours(&alone));
}

fn week(entries: &[(i32, i32, i32)]) -> String {
    let entries: Vec<String> = entries
        .iter()
        .map(|(users, hour, day)| format!(r#"{{"users":{users},"hour":{hour},"day":{day},"month":1,"year":2024}}"#))
        .collect();
    format!(r#"{{"week":[{}],"success":true}}"#, entries.join(","))
}

#[tokio::test]
async fn users_by_time_of_day_per_hour_and_login_day() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.insert(
        "rocketchat_sessions",
        vec![
            computed("s1", "u1", "2024-01-01T09:30:00.000Z", Some("2024-01-01T11:10:00.000Z")),
            computed("s2", "u2", "2024-01-01T10:00:00.000Z", Some("2024-01-01T10:30:00.000Z")),
            computed("s3", "u1", "2024-01-02T22:00:00.000Z", None),
            // closes past midnight UTC: no hours in UTC
            computed("s4", "u3", "2024-01-03T23:30:00.000Z", Some("2024-01-04T00:30:00.000Z")),
            session("s5", "session", "u4", "2024-01-02T12:00:00.000Z", None),
            computed("s6", "u5", "2024-01-08T00:00:00.000Z", None),
        ],
    )
    .await;
    let q = "start=2024-01-01T00:00:00.000Z&end=2024-01-07T23:59:59.999Z";
    let url = format!("{P}/users-by-time-of-the-day-in-a-week?{q}");
    assert_json(
        &app.get(&url, Some(&admin)).await,
        200,
        &week(&[(1, 23, 2), (1, 22, 2), (1, 11, 1), (2, 10, 1), (1, 9, 1)]),
    );
    // Sao Paulo (-03:00): s1 06:30–08:10, s2 07:00–07:30 on Jan 1; s3 from 19:00 on Jan 2; s4
    // 20:30–21:30 on Jan 3.
    assert_json(
        &app.get(&format!("{url}&tz=America/Sao_Paulo"), Some(&admin)).await,
        200,
        &week(&[
            (1, 21, 3),
            (1, 20, 3),
            (1, 23, 2),
            (1, 22, 2),
            (1, 21, 2),
            (1, 20, 2),
            (1, 19, 2),
            (1, 8, 1),
            (2, 7, 1),
            (1, 6, 1),
        ]),
    );
}
