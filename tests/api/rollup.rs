//! The message reports from the rollup against the raw pipeline: two services on one
//! database, one with `RCA_ROLLUP=off` (raw), one with the rollup (its build held until the data is
//! written); both without a result cache. Their answers must be byte-identical for windows in UTC,
//! America/Sao_Paulo (across the 2018/2019 DST changes), +05:30, Asia/Kathmandu and an off-grid zone,
//! while the rollup builds, once built, and after each kind of change within the bound that docs/rollup.md
//! states for it (each test names the bound it checks). The background refresh never runs here (its
//! interval is a day): each test refreshes when it means to, so a bound counts refreshes, never time.

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
/// The rolled services' refresh interval: longer than any test, so that only the tests refresh.
const NO_BACKGROUND_REFRESH: std::time::Duration = std::time::Duration::from_secs(86_400);
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
    pair_with(|_| {}).await
}

/// [`pair`], the rolled service's settings changed by `customise` (after the pair's own).
async fn pair_with(customise: impl FnOnce(&mut rc_analytics::config::Settings)) -> Pair {
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
            s.rollup_refresh = NO_BACKGROUND_REFRESH;
            customise(s);
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

/// The value of one series of `/metrics` (`name` with its labels), 0 when absent.
async fn value(app: &TestApp, series: &str) -> f64 {
    let line = metric(app, series).await;
    line.rsplit(' ').next().and_then(|v| v.parse().ok()).unwrap_or(0.0)
}

/// What the rollup has read so far: index keys by check, documents scanned again by day.
async fn reads(app: &TestApp) -> [f64; 3] {
    [
        value(app, r#"rca_rollup_index_keys_read_total{check="recent"}"#).await,
        value(app, r#"rca_rollup_index_keys_read_total{check="verify"}"#).await,
        value(app, r#"rca_rollup_documents_read_total{read="day"}"#).await,
    ]
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

/// Exactness: before the build (the raw pipeline answers) and after it, for every zone.
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

/// Bounds: a new message counts at once (read raw after the watermark); a room converted, deleted or
/// renamed shows within one refresh (the room snapshot).
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

/// Bound: a change to a day older than the recent window shows within one pass of the rotation. With the
/// default `RCA_ROLLUP_VERIFY_MESSAGES` (100,000) these 800 messages are one slice, so a pass is one refresh,
/// and each change shows at the next refresh (`older_days_show_within_one_pass` checks longer passes).
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

/// Bounds with the result cache: a new message counts at once; a change below the watermark shows after
/// `RCA_CACHE_TTL_SECS` at most, on top of its own bound.
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

/// Refreshes until the rolled service answers `windows` as the raw one, at most `limit` times; returns how
/// many refreshes that took.
async fn refreshes_until_same(p: &Pair, windows: &[String], limit: u64) -> u64 {
    for n in 1..=limit {
        p.refresh().await;
        if !p.differs(windows).await {
            return n;
        }
    }
    panic!("the rollup still differs after {limit} refreshes");
}

/// Deletes the seeded message sent (not one of a test's recent ones) matching `filter` with the latest `ts`.
async fn delete_latest(p: &Pair, mut filter: Document) {
    filter.extend(doc! {
        "t": {"$exists": false},
        "parent": {"$exists": false},
        "ts": {"$lt": bson::DateTime::from_millis(FIRST_MS + 130 * DAY)},
    });
    let messages = p.raw.db.collection::<Document>("rocketchat_message");
    let latest = messages
        .find_one(filter)
        .sort(doc! {"ts": -1})
        .await
        .unwrap()
        .expect("a seeded message");
    messages
        .delete_one(doc! {"_id": latest.get("_id").unwrap().clone()})
        .await
        .unwrap();
}

/// Bound: a change to a day older than the recent window (a deletion, an import with an old `ts`, a retention
/// prune of a whole month) shows within one pass of the rotation, which the service states in
/// `rca_rollup_verify_period_seconds`. Here a slice holds about 100 of the 800 messages, so a pass takes
/// several refreshes, and a change shows when the rotation reaches its day.
#[tokio::test]
async fn older_days_show_within_one_pass() {
    let p = pair_with(|s| s.rollup_verify_messages = 100).await;
    p.build().await;
    let period = value(&p.rolled, "rca_rollup_verify_period_seconds").await;
    let pass = (period / NO_BACKGROUND_REFRESH.as_secs_f64()) as u64;
    // 800 messages in slices of hours until they reach 100 messages.
    assert!((7..=8).contains(&pass), "a pass of {pass} refreshes");
    let messages = p.raw.db.collection::<Document>("rocketchat_message");
    let all = [ALL.to_string(), format!("{ALL}&tz=Asia/Kathmandu")];
    // The last seeded day's messages: the rotation, which starts from the first day, reaches them last.
    delete_latest(&p, doc! {"rid": {"$in": ["c1", "c2"]}}).await;
    assert!(p.differs(&all).await);
    // The rotation reaches the last day with its last slice: the bound is met, and not by chance.
    assert_eq!(refreshes_until_same(&p, &all, pass).await, pass);
    p.same(&windows(5, 1)).await;
    // A retention prune of a whole month, and an import with old `ts` (before the first message, and into
    // the pruned month): each within one pass, wherever the rotation stands.
    let (from, to) = (FIRST_MS + 60 * DAY, FIRST_MS + 90 * DAY);
    let pruned = messages
        .delete_many(doc! {"ts": {"$gte": bson::DateTime::from_millis(from), "$lt": bson::DateTime::from_millis(to)}})
        .await
        .unwrap();
    assert!(pruned.deleted_count > 100, "{pruned:?}");
    refreshes_until_same(&p, &all, pass).await;
    p.same(&windows(6, 1)).await;
    let imported = vec![
        sent("imp1", "c2", FIRST_MS - 30 * DAY + 1234, doc! {}),
        sent("imp2", "p1", FIRST_MS + 70 * DAY + 60_000, doc! {"t": "e2e"}),
        sent("imp3", "d1", FIRST_MS + 75 * DAY, doc! {}),
    ];
    messages.insert_many(imported).await.unwrap();
    assert!(p.differs(&all).await);
    refreshes_until_same(&p, &all, pass).await;
    p.same(&windows(7, 1)).await;
    // A pass did complete meanwhile, and said how long it took.
    assert!(value(&p.rolled, "rca_rollup_verify_pass_seconds").await > 0.0);
}

/// Bounds: a deletion (or an import) in the recent window shows within one refresh, and that refresh reads,
/// besides the rotation's slice, nothing older than the recent window: the keys it reads are exactly the
/// recent messages, and a deletion on an older day that the rotation is not at stays unseen.
#[tokio::test]
async fn recent_changes_within_one_refresh_reading_only_the_recent_hours() {
    let p = pair_with(|s| {
        s.rollup_recent_hours = 24;
        s.rollup_verify_messages = 100;
    })
    .await;
    // Three messages of the last hours (the recent window: the last 24 hours), below the watermark the
    // build will take (at most 15 minutes and 5 seconds ago).
    let now = chrono::Utc::now().timestamp_millis();
    let hour = 3_600_000;
    p.raw
        .insert(
            "rocketchat_message",
            vec![
                sent("r1", "c1", now - hour, doc! {}),
                sent("r2", "c2", now - 2 * hour, doc! {}),
                sent("r3", "p1", now - 3 * hour, doc! {"t": "uj"}),
            ],
        )
        .await;
    p.build().await;
    let recent = [
        format!("start={}&end={}", iso(now - 3 * DAY), iso(now)),
        ALL.to_string(),
    ];
    p.same(&recent).await;
    let [recent_keys, verify_keys, days] = reads(&p.rolled).await;
    assert_eq!(p.refresh().await, 0);
    let after = reads(&p.rolled).await;
    // The recent check read the three recent messages' keys and nothing else; the slice its budget and at
    // most its last hour more (no seeded hour holds 10); no day was scanned again.
    assert_eq!(after[0] - recent_keys, 3.0);
    assert!((100.0..110.0).contains(&(after[1] - verify_keys)), "{after:?}");
    assert_eq!(after[2], days);
    // A recent message deleted, and the last seeded message of c1 too (far from the rotation).
    let messages = p.raw.db.collection::<Document>("rocketchat_message");
    messages.delete_one(doc! {"_id": "r2"}).await.unwrap();
    delete_latest(&p, doc! {"rid": "c1"}).await;
    assert!(p.differs(&recent[..1]).await);
    // One refresh: the recent day is scanned again, the old deletion is not seen yet.
    assert_eq!(p.refresh().await, 1);
    p.same(&recent[..1]).await;
    assert!(p.differs(&recent[1..]).await, "the refresh read the older day");
    let last = reads(&p.rolled).await;
    assert_eq!(last[0] - after[0], 2.0);
    // An import into the recent window shows at the next refresh too.
    p.raw
        .insert("rocketchat_message", vec![sent("r4", "d1", now - 4 * hour, doc! {})])
        .await;
    assert!(p.differs(&recent[..1]).await);
    p.refresh().await;
    p.same(&recent[..1]).await;
}
