//! The service on the demo data: what it answers agrees with what the generator counted, and every report
//! of the seed's example requests answers with data. The generator alone (reproducibility, the safety rule,
//! its binary) is tested in seed/tests/demo_data.rs.

use bson::{doc, Document};
use chrono::{DateTime, Datelike, Days, NaiveDate, TimeZone, Timelike, Utc};
use mongodb::Database;
use rc_analytics_seed::{generate, Edition, SeedOptions, SeedSummary};

use crate::helpers::*;

const UNTIL: &str = "2024-03-10";

fn options(seed: u64, messages: u64) -> SeedOptions {
    let mut o = SeedOptions::new(NaiveDate::parse_from_str(UNTIL, "%Y-%m-%d").unwrap());
    o.seed = seed;
    o.messages = messages;
    o.edition = Edition::Enterprise;
    o
}

async fn count(db: &Database, coll: &str, filter: Document) -> u64 {
    db.collection::<Document>(coll).count_documents(filter).await.unwrap()
}

fn origin_body(summary: &SeedSummary) -> String {
    let o = summary.expected_origin;
    let mut rows = [(o.c, "c"), (o.p, "p"), (o.d, "d")];
    rows.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    let rows: Vec<String> = rows
        .iter()
        .map(|(n, t)| format!(r#"{{"messages":{n},"t":"{t}"}}"#))
        .collect();
    format!(r#"{{"origins":[{}],"success":true}}"#, rows.join(","))
}

#[tokio::test]
async fn messages_origin_on_seeded_data_matches_the_generators_count() {
    let app = spawn_app().await;
    let summary = generate(&app.db, &options(5, 3000)).await.unwrap();
    let o = summary.expected_origin;
    assert!(o.c > 0 && o.p > 0 && o.d > 0, "{o:?}");
    // The window holds messages that must not count: system, history copies, deleted rooms, l and v rooms.
    let (from, to) = summary.span.page_week();
    let window = doc! {"$gte": bson::DateTime::from_millis(from), "$lt": bson::DateTime::from_millis(to)};
    let all = count(&app.db, "rocketchat_message", doc! {"ts": window.clone()}).await;
    assert!(all > o.c + o.p + o.d, "{all} messages in the window");
    for filter in [
        doc! {"parent": {"$exists": true}},
        doc! {"t": "uj"},
        doc! {"t": "e2e"},
        doc! {"t": "rm"},
        doc! {"tmid": {"$exists": true}},
    ] {
        assert!(
            count(&app.db, "rocketchat_message", filter.clone()).await > 0,
            "{filter}"
        );
    }
    let admin = summary.admin();
    let creds = Creds::from(admin);
    let res = app.get(&summary.origin_path(), Some(&creds)).await;
    assert_json(&res, 200, &origin_body(&summary));
    // The personal access token authenticates too; a plain user is refused.
    let pat = &summary.personal_access_token;
    let res = app.get(&summary.origin_path(), Some(&Creds::from(pat))).await;
    assert_json(&res, 403, FORBIDDEN);
}

#[tokio::test]
async fn every_report_answers_the_demo_requests_with_data() {
    // The demo's data: the default, community edition.
    let app = spawn_app().await;
    let summary = generate(
        &app.db,
        &SeedOptions {
            edition: Edition::Community,
            ..options(3, 3000)
        },
    )
    .await
    .unwrap();
    let admin = summary.admin();
    let creds = Creds::from(admin);
    // The same requests on an empty workspace, for comparison.
    let empty = spawn_app().await;
    let empty_admin = empty.admin().await;
    let paths = summary.report_paths();
    assert_eq!(paths.len(), 14, "{paths:#?}");
    for path in &paths {
        let res = app.get(path, Some(&creds)).await;
        assert_eq!(res.status, 200, "{path}: {}", res.body);
        let nothing = empty.get(path, Some(&empty_admin)).await;
        assert_eq!(nothing.status, 200, "{path}: {}", nothing.body);
        assert_ne!(res.body, nothing.body, "{path} answers as if there were no data");
    }
    // Rocket.Chat's documented example, byte for byte.
    let res = app.get(&summary.by_department_path(), Some(&creds)).await;
    assert_json(
        &res,
        200,
        r#"{"total":18,"data":[{"label":"TestQueue","value":1},{"label":"TestBH","value":1},{"label":"Missing","value":16}],"unspecified":43,"success":true}"#,
    );
}

/// The usernames (members) or ids (channels) of an insights answer's rows.
fn row_keys(body: &str, rows: &str, key: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(body).unwrap();
    v[rows]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|r| r[key].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_insights_find_the_demos_quiet_members_and_idle_channels() {
    let app = spawn_app().await;
    let summary = generate(&app.db, &options(5, 3000)).await.unwrap();
    let admin = Creds::from(summary.admin());
    let period = "start=2024-02-10T00:00:00.000Z&end=2024-03-10T23:59:59.999Z";
    let members = |filter: &'static str| {
        let url = format!("/rc-analytics/api/v1/insights/members?{period}&filter={filter}&count=0");
        let (app, admin) = (&app, admin.clone());
        async move { row_keys(&app.get(&url, Some(&admin)).await.body, "members", "username") }
    };
    let never = members("never-logged-in").await;
    assert_eq!(never, ["new.hire1", "new.hire2", "new.hire3", "new.hire4"]);
    let inactive = members("inactive-90").await;
    for quiet in ["former.one", "former.two", "left.company", "new.hire4"] {
        assert!(inactive.iter().any(|u| u == quiet), "{quiet} in {inactive:?}");
    }
    assert!(
        !inactive.iter().any(|u| u == "lurker.one" || u == "demo.admin"),
        "{inactive:?}"
    );
    assert_eq!(members("deactivated").await, ["left.company"]);
    let silent = members("never-posted").await;
    for quiet in ["lurker.one", "lurker.two", "new.hire1"] {
        assert!(silent.iter().any(|u| u == quiet), "{quiet} in {silent:?}");
    }
    let url = format!("/rc-analytics/api/v1/insights/channels?{period}&filter=idle&count=0");
    let idle = row_keys(&app.get(&url, Some(&admin)).await.body, "channels", "_id");
    for room in ["old-project", "archive-2023", "solo-notes", "quiet-discussion"] {
        assert!(idle.iter().any(|r| r == room), "{room} in {idle:?}");
    }
    let url = format!("/rc-analytics/api/v1/insights/channels?{period}&filter=empty&count=0");
    let empty = row_keys(&app.get(&url, Some(&admin)).await.body, "channels", "_id");
    assert_eq!(empty, ["empty-channel", "lonely", "solo-notes"]);
}

#[tokio::test]
async fn today_has_nobody_online_in_an_hour_that_has_not_come() {
    // A live workspace: data up to now. Today's row of users by time of day and the busier card's hours,
    // in UTC and in a zone west of UTC, are zero for every hour after the current one.
    let app = spawn_app().await;
    let now = Utc::now();
    let summary = generate(
        &app.db,
        &SeedOptions {
            edition: Edition::Community,
            until: now.date_naive(),
            now: Some(now.timestamp_millis()),
            ..options(4, 3000)
        },
    )
    .await
    .unwrap();
    let creds = Creds::from(summary.admin());
    let iso = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
    for zone in ["UTC", "America/Los_Angeles"] {
        let tz: chrono_tz::Tz = zone.parse().unwrap();
        let local = now.with_timezone(&tz);
        let today = local.date_naive();
        let midnight = |d: NaiveDate| {
            let t = tz
                .from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap())
                .earliest()
                .unwrap();
            t.with_timezone(&Utc)
        };
        let (start, end) = (
            midnight(today),
            midnight(today + Days::new(1)) - chrono::Duration::milliseconds(1),
        );
        let get = |path: String| {
            let (app, creds) = (&app, &creds);
            async move {
                let res = app.get(&path, Some(creds)).await;
                assert_eq!(res.status, 200, "{path}: {}", res.body);
                serde_json::from_str::<serde_json::Value>(&res.body).unwrap()
            }
        };
        let week = get(format!(
            "/api/v1/engagement-dashboard/users/users-by-time-of-the-day-in-a-week?start={}&end={}&tz={zone}",
            iso(start),
            iso(end)
        ))
        .await;
        let is_today = |e: &serde_json::Value| {
            (e["year"].as_i64(), e["month"].as_i64(), e["day"].as_i64())
                == (
                    Some(i64::from(today.year())),
                    Some(i64::from(today.month())),
                    Some(i64::from(today.day())),
                )
        };
        let row: Vec<&serde_json::Value> = week["week"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| is_today(e))
            .collect();
        let later: Vec<_> = row
            .iter()
            .filter(|e| e["hour"].as_i64().unwrap() > i64::from(local.hour()) && e["users"].as_i64() != Some(0))
            .collect();
        assert!(later.is_empty(), "{zone}: users online after {local}: {later:?}");
        if local.hour() >= 2 {
            assert!(
                row.iter().any(|e| e["users"].as_i64() > Some(0)),
                "{zone}: nobody today: {week}"
            );
        }
        let hours = get(format!(
            "/api/v1/engagement-dashboard/users/chat-busier/hourly-data?start={}&tz={zone}",
            iso(end)
        ))
        .await;
        let later: Vec<_> = hours["hours"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["hour"].as_i64().unwrap() > i64::from(local.hour()) && e["users"].as_i64() != Some(0))
            .collect();
        assert!(later.is_empty(), "{zone}: users online after {local}: {later:?}");
    }
}
