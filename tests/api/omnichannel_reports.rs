//! The sibling reports: conversations by source, status, tags and agent, each on data built for it.

use bson::doc;
use rc_analytics_seed::docs;

use crate::helpers::*;

async fn get(app: &TestApp, creds: &Creds, route: &str, extra: &str) -> Response {
    app.get(&format!("{BASE}/{route}?{WEEK}{extra}"), Some(creds)).await
}

/// A window without any conversation.
async fn get_empty_window(app: &TestApp, creds: &Creds, route: &str) -> Response {
    app.get(&format!("{BASE}/{route}?start=2020-01-01&end=2020-01-02"), Some(creds))
        .await
}

#[tokio::test]
async fn by_source_labels_alias_else_type() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let mut rooms = conversations("widget", 3, doc! {"source": {"type": "widget"}});
    rooms.extend(conversations(
        "whatsapp",
        2,
        doc! {"source": {"type": "app", "alias": "WhatsApp", "id": "wa"}},
    ));
    rooms.extend(conversations(
        "telegram",
        1,
        doc! {"source": {"type": "app", "alias": "Telegram"}},
    ));
    rooms.extend(conversations("api", 1, doc! {"source": {"type": "api", "alias": null}}));
    // A source without type or alias: its entry has no label (MongoDB's `$push` of a missing value).
    rooms.push(conversation("blank", "2024-01-03T10:00:00Z", doc! {"source": {}}, &[]));
    // No source: not counted; outside the window: not counted.
    rooms.push(conversation("no-source", "2024-01-03T10:00:00Z", doc! {}, &["source"]));
    rooms.push(conversation("old", "2023-12-01T10:00:00Z", doc! {}, &[]));
    app.insert("rocketchat_room", rooms).await;
    let res = get(&app, &admin, "conversations-by-source", "").await;
    // By count descending, ties by label (no label first, then binary order: "Telegram" < "api").
    assert_json(
        &res,
        200,
        r#"{"total":8,"data":[{"label":"widget","value":3},{"label":"WhatsApp","value":2},{"value":1},{"label":"Telegram","value":1},{"label":"api","value":1}],"success":true}"#,
    );
    // `sort` is not read on this route.
    let sorted = get(&app, &admin, "conversations-by-source", "&sort={\"value\":1}").await;
    assert_eq!(sorted.body, res.body);
    let none = get_empty_window(&app, &admin, "conversations-by-source").await;
    assert_json(&none, 200, r#"{"data":[],"total":0,"success":true}"#);
}

#[tokio::test]
async fn by_status_covers_every_status() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let served = doc! {"servedBy": {"_id": "agent1", "username": "agent1", "ts": date("2024-01-03T10:01:00Z")}};
    let with = |extra: bson::Document| {
        let mut d = served.clone();
        d.extend(extra);
        d
    };
    let mut rooms = conversations("open", 2, served.clone());
    rooms.extend(conversations("open-not-held", 1, with(doc! {"onHold": false})));
    rooms.extend(conversations("held", 1, with(doc! {"onHold": true})));
    rooms.extend(conversations("queued", 4, doc! {}));
    // Closed: `open` removed, `metrics.chatDuration` set.
    for i in 0..2 {
        rooms.push(conversation(
            &format!("closed-{i}"),
            "2024-01-04T10:00:00Z",
            with(doc! {"closedAt": date("2024-01-04T11:00:00Z"), "metrics": {"chatDuration": 3600}}),
            &["open"],
        ));
    }
    // Closed with a duration of 0: in the total only, as in Rocket.Chat.
    rooms.push(conversation(
        "closed-zero",
        "2024-01-04T10:00:00Z",
        with(doc! {"metrics": {"chatDuration": 0}}),
        &["open"],
    ));
    app.insert("rocketchat_room", rooms).await;
    let res = get(&app, &admin, "conversations-by-status", "").await;
    assert_json(
        &res,
        200,
        r#"{"total":11,"data":[{"label":"Queued","value":4},{"label":"Open","value":3},{"label":"Closed","value":2},{"label":"On_Hold","value":1}],"success":true}"#,
    );
    let none = get_empty_window(&app, &admin, "conversations-by-status").await;
    assert_json(&none, 200, r#"{"data":[],"total":0,"success":true}"#);
}

#[tokio::test]
async fn by_tags_counts_each_tag_and_rooms_without_tags() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let rooms = vec![
        conversation("t1", "2024-01-02T10:00:00Z", doc! {"tags": ["sales", "vip"]}, &[]),
        conversation("t2", "2024-01-02T10:00:00Z", doc! {"tags": ["sales"]}, &[]),
        conversation("t3", "2024-01-02T10:00:00Z", doc! {"tags": ["vip", "urgent"]}, &[]),
        conversation("t4", "2024-01-02T10:00:00Z", doc! {"tags": ["sales", "vip"]}, &[]),
        conversation("empty", "2024-01-02T10:00:00Z", doc! {"tags": []}, &[]),
        conversation("untagged", "2024-01-02T10:00:00Z", doc! {}, &[]),
        conversation("old", "2023-01-02T10:00:00Z", doc! {"tags": ["old"]}, &[]),
    ];
    app.insert("rocketchat_room", rooms).await;
    // Default {total: 1}, ties by tag.
    let res = get(&app, &admin, "conversations-by-tags", "").await;
    assert_json(
        &res,
        200,
        r#"{"total":7,"data":[{"label":"urgent","value":1},{"label":"sales","value":3},{"label":"vip","value":3}],"unspecified":2,"success":true}"#,
    );
    let res = get(&app, &admin, "conversations-by-tags", "&sort={\"total\":-1}").await;
    assert_json(
        &res,
        200,
        r#"{"total":7,"data":[{"label":"sales","value":3},{"label":"vip","value":3},{"label":"urgent","value":1}],"unspecified":2,"success":true}"#,
    );
    let res = get(&app, &admin, "conversations-by-tags", "&sort={\"_id\":-1}").await;
    assert_json(
        &res,
        200,
        r#"{"total":7,"data":[{"label":"vip","value":3},{"label":"urgent","value":1},{"label":"sales","value":3}],"unspecified":2,"success":true}"#,
    );
}

#[tokio::test]
async fn by_agent_names_agents_or_falls_back_to_their_id() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let created = date("2023-01-01T00:00:00Z");
    let mut nameless = docs::user("agent2", "agent.two", &["livechat-agent"], created, &[], &[]);
    nameless.remove("name");
    app.insert(
        "users",
        vec![
            docs::user("agent1", "alice", &["livechat-agent"], created, &[], &[]),
            nameless,
            docs::user("agent3", "zed", &["livechat-agent"], created, &[], &[]),
        ],
    )
    .await;
    let served_by = |id: &str| doc! {"servedBy": {"_id": id, "username": id, "ts": date("2024-01-03T10:01:00Z")}};
    let mut rooms = conversations("a1", 2, served_by("agent1"));
    rooms.extend(conversations("a2", 1, served_by("agent2")));
    rooms.extend(conversations("a3", 3, served_by("agent3")));
    // An agent whose user was deleted: labelled with the id.
    rooms.extend(conversations("ghost", 1, served_by("ghost-agent")));
    rooms.extend(conversations("unserved", 2, doc! {}));
    app.insert("rocketchat_room", rooms).await;
    // Default {name: 1} (binary order: "Alice" < "Zed" < "agent2" < "ghost-agent").
    let res = get(&app, &admin, "conversations-by-agent", "").await;
    assert_json(
        &res,
        200,
        r#"{"total":7,"data":[{"label":"Alice","value":2},{"label":"Zed","value":3},{"label":"agent2","value":1},{"label":"ghost-agent","value":1}],"unspecified":2,"success":true}"#,
    );
    let res = get(&app, &admin, "conversations-by-agent", "&sort={\"total\":-1}").await;
    assert_json(
        &res,
        200,
        r#"{"total":7,"data":[{"label":"Zed","value":3},{"label":"Alice","value":2},{"label":"agent2","value":1},{"label":"ghost-agent","value":1}],"unspecified":2,"success":true}"#,
    );
    let none = get_empty_window(&app, &admin, "conversations-by-agent").await;
    assert_json(&none, 200, r#"{"data":[],"total":0,"unspecified":0,"success":true}"#);
}
