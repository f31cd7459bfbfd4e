//! Least privilege: rc-analytics works with nothing more than the role that
//! `deploy/mongo/create-readonly-user.js` creates. The script runs under Node.js with a small mongosh shim
//! (tests/support/mongosh-shim.cjs) that records its commands; they are sent to a SecantusDB of this test's
//! own, which then restarts with `--auth`; the service connects as the read-only user and serves every route.
//!
//! What the stand-in can and cannot prove: SecantusDB 0.7.0b3 enforces a custom role's ACTIONS and its
//! DATABASE (no write, no listCollections, nothing on another database), but it does not match a privilege's
//! `collection` (a `find` grant on one collection of a database allows `find` on all of them there). The
//! collection list is therefore enforced by the service itself (`store::coll::GRANTS`, checked on every
//! read and `$lookup`), and this test asserts that the script grants exactly that list.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bson::{doc, Document};
use mongodb::Client;
use rc_analytics::app::endpoints;
use rc_analytics::registry::Family;
use rc_analytics::store::{coll, StoreError};
use rc_analytics_seed::docs;
use serde_json::Value;

use crate::helpers::routing::repo_file;
use crate::helpers::*;

const SCRIPT: &str = "deploy/mongo/create-readonly-user.js";
const PASSWORD: &str = "read-only-secret";

/// A SecantusDB of this test's own, on a free port, with its data in a temporary directory.
struct OwnServer {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
}

impl OwnServer {
    fn start(dir: PathBuf, auth: bool) -> Self {
        let exe = repo_file(".venv/bin/secantusd-py");
        assert!(
            exe.exists(),
            "{} is missing: run the tests with scripts/test.sh (it runs scripts/testdb.sh install)",
            exe.display()
        );
        let port = free_port();
        let mut cmd = Command::new(exe);
        cmd.args([
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--log-level",
            "WARNING",
        ])
        .arg("--storage-path")
        .arg(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        if auth {
            cmd.arg("--auth");
        }
        let mut server = Self {
            child: Some(cmd.spawn().expect("secantusd-py starts")),
            port,
            dir,
        };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            let child = server.child.as_mut().unwrap();
            assert!(child.try_wait().unwrap().is_none(), "secantusd-py exited");
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "secantusd-py did not listen"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// Stops the server (SIGTERM, so it closes its storage) and keeps the data directory.
    fn stop(mut self) -> PathBuf {
        let mut child = self.child.take().unwrap();
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
        let started = Instant::now();
        while child.try_wait().unwrap().is_none() {
            if started.elapsed() > Duration::from_secs(10) {
                let _ = child.kill();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        std::mem::take(&mut self.dir)
    }

    fn uri(&self, credentials: &str, database: &str) -> String {
        format!(
            "mongodb://{credentials}127.0.0.1:{}/{database}?directConnection=true&authSource={database}",
            self.port
        )
    }
}

impl Drop for OwnServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if !self.dir.as_os_str().is_empty() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// The script's commands for `database`, as the shim records them.
fn script_commands(database: &str) -> Vec<(String, Document)> {
    let out = Command::new("node")
        .arg(repo_file("tests/support/mongosh-shim.cjs"))
        .arg(repo_file(SCRIPT))
        .arg(database)
        .env("RCA_MONGO_PASSWORD", PASSWORD)
        .output()
        .expect("node is not installed: run the tests with scripts/test.sh, which installs Debian's nodejs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let commands: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    commands
        .into_iter()
        .map(|c| {
            let db = c["db"].as_str().unwrap().to_string();
            let command = bson::to_document(&c["command"]).unwrap();
            (db, command)
        })
        .collect()
}

#[test]
fn the_script_grants_exactly_what_the_store_reads() {
    let commands = script_commands("rocketchat");
    let kinds: Vec<(&str, &str)> = commands
        .iter()
        .map(|(db, c)| (db.as_str(), c.keys().next().unwrap().as_str()))
        .collect();
    assert_eq!(kinds, [("rocketchat", "createRole"), ("rocketchat", "createUser")]);
    let role = &commands[0].1;
    assert_eq!(role.get_array("roles").unwrap().len(), 0, "no inherited role");
    let granted: BTreeSet<(String, Vec<String>)> = role
        .get_array("privileges")
        .unwrap()
        .iter()
        .map(|p| {
            let p = p.as_document().unwrap();
            let resource = p.get_document("resource").unwrap();
            assert_eq!(resource.get_str("db"), Ok("rocketchat"));
            let actions = p
                .get_array("actions")
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_string());
            (resource.get_str("collection").unwrap().to_string(), actions.collect())
        })
        .collect();
    let expected: BTreeSet<(String, Vec<String>)> = coll::GRANTS
        .iter()
        .map(|(c, actions)| (c.to_string(), actions.iter().map(|a| a.to_string()).collect()))
        .collect();
    assert_eq!(granted, expected);
    let user = &commands[1].1;
    assert_eq!(user.get_str("createUser"), Ok("rc-analytics"));
    assert_eq!(user.get_str("pwd"), Ok(PASSWORD));
    assert_eq!(
        user.get_array("roles").unwrap(),
        &vec![bson::Bson::Document(
            doc! {"role": "rcAnalyticsRead", "db": "rocketchat"}
        )]
    );
}

#[tokio::test]
async fn the_service_works_with_only_the_read_only_role() {
    let database = format!("rca_lp_{}", std::process::id());
    let dir = std::env::temp_dir().join(format!("rca-auth-{}-{}", std::process::id(), free_port()));

    // Provision without auth: an administrator, the script's role and user, and Rocket.Chat-shaped data.
    let server = tokio::task::spawn_blocking(move || OwnServer::start(dir, false))
        .await
        .unwrap();
    let admin_client = Client::with_uri_str(server.uri("", &database)).await.unwrap();
    admin_client
        .database("admin")
        .run_command(doc! {"createUser": "root", "pwd": "root-secret", "roles": [{"role": "root", "db": "admin"}]})
        .await
        .unwrap();
    for (db, command) in script_commands(&database) {
        admin_client.database(&db).run_command(command).await.unwrap();
    }
    let db = admin_client.database(&database);
    let insert = |name: &'static str, docs: Vec<Document>| {
        let c = db.collection::<Document>(name);
        async move { c.insert_many(docs).await.unwrap() }
    };
    insert(
        "rocketchat_permissions",
        vec![
            docs::permission(ENGAGEMENT, &["admin"]),
            docs::permission(LIVECHAT_REPORTS, &["admin"]),
        ],
    )
    .await;
    let t = date("2024-01-01T10:00:00Z");
    insert(
        "users",
        vec![docs::user("admin1", "admin1", &["admin"], t, &["tok"], &[])],
    )
    .await;
    insert("rocketchat_room", vec![docs::room("r1", "c", "general", t)]).await;
    insert(
        "rocketchat_message",
        vec![docs::message("m1", "r1", t, "admin1", "admin1", "hi")],
    )
    .await;
    drop(admin_client);

    // Restart with --auth: from now on only authenticated users with privileges get anything.
    let dir = tokio::task::spawn_blocking(move || server.stop()).await.unwrap();
    let server = tokio::task::spawn_blocking(move || OwnServer::start(dir, true))
        .await
        .unwrap();
    let anonymous = Client::with_uri_str(server.uri("", &database)).await.unwrap();
    let refused = anonymous
        .database(&database)
        .collection::<Document>("users")
        .find_one(doc! {})
        .await;
    assert!(refused.is_err(), "auth is off: {refused:?}");

    // The read-only user can read, and can write nothing.
    let readonly_uri = server.uri(&format!("rc-analytics:{PASSWORD}@"), &database);
    let readonly = Client::with_uri_str(&readonly_uri).await.unwrap();
    let write = readonly
        .database(&database)
        .collection::<Document>("rocketchat_message")
        .insert_one(doc! {"_id": "x"})
        .await
        .unwrap_err();
    assert!(write.to_string().contains("not authorized"), "{write}");

    // The service as that user: ready, and every report route answers without a privilege error.
    let app = spawn_app_with(|s| {
        s.mongo_url = readonly_uri.clone();
        s.database = database.clone();
    })
    .await;
    assert_json(
        &app.get("/ready", None).await,
        200,
        r#"{"status":"ready","success":true}"#,
    );
    let admin = Creds {
        user_id: "admin1".into(),
        token: "tok".into(),
    };
    let dates = "start=2024-01-01T00:00:00.000Z&end=2024-01-07T23:59:59.999Z";
    let res = app
        .get(
            &format!("/api/v1/engagement-dashboard/messages/origin?{dates}"),
            Some(&admin),
        )
        .await;
    assert_json(
        &res,
        200,
        r#"{"origins":[{"messages":1,"t":"c"},{"messages":0,"t":"d"},{"messages":0,"t":"p"}],"success":true}"#,
    );
    let reports: Vec<String> = endpoints()
        .into_iter()
        .filter(|e| e.family != Family::Operations)
        .map(|e| e.path)
        .collect();
    assert!(!reports.is_empty());
    for path in reports {
        // A room's history names its room.
        let room = if path.ends_with("/channels/history") {
            "&roomId=r1"
        } else {
            ""
        };
        let res = app.get(&format!("{path}?{dates}{room}"), Some(&admin)).await;
        assert_eq!(res.status, 200, "{path}: {}", res.body);
    }
    // listIndexes, granted on the rooms for the omnichannel hints, works too.
    assert!(app.state.store.index_names(coll::ROOMS).await.is_ok());
    // The store itself refuses a read outside the grants, before MongoDB is asked.
    let refused = app.state.store.count(coll::SETTINGS, doc! {}, None).await;
    assert!(matches!(refused, Err(StoreError::NotGranted(ref e)) if e.contains("'find' on 'rocketchat_settings'")));
    drop(server);
}
