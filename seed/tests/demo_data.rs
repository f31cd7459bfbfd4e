//! The generator on a real MongoDB-wire server (`MONGODB_URI`, started by `scripts/test.sh`): reproducible data,
//! Rocket.Chat's documented department example in it, and the binary's safety rule, usage errors and JSON output.
//! The service's answers on the same data are in tests/api/demo_data.rs.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use bson::{doc, Bson, Document};
use chrono::NaiveDate;
use futures::TryStreamExt;
use mongodb::{Client, Database};
use rc_analytics_seed::{docs, generate, Edition, SeedOptions, ANALYTICS, WRITTEN};

const UNTIL: &str = "2024-03-10";

fn mongodb_uri() -> String {
    std::env::var("MONGODB_URI")
        .or_else(|_| std::env::var("MONGO_URL"))
        .expect("MONGODB_URI is not set: run the tests with scripts/test.sh, which starts a test database")
}

fn options(seed: u64, messages: u64) -> SeedOptions {
    let mut o = SeedOptions::new(NaiveDate::parse_from_str(UNTIL, "%Y-%m-%d").unwrap());
    o.seed = seed;
    o.messages = messages;
    o.edition = Edition::Enterprise;
    o
}

async fn fresh_db(tag: &str) -> Database {
    let client = Client::with_uri_str(mongodb_uri()).await.expect("client");
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    client.database(&format!(
        "rca_seed_{tag}_{}_{}",
        std::process::id(),
        nanos % 1_000_000_000
    ))
}

/// The documents of `coll` matching `filter`, by `_id`.
async fn find_all(db: &Database, coll: &str, filter: Document) -> Vec<Document> {
    db.collection::<Document>(coll)
        .find(filter)
        .sort(doc! {"_id": 1})
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap()
}

async fn all_docs(db: &Database, coll: &str) -> Vec<Document> {
    find_all(db, coll, doc! {}).await
}

async fn count(db: &Database, coll: &str, filter: Document) -> u64 {
    db.collection::<Document>(coll).count_documents(filter).await.unwrap()
}

/// The test server's URL with `db` as its path (the way `--mongo-url` names the database).
fn url_for(db: &str) -> String {
    let uri = mongodb_uri();
    let (base, query) = uri.split_once('?').map_or((uri.as_str(), ""), |(b, q)| (b, q));
    let scheme_end = base.find("://").unwrap() + 3;
    let hosts = base[scheme_end..].split('/').next().unwrap();
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{query}")
    };
    format!("{}{hosts}/{db}{query}", &base[..scheme_end])
}

fn seed_binary(args: &[&str]) -> std::process::Output {
    seed_binary_env(args, None)
}

#[tokio::test]
async fn same_seed_and_until_give_identical_documents() {
    let (a, b, c) = (fresh_db("a").await, fresh_db("b").await, fresh_db("c").await);
    let sa = generate(&a, &options(3, 1500)).await.unwrap();
    let sb = generate(&b, &options(3, 1500)).await.unwrap();
    generate(&c, &options(4, 1500)).await.unwrap();
    assert_eq!(sa.credentials, sb.credentials);
    assert_eq!(sa.expected_origin, sb.expected_origin);
    // rocketchat_analytics stays empty in both editions.
    for coll in WRITTEN.into_iter().filter(|c| *c != ANALYTICS) {
        let (da, db_) = (all_docs(&a, coll).await, all_docs(&b, coll).await);
        assert!(!da.is_empty(), "{coll} is empty");
        assert_eq!(da.len(), db_.len(), "{coll}");
        for (x, y) in da.iter().zip(&db_) {
            // Byte for byte, key order included.
            assert_eq!(bson::to_vec(x).unwrap(), bson::to_vec(y).unwrap(), "{coll}");
        }
        assert_eq!(sa.written[coll], da.len() as u64, "{coll}");
    }
    assert_eq!(sa.written["rocketchat_message"], 1500);
    // Another seed: other ids, other messages.
    for coll in ["users", "rocketchat_message", "rocketchat_room"] {
        assert_ne!(all_docs(&a, coll).await, all_docs(&c, coll).await, "{coll}");
    }
}

#[tokio::test]
async fn refuses_a_database_with_rocket_chat_data_and_force_replaces_it() {
    let db = fresh_db("force").await;
    let intruder = docs::user(
        "intruder",
        "intruder",
        &["user"],
        bson::DateTime::parse_rfc3339_str("2024-01-01T00:00:00Z").unwrap(),
        &["t"],
        &[],
    );
    db.collection::<Document>("users").insert_one(intruder).await.unwrap();
    db.collection::<Document>("rocketchat_settings")
        .insert_one(doc! {"_id": "Site_Name", "value": "Prod"})
        .await
        .unwrap();
    let url = url_for(db.name());

    let out = seed_binary(&["--mongo-url", &url, "--messages", "800", "--until", UNTIL]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "seed: database '{}' already holds Rocket.Chat data (documents in users, rocketchat_settings); \
             refusing to write demo data there (--force drops and rewrites the collections the generator writes)\n",
            db.name()
        )
    );
    assert_eq!(out.stdout, b"");
    assert_eq!(count(&db, "users", doc! {}).await, 1);
    assert_eq!(count(&db, "rocketchat_message", doc! {}).await, 0);

    let out = seed_binary(&["--mongo-url", &url, "--messages", "800", "--until", UNTIL, "--force"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("curl -s -H 'X-User-Id: "), "{stdout}");
    assert!(
        stdout.contains(
            "/api/v1/engagement-dashboard/messages/origin?start=2024-03-03T00:00:00.000Z&end=2024-03-10T23:59:59.999Z'"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "conversations-by-department?start=2024-03-04T00:00:00.000Z&end=2024-03-11T00:00:00.000Z\
             &sort=%7B%22total%22%3A1%2C%22_id%22%3A-1%7D'"
        ),
        "{stdout}"
    );
    // The generator's collections were replaced; what it does not write was left alone.
    assert_eq!(count(&db, "users", doc! {"_id": "intruder"}).await, 0);
    assert_eq!(count(&db, "users", doc! {"username": "demo.admin"}).await, 1);
    assert_eq!(count(&db, "rocketchat_message", doc! {}).await, 800);
    assert_eq!(count(&db, "rocketchat_settings", doc! {}).await, 1);
}

/// The binary run with `args` and `MONGO_URL` set to `mongo_url` (unset when `None`).
fn seed_binary_env(args: &[&str], mongo_url: Option<&str>) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rc-analytics-seed"));
    command.args(args).env_remove("MONGO_URL");
    if let Some(url) = mongo_url {
        command.env("MONGO_URL", url);
    }
    command.output().expect("runs")
}

#[test]
fn usage_errors_exit_2_before_connecting_and_help_lists_every_option() {
    let usage = "Usage: rc-analytics-seed [OPTIONS] --mongo-url <URL>\n\nFor more information, try '--help'.\n";
    // Port 9 (discard): nothing answers there, so an attempt to connect would not exit 2 at once.
    let nowhere = "mongodb://127.0.0.1:9/demo";
    for (args, mongo_url, stderr) in [
        (
            &["--messages", "many"][..],
            Some(nowhere),
            "error: invalid value 'many' for '--messages <N>': invalid digit found in string\n\n\
             For more information, try '--help'.\n"
                .to_string(),
        ),
        (
            &["--mongo-url", nowhere, "--days", "6"][..],
            None,
            "error: invalid value '6' for '--days <N>': 6 is not in 7..=3660\n\n\
             For more information, try '--help'.\n"
                .to_string(),
        ),
        (
            &["--until", UNTIL][..],
            None,
            "error: the following required arguments were not provided:\n  --mongo-url <URL>\n\n\
             Usage: rc-analytics-seed --mongo-url <URL> --until <YYYY-MM-DD>\n\n\
             For more information, try '--help'.\n"
                .to_string(),
        ),
        (
            &["--until", UNTIL][..],
            Some(""),
            format!("error: no database given: pass --mongo-url URL or set MONGO_URL\n\n{usage}"),
        ),
        (
            &[][..],
            Some("mongodb://user:secret@127.0.0.1:9/a.b"),
            format!("error: --mongo-url: 'a.b' is not a valid database name\n\n{usage}"),
        ),
    ] {
        let out = seed_binary_env(args, mongo_url);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), stderr, "{args:?}");
        assert_eq!(out.stdout, b"", "{args:?}");
    }
    let out = seed_binary_env(&["--help"], None);
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    for line in [
        "--mongo-url <URL>",
        "[env: MONGO_URL]",
        "--seed <N>",
        "[default: 1]",
        "--messages <N>",
        "[default: 50000]",
        "--until <YYYY-MM-DD>",
        "[default: today]",
        "--days <N>",
        "[default: 42]",
        "--edition <E>",
        "- enterprise: ",
        "[default: community]",
        "--json",
        "--force",
        "[default: off]",
        "Safety: ",
    ] {
        assert!(help.contains(line), "{line} not in {help}");
    }
}

#[tokio::test]
async fn the_omnichannel_example_is_in_the_data() {
    let db = fresh_db("example").await;
    let summary = generate(&db, &options(9, 1200)).await.unwrap();
    let (from, to) = summary.span.last_week();
    let window =
        doc! {"t": "l", "ts": {"$gte": bson::DateTime::from_millis(from), "$lt": bson::DateTime::from_millis(to)}};

    let names: BTreeMap<String, String> = all_docs(&db, "rocketchat_livechat_department")
        .await
        .iter()
        .filter(|d| d.get_str("type").is_err())
        .map(|d| {
            (
                d.get_str("_id").unwrap().to_string(),
                d.get_str("name").unwrap().to_string(),
            )
        })
        .collect();
    let mut per_department: Vec<(String, i64)> = db
        .collection::<Document>("rocketchat_room")
        .aggregate(vec![
            doc! {"$match": {"$and": [window.clone(), {"departmentId": {"$exists": true}}]}},
            doc! {"$group": {"_id": "$departmentId", "n": {"$sum": 1}}},
        ])
        .await
        .unwrap()
        .try_collect::<Vec<Document>>()
        .await
        .unwrap()
        .iter()
        .map(|d| {
            let id = d.get_str("_id").unwrap();
            let name = names.get(id).cloned().unwrap_or_else(|| "(deleted)".into());
            (name, i64::from(d.get_i32("n").unwrap()))
        })
        .collect();
    per_department.sort();
    assert_eq!(
        per_department,
        [
            ("(deleted)".to_string(), 1),
            ("(deleted)".to_string(), 2),
            ("Missing".to_string(), 6),
            ("Missing".to_string(), 10),
            ("TestBH".to_string(), 1),
            ("TestQueue".to_string(), 1),
        ]
    );
    let unspecified = count(
        &db,
        "rocketchat_room",
        doc! {"$and": [window.clone(), {"departmentId": {"$exists": false}}]},
    )
    .await;
    assert_eq!(unspecified, 43);
    let e = &summary.example;
    assert_eq!((e.total, e.unspecified, e.deleted), (18, 43, 3));
    assert_eq!(
        e.data,
        [
            ("TestQueue".to_string(), 1),
            ("TestBH".to_string(), 1),
            ("Missing".to_string(), 16)
        ]
    );

    // The example's conversations vary: every status, source and tag shape.
    let rooms = find_all(&db, "rocketchat_room", window).await;
    let has = |f: &dyn Fn(&Document) -> bool| rooms.iter().any(f);
    let served = |d: &Document| d.get_document("servedBy").is_ok();
    let duration = |d: &Document| {
        d.get_document("metrics")
            .ok()
            .and_then(|m| m.get_f64("chatDuration").ok())
    };
    assert!(has(&|d| d.get_bool("open") == Ok(true)
        && served(d)
        && d.get("onHold").is_none()));
    assert!(has(&|d| d.get("open").is_none()
        && d.get("closedAt").is_some()
        && duration(d) > Some(0.0)));
    assert!(has(&|d| d.get("open").is_none() && duration(d) == Some(0.0)));
    assert!(has(&|d| d.get_bool("open") == Ok(true) && !served(d)));
    assert!(has(&|d| d.get_bool("onHold") == Ok(true)));
    let sources: BTreeSet<String> = rooms
        .iter()
        .map(|d| d.get_document("source").unwrap().get_str("type").unwrap().to_string())
        .collect();
    assert_eq!(
        sources.into_iter().collect::<Vec<_>>(),
        ["api", "app", "email", "sms", "widget"]
    );
    let tag_lengths: BTreeSet<Option<usize>> = rooms
        .iter()
        .map(|d| d.get_array("tags").ok().map(|t| t.len().min(2)))
        .collect();
    assert_eq!(
        tag_lengths.into_iter().collect::<Vec<_>>(),
        [None, Some(0), Some(1), Some(2)]
    );
    let agents: BTreeSet<&str> = rooms
        .iter()
        .filter_map(|d| d.get_document("servedBy").ok()?.get_str("username").ok())
        .collect();
    assert!(agents.len() >= 3, "{agents:?}");

    // Rocket.Chat's livechat indexes, by their exact names, partial on t:'l'.
    let indexes: Vec<Document> = db
        .collection::<Document>("rocketchat_room")
        .list_indexes()
        .await
        .unwrap()
        .try_collect::<Vec<_>>()
        .await
        .unwrap()
        .into_iter()
        .map(|m| bson::to_document(&m).unwrap())
        .collect();
    for name in [
        "source_1_ts_1",
        "departmentId_1_ts_1",
        "tags.0_1_ts_1",
        "servedBy_1_ts_1",
    ] {
        let index = indexes
            .iter()
            .find(|i| i.get_str("name") == Ok(name))
            .unwrap_or_else(|| panic!("{name} missing: {indexes:?}"));
        assert_eq!(
            index.get("partialFilterExpression"),
            Some(&Bson::Document(doc! {"t": "l"})),
            "{name}"
        );
    }
}

#[tokio::test]
async fn json_output_and_a_live_workspace_by_default() {
    // The defaults: community edition, data up to today, today's data ending now.
    let db = fresh_db("json").await;
    let before = chrono::Utc::now().timestamp_millis();
    let out = seed_binary(&["--mongo-url", &url_for(db.name()), "--messages", "1500", "--json"]);
    let after = chrono::Utc::now().timestamp_millis();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(v["database"], db.name());
    assert_eq!(v["edition"], "community");
    assert_eq!(v["until"], chrono::Utc::now().date_naive().to_string());
    let roles: Vec<&str> = v["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["admin", "livechat-manager", "livechat-agent", "user", "guest"]);
    let admin = &v["credentials"][0];
    assert_eq!(admin["username"], "demo.admin");
    assert_eq!(
        count(&db, "users", doc! {"_id": admin["userId"].as_str().unwrap()}).await,
        1
    );
    assert_eq!(v["personalAccessToken"]["role"], "user");
    assert_eq!(v["requests"].as_array().unwrap().len(), 14);
    assert_eq!(v["written"]["rocketchat_message"], 1500);
    assert_eq!(v["written"]["rocketchat_analytics"], 0);
    // Nothing lies in the future of the run, and today has data (unless the run started at midnight).
    assert_dated_up_to(&db, after).await;
    let today = chrono::Utc::now()
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis();
    for (coll, field) in [
        ("rocketchat_message", "ts"),
        ("rocketchat_room", "_updatedAt"),
        ("rocketchat_sessions", "lastActivityAt"),
    ] {
        let latest = db
            .collection::<Document>(coll)
            .find_one(doc! {field: {"$exists": true}})
            .sort(doc! {field: -1})
            .await
            .unwrap()
            .and_then(|d| d.get_datetime(field).ok().map(|t| t.timestamp_millis()))
            .unwrap_or_else(|| panic!("no {coll}.{field}"));
        assert!(
            latest >= today.min(before - 1),
            "{coll}.{field} {latest} is before today"
        );
    }
    // Sessions of the last two days are closed: an open one counts as present in every later hour of its
    // login day, and in a zone west of UTC yesterday's logins fall on the local today.
    let open_recently = doc! {
        "type": "computed-session",
        "loginAt": {"$gte": bson::DateTime::from_millis(today - 86_400_000)},
        "closedAt": {"$exists": false},
    };
    assert_eq!(count(&db, "rocketchat_sessions", open_recently).await, 0);
}

#[tokio::test]
async fn an_until_in_the_past_ends_the_data_there_and_a_future_one_is_refused() {
    let db = fresh_db("past").await;
    let out = seed_binary(&[
        "--mongo-url",
        &url_for(db.name()),
        "--messages",
        "1500",
        "--until",
        UNTIL,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_dated_up_to(&db, chrono::Utc::now().timestamp_millis()).await;
    // What happened ends with the last day (only the nightly job's `_computedAt` is the morning after).
    let after_until = bson::DateTime::parse_rfc3339_str("2024-03-11T00:00:00Z").unwrap();
    for (coll, field) in [
        ("rocketchat_message", "ts"),
        ("rocketchat_room", "lm"),
        ("rocketchat_room", "closedAt"),
        ("rocketchat_sessions", "closedAt"),
        ("rocketchat_sessions", "lastActivityAt"),
        ("users", "createdAt"),
        ("users", "lastLogin"),
    ] {
        assert_eq!(
            count(&db, coll, doc! {field: {"$gte": after_until}}).await,
            0,
            "{coll}.{field}"
        );
        assert!(
            count(&db, coll, doc! {field: {"$exists": true}}).await > 0,
            "{coll}.{field}"
        );
    }
    // Some of the last day's sessions were left open (the server went away), as on any day of a past span.
    assert!(
        count(
            &db,
            "rocketchat_sessions",
            doc! {"type": "computed-session", "closedAt": {"$exists": false}}
        )
        .await
            > 0
    );

    let tomorrow = (chrono::Utc::now().date_naive() + chrono::Days::new(1)).to_string();
    let out = seed_binary(&["--mongo-url", &url_for(db.name()), "--until", &tomorrow]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "error: --until {tomorrow} is after today ({}, UTC): no data is written in the future\n\n\
             Usage: rc-analytics-seed [OPTIONS] --mongo-url <URL>\n\nFor more information, try '--help'.\n",
            chrono::Utc::now().date_naive()
        )
    );
}

/// Every date in every document the generator wrote is at most `bound` (ms), and no session closes or
/// has its last activity before it opens.
async fn assert_dated_up_to(db: &Database, bound: i64) {
    fn dates(value: &Bson, path: &str, out: &mut Vec<(String, i64)>) {
        match value {
            Bson::DateTime(t) => out.push((path.to_string(), t.timestamp_millis())),
            Bson::Document(d) => d.iter().for_each(|(k, v)| dates(v, &format!("{path}.{k}"), out)),
            Bson::Array(a) => a.iter().for_each(|v| dates(v, path, out)),
            _ => {}
        }
    }
    let mut checked = 0;
    for coll in WRITTEN {
        for d in all_docs(db, coll).await {
            let mut found = Vec::new();
            dates(&Bson::Document(d.clone()), coll, &mut found);
            for (path, t) in found {
                assert!(t <= bound, "{path} = {t} is after {bound}: {d}");
                checked += 1;
            }
            if d.get_str("type") == Ok("computed-session") {
                let login = d.get_datetime("loginAt").unwrap();
                for field in ["closedAt", "lastActivityAt"] {
                    if let Ok(t) = d.get_datetime(field) {
                        assert!(t >= login, "{field} before loginAt: {d}");
                    }
                }
            }
        }
    }
    assert!(checked > 1000, "{checked} dates");
}
