//! The message reports from the rollup against the raw pipeline: two services on one
//! database, one with `RCA_ROLLUP=off` (raw), one with the rollup (its build held until the data is
//! written); both without a result cache. Their answers must be byte-identical for windows in UTC,
//! America/Sao_Paulo (across the 2018/2019 DST changes), +05:30, Asia/Kathmandu and an off-grid zone,
//! while the rollup builds, once built, and after each kind of change docs/rollup.md bounds.

use bson::{doc, Document};
use rand::{Rng, SeedableRng};
use rc_analytics_seed::docs;

use rc_analytics::hooks::{Gate, Hooks};

use crate::helpers::*;

const PATHS: [&str; 4] = [
    "/api/v1/engagement-dashboard/messages/origin",
    "/api/v1/engagement-dashboard/messages/messages-sent",
    "/api/v1/engagement-dashboard/messages/top-five-popular-channels",
    "/api/v1/engagement-dashboard/channels/list",
];
const ZONES: [&str; 5] = ["UTC", "America/Sao_Paulo", "%2B05:30", "Asia/Kathmandu", "%2B05:17"];
/// 2018-10-20 00:00Z: the seeded messages cover 130 days from here.
const FIRST_MS: i64 = 1_539_993_600_000;
const DAY: i64 = 86_400_000;

struct Pair {
    raw: TestApp,
    rolled: TestApp,
    admin: Creds,
    /// Messages sent among the seeded ones.
    counted: u64,
    /// Holds the rolled service's build until [`Pair::build`].
    gate: Gate,
}

fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

fn sent(id: &str, rid: &str, ms: i64, extra: Document) -> Document {
    let mut d = docs::message(id, rid, bson::DateTime::from_millis(ms), "u1", "user.one", "hi");
    d.extend(extra);
    d
}

/// Rooms of every kind and 800 messages over 130 days (sent, e2e, rm, system, edit copies; rooms that
/// are omnichannel or gone), at random instants (a fixed seed). Returns how many are sent (any room).
async fn seed(app: &TestApp) -> u64 {
    let ts = date("2018-01-01T00:00:00Z");
    let mut rooms = vec![
        docs::room("c1", "c", "general", ts),
        docs::room("c2", "c", "random", ts),
        docs::room("p1", "p", "secret", ts),
        docs::room("d1", "d", "user.one,user.two", ts),
        docs::livechat_room("l1", ts, "visitor1"),
    ];
    rooms[0].insert("fname", "General");
    app.insert("rocketchat_room", rooms).await;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
    let rids = ["c1", "c1", "c2", "p1", "p1", "d1", "l1", "gone"];
    let kinds = [
        doc! {},
        doc! {},
        doc! {},
        doc! {"t": "e2e"},
        doc! {"t": "rm"},
        doc! {"t": "uj"},
        doc! {"parent": "x"},
    ];
    let mut counted = 0;
    let messages = (0..800)
        .map(|i| {
            let ms = FIRST_MS + rng.gen_range(0..130 * DAY);
            let rid = rids[rng.gen_range(0..rids.len())];
            let kind = rng.gen_range(0..kinds.len());
            counted += u64::from(kind < 5);
            sent(&format!("m{i}"), rid, ms, kinds[kind].clone())
        })
        .collect();
    app.insert("rocketchat_message", messages).await;
    counted
}

/// Both services on one seeded database; the rollup's build is held until [`build`].
async fn pair() -> Pair {
    let raw = spawn_app_with(|s| s.cache_ttl = std::time::Duration::ZERO).await;
    let admin = raw.admin().await;
    let counted = seed(&raw).await;
    let gate = Gate::closed();
    let hooks = Hooks {
        before_rollup_build: Some(gate.hook()),
        ..Hooks::default()
    };
    let rolled = spawn_app_hooked(
        raw.db.name(),
        |s| {
            s.cache_ttl = std::time::Duration::ZERO;
            s.rollup = true;
        },
        hooks,
    )
    .await;
    Pair {
        raw,
        rolled,
        admin,
        counted,
        gate,
    }
}

impl Pair {
    /// Lets the rolled service's rollup build, and waits until it is built.
    async fn build(&self) {
        self.gate.open(1);
        build(&self.rolled).await;
    }
}

/// Waits until `app`'s rollup is built.
async fn build(app: &TestApp) {
    for _ in 0..3000 {
        if app.state.rollup.is_built() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the rollup was not built within a minute");
}

/// `n` random windows per zone (fixed seed), with times to the millisecond.
fn windows(seed: u64, n: usize) -> Vec<String> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut out = vec![];
    for zone in ZONES {
        for _ in 0..n {
            let start = FIRST_MS - 5 * DAY + rng.gen_range(0..135 * DAY);
            let end = start + rng.gen_range(0..40 * DAY);
            out.push(format!("start={}&end={}&tz={zone}", iso(start), iso(end)));
        }
    }
    out
}

fn query(path: &str, q: &str) -> String {
    let page = if path.ends_with("/list") { "&count=0" } else { "" };
    format!("{path}?{q}{page}")
}

impl Pair {
    /// Every report for every window: the rollup service answers exactly as the raw one.
    async fn same(&self, windows: &[String]) {
        for q in windows {
            for path in PATHS {
                let url = query(path, q);
                let raw = self.raw.get(&url, Some(&self.admin)).await;
                let rolled = self.rolled.get(&url, Some(&self.admin)).await;
                assert_eq!(raw.status, 200, "{url}: {}", raw.body);
                assert_eq!(rolled.body, raw.body, "{url}");
            }
        }
    }

    /// Whether any report differs for one of `windows` (the rollup has not seen a change yet).
    async fn differs(&self, windows: &[String]) -> bool {
        for q in windows {
            for path in PATHS {
                let url = query(path, q);
                if self.raw.get(&url, Some(&self.admin)).await.body
                    != self.rolled.get(&url, Some(&self.admin)).await.body
                {
                    return true;
                }
            }
        }
        false
    }

    async fn refresh(&self) -> usize {
        self.rolled.state.refresh_rollup_now().await.expect("refresh")
    }
}

const ALL: &str = "start=2018-10-01T00:00:00.000Z&end=2019-03-31T23:59:59.999Z";
/// `messages/origin` of a recent window: before and after [`Pair::send_new_and_old`].
const NO_ORIGINS: &str =
    r#"{"origins":[{"messages":0,"t":"c"},{"messages":0,"t":"d"},{"messages":0,"t":"p"}],"success":true}"#;
const NEW_ORIGIN: &str =
    r#"{"origins":[{"messages":1,"t":"c"},{"messages":0,"t":"d"},{"messages":0,"t":"p"}],"success":true}"#;

impl Pair {
    /// Sends a message in c2 at `now`, and imports one there with an old `ts` (inside [`ALL`]).
    async fn send_new_and_old(&self, now: i64) {
        let messages = vec![
            sent("now1", "c2", now, doc! {}),
            sent("old1", "c2", FIRST_MS + DAY, doc! {}),
        ];
        self.raw.insert("rocketchat_message", messages).await;
    }
}

#[tokio::test]
async fn answers_while_building_then_from_the_rollup_identically() {
    let p = pair().await;
    // Building (held): the raw pipeline answers, and the metrics say so.
    assert_eq!(metric(&p.rolled, "rca_rollup_state").await, "rca_rollup_state 1");
    assert!(!p.rolled.state.rollup.is_built());
    p.same(&windows(1, 1)).await;
    p.build().await;
    assert_eq!(metric(&p.rolled, "rca_rollup_state").await, "rca_rollup_state 2");
    // The seeded counts, by hand: sent (no t, e2e, rm) in c/p/d rooms.
    let raw = p.raw.get(&format!("{}?{ALL}", PATHS[0]), Some(&p.admin)).await;
    let rolled = p.rolled.get(&format!("{}?{ALL}", PATHS[0]), Some(&p.admin)).await;
    assert_eq!(rolled.body, raw.body);
    assert!(raw.body.starts_with(r#"{"origins":[{"messages":"#), "{}", raw.body);
    assert!(!raw.body.contains(r#""messages":0"#), "{}", raw.body);
    // The gauge counts what the table holds: every message sent, in any room.
    assert_eq!(
        metric(&p.rolled, "rca_rollup_messages").await,
        format!("rca_rollup_messages {}", p.counted)
    );
    p.same(&windows(2, 3)).await;
    p.same(&[ALL.to_string(), format!("{ALL}&tz=America/Sao_Paulo")]).await;
}

#[tokio::test]
async fn new_messages_count_at_once_room_changes_within_one_refresh() {
    let p = pair().await;
    p.build().await;
    let now = chrono::Utc::now().timestamp_millis();
    let recent = [
        format!("start={}&end={}", iso(now - 3 * DAY), iso(now)),
        format!("start={}&end={}&tz=Asia/Kathmandu", iso(now - 3 * DAY), iso(now)),
    ];
    p.same(&recent).await;
    // A message sent now lies after the watermark: read raw, counted at once.
    let send_now = |id: &'static str, rid: &'static str, origins: &'static str| {
        let (p, recent) = (&p, &recent);
        async move {
            p.raw
                .insert("rocketchat_message", vec![sent(id, rid, now, doc! {})])
                .await;
            p.same(recent).await;
            let res = p
                .rolled
                .get(&format!("{}?{}", PATHS[0], recent[0]), Some(&p.admin))
                .await;
            assert_eq!(res.body, format!(r#"{{"origins":{origins},"success":true}}"#));
        }
    };
    send_now(
        "now1",
        "c2",
        r#"[{"messages":1,"t":"c"},{"messages":0,"t":"d"},{"messages":0,"t":"p"}]"#,
    )
    .await;
    // A message in a room created after the rollup's snapshot of the rooms: that room is read at once.
    let rooms = p.raw.db.collection::<Document>("rocketchat_room");
    rooms
        .insert_one(docs::room("p2", "p", "brand-new", bson::DateTime::from_millis(now)))
        .await
        .unwrap();
    send_now(
        "now2",
        "p2",
        r#"[{"messages":1,"t":"c"},{"messages":1,"t":"p"},{"messages":0,"t":"d"}]"#,
    )
    .await;
    // A room converted, a room deleted, a room renamed: the room facts are the rollup's snapshot, taken
    // again at each refresh.
    rooms
        .update_one(doc! {"_id": "p1"}, doc! {"$set": {"t": "l"}})
        .await
        .unwrap();
    rooms.delete_one(doc! {"_id": "d1"}).await.unwrap();
    rooms
        .update_one(doc! {"_id": "c1"}, doc! {"$set": {"fname": "Renamed"}})
        .await
        .unwrap();
    assert!(
        p.differs(&[ALL.to_string()]).await,
        "the rollup saw the rooms change before its refresh"
    );
    assert_eq!(p.refresh().await, 0);
    p.same(&[ALL.to_string()]).await;
    p.same(&windows(3, 1)).await;
    // A message turned into `rm` still counts (docs/api.md, "How it differs from Rocket.Chat"): nothing to rebuild.
    let messages = p.raw.db.collection::<Document>("rocketchat_message");
    messages
        .update_many(doc! {"t": {"$exists": false}, "rid": "c2"}, doc! {"$set": {"t": "rm"}})
        .await
        .unwrap();
    p.same(&[ALL.to_string()]).await;
    assert_eq!(p.refresh().await, 0);
}

#[tokio::test]
async fn deletions_prunes_and_old_imports_within_one_refresh() {
    let p = pair().await;
    p.build().await;
    let messages = p.raw.db.collection::<Document>("rocketchat_message");
    let zones = [
        ALL.to_string(),
        format!("{ALL}&tz=%2B05:30"),
        format!("{ALL}&tz=America/Sao_Paulo"),
    ];
    // A deleted message: the rollup still counts it until the refresh rebuilds its day.
    messages
        .delete_one(doc! {"rid": "c1", "t": {"$exists": false}, "parent": {"$exists": false}})
        .await
        .unwrap();
    assert!(
        p.differs(&zones[..1]).await,
        "the rollup answered before seeing the deletion"
    );
    assert_eq!(p.refresh().await, 1);
    p.same(&zones).await;
    // A retention prune of three whole days.
    let (from, to) = (FIRST_MS + 40 * DAY, FIRST_MS + 43 * DAY);
    let gone = messages
        .delete_many(doc! {"ts": {"$gte": bson::DateTime::from_millis(from), "$lt": bson::DateTime::from_millis(to)}})
        .await
        .unwrap();
    assert!(gone.deleted_count > 0);
    assert_eq!(p.refresh().await, 3);
    p.same(&zones).await;
    // An import with old ts (before the first message, and inside the pruned days), and an edit copy.
    let old = vec![
        sent("imp1", "c2", FIRST_MS - 10 * DAY + 1234, doc! {}),
        sent("imp2", "p1", FIRST_MS + 41 * DAY + 60_000, doc! {"t": "e2e"}),
        sent("imp3", "d1", FIRST_MS + 41 * DAY + 120_000, doc! {}),
        sent("edit1", "c1", FIRST_MS + 50 * DAY, doc! {"parent": "m1"}),
    ];
    messages.insert_many(old).await.unwrap();
    assert!(p.differs(&zones).await, "the rollup answered before seeing the import");
    assert_eq!(p.refresh().await, 3);
    p.same(&zones).await;
    p.same(&windows(4, 2)).await;
    assert_eq!(p.refresh().await, 0);
    // One message deleted and another written on the same day, in another room: the day's count stays,
    // the sum of its milliseconds moves, and the refresh rebuilds that day.
    let victim = messages
        .find_one(doc! {"rid": "c1", "t": {"$exists": false}, "parent": {"$exists": false}})
        .await
        .unwrap()
        .expect("a message of c1");
    let ts = victim.get_datetime("ts").unwrap().timestamp_millis();
    messages
        .delete_one(doc! {"_id": victim.get("_id").unwrap().clone()})
        .await
        .unwrap();
    messages
        .insert_one(sent("swap1", "d1", ts - ts.rem_euclid(DAY) + DAY - 1, doc! {}))
        .await
        .unwrap();
    assert!(
        p.differs(&zones[..1]).await,
        "the rollup answered before seeing the swap"
    );
    assert_eq!(p.refresh().await, 1);
    p.same(&zones).await;
}

#[tokio::test]
async fn with_the_result_cache_a_new_message_still_counts_at_once() {
    let p = pair().await;
    let cached = spawn_app_on(p.raw.db.name(), |s| {
        s.cache_ttl = std::time::Duration::from_secs(300);
        s.rollup = true;
    })
    .await;
    build(&cached).await;
    let now = chrono::Utc::now().timestamp_millis();
    let recent = format!("{}?start={}&end={}", PATHS[0], iso(now - DAY), iso(now + DAY));
    let past = format!("{}?{ALL}", PATHS[0]);
    let before = cached.get(&recent, Some(&p.admin)).await;
    assert_eq!(before.body, NO_ORIGINS);
    let past_before = cached.get(&past, Some(&p.admin)).await;
    // A window reaching past the watermark is never kept: the new message shows at once.
    p.send_new_and_old(now).await;
    let after = cached.get(&recent, Some(&p.admin)).await;
    assert_eq!(after.body, NEW_ORIGIN);
    // A window below the watermark is kept for the TTL: the import with an old ts shows after it.
    assert_eq!(cached.get(&past, Some(&p.admin)).await.body, past_before.body);
    assert_ne!(p.raw.get(&past, Some(&p.admin)).await.body, past_before.body);
}

/// When the raw pipeline answers — off the rollup's slot grid (`tz=+05:17`), while the rollup builds, or
/// with the rollup off — a window that reaches past a few seconds ago is never kept either: a new message
/// counts at once. A window in the past is kept for the TTL, as from the rollup.
#[tokio::test]
async fn computed_raw_with_the_result_cache_a_new_message_still_counts_at_once() {
    let p = pair().await;
    let cached = |rollup: bool, hooks: Hooks| {
        spawn_app_hooked(
            p.raw.db.name(),
            move |s| {
                s.cache_ttl = std::time::Duration::from_secs(300);
                s.rollup = rollup;
            },
            hooks,
        )
    };
    let built = cached(true, Hooks::default()).await;
    build(&built).await;
    // Its build held until the end of the test.
    let held = Gate::closed();
    let building = cached(
        true,
        Hooks {
            before_rollup_build: Some(held.hook()),
            ..Hooks::default()
        },
    )
    .await;
    let off = cached(false, Hooks::default()).await;
    let now = chrono::Utc::now().timestamp_millis();
    let off_grid = "&tz=%2B05:17";
    let cases = [(&built, off_grid), (&building, ""), (&building, off_grid), (&off, "")];
    let recent = |zone: &str| format!("{}?start={}&end={}{zone}", PATHS[0], iso(now - DAY), iso(now + DAY));
    let past = |zone: &str| format!("{}?{ALL}{zone}", PATHS[0]);
    let mut past_before = vec![];
    for (app, zone) in cases {
        assert_eq!(app.get(&recent(zone), Some(&p.admin)).await.body, NO_ORIGINS);
        past_before.push(app.get(&past(zone), Some(&p.admin)).await.body);
    }
    p.send_new_and_old(now).await;
    assert!(!building.state.rollup.is_built());
    for ((app, zone), past_before) in cases.into_iter().zip(past_before) {
        assert_eq!(app.get(&recent(zone), Some(&p.admin)).await.body, NEW_ORIGIN, "{zone}");
        assert_eq!(app.get(&past(zone), Some(&p.admin)).await.body, past_before, "{zone}");
        assert_ne!(p.raw.get(&past(zone), Some(&p.admin)).await.body, past_before, "{zone}");
    }
}
