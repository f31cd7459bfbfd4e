//! The monitoring files, run for real: Debian's Prometheus (installed by scripts/test.sh) with the shipped
//! scrape configuration (deploy/prometheus/prometheus.yml) and rocketchat-compose's drop-in target file
//! (deploy/rocketchat-compose/files/prometheus/file_sd_configs.d/rc-analytics.yml), changed only in the
//! target's address, its directory and a 1 s scrape interval, scrapes the real service on the demo data.
//! Every panel expression of the Grafana dashboard (deploy/grafana/rc-analytics.json) is evaluated through
//! Prometheus' HTTP API and returns data; the figures that the API answers too equal its answers; the
//! dashboard names only series the service exports. `promtool check config` checks the configuration, with
//! the target file in rocketchat-compose's layout.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate, Utc};
use rc_analytics::params::format_canonical;
use serde_json::Value;

use crate::helpers::process::{installed, substitute_once, temp_dir, Running};
use crate::helpers::routing::repo_file;
use crate::helpers::*;
use crate::workspace_series::{demo_database, metrics_with, samples, spawn_with_series, FAMILIES};

const DASHBOARD: &str = "deploy/grafana/rc-analytics.json";
/// The drop-in for rocketchat-compose: its `files/` folder.
const DROP_IN: &str = "deploy/rocketchat-compose/files";
const DROP_IN_DASHBOARD: &str = "grafana/dashboards/rc-analytics/rc-analytics.json";
const DROP_IN_TARGETS: &str = "prometheus/file_sd_configs.d/rc-analytics.yml";
const PROMETHEUS_CONF: &str = "deploy/prometheus/prometheus.yml";
/// The target files' glob of the configuration, where rocketchat-compose (and the monitoring profile) mounts
/// `files/prometheus/file_sd_configs.d/`.
const TARGET_FILES: &str = "/etc/prometheus/file_sd_configs.d/*.yml";
/// The rows of the dashboard, in order.
const ROWS: [&str; 5] = ["Activity", "Members", "Channels", "Omnichannel", "rc-analytics"];
/// What the test puts for the dashboard's variables: every instance, Grafana's usual rate window.
const VARIABLES: [(&str, &str); 2] = [("$instance", ".*"), ("$__rate_interval", "1m")];

fn dashboard() -> Value {
    serde_json::from_str(&std::fs::read_to_string(repo_file(DASHBOARD)).unwrap()).unwrap()
}

/// Every panel that is not a row, with its title.
fn panels(dashboard: &Value) -> Vec<&Value> {
    dashboard["panels"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["type"] != "row")
        .collect()
}

/// Every panel's title and query expressions.
fn expressions(dashboard: &Value) -> Vec<(String, String)> {
    panels(dashboard)
        .into_iter()
        .flat_map(|p| {
            let title = p["title"].as_str().unwrap().to_string();
            p["targets"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |t| (title.clone(), t["expr"].as_str().unwrap().to_string()))
        })
        .collect()
}

/// The metric names an expression selects: identifiers outside strings, label matchers, ranges and
/// grouping clauses that are neither functions, keywords nor numbers.
fn selected_series(expr: &str) -> BTreeSet<String> {
    let mut text = String::new();
    let mut depth = 0;
    let mut quoted = false;
    for c in expr.chars() {
        match c {
            '"' => quoted = !quoted,
            _ if quoted => {}
            '{' | '[' => depth += 1,
            '}' | ']' => depth -= 1,
            _ if depth == 0 => text.push(c),
            _ => {}
        }
    }
    const KEYWORDS: [&str; 11] = [
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
        "bool",
        "and",
        "or",
        "unless",
        "offset",
    ];
    let mut names = BTreeSet::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find(|c: char| c.is_ascii_alphabetic() || c == '_') {
        let word_len = rest[at..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(rest.len() - at);
        let word = &rest[at..at + word_len];
        let after = rest[at + word_len..].trim_start();
        let grouping = KEYWORDS[..4].contains(&word);
        let preceded_by_digit = at > 0 && rest.as_bytes()[at - 1].is_ascii_digit();
        // A function or an aggregation (`sum by (…) (…)`) is followed by its parenthesis or grouping.
        let called = after.starts_with('(') || after.starts_with("by") || after.starts_with("without");
        if !called && !KEYWORDS.contains(&word) && !preceded_by_digit {
            names.insert(word.to_string());
        }
        rest = &rest[at + word_len..];
        if grouping {
            // `by (a, b)`: label names, not series.
            let close = rest.find(')').unwrap_or(0);
            rest = &rest[close..];
        }
    }
    names
}

/// An expression with the dashboard's variables put in, as Grafana would send it.
fn with_variables(expr: &str) -> String {
    let mut out = expr.to_string();
    for (variable, value) in VARIABLES {
        out = out.replace(variable, value);
    }
    assert!(!out.contains('$'), "a variable the test does not know in {expr}");
    out
}

/// The series names of a `/metrics` text, with a histogram's `_bucket`, `_sum` and `_count`.
fn exported(metrics: &str) -> BTreeSet<String> {
    metrics
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .flat_map(|l| {
            let (name, kind) = l.split_once(' ').unwrap();
            match kind {
                "histogram" => ["_bucket", "_sum", "_count"].map(|s| format!("{name}{s}")).to_vec(),
                _ => vec![name.to_string()],
            }
        })
        .collect()
}

#[test]
fn selected_series_skips_functions_labels_ranges_and_groupings() {
    assert_eq!(
        selected_series(
            r#"histogram_quantile(0.95, sum by (le, route) (rate(a_bucket{route=~"x|y", b="{"}[5m]))) / on (x) group_left b_total offset 1h and 2e3"#
        ),
        BTreeSet::from(["a_bucket".to_string(), "b_total".into()])
    );
    assert_eq!(
        selected_series("time() - max by (instance) (c)"),
        BTreeSet::from(["c".to_string()])
    );
}

/// The dashboard: Grafana 12's schema, its data source a variable that every panel and query uses, the five
/// rows of docs/monitoring.md in order, each panel inside the 24-column grid with a unique id, and the same bytes in
/// the rocketchat-compose drop-in.
#[test]
fn the_dashboard_is_current_grafana_json_with_a_datasource_variable() {
    let text = std::fs::read_to_string(repo_file(DASHBOARD)).unwrap();
    let drop_in = std::fs::read_to_string(repo_file(&format!("{DROP_IN}/{DROP_IN_DASHBOARD}"))).unwrap();
    assert!(
        text == drop_in,
        "{DROP_IN}/{DROP_IN_DASHBOARD} differs from {DASHBOARD}: copy it"
    );
    let d = dashboard();
    // Grafana 12.0 (rocketchat-compose's default, 12.0.2) writes schema version 41.
    assert_eq!(d["schemaVersion"], 41);
    assert_eq!(
        (d["uid"].as_str(), d["title"].as_str()),
        (Some("rc-analytics"), Some("rc-analytics"))
    );
    let variables = d["templating"]["list"].as_array().unwrap();
    let source: Vec<&Value> = variables.iter().filter(|v| v["type"] == "datasource").collect();
    assert_eq!(source.len(), 1);
    assert_eq!(source[0]["query"], "prometheus");
    let uses =
        serde_json::json!({"type": "prometheus", "uid": format!("${{{}}}", source[0]["name"].as_str().unwrap())});
    let instance = variables.iter().find(|v| v["name"] == "instance").unwrap();
    assert_eq!(instance["datasource"], uses);
    assert_eq!(
        (instance["allValue"].as_str(), instance["includeAll"].as_bool()),
        (Some(".*"), Some(true))
    );
    let all = d["panels"].as_array().unwrap();
    let rows: Vec<&str> = all
        .iter()
        .filter(|p| p["type"] == "row")
        .map(|p| p["title"].as_str().unwrap())
        .collect();
    assert_eq!(rows, ROWS);
    let mut ids = BTreeSet::new();
    for p in all {
        assert!(ids.insert(p["id"].as_i64().unwrap()), "id {} twice", p["id"]);
        let g = &p["gridPos"];
        assert!(
            g["x"].as_i64().unwrap() + g["w"].as_i64().unwrap() <= 24,
            "{}",
            p["title"]
        );
    }
    for p in panels(&d) {
        assert_eq!(p["datasource"], uses, "{}", p["title"]);
        let targets = p["targets"].as_array().unwrap();
        assert!(!targets.is_empty(), "{}", p["title"]);
        for t in targets {
            assert_eq!(t["datasource"], uses, "{}", p["title"]);
            assert!(
                t["expr"].as_str().unwrap().contains(r#"instance=~"$instance""#),
                "{}",
                p["title"]
            );
        }
    }
}

/// `promtool check config` on the shipped configuration, and on the same in rocketchat-compose's layout with
/// the drop-in target file, which promtool then reads too (a broken target file fails it).
#[test]
fn promtool_checks_the_shipped_scrape_configuration() {
    let promtool = installed("promtool", &["/usr/bin/promtool", "/usr/local/bin/promtool"]);
    let check = |config: &Path| {
        let out = Command::new(&promtool)
            .args(["check", "config"])
            .arg(config)
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    };
    let (ok, text) = check(&repo_file(PROMETHEUS_CONF));
    assert!(ok, "{text}");
    let dir = temp_dir("promtool", 0);
    layout(&dir, "rc-analytics:3100", "30s");
    let (ok, text) = check(&dir.join("prometheus.yml"));
    assert!(ok, "{text}");
    std::fs::write(
        dir.join("file_sd_configs.d/broken.yml"),
        "- targets: [x:1]\n  labelz: {job: x}\n",
    )
    .unwrap();
    let (ok, text) = check(&dir.join("prometheus.yml"));
    assert!(
        !ok && text.contains("labelz"),
        "promtool did not read the target files: {text}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// rocketchat-compose's `files/prometheus/` in `dir`: the shipped configuration (its target files read from
/// `dir`, its scrape interval `interval`) and the drop-in target file, its target `target`.
fn layout(dir: &Path, target: &str, interval: &str) {
    let conf = std::fs::read_to_string(repo_file(PROMETHEUS_CONF)).unwrap();
    let files = format!("{}/file_sd_configs.d/*.yml", dir.display());
    let conf = substitute_once(PROMETHEUS_CONF, &conf, TARGET_FILES, &files);
    let conf = substitute_once(
        PROMETHEUS_CONF,
        &conf,
        "scrape_interval: 30s",
        &format!("scrape_interval: {interval}"),
    );
    std::fs::write(dir.join("prometheus.yml"), conf).unwrap();
    std::fs::create_dir_all(dir.join("file_sd_configs.d")).unwrap();
    let targets_file = format!("{DROP_IN}/{DROP_IN_TARGETS}");
    let targets = std::fs::read_to_string(repo_file(&targets_file)).unwrap();
    let targets = substitute_once(&targets_file, &targets, "rc-analytics:3100", target);
    std::fs::write(dir.join("file_sd_configs.d/rc-analytics.yml"), targets).unwrap();
}

/// Prometheus on a free loopback port with [`layout`] (every second), scraping `target`.
fn start_prometheus(target: &str) -> (Running, String) {
    let prometheus = installed("prometheus", &["/usr/bin/prometheus", "/usr/local/bin/prometheus"]);
    let port = free_port();
    let dir = temp_dir("prometheus", port);
    layout(&dir, target, "1s");
    let child = Command::new(prometheus)
        .arg(format!("--config.file={}", dir.join("prometheus.yml").display()))
        .arg(format!("--storage.tsdb.path={}", dir.join("data").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--log.level=warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("prometheus starts");
    let running = Running { child, dir }.wait_for_port(port, "");
    (running, format!("http://127.0.0.1:{port}"))
}

/// A sample of an instant query: its labels and value.
struct Sample {
    labels: BTreeMap<String, String>,
    value: f64,
}

/// The answer of Prometheus' HTTP API at `path` to `parameter`; it must be a success.
async fn prometheus_api(http: &reqwest::Client, prometheus: &str, path: &str, parameter: (&str, &str)) -> Value {
    let res: Value = http
        .get(format!("{prometheus}{path}"))
        .query(&[parameter])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(res["status"], "success", "{path} {parameter:?}: {res}");
    res
}

/// `expr` evaluated now through Prometheus' HTTP API (`/api/v1/query`).
async fn query(http: &reqwest::Client, prometheus: &str, expr: &str) -> Vec<Sample> {
    let res = prometheus_api(http, prometheus, "/api/v1/query", ("query", expr)).await;
    let value = |v: &Value| v[1].as_str().unwrap().parse::<f64>().unwrap();
    match res["data"]["resultType"].as_str() {
        Some("vector") => res["data"]["result"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| Sample {
                labels: serde_json::from_value(s["metric"].clone()).unwrap(),
                value: value(&s["value"]),
            })
            .collect(),
        Some("scalar") => vec![Sample {
            labels: BTreeMap::new(),
            value: value(&res["data"]["result"]),
        }],
        other => panic!("{expr}: result type {other:?}"),
    }
}

/// Polls `expr` until `ready` holds for its samples (Prometheus scrapes every second).
async fn until(http: &reqwest::Client, prometheus: &str, expr: &str, ready: impl Fn(&[Sample]) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if ready(&query(http, prometheus, expr).await) {
            return;
        }
        assert!(Instant::now() < deadline, "{expr} never became ready");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// `{label value: sample value}` of samples labelled `label`.
fn by(samples: &[Sample], label: &str) -> BTreeMap<String, f64> {
    samples.iter().map(|s| (s.labels[label].clone(), s.value)).collect()
}

fn midnight(day: NaiveDate) -> i64 {
    day.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp_millis()
}

/// The engagement dashboard's `start`/`end` of the whole UTC days `first..=last`.
fn days(first: NaiveDate, last: NaiveDate) -> String {
    let end = midnight(last.succ_opt().unwrap()) - 1;
    format!(
        "start={}&end={}",
        format_canonical(midnight(first)),
        format_canonical(end)
    )
}

#[tokio::test]
async fn prometheus_shows_every_panel_of_the_dashboard_and_the_api_figures() {
    let (name, _, summary) = demo_database().await;
    let app = spawn_with_series(&name).await;
    let metrics = metrics_with(&app, &FAMILIES).await;
    let address = app.address.trim_start_matches("http://").to_string();
    let (_prometheus, prometheus) = start_prometheus(&address);
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !http
        .get(format!("{prometheus}/-/ready"))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
    {
        assert!(Instant::now() < deadline, "Prometheus is not ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The drop-in's labels, and every workspace family scraped.
    until(
        &http,
        &prometheus,
        r#"up{job="rc-analytics", service="rc-analytics"}"#,
        |s| s.len() == 1 && s[0].value == 1.0,
    )
    .await;
    until(
        &http,
        &prometheus,
        "count by (__name__) ({__name__=~\"rca_workspace_.*\"})",
        |s| s.len() == FAMILIES.len(),
    )
    .await;

    // The API's answers, each asked twice (the second from the cache: the hit ratio has data).
    let admin = Creds::from(summary.admin());
    let ask = |path: String| {
        let (app, admin) = (&app, &admin);
        async move {
            let first = app.get(&path, Some(admin)).await;
            assert_eq!(first.status, 200, "{path}: {}", first.body);
            assert_eq!(app.get(&path, Some(admin)).await.body, first.body);
            serde_json::from_str::<Value>(&first.body).unwrap()
        }
    };
    let today = Utc::now().date_naive();
    let yesterday = today.pred_opt().unwrap();
    let back = |day: NaiveDate, n: u64| day - Days::new(n);
    let engagement = "/api/v1/engagement-dashboard";
    let active = ask(format!(
        "{engagement}/users/active-users?{}",
        days(back(yesterday, 29), yesterday)
    ))
    .await;
    let mut api = BTreeMap::new();
    for (label, width) in [("1", 1), ("7", 7), ("30", 30)] {
        let first = back(yesterday, width - 1);
        let users: BTreeSet<&str> = active["month"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| {
                let int = |k: &str| d[k].as_u64().unwrap() as u32;
                let day = NaiveDate::from_ymd_opt(int("year") as i32, int("month"), int("day")).unwrap();
                day >= first && day <= yesterday
            })
            .flat_map(|d| d["usersList"].as_array().unwrap().iter().map(|u| u.as_str().unwrap()))
            .collect();
        api.insert(format!("active users {label}"), users.len() as f64);
        let new = ask(format!(
            "{engagement}/users/new-users?{}",
            days(back(today, width - 1), today)
        ))
        .await;
        api.insert(format!("new users {label}"), new["period"]["count"].as_f64().unwrap());
    }
    // Every message the demo holds: its quiet corners (seed/src/quiet.rs) go back 200 days.
    let span = days(back(today, 365), today);
    let origin = ask(format!("{engagement}/messages/origin?{span}")).await;
    for row in origin["origins"].as_array().unwrap() {
        let t = row["t"].as_str().unwrap();
        api.insert(format!("messages {t}"), row["messages"].as_f64().unwrap());
    }
    let status = ask(format!(
        "{BASE}/conversations-by-status?start={}&end={}",
        format_canonical(midnight(back(today, 60))),
        format_canonical(midnight(today.succ_opt().unwrap()))
    ))
    .await;
    for row in status["data"].as_array().unwrap() {
        let label = match row["label"].as_str().unwrap() {
            "Open" => "open",
            "Queued" => "queued",
            "On_Hold" => "on_hold",
            _ => continue,
        };
        api.insert(format!("conversations {label}"), row["value"].as_f64().unwrap());
    }
    for figure in [
        "active users 1",
        "active users 30",
        "new users 30",
        "messages c",
        "messages p",
        "messages d",
        "conversations open",
        "conversations queued",
    ] {
        assert!(api[figure] > 0.0, "the demo data has no {figure}: {api:?}");
    }

    // The same figures in Prometheus.
    let mut scraped = BTreeMap::new();
    for (what, expr, label) in [
        ("active users", "rca_workspace_active_users", "days"),
        ("new users", "rca_workspace_new_users", "days"),
        ("messages", "rca_workspace_messages_sent_total", "room_type"),
        (
            "conversations",
            "sum by (status) (rca_workspace_omnichannel_conversations)",
            "status",
        ),
    ] {
        for (value, n) in by(&query(&http, &prometheus, expr).await, label) {
            scraped.insert(format!("{what} {value}"), n);
        }
    }
    assert_eq!(scraped, api);

    // Every panel has data, once Prometheus has scraped the requests above.
    let hit = r#"rca_report_cache_total{result="hit"}"#;
    let hits: f64 = samples(&app.get("/metrics", None).await.body)
        .iter()
        .filter(|(k, _)| k.starts_with("rca_report_cache_total{") && k.ends_with(r#"result="hit"}"#))
        .map(|(_, v)| v)
        .sum();
    assert!(hits >= 4.0, "{hits}");
    until(&http, &prometheus, &format!("sum({hit})"), |s| {
        s.first().is_some_and(|s| s.value == hits)
    })
    .await;
    let d = dashboard();
    for (title, expr) in expressions(&d) {
        let samples = query(&http, &prometheus, &with_variables(&expr)).await;
        assert!(
            samples.iter().any(|s| s.value.is_finite()),
            "{title}: {expr} has no data ({} samples)",
            samples.len()
        );
    }

    // The dashboard selects only series the service exports, and shows every workspace series.
    let exported = exported(&metrics);
    let selected: BTreeSet<String> = expressions(&d).iter().flat_map(|(_, e)| selected_series(e)).collect();
    let unknown: Vec<&String> = selected.difference(&exported).collect();
    assert!(
        unknown.is_empty(),
        "the dashboard selects series the service does not export: {unknown:?}"
    );
    for family in FAMILIES {
        assert!(selected.contains(family), "no panel shows {family}");
    }
    // Its instance variable (`label_values(<series>, instance)`) finds the service.
    let variable = d["templating"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "instance")
        .unwrap();
    let series = variable["query"]["query"]
        .as_str()
        .unwrap()
        .strip_prefix("label_values(")
        .and_then(|q| q.strip_suffix(", instance)"))
        .unwrap();
    assert!(exported.contains(series), "{series}");
    let values = prometheus_api(&http, &prometheus, "/api/v1/label/instance/values", ("match[]", series)).await;
    assert_eq!(values["data"], serde_json::json!([address]));
}
