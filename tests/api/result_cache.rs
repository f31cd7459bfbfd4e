//! The result cache under floods of distinct keys and of long request targets: what it holds is read from
//! `/metrics` (`rca_report_cache_bytes`: its entries' weights and its own structures), not from the
//! process's resident memory.

use chrono::{Duration, NaiveDate};
use futures::StreamExt;
use rc_analytics_seed::docs;

use crate::helpers::*;

const SENT: &str = "/api/v1/engagement-dashboard/messages/messages-sent";
/// What the cache holds with no entry: its own structures (`CACHE_BYTES` in src/state/cache.rs).
const EMPTY: u64 = 288 * 1024;
const MAX: u64 = 1 << 20;

async fn cache_bytes(app: &TestApp) -> u64 {
    let line = metric(app, "rca_report_cache_bytes").await;
    line.strip_prefix("rca_report_cache_bytes ")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no rca_report_cache_bytes in /metrics: {line:?}"))
}

/// Sends every target as the admin, eight at a time; each is answered 200.
async fn flood(app: &TestApp, admin: &Creds, targets: impl Iterator<Item = String>) {
    futures::stream::iter(targets)
        .for_each_concurrent(8, |target| async move {
            let res = app.get(&target, Some(admin)).await;
            assert_eq!(res.status, 200, "{}: {}", &target[..80], res.body);
        })
        .await;
}

#[tokio::test]
async fn floods_of_long_targets_and_distinct_keys_stay_within_rca_cache_max_mb() {
    let app = spawn_app_with(|s| {
        s.cache_max_bytes = MAX;
        s.cache_ttl = std::time::Duration::from_secs(300);
    })
    .await;
    let admin = app.admin().await;
    // A message a day in 2023 and 2024: a year's answer has a row per day.
    let first = NaiveDate::from_ymd_opt(2023, 1, 1).unwrap();
    app.insert(
        "rocketchat_room",
        vec![docs::room("c1", "c", "general", date("2022-01-01T00:00:00Z"))],
    )
    .await;
    let messages = (0..731).map(|i| {
        let day = first + Duration::days(i);
        msg(&format!("m{i}"), "c1", &format!("{day}T12:00:00Z"), no_extra())
    });
    app.insert("rocketchat_message", messages.collect()).await;
    assert_eq!(cache_bytes(&app).await, EMPTY);
    // One answer: a year of days (each day a row), kept.
    let year = "start=2024-01-01T00:00:00.000Z&end=2024-12-31T23:59:59.999Z";
    let days: Vec<String> = (0..366)
        .rev()
        .map(|i| {
            format!(
                r#"{{"day":"{}T00:00:00.000Z","messages":1}}"#,
                first + Duration::days(365 + i)
            )
        })
        .collect();
    let answer = format!(
        r#"{{"days":[{}],"period":{{"count":366,"variation":1}},"yesterday":{{"count":1,"variation":0}},"success":true}}"#,
        days.join(",")
    );
    assert_json(&app.get(&format!("{SENT}?{year}"), Some(&admin)).await, 200, &answer);
    let one = cache_bytes(&app).await - EMPTY;
    // It weighs its serialized answer, its body (a row and a string per day) about as much again, and
    // its key and bookkeeping.
    let serialized = answer.len() as u64;
    assert!(
        (2 * serialized..4 * serialized).contains(&one),
        "{one} for {serialized} bytes"
    );

    // 60 KB targets, each distinct (an unknown parameter, as a proxy passes them): the answer depends on
    // none of it, so its entry serves them all and nothing grows.
    let long = |i: usize| format!("&x={i}_{}", "y".repeat(60_000));
    flood(&app, &admin, (0..100).map(|i| format!("{SENT}?{year}{}", long(i)))).await;
    assert_eq!(cache_bytes(&app).await - EMPTY, one);

    // Distinct keys (start, end and zone), with long targets too: several times the bound in answers.
    let zones = ["UTC", "%2B01:00", "-03:00", "Asia/Kathmandu"];
    let distinct = (0..100).map(|i| {
        let start = first + Duration::days(i as i64);
        let end = start + Duration::days(365);
        format!(
            "{SENT}?start={start}T00:00:00.000Z&end={end}T23:59:59.999Z&tz={}{}",
            zones[i % 4],
            long(i)
        )
    });
    flood(&app, &admin, distinct).await;
    let full = cache_bytes(&app).await;
    assert!(full <= MAX, "{full}");
    // Full: no room left for another such answer.
    assert!(full + 2 * one > MAX, "{full}");
}
