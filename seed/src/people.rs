//! Roles, permissions and users: the demo admin, a plain user, a guest, bots, an app, livechat agents
//! (some without `name`), a livechat manager and monitor, anonymous users, and regular users whose
//! `createdAt` is spread over the span (for the new-users report).

use bson::{doc, DateTime, Document};

use super::docs;
use super::rng::{Gen, Part};
use super::{Credential, Edition, Span, DAY_MS};

/// Rocket.Chat's built-in roles: `(_id, scope, description)`.
pub(crate) const ROLES: [(&str, &str, &str); 12] = [
    ("admin", "Users", "Admin"),
    ("user", "Users", "User"),
    ("guest", "Users", "Guest"),
    ("bot", "Users", "Bot"),
    ("app", "Users", "App"),
    ("anonymous", "Users", "Anonymous"),
    ("livechat-agent", "Users", "Livechat Agent"),
    ("livechat-manager", "Users", "Livechat Manager"),
    ("livechat-monitor", "Users", "Livechat Monitor"),
    ("owner", "Subscriptions", "Owner"),
    ("moderator", "Subscriptions", "Moderator"),
    ("leader", "Subscriptions", "Leader"),
];

/// Rocket.Chat's default grants of the permissions the reports check, on a licensed workspace: the
/// enterprise livechat module creates `view-livechat-reports` and adds `livechat-monitor` to
/// `view-livechat-manager` (`apps/meteor/ee/app/livechat-enterprise/server/permissions.ts`).
pub(crate) const PERMISSIONS: [(&str, &[&str]); 3] = [
    ("view-engagement-dashboard", &["admin"]),
    (
        "view-livechat-reports",
        &["admin", "livechat-manager", "livechat-monitor"],
    ),
    (
        "view-livechat-manager",
        &["admin", "livechat-manager", "livechat-monitor"],
    ),
];

/// The same on a never-licensed workspace: only the core permissions
/// (`apps/meteor/app/authorization/server/constant/permissions.ts`).
pub(crate) const CORE_PERMISSIONS: [(&str, &[&str]); 2] = [
    ("view-engagement-dashboard", &["admin"]),
    ("view-livechat-manager", &["livechat-manager", "admin"]),
];

/// The role the enterprise livechat module creates.
const ENTERPRISE_ROLE: &str = "livechat-monitor";

/// Rocket.Chat's `getMostImportantRole` order (sessions carry the first role of a user found here).
const ROLE_IMPORTANCE: [&str; 9] = [
    "admin",
    "livechat-manager",
    "livechat-monitor",
    "livechat-agent",
    "user",
    "guest",
    "bot",
    "app",
    "anonymous",
];

const FIRST: [&str; 24] = [
    "alice", "bruno", "chen", "dana", "emil", "fatima", "gustavo", "hana", "ivan", "julia", "kofi", "lena", "marco",
    "nadia", "omar", "priya", "quentin", "rosa", "sven", "tara", "umar", "vera", "wei", "yusuf",
];
const LAST: [&str; 16] = [
    "silva", "mueller", "tanaka", "okafor", "rossi", "novak", "garcia", "kim", "ivanova", "dubois", "haddad", "jensen",
    "lopez", "singh", "costa", "weber",
];

fn add(
    all: &mut Vec<Person>,
    g: &mut Gen,
    id: Option<String>,
    username: String,
    roles: &[&'static str],
    at: i64,
) -> usize {
    let id = id.unwrap_or_else(|| g.id());
    let token = g.secret();
    all.push(Person {
        id,
        username,
        roles: roles.to_vec(),
        created_at: at,
        token,
    });
    all.len() - 1
}

#[derive(Clone, Debug)]
pub(crate) struct Person {
    pub(crate) id: String,
    pub(crate) username: String,
    pub(crate) roles: Vec<&'static str>,
    pub(crate) created_at: i64,
    /// Plain login token (only its hash is stored).
    pub(crate) token: String,
}

impl Person {
    pub(crate) fn has(&self, role: &str) -> bool {
        self.roles.contains(&role)
    }

    pub(crate) fn most_important_role(&self) -> &'static str {
        ROLE_IMPORTANCE
            .iter()
            .find(|r| self.has(r))
            .copied()
            .unwrap_or("custom-role")
    }

    /// People who chat in rooms: not bots, apps or anonymous readers.
    pub(crate) fn chats(&self) -> bool {
        !self.has("bot") && !self.has("app") && !self.has("anonymous")
    }

    pub(crate) fn credential(&self, label: &str) -> Credential {
        Credential {
            role: self.most_important_role().into(),
            label: label.into(),
            user_id: self.id.clone(),
            username: self.username.clone(),
            token: self.token.clone(),
        }
    }
}

pub(crate) struct People {
    pub(crate) edition: Edition,
    pub(crate) all: Vec<Person>,
    pub(crate) docs: Vec<Document>,
    pub(crate) admin: usize,
    pub(crate) manager: usize,
    pub(crate) monitor: usize,
    pub(crate) plain_user: usize,
    pub(crate) guest: usize,
    pub(crate) agents: Vec<usize>,
    pub(crate) bots: Vec<usize>,
    /// Users present before the span starts (room creators, DM partners).
    pub(crate) founders: Vec<usize>,
    /// The personal access token of the plain user.
    pub(crate) pat: String,
}

impl People {
    pub(crate) fn credentials(&self) -> Vec<Credential> {
        let mut out = vec![
            self.all[self.admin].credential("admin (both report families)"),
            self.all[self.manager].credential("livechat-manager"),
        ];
        if self.edition.is_enterprise() {
            out.push(self.all[self.monitor].credential("livechat-monitor (unit Americas)"));
        }
        out.extend([
            self.all[self.agents[0]].credential("livechat-agent (no report permission)"),
            self.all[self.plain_user].credential("user (no report permission)"),
            self.all[self.guest].credential("guest"),
        ]);
        out
    }
}

pub(crate) fn roles(edition: Edition) -> Vec<Document> {
    ROLES
        .iter()
        .filter(|(id, ..)| edition.is_enterprise() || *id != ENTERPRISE_ROLE)
        .map(|(id, scope, d)| docs::role(id, scope, d))
        .collect()
}

pub(crate) fn permissions(edition: Edition) -> Vec<Document> {
    let grants: &[(&str, &[&str])] = match edition {
        Edition::Enterprise => &PERMISSIONS,
        Edition::Community => &CORE_PERMISSIONS,
    };
    grants.iter().map(|(id, roles)| docs::permission(id, roles)).collect()
}

/// `regular` ordinary users besides the fixed cast.
pub(crate) fn generate(seed: u64, span: &Span, regular: usize, edition: Edition) -> People {
    // The admin's token depends on the seed only, so the printed credentials survive a new `--until`.
    let mut secrets = Gen::new(seed, Part::Secrets);
    let admin_id = secrets.id();
    let admin_token = secrets.secret();
    let pat = secrets.secret();

    let mut g = Gen::new(seed, Part::People);
    // The workspace was founded at least 30 days before the span, and so long before its end that the people
    // who were there before the span (founded + up to 29 days) form no signup cohort of the retention grid's
    // last 12 weeks: those cohorts hold only people who signed up within the data, so their first weeks have
    // activity to show.
    let founded = (span.start_ms() - 30 * DAY_MS).min(span.end_ms() - 120 * DAY_MS);
    let mut all: Vec<Person> = Vec::new();
    let admin = add(
        &mut all,
        &mut g,
        Some(admin_id),
        "demo.admin".into(),
        &["admin", "user"],
        founded,
    );
    if let Some(p) = all.get_mut(admin) {
        p.token = admin_token;
    }
    let mut bots = vec![add(
        &mut all,
        &mut g,
        Some("rocket.cat".into()),
        "rocket.cat".into(),
        &["bot"],
        founded,
    )];
    bots.push(add(
        &mut all,
        &mut g,
        None,
        "deploy.bot".into(),
        &["bot"],
        founded + 3_600_000,
    ));
    bots.push(add(
        &mut all,
        &mut g,
        None,
        "standup.bot".into(),
        &["bot"],
        founded + 7_200_000,
    ));
    let app = add(
        &mut all,
        &mut g,
        None,
        "whatsapp.app".into(),
        &["app"],
        founded + 9_000_000,
    );
    let manager = add(
        &mut all,
        &mut g,
        None,
        "maria.manager".into(),
        &["user", "livechat-manager"],
        founded + 60_000,
    );
    // On Community Edition the same person exists, as a plain user.
    let (monitor_name, monitor_roles): (&str, &'static [&'static str]) = match edition {
        Edition::Enterprise => ("mo.monitor", &["user", ENTERPRISE_ROLE]),
        Edition::Community => ("mo.member", &["user"]),
    };
    let monitor = add(
        &mut all,
        &mut g,
        None,
        monitor_name.into(),
        monitor_roles,
        founded + 120_000,
    );
    let agents: Vec<usize> = ["ana", "ben", "carla", "dev", "eva", "felix"]
        .iter()
        .enumerate()
        .map(|(i, n)| {
            add(
                &mut all,
                &mut g,
                None,
                format!("{n}.agent"),
                &["user", "livechat-agent"],
                founded + (i as i64 + 3) * 60_000,
            )
        })
        .collect();
    let plain_user = add(&mut all, &mut g, None, "paul.user".into(), &["user"], founded + 600_000);
    let mut founders: Vec<usize> = vec![admin, manager, monitor, plain_user];
    founders.extend(&agents);
    let mut taken: std::collections::HashSet<String> = all.iter().map(|p| p.username.clone()).collect();
    for i in 0..regular {
        let mut name = format!("{}.{}", g.pick(&FIRST), g.pick(&LAST));
        if !taken.insert(name.clone()) {
            name = format!("{name}{}", i + 1);
            taken.insert(name.clone());
        }
        // About 40 % were there before the span; the others register during it.
        let at = if g.chance(0.4) {
            founded + g.range(0, 29 * DAY_MS)
        } else {
            span.live(span.start_ms() + g.range(0, span.days as i64 * DAY_MS))
        };
        let idx = add(&mut all, &mut g, None, name, &["user"], at);
        if at < span.start_ms() {
            founders.push(idx);
        }
    }
    let guest_at = span.live(span.start_ms() + g.range(0, span.days as i64 * DAY_MS));
    let guest = add(&mut all, &mut g, None, "gina.guest".into(), &["guest"], guest_at);
    for n in 1..=3 {
        let at = span.live(span.start_ms() + g.range(0, span.days as i64 * DAY_MS));
        add(&mut all, &mut g, None, format!("anonymous-{n}"), &["anonymous"], at);
    }

    let docs = all
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let pats: Vec<&str> = if i == plain_user { vec![pat.as_str()] } else { vec![] };
            let mut d = docs::user(
                &p.id,
                &p.username,
                &p.roles,
                DateTime::from_millis(p.created_at),
                &[&p.token],
                &pats,
            );
            if i == app {
                d.insert("type", "app");
            }
            if agents.contains(&i) {
                let k = agents.iter().position(|a| *a == i).unwrap_or(0);
                // Rocket.Chat allows agents without a display name; conversations-by-agent falls back to the id.
                if k % 3 == 1 {
                    d.remove("name");
                }
                let (status, livechat) = [
                    ("online", "available"),
                    ("away", "available"),
                    ("offline", "available"),
                    ("busy", "available"),
                    ("online", "not-available"),
                    ("offline", "not-available"),
                ][k % 6];
                d.insert("status", status);
                d.insert("statusLivechat", livechat);
                d.insert("livechat", doc! {"maxNumberSimultaneousChat": 5});
            }
            d.insert(
                "lastLogin",
                DateTime::from_millis(p.created_at.max(span.end_ms() - DAY_MS)),
            );
            d
        })
        .collect();
    People {
        edition,
        all,
        docs,
        admin,
        manager,
        monitor,
        plain_user,
        guest,
        agents,
        bots,
        founders,
        pat,
    }
}
