//! The insights (docs/insights.md) on a small workspace: exact bodies against an independent computation in
//! this file (per-person counts, last messages, days active, inactive windows, idle channels, a room's
//! history, cohort shares) for several periods and zones (a DST zone, a half-hour offset and one off the
//! 15-minute grid), from the raw reads and from the rollup alike; freshness; the permission matrix;
//! `RCA_MEMBER_INSIGHTS=off`; parameter errors.

use std::collections::{BTreeMap, BTreeSet};

use bson::{doc, Document};
use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use rc_analytics_seed::docs;
use serde_json::{json, Value};

use crate::helpers::*;

const MEMBERS: &str = "/rc-analytics/api/v1/insights/members";
const CHANNELS: &str = "/rc-analytics/api/v1/insights/channels";
const HISTORY: &str = "/rc-analytics/api/v1/insights/channels/history";
const RETENTION: &str = "/rc-analytics/api/v1/insights/retention";
const DAY: i64 = 86_400_000;

/// `(id, username, name, type, created, active, lastLogin)`.
type Fixture = (
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
    &'static str,
    bool,
    Option<&'static str>,
);
/// `(id, username, name, type, created, active, lastLogin, roles)`, dates in milliseconds.
type Account = (
    String,
    String,
    Option<String>,
    String,
    i64,
    bool,
    Option<i64>,
    Vec<&'static str>,
);
/// `(id, name, t, discussion, teamMain, usersCount, owner, created, lm, archived, ro)`.
type RoomRow<'a> = (
    &'a str,
    Option<&'a str>,
    &'a str,
    bool,
    bool,
    i64,
    Option<(&'a str, &'a str)>,
    &'a str,
    Option<&'a str>,
    bool,
    bool,
);

/// The accounts besides `admin1`.
const ACCOUNTS: [Fixture; 6] = [
    (
        "alice",
        "alice",
        Some("Alice <b>"),
        "user",
        "2023-06-01T00:00:00Z",
        true,
        Some("2024-03-09T10:00:00Z"),
    ),
    // A capital: sorted among the others without regard to case.
    ("bob", "Bob", None, "user", "2024-03-05T12:00:00Z", true, None),
    (
        "carol",
        "carol",
        Some("Carol"),
        "user",
        "2023-01-01T00:00:00Z",
        false,
        Some("2023-12-20T09:00:00Z"),
    ),
    (
        "dave",
        "dave",
        Some("Dave"),
        "user",
        "2023-01-01T00:00:00Z",
        true,
        Some("2024-03-06T23:30:00Z"),
    ),
    (
        "frank",
        "frank",
        Some("Frank"),
        "user",
        "2024-02-06T08:00:00Z",
        true,
        Some("2024-02-20T08:00:00Z"),
    ),
    (
        "rocket.cat",
        "rocket.cat",
        Some("Rocket.Cat"),
        "bot",
        "2022-01-01T00:00:00Z",
        true,
        None,
    ),
];

/// `(user, room, ts, counted)`: messages; `counted` = a message sent (not system, not an edit copy).
const MESSAGES: [(&str, &str, &str, bool); 16] = [
    ("alice", "c1", "2024-02-27T12:00:00.000Z", true),
    ("alice", "c1", "2024-03-03T23:30:00.000Z", true),
    ("alice", "c1", "2024-03-04T00:10:00.000Z", true),
    ("alice", "d1", "2024-03-05T08:00:00.000Z", true),
    ("alice", "c1", "2024-03-06T10:00:00.000Z", false),
    ("alice", "c1", "2024-03-09T23:50:00.000Z", true),
    ("alice", "c1", "2024-03-10T02:55:00.000Z", true),
    ("alice", "c1", "2024-03-10T18:40:00.000Z", true),
    ("rocket.cat", "c1", "2024-03-06T10:00:00.000Z", true),
    ("rocket.cat", "c1", "2024-03-06T10:07:00.000Z", true),
    ("carol", "p1", "2023-12-01T10:00:00.000Z", true),
    ("frank", "c3", "2024-02-20T08:30:00.000Z", true),
    ("frank", "c3", "2024-03-06T21:00:00.000Z", true),
    ("dave", "c3", "2024-03-08T18:45:00.000Z", true),
    ("admin1", "c1", "2024-03-07T12:00:00.000Z", true),
    ("admin1", "gone", "2024-03-07T12:00:00.000Z", true),
];

/// `(user, loginAt)` of computed sessions.
const SESSIONS: [(&str, &str); 3] = [
    ("dave", "2024-03-06T23:30:00.000Z"),
    ("alice", "2024-03-09T10:00:00.000Z"),
    ("frank", "2024-02-27T09:00:00.000Z"),
];

fn ms(iso: &str) -> i64 {
    date(iso).timestamp_millis()
}

fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// The zone of a `tz` value, as chrono sees it.
enum Zone {
    Named(chrono_tz::Tz),
    Fixed(chrono::FixedOffset),
}

impl Zone {
    fn of(tz: &str) -> Self {
        let tz = tz.replace("%2B", "+");
        if let Some(rest) = tz.strip_prefix('+') {
            let (h, m) = rest.split_once(':').unwrap();
            let secs = h.parse::<i32>().unwrap() * 3600 + m.parse::<i32>().unwrap() * 60;
            return Self::Fixed(chrono::FixedOffset::east_opt(secs).unwrap());
        }
        Self::Named(tz.parse().unwrap())
    }

    fn day(&self, ms: i64) -> NaiveDate {
        let t = Utc.timestamp_millis_opt(ms).unwrap();
        match self {
            Self::Named(z) => t.with_timezone(z).date_naive(),
            Self::Fixed(z) => t.with_timezone(z).date_naive(),
        }
    }

    /// The first instant whose day is `day`.
    fn start(&self, day: NaiveDate) -> i64 {
        let guess = Utc
            .from_utc_datetime(&day.and_hms_opt(0, 0, 0).unwrap())
            .timestamp_millis()
            - 15 * 3_600_000;
        // The first minute of the day: minutes are enough for every zone used here.
        (0..48 * 60)
            .map(|m| guess + m * 60_000)
            .find(|t| self.day(*t) == day)
            .unwrap()
    }
}

fn days(first: NaiveDate, last: NaiveDate) -> Vec<NaiveDate> {
    first.iter_days().take_while(|d| *d <= last).collect()
}

/// A period as the routes take it, and its days in `tz`.
struct Period {
    query: String,
    zone: Zone,
    first: NaiveDate,
    last: NaiveDate,
}

impl Period {
    fn new(start: &str, end: &str, tz: &str) -> Self {
        let zone = Zone::of(tz);
        Self {
            query: format!("start={start}&end={end}&tz={tz}"),
            first: zone.day(ms(start)),
            last: zone.day(ms(end)),
            zone,
        }
    }

    fn n(&self) -> i64 {
        (self.last - self.first).num_days() + 1
    }

    fn previous(&self) -> (NaiveDate, NaiveDate) {
        (
            self.first - chrono::Duration::days(self.n()),
            self.first - chrono::Duration::days(1),
        )
    }

    fn body(&self, first: NaiveDate, last: NaiveDate) -> Value {
        json!({
            "firstDay": first.to_string(),
            "lastDay": last.to_string(),
            "start": iso(self.zone.start(first)),
            "end": iso(self.zone.start(last + chrono::Duration::days(1))),
            "days": (last - first).num_days() + 1,
        })
    }

    fn head(&self) -> (Value, Value) {
        let (pf, pl) = self.previous();
        (self.body(self.first, self.last), self.body(pf, pl))
    }

    fn tz(&self) -> String {
        match &self.zone {
            Zone::Named(z) => z.name().to_string(),
            Zone::Fixed(z) => z.to_string(),
        }
    }
}

/// Every user's counted messages per zone day, and session days.
fn message_days(user: &str, zone: &Zone) -> Vec<(NaiveDate, i64)> {
    MESSAGES
        .iter()
        .filter(|(u, _, _, counted)| *u == user && *counted)
        .map(|(_, _, ts, _)| (zone.day(ms(ts)), 1))
        .collect()
}

fn session_days(user: &str, zone: &Zone) -> BTreeSet<NaiveDate> {
    SESSIONS
        .iter()
        .filter(|(u, _)| *u == user)
        .map(|(_, ts)| zone.day(ms(ts)))
        .collect()
}

/// `(id, username, name, type, created, active, lastLogin, roles)` of every account.
fn accounts() -> Vec<Account> {
    let mut out = vec![(
        "admin1".to_string(),
        "admin1".to_string(),
        Some("Admin1".to_string()),
        "user".to_string(),
        ms("2024-01-01T00:00:00Z"),
        true,
        None,
        vec!["admin", "user"],
    )];
    for (id, username, name, kind, created, active, login) in ACCOUNTS {
        let roles = if kind == "bot" { vec!["bot"] } else { vec!["user"] };
        out.push((
            id.into(),
            username.into(),
            name.map(str::to_string),
            kind.into(),
            ms(created),
            active,
            login.map(ms),
            roles,
        ));
    }
    out
}

async fn seed(app: &TestApp) -> Creds {
    let admin = app.admin().await;
    let mut users = vec![];
    for (id, username, name, kind, created, active, login) in ACCOUNTS {
        let roles: &[&str] = if kind == "bot" { &["bot"] } else { &["user"] };
        let mut d = docs::user(id, username, roles, date(created), &[&format!("token-of-{id}")], &[]);
        match name {
            Some(n) => d.insert("name", n),
            None => d.remove("name"),
        };
        d.insert("active", active);
        if let Some(l) = login {
            d.insert("lastLogin", date(l));
        }
        users.push(d);
    }
    app.insert("users", users).await;
    let room = |id: &str, t: &str, name: &str, extra: Document| {
        let mut d = docs::room(id, t, name, date("2023-01-01T00:00:00Z"));
        d.remove("u");
        d.extend(extra);
        d
    };
    app.insert(
        "rocketchat_room",
        vec![
            room(
                "c1",
                "c",
                "general",
                doc! {"usersCount": 5, "u": {"_id": "alice", "username": "alice"}, "lm": date("2024-03-10T18:40:00Z")},
            ),
            room(
                "p1",
                "p",
                "secret",
                doc! {"usersCount": 1, "lm": date("2023-12-01T10:00:00Z"), "ro": true},
            ),
            room(
                "c2",
                "c",
                "empty",
                doc! {"usersCount": 0, "ts": date("2024-01-01T00:00:00Z")},
            ),
            room(
                "dsc",
                "p",
                "Xk3j",
                doc! {"fname": "Launch plan", "prid": "c1", "usersCount": 2},
            ),
            room(
                "c3",
                "c",
                "team",
                doc! {"usersCount": 3, "teamMain": true, "lm": date("2024-03-08T18:45:00Z"), "archived": true},
            ),
            room(
                "d1",
                "d",
                "alice,bob",
                doc! {"usersCount": 2, "lm": date("2024-03-05T08:00:00Z")},
            ),
        ],
    )
    .await;
    let messages = MESSAGES
        .iter()
        .enumerate()
        .map(|(i, (user, rid, ts, counted))| {
            let mut d = docs::message(&format!("m{i}"), rid, date(ts), user, user, "hi");
            if !counted {
                d.insert("t", "uj");
            }
            d
        })
        .collect();
    app.insert("rocketchat_message", messages).await;
    let sessions = SESSIONS
        .iter()
        .enumerate()
        .map(|(i, (user, ts))| {
            doc! {"_id": format!("s{i}"), "type": "computed-session", "userId": user, "loginAt": date(ts),
            "sessionId": format!("x{i}"), "year": 2024, "month": 1, "day": 1}
        })
        .collect();
    app.insert("rocketchat_sessions", sessions).await;
    admin
}

/// Two services on one seeded database: raw reads only, and the rollup (built after the data).
async fn both() -> (TestApp, TestApp, Creds) {
    let raw = spawn_app().await;
    let admin = seed(&raw).await;
    let rolled = spawn_app_on(raw.db.name(), |s| s.rollup = true).await;
    for _ in 0..3000 {
        if rolled.state.rollup.is_built() && rolled.state.logins.read(|_| ()).is_some() {
            return (raw, rolled, admin);
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the rollup was not built within a minute");
}

const PERIODS: [(&str, &str); 3] = [
    ("2024-03-04T00:00:00.000Z", "2024-03-10T23:59:59.999Z"),
    ("2024-03-10T00:00:00.000Z", "2024-03-10T23:59:59.999Z"),
    ("2024-02-10T12:00:00.000Z", "2024-03-10T12:00:00.000Z"),
];
const ZONES: [&str; 4] = ["UTC", "America/Sao_Paulo", "%2B05:30", "%2B05:17"];

/// The members body of `p` as this file computes it (type `user`, sorted by username, one page of all).
fn expected_members(p: &Period) -> String {
    let (pf, pl) = p.previous();
    let end = p.zone.start(p.last + chrono::Duration::days(1));
    let start = p.zone.start(p.first);
    let in_days = |d: &NaiveDate, a: NaiveDate, b: NaiveDate| (a..=b).contains(d);
    let mut rows = vec![];
    let mut s = [[0i64; 2]; 8];
    let mut all = accounts();
    all.sort_by(|a, b| (a.1.to_lowercase(), &a.1).cmp(&(b.1.to_lowercase(), &b.1)));
    for (id, username, name, kind, created, active, login, roles) in all {
        if kind != "user" {
            continue;
        }
        let msgs = message_days(&id, &p.zone);
        let sess = session_days(&id, &p.zone);
        let count = |a, b| msgs.iter().filter(|(d, _)| in_days(d, a, b)).count() as i64;
        let active_days = |a, b| {
            let mut set: BTreeSet<NaiveDate> = msgs.iter().map(|(d, _)| *d).filter(|d| in_days(d, a, b)).collect();
            set.extend(sess.iter().filter(|d| in_days(d, a, b)));
            set.len() as i64
        };
        let inactive = |last: NaiveDate, n: i64| {
            let first = last - chrono::Duration::days(n - 1);
            let (from, to) = (p.zone.start(first), p.zone.start(last + chrono::Duration::days(1)));
            created < to
                && !login.is_some_and(|l| (from..to).contains(&l))
                && count(first, last) == 0
                && !sess.iter().any(|d| in_days(d, first, last))
        };
        let last_message = MESSAGES
            .iter()
            .filter(|(u, _, _, c)| *u == id && *c)
            .map(|(_, _, ts, _)| ms(ts))
            .max();
        let row = json!({
            "_id": id, "username": username, "name": name, "type": kind, "roles": roles,
            "createdAt": iso(created), "active": active, "lastLogin": login.map(iso),
            "lastMessage": last_message.map(iso),
            "messages": count(p.first, p.last), "previousMessages": count(pf, pl),
            "daysActive": active_days(p.first, p.last), "previousDaysActive": active_days(pf, pl),
        });
        let flags = [
            (created < end, created < start),
            (active_days(p.first, p.last) > 0, active_days(pf, pl) > 0),
            (false, false),
            (inactive(p.last, 30), inactive(pl, 30)),
            (inactive(p.last, 90), inactive(pl, 90)),
            (login.is_none(), false),
            (last_message.is_none(), false),
            (!active, false),
        ];
        for (i, (a, b)) in flags.into_iter().enumerate() {
            s[i][0] += i64::from(a);
            s[i][1] += i64::from(b);
        }
        s[2][0] += count(p.first, p.last);
        s[2][1] += count(pf, pl);
        rows.push(row);
    }
    let (period, previous) = p.head();
    let f = |i: usize| json!({"value": s[i][0], "previous": s[i][1]});
    let st = |i: usize| json!({"value": s[i][0], "previous": null});
    let n = rows.len();
    json!({
        "tz": p.tz(), "period": period, "previousPeriod": previous,
        "summary": {"members": f(0), "active": f(1), "messages": f(2), "inactive30": f(3), "inactive90": f(4),
            "neverLoggedIn": st(5), "neverPosted": st(6), "deactivated": st(7)},
        "members": rows, "total": n, "offset": 0, "count": n, "success": true,
    })
    .to_string()
}

#[tokio::test]
async fn members_equal_an_independent_count_in_every_zone_raw_and_rolled() {
    let (raw, rolled, admin) = both().await;
    for (start, end) in PERIODS {
        for tz in ZONES {
            let p = Period::new(start, end, tz);
            let url = format!("{MEMBERS}?{}&count=0", p.query);
            let expected = expected_members(&p);
            for app in [&raw, &rolled] {
                let res = app.get(&url, Some(&admin)).await;
                assert_json(&res, 200, &expected);
            }
        }
    }
}

/// The channel-health rows of `p` as this file computes them, sorted by name (and `_id`).
fn expected_channels(p: &Period, now: i64) -> (Value, Vec<Value>) {
    let (pf, pl) = p.previous();
    let rooms: [RoomRow; 5] = [
        (
            "c1",
            Some("general"),
            "c",
            false,
            false,
            5,
            Some(("alice", "alice")),
            "2023-01-01T00:00:00.000Z",
            Some("2024-03-10T18:40:00.000Z"),
            false,
            false,
        ),
        (
            "c2",
            Some("empty"),
            "c",
            false,
            false,
            0,
            None,
            "2024-01-01T00:00:00.000Z",
            None,
            false,
            false,
        ),
        (
            "dsc",
            Some("Launch plan"),
            "p",
            true,
            false,
            2,
            None,
            "2023-01-01T00:00:00.000Z",
            None,
            false,
            false,
        ),
        (
            "p1",
            Some("secret"),
            "p",
            false,
            false,
            1,
            None,
            "2023-01-01T00:00:00.000Z",
            Some("2023-12-01T10:00:00.000Z"),
            false,
            true,
        ),
        (
            "c3",
            Some("team"),
            "c",
            false,
            true,
            3,
            None,
            "2023-01-01T00:00:00.000Z",
            Some("2024-03-08T18:45:00.000Z"),
            true,
            false,
        ),
    ];
    let count = |rid: &str, a: NaiveDate, b: NaiveDate| {
        MESSAGES
            .iter()
            .filter(|(_, r, ts, c)| *r == rid && *c && (a..=b).contains(&p.zone.day(ms(ts))))
            .count() as i64
    };
    let mut rows = vec![];
    let mut s = [[0i64; 2]; 6];
    let (start, end) = (p.zone.start(p.first), p.zone.start(p.last + chrono::Duration::days(1)));
    for (id, name, t, discussion, team, users, owner, created, lm, archived, ro) in rooms {
        let idle = (now - ms(lm.unwrap_or(created))).div_euclid(DAY);
        let mut row =
            json!({"_id": id, "name": name, "t": t, "discussion": discussion, "teamMain": team, "usersCount": users});
        if let Some((oid, oname)) = owner {
            row["owner"] = json!({"_id": oid, "username": oname});
        }
        let (m, pm) = (count(id, p.first, p.last), count(id, pf, pl));
        for (k, v) in [
            ("createdAt", json!(created)),
            ("lastMessage", json!(lm)),
            ("archived", json!(archived)),
            ("readOnly", json!(ro)),
            ("idleDays", json!(idle)),
            ("messages", json!(m)),
            ("previousMessages", json!(pm)),
        ] {
            row[k] = v;
        }
        let c = ms(created);
        for (i, (a, b)) in [
            (i64::from(c < end), i64::from(c < start)),
            (i64::from(m > 0), i64::from(pm > 0)),
            (m, pm),
            (i64::from(idle >= 30), 0),
            (i64::from(lm.is_none()), 0),
            (i64::from(users <= 1), 0),
        ]
        .into_iter()
        .enumerate()
        {
            s[i][0] += a;
            s[i][1] += b;
        }
        rows.push(row);
    }
    let name = |r: &Value| r["name"].as_str().map(|n| (n.to_lowercase(), n.to_string()));
    rows.sort_by_key(|r| name(r));
    let f = |i: usize| json!({"value": s[i][0], "previous": s[i][1]});
    let st = |i: usize| json!({"value": s[i][0], "previous": null});
    let summary =
        json!({"channels": f(0), "active": f(1), "messages": f(2), "idle": st(3), "neverUsed": st(4), "empty": st(5)});
    (summary, rows)
}

fn channels_body(p: &Period, summary: &Value, rows: Vec<Value>, total: usize, offset: usize) -> String {
    let (period, previous) = p.head();
    let n = rows.len();
    json!({"tz": p.tz(), "period": period, "previousPeriod": previous, "idleDays": 30, "summary": summary,
        "channels": rows, "total": total, "offset": offset, "count": n, "success": true})
    .to_string()
}

#[tokio::test]
async fn channel_health_equals_an_independent_count_with_filters_sort_pages_and_csv() {
    let (raw, rolled, admin) = both().await;
    for (start, end) in PERIODS {
        for tz in ZONES {
            let p = Period::new(start, end, tz);
            for app in [&raw, &rolled] {
                let res = app
                    .get(&format!("{CHANNELS}?{}&sort=name&count=0", p.query), Some(&admin))
                    .await;
                let (summary, rows) = expected_channels(&p, Utc::now().timestamp_millis());
                let n = rows.len();
                assert_json(&res, 200, &channels_body(&p, &summary, rows, n, 0));
            }
        }
    }
    // Filters, sort, a page; the default sort is lastMessage ascending (never used first), ties by name without
    // regard to case ("empty" before "Launch plan").
    let p = Period::new(PERIODS[0].0, PERIODS[0].1, "UTC");
    let (summary, rows) = expected_channels(&p, Utc::now().timestamp_millis());
    let pick = |ids: &[&str]| -> Vec<Value> {
        ids.iter()
            .map(|id| rows.iter().find(|r| r["_id"] == *id).unwrap().clone())
            .collect()
    };
    let cases: [(&str, Vec<&str>, usize, usize); 5] = [
        ("filter=idle", vec!["c2", "dsc", "p1", "c3", "c1"], 5, 0),
        ("filter=never-used&order=desc", vec!["c2", "dsc"], 2, 0),
        ("filter=empty&sort=usersCount", vec!["c2", "p1"], 2, 0),
        ("sort=messages&order=desc&offset=1&count=2", vec!["c3", "c2"], 5, 1),
        ("q=LAUNCH", vec!["dsc"], 1, 0),
    ];
    for (q, ids, total, offset) in cases {
        let res = rolled.get(&format!("{CHANNELS}?{}&{q}", p.query), Some(&admin)).await;
        assert_json(&res, 200, &channels_body(&p, &summary, pick(&ids), total, offset));
    }
    // CSV: the whole filtered, sorted table (pages ignored).
    let res = rolled
        .get(
            &format!("{CHANNELS}?{}&filter=empty&count=1&format=csv", p.query),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.content_type, "text/csv; charset=utf-8");
    let idle = |lm: &str| (Utc::now().timestamp_millis() - ms(lm)).div_euclid(DAY);
    assert_eq!(
        res.body,
        format!(
            "_id,name,t,discussion,teamMain,usersCount,createdAt,lastMessage,archived,readOnly,idleDays,messages,previousMessages\r\n\
             c2,empty,c,false,false,0,2024-01-01T00:00:00.000Z,,false,false,{},0,0\r\n\
             p1,secret,p,false,false,1,2023-01-01T00:00:00.000Z,2023-12-01T10:00:00.000Z,false,true,{},0,0\r\n",
            idle("2024-01-01T00:00:00Z"),
            idle("2023-12-01T10:00:00Z")
        )
    );
}

/// The history body of room c1 for `p`, as this file computes it.
fn expected_history(p: &Period, hourly: bool, names: bool) -> String {
    let (pf, pl) = p.previous();
    let bounds = |first: NaiveDate, last: NaiveDate| -> Vec<i64> {
        let mut out = vec![];
        for d in days(first, last) {
            let (s, e) = (p.zone.start(d), p.zone.start(d + chrono::Duration::days(1)));
            out.extend((s..e).step_by(if hourly { 3_600_000 } else { DAY as usize }));
        }
        out.push(p.zone.start(last + chrono::Duration::days(1)));
        out
    };
    let (cur, prev) = (bounds(p.first, p.last), bounds(pf, pl));
    let c1: Vec<(&str, i64)> = MESSAGES
        .iter()
        .filter(|(_, r, _, c)| *r == "c1" && *c)
        .map(|(u, _, ts, _)| (*u, ms(ts)))
        .collect();
    let count = |a: i64, b: i64| c1.iter().filter(|(_, t)| (a..b).contains(t)).count() as i64;
    let series: Vec<Value> = (0..cur.len() - 1)
        .map(|i| {
            json!({"start": iso(cur[i]), "messages": count(cur[i], cur[i + 1]),
                "previousStart": iso(prev[i]), "previousMessages": count(prev[i], prev[i + 1])})
        })
        .collect();
    let per_user = |a: i64, b: i64| {
        let mut m: BTreeMap<&str, i64> = BTreeMap::new();
        for (u, t) in &c1 {
            if (a..b).contains(t) {
                *m.entry(u).or_default() += 1;
            }
        }
        m
    };
    let (now, before) = (
        per_user(cur[0], cur[cur.len() - 1]),
        per_user(prev[0], prev[prev.len() - 1]),
    );
    let mut top: Vec<(&str, i64)> = now.iter().map(|(u, n)| (*u, *n)).collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let names_of = accounts();
    let top: Vec<Value> = top
        .into_iter()
        .map(|(u, n)| {
            if !names {
                return json!({"messages": n});
            }
            let a = names_of.iter().find(|a| a.0 == u).unwrap();
            json!({"_id": u, "username": a.1, "name": a.2, "messages": n})
        })
        .collect();
    let (period, previous) = p.head();
    let mut room =
        json!({"_id": "c1", "name": "general", "t": "c", "discussion": false, "teamMain": false, "usersCount": 5});
    if names {
        room["owner"] = json!({"_id": "alice", "username": "alice"});
    }
    room["createdAt"] = json!("2023-01-01T00:00:00.000Z");
    room["lastMessage"] = json!("2024-03-10T18:40:00.000Z");
    room["archived"] = json!(false);
    room["readOnly"] = json!(false);
    let total = |v: &[Value], k: &str| v.iter().map(|x| x[k].as_i64().unwrap()).sum::<i64>();
    json!({"tz": p.tz(), "period": period, "previousPeriod": previous, "unit": if hourly {"hour"} else {"day"},
        "room": room,
        "summary": {"messages": {"value": total(&series, "messages"), "previous": total(&series, "previousMessages")},
            "posters": {"value": now.len(), "previous": before.len()}},
        "series": series, "topPosters": top, "success": true})
    .to_string()
}

#[tokio::test]
async fn a_channels_history_by_day_and_hour_equals_an_independent_count() {
    let (raw, rolled, admin) = both().await;
    for (i, (start, end)) in PERIODS.into_iter().enumerate() {
        for tz in ZONES {
            let p = Period::new(start, end, tz);
            let url = format!("{HISTORY}?roomId=c1&{}", p.query);
            let expected = expected_history(&p, i == 1, true);
            for app in [&raw, &rolled] {
                assert_json(&app.get(&url, Some(&admin)).await, 200, &expected);
            }
        }
    }
    let p = Period::new(PERIODS[1].0, PERIODS[1].1, "UTC");
    let csv = rolled
        .get(&format!("{HISTORY}?roomId=c1&{}&format=csv", p.query), Some(&admin))
        .await;
    assert!(csv.body.starts_with("start,messages,previousStart,previousMessages\r\n2024-03-10T00:00:00.000Z,0,2024-03-09T00:00:00.000Z,0\r\n"), "{}", csv.body);
    assert_eq!(csv.body.lines().count(), 25);
    let missing = rolled
        .get(&format!("{HISTORY}?roomId=nope&{}", p.query), Some(&admin))
        .await;
    assert_json(&missing, 404, r#"{"success":false,"error":"Resource not found"}"#);
    let livechat = rolled.get(&format!("{HISTORY}?{}", p.query), Some(&admin)).await;
    assert_json(
        &livechat,
        400,
        r#"{"success":false,"error":"Missing parameter \"roomId\""}"#,
    );
}

#[tokio::test]
async fn retention_cohorts_equal_an_independent_count() {
    let (raw, rolled, admin) = both().await;
    for tz in ["UTC", "%2B05:17"] {
        let zone = Zone::of(tz);
        let end = "2024-03-10T12:00:00.000Z";
        let day = zone.day(ms(end));
        let monday = day - chrono::Duration::days(i64::from(day.weekday().num_days_from_monday()));
        let first = monday - chrono::Duration::days(77);
        let mut cohorts = vec![];
        let mut cells = vec![];
        for k in 0..12i64 {
            let week = first + chrono::Duration::days(7 * k);
            let (from, to) = (zone.start(week), zone.start(week + chrono::Duration::days(7)));
            let members: Vec<_> = accounts()
                .into_iter()
                .filter(|a| a.3 == "user" && (from..to).contains(&a.4))
                .collect();
            cohorts.push(json!({"week": week.to_string(), "start": iso(from), "members": members.len()}));
            for w in 0..12 - k {
                let (a, b) = (
                    week + chrono::Duration::days(7 * w),
                    week + chrono::Duration::days(7 * w + 6),
                );
                let active = members
                    .iter()
                    .filter(|m| {
                        message_days(&m.0, &zone).iter().any(|(d, _)| (a..=b).contains(d))
                            || session_days(&m.0, &zone).iter().any(|d| (a..=b).contains(d))
                    })
                    .count();
                let share = if members.is_empty() {
                    Value::Null
                } else {
                    json!(((active as f64 / members.len() as f64) * 10_000.0).round() / 10_000.0)
                };
                cells.push(json!({"cohort": week.to_string(), "week": w, "members": members.len(), "active": active, "share": share}));
            }
        }
        let expected = json!({"tz": Period::new(end, end, tz).tz(), "weekStart": "monday", "cohorts": cohorts, "cells": cells, "success": true})
            .to_string()
            .replace(".0,", ",")
            .replace(".0}", "}");
        for app in [&raw, &rolled] {
            let res = app.get(&format!("{RETENTION}?end={end}&tz={tz}"), Some(&admin)).await;
            assert_json(&res, 200, &expected);
        }
    }
}

#[tokio::test]
async fn a_new_message_counts_at_once_and_user_and_room_changes_show_at_the_next_request() {
    let (_raw, rolled, admin) = both().await;
    let today = Utc::now().date_naive();
    let q = format!(
        "start={}T00:00:00.000Z&end={}T23:59:59.999Z",
        today - chrono::Duration::days(6),
        today
    );
    let members = |extra: &'static str| {
        let url = format!("{MEMBERS}?{q}&count=0&{extra}");
        let (app, admin) = (&rolled, admin.clone());
        async move { serde_json::from_str::<Value>(&app.get(&url, Some(&admin)).await.body).unwrap() }
    };
    let ids = |v: &Value, key: &str| -> Vec<String> {
        v[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["_id"].as_str().unwrap().to_string())
            .collect()
    };
    let before = members("filter=inactive-30").await;
    assert!(ids(&before, "members").contains(&"alice".to_string()));
    let health = format!("{CHANNELS}?{q}&filter=idle&count=0");
    let idle = serde_json::from_str::<Value>(&rolled.get(&health, Some(&admin)).await.body).unwrap();
    assert!(ids(&idle, "channels").contains(&"c1".to_string()));
    // alice writes in c1 now: Rocket.Chat saves the message and sets the room's lm.
    let now = bson::DateTime::now();
    rolled
        .insert(
            "rocketchat_message",
            vec![docs::message("new1", "c1", now, "alice", "alice", "back")],
        )
        .await;
    rolled
        .db
        .collection::<Document>("rocketchat_room")
        .update_one(doc! {"_id": "c1"}, doc! {"$set": {"lm": now}})
        .await
        .unwrap();
    let after = members("filter=inactive-30").await;
    assert!(!ids(&after, "members").contains(&"alice".to_string()));
    assert_eq!(
        after["summary"]["inactive30"]["value"].as_i64().unwrap(),
        before["summary"]["inactive30"]["value"].as_i64().unwrap() - 1
    );
    let alice = members("q=alice").await;
    assert_eq!(alice["members"][0]["lastMessage"], json!(iso(now.timestamp_millis())));
    assert_eq!(alice["members"][0]["messages"], json!(1));
    let idle = serde_json::from_str::<Value>(&rolled.get(&health, Some(&admin)).await.body).unwrap();
    assert!(!ids(&idle, "channels").contains(&"c1".to_string()));
    // bob logs in now: a session counts at once too.
    assert!(ids(&after, "members").contains(&"bob".to_string()));
    rolled
        .insert(
            "rocketchat_sessions",
            vec![doc! {"_id": "s-new", "type": "session", "userId": "bob", "loginAt": now, "sessionId": "y"}],
        )
        .await;
    let bob = members("q=bob").await;
    assert_eq!(
        (&bob["members"][0]["daysActive"], &bob["members"][0]["messages"]),
        (&json!(1), &json!(0))
    );
    assert!(!ids(&members("filter=inactive-30").await, "members").contains(&"bob".to_string()));
    // A deactivated user, a renamed user, a deleted room: at the next request.
    let users = rolled.db.collection::<Document>("users");
    users
        .update_one(doc! {"_id": "dave"}, doc! {"$set": {"active": false}})
        .await
        .unwrap();
    users
        .update_one(
            doc! {"_id": "frank"},
            doc! {"$set": {"username": "francis", "name": "Francis"}},
        )
        .await
        .unwrap();
    rolled
        .db
        .collection::<Document>("rocketchat_room")
        .delete_one(doc! {"_id": "p1"})
        .await
        .unwrap();
    let gone = members("filter=deactivated").await;
    assert_eq!(ids(&gone, "members"), ["carol", "dave"]);
    let renamed = members("q=franc").await;
    assert_eq!(renamed["members"][0]["username"], json!("francis"));
    assert_eq!(renamed["members"][0]["name"], json!("Francis"));
    let rooms = serde_json::from_str::<Value>(&rolled.get(&format!("{CHANNELS}?{q}&count=0"), Some(&admin)).await.body)
        .unwrap();
    assert!(!ids(&rooms, "channels").contains(&"p1".to_string()));
}

/// Every person's id, username and name that a body could leak.
fn names_in(body: &str) -> Vec<&'static str> {
    let mut leaks = vec![];
    for (id, username, name, ..) in ACCOUNTS {
        for n in [Some(id), Some(username), name].into_iter().flatten() {
            if body.contains(&format!("\"{n}\"")) {
                leaks.push(n);
            }
        }
    }
    leaks
}

#[tokio::test]
async fn permission_matrix_and_member_insights_off() {
    let (_raw, rolled, admin) = both().await;
    let week = Period::new(PERIODS[0].0, PERIODS[0].1, "UTC");
    let urls = [
        format!("{MEMBERS}?{}", week.query),
        format!("{CHANNELS}?{}", week.query),
        format!("{HISTORY}?roomId=c1&{}", week.query),
        format!("{RETENTION}?end=2024-03-10T12:00:00.000Z"),
    ];
    // A role holding view-engagement-dashboard only: counts, no names; members 403.
    rolled
        .db
        .collection::<Document>("rocketchat_permissions")
        .update_one(doc! {"_id": ENGAGEMENT}, doc! {"$set": {"roles": ["admin", "analyst"]}})
        .await
        .unwrap();
    rolled
        .insert(
            "rocketchat_permissions",
            vec![docs::permission("view-user-administration", &["admin"])],
        )
        .await;
    let analyst = rolled.user("analyst1", &["analyst"]).await;
    let plain = rolled.user("plain1", &["user"]).await;
    let admin_bodies: Vec<Response> = futures::future::join_all(urls.iter().map(|u| rolled.get(u, Some(&admin)))).await;
    assert!(admin_bodies.iter().all(|r| r.status == 200));
    assert!(admin_bodies[0]
        .body
        .contains(r#""username":"alice","name":"Alice <b>""#));
    assert_json(&rolled.get(&urls[0], Some(&analyst)).await, 403, FORBIDDEN);
    // The page's session says who may open the members table.
    let can = |res: Response| serde_json::from_str::<Value>(&res.body).unwrap()["can"].clone();
    let session = rc_analytics::ui::SESSION;
    assert_eq!(can(rolled.get(session, Some(&admin)).await)["people"], json!(true));
    assert_eq!(
        can(rolled.get(session, Some(&analyst)).await),
        json!({"engagement": true, "omnichannel": false, "people": false})
    );
    for url in &urls[1..] {
        let res = rolled.get(url, Some(&analyst)).await;
        assert_eq!(res.status, 200, "{url}");
        assert_eq!(names_in(&res.body), Vec::<&str>::new(), "{url}: {}", res.body);
    }
    let history = rolled.get(&urls[2], Some(&analyst)).await;
    let p = Period::new(PERIODS[0].0, PERIODS[0].1, "UTC");
    assert_json(&history, 200, &expected_history(&p, false, false));
    for url in &urls {
        assert_json(&rolled.get(url, Some(&plain)).await, 403, FORBIDDEN);
        assert_json(&rolled.get(url, None).await, 401, UNAUTHORIZED);
    }
    // view-user-administration absent (Community Edition without it): the role admin holds it.
    rolled
        .db
        .collection::<Document>("rocketchat_permissions")
        .delete_one(doc! {"_id": "view-user-administration"})
        .await
        .unwrap();
    assert_eq!(rolled.get(&urls[0], Some(&admin)).await.status, 200);
    assert_json(&rolled.get(&urls[0], Some(&analyst)).await, 403, FORBIDDEN);
    // RCA_MEMBER_INSIGHTS=off: no person in any body, for the admin too.
    let off = spawn_app_on(rolled.db.name(), |s| s.member_insights = false).await;
    assert_json(
        &off.get(&urls[0], Some(&admin)).await,
        404,
        r#"{"success":false,"error":"Resource not found"}"#,
    );
    assert_json(&off.get(&urls[0], Some(&analyst)).await, 403, FORBIDDEN);
    assert_eq!(can(off.get(session, Some(&admin)).await)["people"], json!(false));
    for url in &urls[1..] {
        for format in ["", "&format=csv"] {
            let res = off.get(&format!("{url}{format}"), Some(&admin)).await;
            assert_eq!(res.status, 200, "{url}");
            assert_eq!(names_in(&res.body), Vec::<&str>::new(), "{url}: {}", res.body);
            assert!(!res.body.contains("alice"), "{url}: {}", res.body);
        }
    }
    let history: Value = serde_json::from_str(&off.get(&urls[2], Some(&admin)).await.body).unwrap();
    assert_eq!(history["topPosters"], json!([]));
}

#[tokio::test]
async fn parameters_are_checked_with_exact_errors() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let week = "start=2024-03-04T00:00:00.000Z&end=2024-03-10T23:59:59.999Z";
    let bad = |text: &str| format!(r#"{{"success":false,"error":"{}"}}"#, text.replace('"', "\\\""));
    for (url, body) in [
        (
            format!("{MEMBERS}?end=2024-03-10T00:00:00.000Z"),
            match_error("Missing key 'start'"),
        ),
        (
            format!("{MEMBERS}?start=2024-03-04&end=2024-03-10T00:00:00.000Z"),
            match_error("Failed Match.Where validation in field start"),
        ),
        (
            format!("{MEMBERS}?{week}&type=robots"),
            bad(r#"Invalid parameter "type": expected one of user, bot, app, all"#),
        ),
        (
            format!("{MEMBERS}?{week}&filter=lazy"),
            bad(
                r#"Invalid parameter "filter": expected one of all, active, inactive-30, inactive-90, never-logged-in, never-posted, deactivated"#,
            ),
        ),
        (
            format!("{MEMBERS}?{week}&order=up"),
            bad(r#"Invalid parameter "order": expected one of asc, desc"#),
        ),
        (
            format!("{MEMBERS}?{week}&q={}", "x".repeat(101)),
            bad(r#"Invalid parameter "q": at most 100 characters"#),
        ),
        (
            format!("{MEMBERS}?{week}&type=a&type=b"),
            match_error("Failed Match.OneOf, Match.Maybe or Match.Optional validation in field type"),
        ),
        (
            format!("{CHANNELS}?{week}&idleDays=0"),
            bad(r#"Invalid parameter "idleDays": expected an integer from 1 to 3650"#),
        ),
        (
            format!("{CHANNELS}?{week}&sort=owner"),
            bad(
                r#"Invalid parameter "sort": expected one of lastMessage, name, usersCount, createdAt, messages, previousMessages"#,
            ),
        ),
        (
            format!("{CHANNELS}?start=2024-03-10T00:00:00.000Z&end=2024-03-01T00:00:00.000Z"),
            bad("The period ends before it starts"),
        ),
        (
            format!("{CHANNELS}?start=2020-01-01T00:00:00.000Z&end=2024-03-01T00:00:00.000Z"),
            bad("The period is longer than 731 days"),
        ),
        (
            format!("{CHANNELS}?{week}&tz=Mars/Base"),
            bad("Invalid time zone: Mars/Base"),
        ),
        (
            format!("{RETENTION}?end=yesterday"),
            match_error("Failed Match.Where validation in field end"),
        ),
    ] {
        assert_json(&app.get(&url, Some(&admin)).await, 400, &body);
    }
}

#[tokio::test]
async fn the_workspace_counts_are_the_routes_figures_for_today() {
    let (_raw, rolled, admin) = both().await;
    let counts = rc_analytics::insights::counts::counts(&rolled.state).await.unwrap();
    let today = Utc::now().date_naive();
    let q = format!("start={today}T00:00:00.000Z&end={today}T23:59:59.999Z&count=0");
    let get = |path: &str| {
        let url = format!("{path}?{q}");
        let (app, admin) = (&rolled, admin.clone());
        async move { serde_json::from_str::<Value>(&app.get(&url, Some(&admin)).await.body).unwrap() }
    };
    let (members, channels) = (get(MEMBERS).await, get(CHANNELS).await);
    let rows = |v: &Value, key: &str| v[key].as_array().unwrap().len() as i64;
    let idle_90 = channels["channels"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["idleDays"].as_i64().is_none_or(|d| d >= 90))
        .count() as i64;
    let value = |v: &Value, key: &str| v["summary"][key]["value"].as_i64().unwrap();
    assert_eq!(
        counts,
        rc_analytics::insights::counts::WorkspaceCounts {
            members: rows(&members, "members"),
            inactive_30: value(&members, "inactive30"),
            inactive_90: value(&members, "inactive90"),
            channels: rows(&channels, "channels"),
            idle_channels_30: value(&channels, "idle"),
            idle_channels_90: idle_90,
        }
    );
    assert_eq!((counts.members, counts.channels, counts.idle_channels_90), (6, 5, 5));
}
