//! `messages/messages-sent`, `messages/top-five-popular-channels`, `channels/list` on seeded data:
//! what counts, periods, zones (DST, half-hour offsets), ordering and pagination.

use bson::{doc, Document};
use rc_analytics_seed::docs;

use crate::helpers::*;

const SENT: &str = "/api/v1/engagement-dashboard/messages/messages-sent";
const TOP: &str = "/api/v1/engagement-dashboard/messages/top-five-popular-channels";
const LIST: &str = "/api/v1/engagement-dashboard/channels/list";
/// Jan 8..14 (daysBetweenDates 7); the previous period is Dec 31..Jan 7.
const WEEK2: &str = "start=2024-01-08T00:00:00.000Z&end=2024-01-14T23:59:59.999Z";

fn room_with(id: &str, t: &str, name: &str, extra: Document) -> Document {
    let mut d = docs::room(id, t, name, date("2023-06-01T00:00:00Z"));
    d.extend(extra);
    d
}

async fn rooms(app: &TestApp) {
    app.insert(
        "rocketchat_room",
        vec![
            room_with(
                "c1",
                "c",
                "general",
                doc! {"fname": "General", "_updatedAt": date("2024-01-20T10:00:00Z")},
            ),
            room_with("p1", "p", "secret", no_extra()),
            room_with("p2", "p", "quiet", no_extra()),
            room_with("d1", "d", "user.one,user.two", no_extra()),
            docs::livechat_room("l1", date("2023-06-01T00:00:00Z"), "visitor1"),
        ],
    )
    .await;
}

/// Messages around the two periods of [`WEEK2`].
async fn two_weeks_of_messages(app: &TestApp) {
    let mut n = 0;
    let mut m = |rid: &str, ts: &str, extra: Document| {
        n += 1;
        msg(&format!("m{n}"), rid, ts, extra)
    };
    let messages = vec![
        // current period
        m("c1", "2024-01-14T10:00:00.000Z", no_extra()),
        m("c1", "2024-01-14T23:59:59.999Z", doc! {"tmid": "m1"}),
        m("d1", "2024-01-14T11:00:00.000Z", no_extra()),
        m("p1", "2024-01-13T09:00:00.000Z", no_extra()),
        m("p1", "2024-01-13T09:01:00.000Z", doc! {"t": "e2e"}),
        m("c1", "2024-01-08T00:00:00.000Z", no_extra()),
        // not counted
        m("p1", "2024-01-13T09:02:00.000Z", doc! {"t": "uj"}),
        m("c1", "2024-01-13T09:03:00.000Z", doc! {"_hidden": true, "parent": "m1"}),
        m("l1", "2024-01-13T09:04:00.000Z", no_extra()),
        m("gone", "2024-01-13T09:05:00.000Z", no_extra()),
        // previous period
        m("c1", "2024-01-07T23:59:59.999Z", no_extra()),
        m("p1", "2023-12-31T00:00:00.000Z", no_extra()),
        m("p1", "2023-12-31T01:00:00.000Z", no_extra()),
        m("p1", "2024-01-02T01:00:00.000Z", no_extra()),
        m("p1", "2024-01-03T01:00:00.000Z", no_extra()),
        m("p2", "2024-01-05T01:00:00.000Z", no_extra()),
        // outside both
        m("c1", "2023-12-30T23:59:59.999Z", no_extra()),
        m("c1", "2024-01-15T00:00:00.000Z", no_extra()),
    ];
    app.insert("rocketchat_message", messages).await;
}

#[tokio::test]
async fn messages_sent_periods_and_yesterday() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    rooms(&app).await;
    two_weeks_of_messages(&app).await;
    let res = app.get(&format!("{SENT}?{WEEK2}"), Some(&admin)).await;
    // previous: c1 1 + p1 4 + p2 1 = 6; current 6; yesterday = Jan 13 (2), today Jan 14 (3).
    assert_json(
        &res,
        200,
        r#"{"days":[{"day":"2024-01-14T00:00:00.000Z","messages":3},{"day":"2024-01-13T00:00:00.000Z","messages":2},{"day":"2024-01-08T00:00:00.000Z","messages":1}],"period":{"count":6,"variation":0},"yesterday":{"count":2,"variation":1},"success":true}"#,
    );
    // One day (daysBetweenDates 1): previous period = the two days before.
    let res = app
        .get(
            &format!("{SENT}?start=2024-01-08T00:00:00.000Z&end=2024-01-08T12:00:00.000Z"),
            Some(&admin),
        )
        .await;
    assert_json(
        &res,
        200,
        r#"{"days":[{"day":"2024-01-08T00:00:00.000Z","messages":1}],"period":{"count":1,"variation":0},"yesterday":{"count":0,"variation":1},"success":true}"#,
    );
}

#[tokio::test]
async fn messages_sent_on_a_day_whose_midnight_dst_skipped() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    rooms(&app).await;
    // Sao Paulo, 2018-11-04: clocks jumped from 00:00 to 01:00 (-03:00 → -02:00); the day ran from
    // 03:00Z to 02:00Z next day (23 hours).
    app.insert(
        "rocketchat_message",
        vec![
            msg("before", "c1", "2018-11-04T02:59:59.999Z", no_extra()),
            msg("first", "c1", "2018-11-04T03:00:00.000Z", no_extra()),
            msg("last", "c1", "2018-11-05T01:59:59.999Z", no_extra()),
            msg("after", "c1", "2018-11-05T02:00:00.000Z", no_extra()),
        ],
    )
    .await;
    let q = "start=2018-11-04T12:00:00.000Z&end=2018-11-04T12:00:00.000Z&tz=America/Sao_Paulo";
    assert_json(
        &app.get(&format!("{SENT}?{q}"), Some(&admin)).await,
        200,
        r#"{"days":[{"day":"2018-11-04T03:00:00.000Z","messages":2}],"period":{"count":2,"variation":1},"yesterday":{"count":0,"variation":2},"success":true}"#,
    );
    // The same instants in UTC: Nov 4 holds "before" and "first".
    let q = "start=2018-11-04T12:00:00.000Z&end=2018-11-05T12:00:00.000Z";
    assert_json(
        &app.get(&format!("{SENT}?{q}"), Some(&admin)).await,
        200,
        r#"{"days":[{"day":"2018-11-05T00:00:00.000Z","messages":2},{"day":"2018-11-04T00:00:00.000Z","messages":2}],"period":{"count":4,"variation":4},"yesterday":{"count":2,"variation":0},"success":true}"#,
    );
}

#[tokio::test]
async fn top_five_orders_names_and_zones() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    rooms(&app).await;
    app.insert(
        "rocketchat_room",
        vec![
            room_with("c2", "c", "random", no_extra()),
            room_with("c3", "c", "dev", doc! {"fname": "Développement"}),
            room_with("c4", "c", "ops", no_extra()),
        ],
    )
    .await;
    let at = "2024-01-03T10:00:00.000Z";
    let mut messages = vec![];
    for (rid, n) in [
        ("c1", 1),
        ("p1", 5),
        ("d1", 4),
        ("c2", 4),
        ("c3", 2),
        ("c4", 2),
        ("l1", 9),
        ("gone", 9),
    ] {
        for i in 0..n {
            messages.push(msg(&format!("{rid}-{i}"), rid, at, no_extra()));
        }
    }
    // In +05:30 this one is on Jan 4: outside a Jan 3 window there, inside in UTC.
    messages.push(msg("late", "c1", "2024-01-03T20:00:00.000Z", no_extra()));
    messages.push(msg("late2", "c1", "2024-01-03T20:00:01.000Z", no_extra()));
    app.insert("rocketchat_message", messages).await;
    let q = "start=2024-01-03T00:00:00.000Z&end=2024-01-03T00:00:00.000Z";
    // Ties by room _id: c2 before d1, c3 before c4. c1 has 3 in UTC; in +05:30 two of them are on
    // Jan 4 and c1 drops out of the five.
    assert_json(
        &app.get(&format!("{TOP}?{q}"), Some(&admin)).await,
        200,
        r#"{"channels":[{"messages":5,"t":"p","name":"secret","usernames":[]},{"messages":4,"t":"c","name":"random","usernames":[]},{"messages":4,"t":"d","usernames":["user.one","user.two"]},{"messages":3,"t":"c","name":"General","usernames":[]},{"messages":2,"t":"c","name":"Développement","usernames":[]}],"success":true}"#,
    );
    assert_json(
        &app.get(&format!("{TOP}?{q}&tz=%2B05:30"), Some(&admin)).await,
        200,
        r#"{"channels":[{"messages":5,"t":"p","name":"secret","usernames":[]},{"messages":4,"t":"c","name":"random","usernames":[]},{"messages":4,"t":"d","usernames":["user.one","user.two"]},{"messages":2,"t":"c","name":"Développement","usernames":[]},{"messages":2,"t":"c","name":"ops","usernames":[]}],"success":true}"#,
    );
}

const C1: &str =
    r#"{"_id":"c1","name":"general","ts":"2023-06-01T00:00:00.000Z","t":"c","_updatedAt":"2024-01-20T10:00:00.000Z"}"#;
const P1: &str =
    r#"{"_id":"p1","name":"secret","ts":"2023-06-01T00:00:00.000Z","t":"p","_updatedAt":"2023-06-01T00:00:00.000Z"}"#;
const P2: &str =
    r#"{"_id":"p2","name":"quiet","ts":"2023-06-01T00:00:00.000Z","t":"p","_updatedAt":"2023-06-01T00:00:00.000Z"}"#;
const D1: &str = r#"{"_id":"d1","ts":"2023-06-01T00:00:00.000Z","t":"d","_updatedAt":"2023-06-01T00:00:00.000Z","usernames":["user.one","user.two"]}"#;

fn entry(room: &str, messages: i64, last: i64) -> String {
    format!(
        r#"{{"room":{room},"messages":{messages},"lastWeekMessages":{last},"diffFromLastWeek":{}}}"#,
        messages - last
    )
}

#[tokio::test]
async fn channels_list_counts_both_periods_and_pages() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    rooms(&app).await;
    two_weeks_of_messages(&app).await;
    let all = [entry(C1, 3, 1), entry(P1, 2, 4), entry(D1, 1, 0), entry(P2, 0, 1)];
    let body = |rooms: &[String], offset: &str| {
        format!(
            r#"{{"channels":[{}],"total":4,"offset":{offset},"count":{},"success":true}}"#,
            rooms.join(","),
            rooms.len()
        )
    };
    assert_json(
        &app.get(&format!("{LIST}?{WEEK2}"), Some(&admin)).await,
        200,
        &body(&all, "0"),
    );
    assert_json(
        &app.get(&format!("{LIST}?{WEEK2}&offset=1&count=2"), Some(&admin)).await,
        200,
        &body(&all[1..3], "1"),
    );
    assert_json(
        &app.get(&format!("{LIST}?{WEEK2}&offset=3&count=abc"), Some(&admin))
            .await,
        200,
        &body(&all[3..], "3"),
    );
    assert_json(
        &app.get(&format!("{LIST}?{WEEK2}&offset=10"), Some(&admin)).await,
        200,
        &body(&[], "10"),
    );
    // Pages are cut from one cached computation.
    assert_eq!(app.state.store.aggregations_run(), 1);
}

#[tokio::test]
async fn channels_list_in_a_half_hour_zone() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    rooms(&app).await;
    // Local (+05:30) Jan 2 = 2024-01-01T18:30Z .. 2024-01-02T18:30Z; previous period = Dec 31..Jan 1.
    app.insert(
        "rocketchat_message",
        vec![
            msg("a", "c1", "2024-01-01T18:30:00.000Z", no_extra()),
            msg("b", "c1", "2024-01-02T18:29:59.999Z", no_extra()),
            msg("c", "c1", "2024-01-01T18:29:59.999Z", no_extra()),
            msg("d", "p1", "2023-12-30T18:30:00.000Z", no_extra()),
            msg("e", "p1", "2023-12-30T18:29:59.999Z", no_extra()),
            msg("f", "d1", "2024-01-02T18:30:00.000Z", no_extra()),
        ],
    )
    .await;
    let q = "start=2024-01-02T00:00:00.000Z&end=2024-01-02T00:00:00.000Z&tz=%2B05:30";
    assert_json(
        &app.get(&format!("{LIST}?{q}"), Some(&admin)).await,
        200,
        &format!(
            r#"{{"channels":[{},{}],"total":2,"offset":0,"count":2,"success":true}}"#,
            entry(C1, 2, 1),
            entry(P1, 0, 1)
        ),
    );
}
