//! The workspace series of `/metrics` (src/workspace/): on the demo data and a few documents made to sit on
//! either side of each definition, every series equals a count computed here from the documents themselves;
//! a scrape reads nothing from the database; `RCA_WORKSPACE_METRICS=off` leaves them out.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use bson::{doc, Bson, DateTime, Document};
use chrono::{NaiveDate, Utc};
use futures::TryStreamExt;
use mongodb::Database;
use rc_analytics_seed::{docs, generate, SeedOptions, SeedSummary};

use crate::helpers::*;

const DAY_MS: i64 = 86_400_000;

/// The samples of a Prometheus text exposition, by `name{labels}` as written (labels sorted by name).
pub fn samples(text: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| {
            let (key, value) = l.rsplit_once(' ')?;
            Some((key.to_string(), value.parse().ok()?))
        })
        .collect()
}

/// `name{a="x",b="y"}` with the labels sorted by name, as the service writes them.
pub fn key(name: &str, labels: &[(&str, &str)]) -> String {
    if labels.is_empty() {
        return name.to_string();
    }
    let mut labels = labels.to_vec();
    labels.sort();
    let inner: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
    format!("{name}{{{}}}", inner.join(","))
}

/// `/metrics` once it has every family of `names` (the background task sets them shortly after start).
pub async fn metrics_with(app: &TestApp, names: &[&str]) -> String {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let text = app.get("/metrics", None).await.body;
        if names.iter().all(|n| text.contains(&format!("\n{n}"))) {
            return text;
        }
        assert!(Instant::now() < deadline, "{names:?} missing from\n{text}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Every workspace family.
pub const FAMILIES: [&str; 10] = [
    "rca_workspace_messages_sent_total",
    "rca_workspace_active_users",
    "rca_workspace_new_users",
    "rca_workspace_members",
    "rca_workspace_members_inactive",
    "rca_workspace_rooms",
    "rca_workspace_channels_idle",
    "rca_workspace_channels_never_used",
    "rca_workspace_omnichannel_conversations",
    "rca_workspace_updated_timestamp_seconds",
];

/// A new database (its name and handle) with the demo data (42 days, 2,000 messages), all of it at least 20
/// minutes old: the rollup's watermark (5 s ago, rounded down to 15 minutes) has passed every message when
/// the service starts.
pub async fn demo_database() -> (String, Database, SeedSummary) {
    let name = unique_db_name();
    let db = mongodb::Client::with_uri_str(mongodb_uri())
        .await
        .unwrap()
        .database(&name);
    let cut = Utc::now() - chrono::Duration::minutes(20);
    let mut options = SeedOptions::new(cut.date_naive());
    options.now = Some(cut.timestamp_millis());
    options.messages = 2_000;
    let summary = generate(&db, &options).await.unwrap();
    (name, db, summary)
}

/// The service with the rollup and the workspace series on, every second, on database `name`.
pub async fn spawn_with_series(name: &str) -> TestApp {
    spawn_app_on(name, |s| {
        s.rollup = true;
        s.rollup_refresh = Duration::from_secs(1);
        s.workspace_metrics = true;
    })
    .await
}

async fn all(db: &Database, collection: &str) -> Vec<Document> {
    db.collection::<Document>(collection)
        .find(doc! {})
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap()
}

fn ms(d: &Document, key: &str) -> Option<i64> {
    d.get_datetime(key).ok().map(|t| t.timestamp_millis())
}

fn days_ago(now: i64, days: i64) -> DateTime {
    DateTime::from_millis(now - days * DAY_MS)
}

fn midnight(day: NaiveDate) -> i64 {
    day.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp_millis()
}

/// Accounts, rooms and messages on either side of each definition.
async fn edge_cases(db: &Database, now: i64) {
    let user = |id: &str, last_login: Option<i64>| {
        let mut u = docs::user(id, id, &["user"], days_ago(now, 200), &[], &[]);
        if let Some(days) = last_login {
            u.insert("lastLogin", days_ago(now, days));
        }
        u
    };
    let mut deactivated = user("gone", Some(100));
    deactivated.insert("active", false);
    let mut legacy = user("legacy", Some(100));
    legacy.remove("type");
    let robot = docs::user("robot", "robot", &["bot"], days_ago(now, 200), &[], &[]);
    let users = vec![
        user("quiet30", Some(40)),
        user("quiet90", Some(100)),
        user("never", None),
        user("poster", Some(100)),
        user("editor", Some(100)),
        deactivated,
        legacy,
        robot,
    ];
    db.collection::<Document>("users").insert_many(users).await.unwrap();
    let mut busy = docs::room("busy-c", "c", "busy", days_ago(now, 200));
    busy.insert("lm", days_ago(now, 10));
    let mut idle = docs::room("idle-c", "c", "idle", days_ago(now, 200));
    idle.insert("lm", days_ago(now, 40));
    let rooms = vec![
        busy,
        idle,
        docs::room("dead-p", "p", "dead", days_ago(now, 100)),
        docs::room("fresh-c", "c", "fresh", days_ago(now, 1)),
    ];
    db.collection::<Document>("rocketchat_room")
        .insert_many(rooms)
        .await
        .unwrap();
    let mut copy = docs::message("edit-copy", "busy-c", days_ago(now, 10), "editor", "editor", "old text");
    copy.insert("parent", "m-posted");
    let messages = vec![
        docs::message("m-posted", "busy-c", days_ago(now, 10), "poster", "poster", "hello"),
        copy,
    ];
    db.collection::<Document>("rocketchat_message")
        .insert_many(messages)
        .await
        .unwrap();
}

/// Messages sent, as the reports count them: `t` absent, `e2e` or `rm`, no `parent`.
fn sent(m: &Document) -> bool {
    !m.contains_key("parent")
        && match m.get("t") {
            None => true,
            Some(Bson::String(t)) => t == "e2e" || t == "rm",
            Some(_) => false,
        }
}

/// Every workspace series, computed from the documents (the report zone is UTC).
async fn expected(db: &Database, now: i64) -> BTreeMap<String, f64> {
    let today = Utc::now().date_naive();
    let since = |days: i64| midnight(today - chrono::Days::new(days as u64 - 1));
    let tomorrow = midnight(today.succ_opt().unwrap());
    let users = all(db, "users").await;
    let rooms = all(db, "rocketchat_room").await;
    let messages = all(db, "rocketchat_message").await;
    let sessions = all(db, "rocketchat_sessions").await;
    let departments = all(db, "rocketchat_livechat_department").await;
    let mut out = BTreeMap::new();
    let mut set = |name: &str, labels: &[(&str, &str)], n: usize| {
        out.insert(key(name, labels), n as f64);
    };

    let members: Vec<&Document> = users
        .iter()
        .filter(|u| matches!(u.get("type"), None | Some(Bson::Null)) || u.get_str("type") == Ok("user"))
        .collect();
    set("rca_workspace_members", &[], members.len());
    for days in [1, 7, 30] {
        let new = users
            .iter()
            .filter(|u| ms(u, "createdAt").is_some_and(|t| t >= since(days) && t < tomorrow))
            .filter(|u| {
                !u.get_array("roles")
                    .unwrap()
                    .contains(&Bson::String("anonymous".into()))
            })
            .count();
        set("rca_workspace_new_users", &[("days", &days.to_string())], new);
        // Daily session roll-ups of the `days` days that end yesterday.
        let yesterday = today.pred_opt().unwrap();
        let first = yesterday - chrono::Days::new(days as u64 - 1);
        let active: BTreeSet<&str> = sessions
            .iter()
            .filter(|s| s.get_str("type") == Ok("user_daily") && s.get_str("mostImportantRole") != Ok("anonymous"))
            .filter(|s| {
                let int = |k| s.get_i32(k).unwrap() as u32;
                let day = NaiveDate::from_ymd_opt(int("year") as i32, int("month"), int("day")).unwrap();
                day >= first && day <= yesterday
            })
            .map(|s| s.get_str("userId").unwrap())
            .collect();
        set(
            "rca_workspace_active_users",
            &[("days", &days.to_string())],
            active.len(),
        );
    }

    let of_type = |t: &'static str| rooms.iter().filter(move |r| r.get_str("t") == Ok(t));
    for t in ["c", "p", "d"] {
        set("rca_workspace_rooms", &[("room_type", t)], of_type(t).count());
    }
    for t in ["c", "p"] {
        for days in [30, 90] {
            let idle = of_type(t)
                .filter(|r| ms(r, "lm").or(ms(r, "ts")).unwrap_or(i64::MIN) <= now - days * DAY_MS)
                .count();
            set(
                "rca_workspace_channels_idle",
                &[("room_type", t), ("days", &days.to_string())],
                idle,
            );
        }
        let never = of_type(t).filter(|r| !r.contains_key("lm")).count();
        set("rca_workspace_channels_never_used", &[("room_type", t)], never);
    }
    let type_of: BTreeMap<&str, &str> = rooms
        .iter()
        .map(|r| (r.get_str("_id").unwrap(), r.get_str("t").unwrap()))
        .collect();
    for t in ["c", "p", "d"] {
        let n = messages
            .iter()
            .filter(|m| sent(m) && m.get_str("rid").ok().and_then(|rid| type_of.get(rid)) == Some(&t))
            .count();
        set("rca_workspace_messages_sent_total", &[("room_type", t)], n);
    }

    let names: BTreeMap<&str, &str> = departments
        .iter()
        .map(|d| (d.get_str("_id").unwrap(), d.get_str("name").unwrap()))
        .collect();
    let mut by_department: BTreeMap<String, [usize; 3]> =
        BTreeMap::from([("(none)".to_string(), [0; 3]), ("(other)".to_string(), [0; 3])]);
    for room in of_type("l").filter(|r| r.get_bool("open") == Ok(true)) {
        let label = match room.get_str("departmentId") {
            Err(_) => "(none)",
            Ok(id) => names.get(id).copied().unwrap_or("(other)"),
        };
        let on_hold = room.get_bool("onHold") == Ok(true);
        let served = matches!(room.get("servedBy"), Some(b) if *b != Bson::Null);
        let counts = by_department.entry(label.to_string()).or_default();
        counts[0] += usize::from(served && !on_hold);
        counts[1] += usize::from(!served);
        counts[2] += usize::from(on_hold);
    }
    assert!(
        by_department.len() <= 12,
        "more departments than are named: {by_department:?}"
    );
    for (department, counts) in by_department {
        for (status, n) in ["open", "queued", "on_hold"].into_iter().zip(counts) {
            set(
                "rca_workspace_omnichannel_conversations",
                &[("status", status), ("department", &department)],
                n,
            );
        }
    }
    out
}

#[tokio::test]
async fn every_workspace_series_equals_a_count_of_the_documents() {
    let (name, db, summary) = demo_database().await;
    let now = Utc::now().timestamp_millis();
    edge_cases(&db, now).await;
    let app = spawn_with_series(&name).await;
    let text = metrics_with(&app, &FAMILIES).await;
    let got = samples(&text);
    let mut want = expected(&db, now).await;
    // Inactive members are the insights' (tests/api/insights.rs checks those against the documents): the
    // members table of today.
    let today = Utc::now().date_naive();
    let members = app
        .get(
            &format!("/rc-analytics/api/v1/insights/members?start={today}T00:00:00.000Z&end={today}T23:59:59.999Z"),
            Some(&seeded(&summary, "admin")),
        )
        .await;
    let members: serde_json::Value = serde_json::from_str(&members.body).unwrap();
    for (days, figure) in [("30", "inactive30"), ("90", "inactive90")] {
        let n = members["summary"][figure]["value"].as_f64().unwrap();
        want.insert(key("rca_workspace_members_inactive", &[("days", days)]), n);
    }
    let workspace: BTreeMap<String, f64> = got
        .into_iter()
        .filter(|(k, _)| k.starts_with("rca_workspace_") && !k.starts_with("rca_workspace_updated"))
        .collect();
    assert_eq!(workspace, want);
    // The edge cases are on the side of each definition that they were made for.
    for (series, at_least) in [
        (key("rca_workspace_members_inactive", &[("days", "30")]), 6.0),
        (key("rca_workspace_members_inactive", &[("days", "90")]), 5.0),
        (
            key("rca_workspace_channels_idle", &[("room_type", "c"), ("days", "30")]),
            1.0,
        ),
        (key("rca_workspace_channels_never_used", &[("room_type", "p")]), 1.0),
    ] {
        assert!(want[&series] >= at_least, "{series}: {}", want[&series]);
    }
    let updated = samples(&text)["rca_workspace_updated_timestamp_seconds"];
    assert!((updated - now as f64 / 1000.0).abs() < 600.0, "{updated}");
}

/// A scrape reads the series from memory: with every database operation stalled, `/metrics` still answers
/// at once, with every workspace series.
#[tokio::test]
async fn a_scrape_runs_no_database_query() {
    let name = unique_db_name();
    let app = spawn_app_on(&name, |s| {
        s.rollup = true;
        s.rollup_refresh = Duration::from_secs(1);
        s.workspace_metrics = true;
        // A stalled operation waits this long: a scrape that ran one would not answer.
        s.query_timeout = Duration::from_secs(300);
    })
    .await;
    metrics_with(&app, &FAMILIES).await;
    app.stall(EVERY_COLLECTION, true);
    for _ in 0..3 {
        let started = Instant::now();
        let res = app.get("/metrics", None).await;
        assert_eq!(res.status, 200);
        assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
        for family in FAMILIES {
            assert!(res.body.contains(&format!("\n{family}")), "{family}");
        }
    }
    app.stall(EVERY_COLLECTION, false);
}

#[tokio::test]
async fn without_workspace_metrics_no_workspace_series() {
    let app = spawn_app().await;
    let text = app.get("/metrics", None).await.body;
    assert!(text.contains("rca_http_request_duration_seconds"), "{text}");
    assert!(!text.contains("rca_workspace_"), "{text}");
}
