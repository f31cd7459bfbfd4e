//! `rc-analytics-seed`: demo data, Rocket.Chat-shaped documents, for the demo and for the tests. The
//! service (the `rc-analytics` crate) never writes to MongoDB; this crate, the only code that does, is a
//! separate binary that the service's Docker image does not contain.
//!
//! [`generate`] writes a whole workspace's worth of analytics-relevant data: roles and permissions,
//! users with hashed login tokens, rooms of every type, messages with daily and hourly variation,
//! omnichannel departments, units, agents and conversations (including Rocket.Chat's documented
//! `conversations-by-department` example), and
//! engagement-dashboard sessions. Same `seed` and `until` ⇒ the same documents, byte for byte.
//!
//! Decisions (docs/demo.md says the same):
//! - Every day of the span has computed sessions and `user_daily` roll-ups, the last day (`until`)
//!   included, as if the nightly job had run; `_computedAt` is the next day at 02:00 UTC (at the latest
//!   the run's time).
//! - No `rocketchat_subscription`, `rocketchat_analytics` or `rocketchat_settings` documents are
//!   written: rc-analytics reads the raw collections. A `rocketchat_livechat_visitor` document is
//!   written per conversation.
//! - Rooms exist before the span starts; 40 % of the regular users too, the others register during it.
//! - Thread roots carry no `tcount`/`tlm` (replies are drawn after their roots are written).

pub mod cli;
pub mod docs;
mod messages;
mod omni;
mod people;
mod quiet;
mod rng;
mod rooms;
mod sessions;
pub(crate) mod write;

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate, NaiveTime};
use mongodb::Database;

use rc_analytics::params::format_canonical;
use rc_analytics::registry::Family;
use rc_analytics::store::coll;

pub(crate) use messages::Origin;
pub(crate) use omni::Example;

pub(crate) const DAY_MS: i64 = 86_400_000;

/// Roles (no report reads them; written so the users' roles exist).
pub(crate) const ROLES: &str = "rocketchat_roles";

/// Omnichannel visitors (not read by any report yet; written so conversations point at real visitors).
pub(crate) const VISITORS: &str = "rocketchat_livechat_visitor";

/// Rocket.Chat's analytics rollup, which it fills only while licensed: the community edition leaves it
/// empty (rc-analytics never reads it).
pub const ANALYTICS: &str = "rocketchat_analytics";

/// Every collection the generator writes; `--force` drops exactly these.
pub const WRITTEN: [&str; 11] = [
    ROLES,
    coll::PERMISSIONS,
    coll::USERS,
    coll::ROOMS,
    coll::MESSAGES,
    coll::SESSIONS,
    coll::DEPARTMENTS,
    coll::DEPARTMENT_AGENTS,
    coll::UNIT_MONITORS,
    VISITORS,
    ANALYTICS,
];

/// Which kind of workspace the data imitates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Edition {
    /// A never-licensed workspace: core permissions only (no `view-livechat-reports`), no
    /// `livechat-monitor` role or users, no business units or unit monitors, an empty
    /// `rocketchat_analytics`.
    #[default]
    Community,
    /// A licensed workspace: the enterprise livechat module's permission, role, monitor and units.
    Enterprise,
}

impl Edition {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Community => "community",
            Self::Enterprise => "enterprise",
        }
    }

    pub(crate) fn is_enterprise(self) -> bool {
        self == Self::Enterprise
    }
}

#[derive(Clone, Debug)]
pub struct SeedOptions {
    pub seed: u64,
    /// Total number of `rocketchat_message` documents.
    pub messages: u64,
    /// Last day of data (UTC).
    pub until: NaiveDate,
    /// Number of days, `until` included.
    pub days: u32,
    /// Replace the generator's collections in a database that already holds Rocket.Chat data.
    pub force: bool,
    /// Show the messages written so far on stderr.
    pub progress: bool,
    pub edition: Edition,
    /// The current time (ms): when it falls on `until`, that day's data ends there (see `Span::live`).
    pub now: Option<i64>,
}

impl SeedOptions {
    pub(crate) const DEFAULT_MESSAGES: u64 = 50_000;
    pub(crate) const MAX_MESSAGES: u64 = 1_000_000_000;
    pub(crate) const DEFAULT_DAYS: u32 = 42;
    /// The omnichannel example needs the last 7 days.
    pub(crate) const MIN_DAYS: u32 = 7;
    pub(crate) const MAX_DAYS: u32 = 3660;

    pub fn new(until: NaiveDate) -> Self {
        Self {
            seed: 1,
            messages: Self::DEFAULT_MESSAGES,
            until,
            days: Self::DEFAULT_DAYS,
            force: false,
            progress: false,
            edition: Edition::default(),
            now: None,
        }
    }

    fn check(&self) -> Result<(), SeedError> {
        if !(Self::MIN_DAYS..=Self::MAX_DAYS).contains(&self.days) {
            return Err(SeedError::Invalid(format!(
                "--days {} is out of range: {} (the example needs the last 7 days) to {}",
                self.days,
                Self::MIN_DAYS,
                Self::MAX_DAYS
            )));
        }
        if self.messages > Self::MAX_MESSAGES {
            return Err(SeedError::Invalid(format!(
                "--messages {} is more than {}",
                self.messages,
                Self::MAX_MESSAGES
            )));
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// The database holds Rocket.Chat data and `--force` was not given.
    #[error("{0}")]
    Refused(String),
    /// Options out of range (a usage error).
    #[error("{0}")]
    Invalid(String),
    /// A writing task died.
    #[error("{0}")]
    Internal(String),
    #[error("MongoDB: {0}")]
    Mongo(#[from] mongodb::error::Error),
}

/// The days the data covers, all UTC.
#[derive(Clone, Copy, Debug)]
pub struct Span {
    pub(crate) until: NaiveDate,
    pub(crate) days: u32,
    /// The current time, when it falls inside the day `until`: that day's data ends there.
    pub(crate) now: Option<i64>,
}

impl Span {
    /// Whether `now` falls inside day `i`.
    pub(crate) fn is_today(&self, i: u32) -> bool {
        self.now
            .is_some_and(|now| (self.day_ms(i)..self.day_ms(i) + DAY_MS).contains(&now))
    }

    /// Whether day `i` is the day of `now` or the day before: local days of every zone (UTC−12 to
    /// UTC+14) that hold its hours may still be running.
    pub(crate) fn is_recent(&self, i: u32) -> bool {
        self.is_today(i) || (i + 1 < self.days && self.is_today(i + 1))
    }

    /// `t`, or `now` when `t` is later.
    pub(crate) fn not_after_now(&self, t: i64) -> i64 {
        self.now.map_or(t, |now| t.min(now))
    }

    /// Where an instant drawn over the whole span lands in a live workspace: unchanged, except on the
    /// last day when `now` falls inside it, whose 24 hours are compressed into `[00:00, now)` so that
    /// nothing lies in the future and every count stays as drawn.
    pub(crate) fn live(&self, t: i64) -> i64 {
        let last = self.day_ms(self.days - 1);
        match self.now {
            Some(now) if self.is_today(self.days - 1) && t >= last => {
                let offset = (t - last).min(DAY_MS - 1);
                last + (i128::from(offset) * i128::from(now - last) / i128::from(DAY_MS)) as i64
            }
            _ => t,
        }
    }

    pub(crate) fn date(&self, i: u32) -> NaiveDate {
        self.until - Days::new(u64::from(self.days - 1 - i))
    }

    /// 00:00 UTC of day `i` (0 = the first day).
    pub(crate) fn day_ms(&self, i: u32) -> i64 {
        midnight(self.date(i))
    }

    pub(crate) fn start_ms(&self) -> i64 {
        self.day_ms(0)
    }

    /// 00:00 UTC of the day after `until` (the data ends before it).
    pub(crate) fn end_ms(&self) -> i64 {
        midnight(self.until) + DAY_MS
    }

    /// `[until-6 00:00Z, until+1 00:00Z)`: the last 7 days (the omnichannel example's days).
    pub fn last_week(&self) -> (i64, i64) {
        (self.end_ms() - 7 * DAY_MS, self.end_ms())
    }

    /// `[until-7 00:00Z, until+1 00:00Z)`: "Last 7 days" as Rocket.Chat's client and the dashboard page
    /// request it (`getPeriodRange`: 7 days back to 00:00, up to the end of today), 8 calendar days.
    pub fn page_week(&self) -> (i64, i64) {
        (self.end_ms() - 8 * DAY_MS, self.end_ms())
    }
}

fn midnight(d: NaiveDate) -> i64 {
    d.and_time(NaiveTime::MIN).and_utc().timestamp_millis()
}

/// `{"total":1,"_id":-1}`, URL-encoded.
pub(crate) const EXAMPLE_SORT: &str = "%7B%22total%22%3A1%2C%22_id%22%3A-1%7D";

/// A user's id and plain login token, for `X-User-Id` / `X-Auth-Token`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credential {
    /// The user's most important role (`admin`, `livechat-manager`, …, `user`, `guest`).
    pub role: String,
    pub(crate) label: String,
    pub user_id: String,
    pub username: String,
    pub token: String,
}

#[derive(Clone, Debug)]
pub struct SeedSummary {
    pub(crate) database: String,
    pub(crate) edition: Edition,
    pub span: Span,
    /// Documents written per collection.
    pub written: BTreeMap<String, u64>,
    /// The admin first, then a manager, a monitor, an agent, a plain user and a guest.
    pub credentials: Vec<Credential>,
    /// The plain user's personal access token (stored like a login token, with `type: 'personalAccessToken'`).
    pub personal_access_token: Credential,
    /// What `messages/origin` must answer for the page's "Last 7 days" ([`Span::page_week`]), counted while
    /// generating.
    pub expected_origin: Origin,
    /// What `conversations-by-department` must answer for the last 7 days.
    pub example: Example,
}

impl SeedSummary {
    pub fn admin(&self) -> &Credential {
        &self.credentials[0]
    }

    /// `messages/origin` over the page's "Last 7 days" ([`Span::page_week`]; `end` the last millisecond of
    /// `until`).
    pub fn origin_path(&self) -> String {
        let (start, end) = self.span.page_week();
        format!(
            "/api/v1/engagement-dashboard/messages/origin?start={}&end={}",
            format_canonical(start),
            format_canonical(end - 1)
        )
    }

    /// `conversations-by-department` over `[until-6 00:00Z, until+1 00:00Z)`, sorted by
    /// `{"total":1,"_id":-1}`: Rocket.Chat's documented example, byte for byte.
    pub fn by_department_path(&self) -> String {
        let (start, end) = self.span.last_week();
        format!(
            "/api/v1/livechat/analytics/dashboards/conversations-by-department?start={}&end={}&sort={}",
            format_canonical(start),
            format_canonical(end),
            EXAMPLE_SORT
        )
    }

    /// A request for every report route of the registry: the engagement routes over the page's "Last 7
    /// days" ([`Span::page_week`]; `users/active-users` over the last 30 days as the page's card asks;
    /// `start`-only routes: the last millisecond of `--until`), the omnichannel routes over the
    /// example's last 7 days ([`Span::last_week`]), the department report with the example's sort.
    pub fn report_paths(&self) -> Vec<String> {
        let (page_start, end) = self.span.page_week();
        let (week_start, _) = self.span.last_week();
        rc_analytics::app::endpoints()
            .into_iter()
            .filter(|e| matches!(e.family, Family::Engagement | Family::Omnichannel))
            .map(|e| {
                let has_end = e.params.iter().any(|p| p.name == "end");
                let query = match (e.family, has_end) {
                    (_, false) => format!("start={}", format_canonical(end - 1)),
                    (Family::Engagement, true) => {
                        let start = if e.path.ends_with("/users/active-users") {
                            end - 31 * DAY_MS
                        } else {
                            page_start
                        };
                        format!("start={}&end={}", format_canonical(start), format_canonical(end - 1))
                    }
                    _ => format!("start={}&end={}", format_canonical(week_start), format_canonical(end)),
                };
                if e.path.ends_with("/conversations-by-department") {
                    self.by_department_path()
                } else {
                    format!("{}?{query}", e.path)
                }
            })
            .collect()
    }

    pub(crate) fn curl(&self, base: &str, path: &str) -> String {
        let admin = self.admin();
        format!(
            "curl -s -H 'X-User-Id: {}' -H 'X-Auth-Token: {}' '{base}{path}'",
            admin.user_id, admin.token
        )
    }

    /// `seed --json`: one object for scripts (the demo, the benchmark): the database, edition and days,
    /// every credential with its role, the example requests (paths) and the documents written.
    pub(crate) fn json(&self) -> serde_json::Value {
        let credential = |c: &Credential| {
            serde_json::json!({
                "role": c.role, "label": c.label, "username": c.username, "userId": c.user_id, "token": c.token,
            })
        };
        serde_json::json!({
            "database": self.database,
            "edition": self.edition.name(),
            "from": self.span.date(0).to_string(),
            "until": self.span.until.to_string(),
            "credentials": self.credentials.iter().map(credential).collect::<Vec<_>>(),
            "personalAccessToken": credential(&self.personal_access_token),
            "requests": self.report_paths(),
            "written": self.written,
        })
    }

    /// What the command prints: counts, credentials, the curl lines and the expected answers.
    pub(crate) fn report(&self, base: &str) -> String {
        let mut out = format!(
            "Seeded database '{}' with {} days of {} edition demo data ({} to {}):\n",
            self.database,
            self.span.days,
            self.edition.name(),
            self.span.date(0),
            self.span.until
        );
        for (name, n) in &self.written {
            out += &format!("  {name:<40} {n:>9}\n");
        }
        out += "\nCredentials (X-User-Id / X-Auth-Token):\n";
        for c in &self.credentials {
            out += &format!("  {:<14} {} {}  {}\n", c.username, c.user_id, c.token, c.label);
        }
        let pat = &self.personal_access_token;
        out += &format!("  {:<14} {} {}  {}\n", pat.username, pat.user_id, pat.token, pat.label);
        let first = self.span.until - Days::new(7);
        let o = &self.expected_origin;
        out += &format!(
            "\nMessages sent {first} to {} (the page's \"Last 7 days\": 8 calendar days, as Rocket.Chat's \
             client asks), counted while generating: c={} p={} d={}\n{}\n",
            self.span.until,
            o.c,
            o.p,
            o.d,
            self.curl(base, &self.origin_path())
        );
        let e = &self.example;
        let data: Vec<String> = e.data.iter().map(|(l, v)| format!("{l}={v}")).collect();
        out += &format!(
            "\nOmnichannel conversations by department, last 7 days: {} (total {}), unspecified {}, \
             {} in deleted departments (not counted)\n{}\n",
            data.join(", "),
            e.total,
            e.unspecified,
            e.deleted,
            self.curl(base, &self.by_department_path())
        );
        out += &format!(
            "\nEvery report: the engagement routes over {first} to {until} (the page's \"Last 7 days\"; active \
             users over the last 30 days, as the page's card), the omnichannel routes over the example's 7 \
             days {} to {until} (the page offers Today, This week, Last 15 days, … there, as Rocket.Chat's \
             reports do):\n",
            self.span.date(self.span.days - 7),
            until = self.span.until
        );
        for path in self.report_paths() {
            out += &self.curl(base, &path);
            out.push('\n');
        }
        out
    }
}

/// Writes the demo data into `db` (see the module documentation).
pub async fn generate(db: &Database, opts: &SeedOptions) -> Result<SeedSummary, SeedError> {
    opts.check()?;
    write::prepare(db, opts.force).await?;
    // Rocket.Chat's indexes before the documents: inserts keep them up to date batch by batch, whereas
    // SecantusDB builds an index over existing documents in one transaction whose cost grows faster than
    // the collection (10,000,000 messages: more than 15 minutes for `ts_1` alone).
    write::create_indexes(db).await?;
    let span = Span {
        until: opts.until,
        days: opts.days,
        now: opts.now,
    };
    let regular = (opts.messages / 400).clamp(30, 1500) as usize;
    let people = people::generate(opts.seed, &span, regular, opts.edition);
    let mut rooms = rooms::generate(opts.seed, &span, &people);
    // Conversations take up to a tenth of the messages; the rest go to the other rooms.
    let omni = omni::generate(opts.seed, &span, &people, opts.messages / 10, opts.edition);
    let quiet = quiet::generate(opts.seed, &span, &people);

    let progress = opts.progress.then_some((coll::MESSAGES, opts.messages));
    let mut w = write::Writer::new(db, progress);
    w.extend(ROLES, people::roles(opts.edition)).await?;
    w.extend(coll::PERMISSIONS, people::permissions(opts.edition)).await?;
    w.extend(coll::USERS, people.docs.iter().cloned()).await?;
    w.extend(coll::USERS, quiet.users).await?;
    w.extend(coll::DEPARTMENTS, omni.departments).await?;
    w.extend(coll::DEPARTMENT_AGENTS, omni.department_agents).await?;
    w.extend(coll::UNIT_MONITORS, omni.unit_monitors).await?;
    w.extend(VISITORS, omni.visitors).await?;
    w.extend(coll::ROOMS, omni.rooms).await?;
    let livechat_messages = omni.messages.len() as u64;
    w.extend(coll::MESSAGES, omni.messages).await?;
    let quiet_messages = quiet.messages.len() as u64;
    w.extend(coll::MESSAGES, quiet.messages).await?;
    w.extend(coll::ROOMS, quiet.rooms).await?;

    let mut stream = messages::Stream::new(opts.seed, &span, &people, &mut rooms);
    for (day, n) in stream
        .per_day(opts.messages.saturating_sub(livechat_messages + quiet_messages))
        .into_iter()
        .enumerate()
    {
        let docs = stream.day(day as u32, n);
        w.extend(coll::MESSAGES, docs).await?;
    }
    let expected_origin = stream.origin();
    let room_docs: Vec<_> = rooms.list.iter().map(|r| r.doc(&people)).collect();
    w.extend(coll::ROOMS, room_docs).await?;

    let mut sessions = sessions::Sessions::new(opts.seed, &span, &people);
    for day in 0..span.days {
        let docs = sessions.day(day);
        w.extend(coll::SESSIONS, docs).await?;
    }
    let written = w.finish().await?;
    if !opts.edition.is_enterprise() {
        db.create_collection(ANALYTICS).await?;
    }

    Ok(SeedSummary {
        database: db.name().to_string(),
        edition: opts.edition,
        span,
        written: WRITTEN
            .iter()
            .map(|c| (c.to_string(), written.get(c).copied().unwrap_or(0)))
            .collect(),
        credentials: people.credentials(),
        personal_access_token: Credential {
            label: "personal access token".into(),
            token: people.pat.clone(),
            ..people.all[people.plain_user].credential("")
        },
        expected_origin,
        example: omni.example,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_compresses_only_the_last_day_up_to_now() {
        let until = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let last = midnight(until);
        let now = last + 6 * 3_600_000; // 06:00
        let span = Span {
            until,
            days: 7,
            now: Some(now),
        };
        // Earlier days are untouched; the last day's 24 hours land in [00:00, 06:00), in order.
        assert_eq!(span.live(last - 1), last - 1);
        assert_eq!(span.live(last), last);
        assert_eq!(span.live(last + 12 * 3_600_000), last + 3 * 3_600_000);
        assert_eq!(span.live(last + DAY_MS - 1), now - 1);
        assert!(span.live(last + 1000) <= span.live(last + 2000));
        // Without `now`, or with `now` outside the last day, nothing moves.
        for now in [None, Some(last - 1), Some(last + DAY_MS)] {
            let span = Span { now, ..span };
            assert_eq!(span.live(last + 12 * 3_600_000), last + 12 * 3_600_000);
        }
    }
}
