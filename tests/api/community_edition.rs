//! A never-licensed workspace (`seed --edition community`): no `view-livechat-reports` document, no
//! units or monitors. The guard's fallback lets the roles of `view-livechat-manager` see the
//! omnichannel reports; a document created later decides alone.

use std::time::Duration;

use bson::doc;
use chrono::NaiveDate;
use rc_analytics_seed::{docs, generate, Edition, SeedOptions, SeedSummary};

use crate::helpers::*;

const UNTIL: &str = "2024-03-10";

fn options(edition: Edition) -> SeedOptions {
    let mut o = SeedOptions::new(NaiveDate::parse_from_str(UNTIL, "%Y-%m-%d").unwrap());
    o.seed = 11;
    o.messages = 2000;
    o.edition = edition;
    o
}

/// The five omnichannel report requests of the seeded last week.
fn omnichannel_paths(summary: &SeedSummary) -> Vec<String> {
    let paths: Vec<String> = summary
        .report_paths()
        .into_iter()
        .filter(|p| p.starts_with("/api/v1/livechat/"))
        .collect();
    assert_eq!(paths.len(), 5, "{paths:#?}");
    paths
}

/// What each of the five reports answers on the seeded last week for an unrestricted user, in registry
/// order: department (Rocket.Chat's documented example), source, status, tags, agent. The department
/// numbers are fixed by the generator; the others were read from a first run and are cross-checked
/// against the enterprise data of the same seed below.
const BODIES: [&str; 5] = [
    r#"{"total":18,"data":[{"label":"TestQueue","value":1},{"label":"TestBH","value":1},{"label":"Missing","value":16}],"unspecified":43,"success":true}"#,
    r#"{"total":64,"data":[{"label":"widget","value":26},{"label":"support@example.com","value":16},{"label":"api","value":8},{"label":"WhatsApp","value":7},{"label":"sms","value":7}],"success":true}"#,
    r#"{"total":64,"data":[{"label":"Closed","value":32},{"label":"Open","value":13},{"label":"On_Hold","value":8},{"label":"Queued","value":6}],"success":true}"#,
    r#"{"total":49,"data":[{"label":"vip","value":6},{"label":"bug","value":7},{"label":"billing","value":9},{"label":"feedback","value":9},{"label":"refund","value":9},{"label":"sales","value":9}],"unspecified":35,"success":true}"#,
    r#"{"total":58,"data":[{"label":"Ana Agent","value":10},{"label":"CDCu8ijX2qLmvBK9J","value":16},{"label":"Carla Agent","value":5},{"label":"Dev Agent","value":8},{"label":"Felix Agent","value":14},{"label":"so9Pz9huQR8kLv3gm","value":5}],"unspecified":6,"success":true}"#,
];

#[tokio::test]
async fn community_data_holds_core_permissions_only() {
    let app = spawn_app().await;
    let summary = generate(&app.db, &options(Edition::Community)).await.unwrap();
    let ids = |coll: &'static str| {
        let db = app.db.clone();
        async move {
            let mut out: Vec<String> = db
                .collection::<bson::Document>(coll)
                .distinct("_id", doc! {})
                .await
                .unwrap()
                .into_iter()
                .map(|b| b.as_str().unwrap().to_string())
                .collect();
            out.sort();
            out
        }
    };
    assert_eq!(
        ids("rocketchat_permissions").await,
        ["view-engagement-dashboard", "view-livechat-manager"]
    );
    assert!(!ids("rocketchat_roles").await.contains(&"livechat-monitor".to_string()));
    let count = |coll: &'static str, filter: bson::Document| {
        let db = app.db.clone();
        async move {
            db.collection::<bson::Document>(coll)
                .count_documents(filter)
                .await
                .unwrap()
        }
    };
    assert_eq!(count("users", doc! {"roles": "livechat-monitor"}).await, 0);
    assert_eq!(count("rocketchat_livechat_department", doc! {"type": "u"}).await, 0);
    assert_eq!(
        count("rocketchat_livechat_department", doc! {"ancestors": {"$exists": true}}).await,
        0
    );
    assert_eq!(
        count("rocketchat_room", doc! {"departmentAncestors": {"$exists": true}}).await,
        0
    );
    assert_eq!(count("rocketchat_livechat_unit_monitors", doc! {}).await, 0);
    let collections = app.db.list_collection_names().await.unwrap();
    assert!(
        collections.contains(&"rocketchat_analytics".to_string()),
        "{collections:?}"
    );
    assert_eq!(count("rocketchat_analytics", doc! {}).await, 0);
    let roles: Vec<&str> = summary.credentials.iter().map(|c| c.role.as_str()).collect();
    assert_eq!(roles, ["admin", "livechat-manager", "livechat-agent", "user", "guest"]);
}

#[tokio::test]
async fn admin_and_manager_see_every_report_others_are_refused() {
    let app = spawn_app().await;
    let summary = generate(&app.db, &options(Edition::Community)).await.unwrap();
    let paths = omnichannel_paths(&summary);
    for role in ["admin", "livechat-manager"] {
        let who = seeded(&summary, role);
        for (path, body) in paths.iter().zip(BODIES) {
            assert_json(&app.get(path, Some(&who)).await, 200, body);
        }
    }
    for role in ["livechat-agent", "user", "guest"] {
        let who = seeded(&summary, role);
        for path in &paths {
            assert_json(&app.get(path, Some(&who)).await, 403, FORBIDDEN);
        }
    }
    // The engagement dashboard: the core permission's own document (admin only).
    let origin = summary.origin_path();
    assert_eq!(app.get(&origin, Some(&seeded(&summary, "admin"))).await.status, 200);
    assert_json(
        &app.get(&origin, Some(&seeded(&summary, "livechat-manager"))).await,
        403,
        FORBIDDEN,
    );
}

#[tokio::test]
async fn the_reports_answer_as_on_enterprise_data() {
    // The same seed written as an enterprise workspace: the conversations are the same, so an admin
    // gets the same bodies.
    let app = spawn_app().await;
    let summary = generate(&app.db, &options(Edition::Enterprise)).await.unwrap();
    let admin = seeded(&summary, "admin");
    for (path, body) in omnichannel_paths(&summary).iter().zip(BODIES) {
        assert_json(&app.get(path, Some(&admin)).await, 200, body);
    }
}

#[tokio::test]
async fn a_view_livechat_reports_document_created_later_decides_after_the_cache_time() {
    // No sleeps: one service caches for 5 minutes (the absence stays cached, like a grant), another on
    // the same database caches nothing (what every service sees once its cache time has passed).
    let cached = spawn_app_with(|s| s.auth_cache_ttl = Duration::from_secs(300)).await;
    let summary = generate(&cached.db, &options(Edition::Community)).await.unwrap();
    let path = &omnichannel_paths(&summary)[0];
    let (admin, manager) = (seeded(&summary, "admin"), seeded(&summary, "livechat-manager"));
    assert_json(&cached.get(path, Some(&manager)).await, 200, BODIES[0]);
    cached
        .insert(
            "rocketchat_permissions",
            vec![docs::permission("view-livechat-reports", &["admin"])],
        )
        .await;
    // The absence is cached like a grant: the fallback still decides for this service.
    assert_json(&cached.get(path, Some(&manager)).await, 200, BODIES[0]);
    // Past the cache time, the document decides: the manager is refused, the admin served.
    let fresh = spawn_app_with(|s| s.database = cached.db.name().to_string()).await;
    assert_json(&fresh.get(path, Some(&manager)).await, 403, FORBIDDEN);
    assert_json(&fresh.get(path, Some(&admin)).await, 200, BODIES[0]);
    // An existing document decides alone, even with no role at all.
    fresh
        .db
        .collection::<bson::Document>("rocketchat_permissions")
        .update_one(doc! {"_id": "view-livechat-reports"}, doc! {"$set": {"roles": []}})
        .await
        .unwrap();
    assert_json(&fresh.get(path, Some(&admin)).await, 403, FORBIDDEN);
}

#[tokio::test]
async fn a_monitor_without_units_sees_every_room() {
    // Rocket.Chat's restrictQuery: no units, no restriction. Here the units collections do not even
    // exist, and an admin granted view-livechat-manager to the livechat-monitor role.
    let app = spawn_app().await;
    let summary = generate(&app.db, &options(Edition::Community)).await.unwrap();
    app.db
        .collection::<bson::Document>("rocketchat_livechat_unit_monitors")
        .drop()
        .await
        .unwrap();
    app.db
        .collection::<bson::Document>("rocketchat_permissions")
        .update_one(
            doc! {"_id": "view-livechat-manager"},
            doc! {"$set": {"roles": ["livechat-manager", "admin", "livechat-monitor"]}},
        )
        .await
        .unwrap();
    let monitor = app.user("monitor1", &["user", "livechat-monitor"]).await;
    for (path, body) in omnichannel_paths(&summary).iter().zip(BODIES) {
        assert_json(&app.get(path, Some(&monitor)).await, 200, body);
    }
}
