//! The quiet corners of a workspace, for the insights (members, channel health): members who never logged
//! in (recent hires, signed up over the last weeks), members who log in but never post, members who stopped
//! posting months ago (one of them deactivated since), channels idle for months, an archived group, an
//! empty channel, one-member channels and a discussion nobody used. The people of `people.rs` post and log
//! in every week; these do not, so that "inactive for 90 days", "never posted" and "idle" have rows.
//!
//! Their messages lie months before the span (so the last week's counts stay those of `messages.rs`) and are
//! taken out of the message budget by the caller.

use bson::{doc, DateTime, Document};

use super::docs;
use super::people::People;
use super::rng::{Gen, Part};
use super::{Span, DAY_MS};

pub(crate) struct Quiet {
    pub(crate) users: Vec<Document>,
    pub(crate) rooms: Vec<Document>,
    pub(crate) messages: Vec<Document>,
}

/// `(username, days before the span's end it signed up, days before the end it last logged in)`.
const NEVER_LOGGED_IN: [(&str, i64); 4] = [
    ("new.hire1", 3),
    ("new.hire2", 10),
    ("new.hire3", 17),
    ("new.hire4", 24),
];
const LURKERS: [(&str, i64); 2] = [("lurker.one", 2), ("lurker.two", 40)];
/// Stopped posting about 100 to 140 days before the end.
const FORMER: [&str; 3] = ["former.one", "former.two", "left.company"];

pub(crate) fn generate(seed: u64, span: &Span, people: &People) -> Quiet {
    let mut g = Gen::new(seed, Part::Quiet);
    let end = span.end_ms();
    let long_ago = end - 200 * DAY_MS;
    let admin = &people.all[people.admin];
    let mut users = Vec::new();
    let mut user = |g: &mut Gen, username: &str, created: i64, last_login: Option<i64>, active: bool| {
        let id = g.id();
        let mut d = docs::user(
            &id,
            username,
            &["user"],
            DateTime::from_millis(created),
            &[&g.secret()],
            &[],
        );
        if let Some(t) = last_login {
            d.insert("lastLogin", DateTime::from_millis(t));
        }
        d.insert("active", active);
        users.push(d);
        id
    };
    for (name, days) in NEVER_LOGGED_IN {
        user(&mut g, name, span.live(end - days * DAY_MS - 9 * 3_600_000), None, true);
    }
    for (name, days) in LURKERS {
        user(&mut g, name, long_ago, Some(end - days * DAY_MS - 5 * 3_600_000), true);
    }
    let former: Vec<(String, &str)> = FORMER
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let last = end - (100 + 20 * i as i64) * DAY_MS;
            (user(&mut g, name, long_ago, Some(last), *name != "left.company"), *name)
        })
        .collect();

    let room = |id: &str, t: &str, name: &str, members: i32, lm: Option<i64>| {
        let mut d = docs::room(id, t, name, DateTime::from_millis(long_ago));
        d.insert(
            "u",
            doc! {"_id": admin.id.as_str(), "username": admin.username.as_str()},
        );
        d.insert("usersCount", members);
        if let Some(t) = lm {
            d.insert("lm", DateTime::from_millis(t));
            d.insert("_updatedAt", DateTime::from_millis(t));
        }
        d
    };
    // The former members' project channel: their messages, every few days, until each stopped.
    let mut messages = Vec::new();
    let mut lm = long_ago;
    for (k, (id, name)) in former.iter().enumerate() {
        let stop = end - (100 + 20 * k as i64) * DAY_MS;
        let mut t = long_ago + (k as i64 + 1) * 3_600_000;
        while t < stop {
            let mid = format!("quiet-{}-{}", k, messages.len());
            messages.push(docs::message(
                &mid,
                "old-project",
                DateTime::from_millis(t),
                id,
                name,
                "Status update",
            ));
            lm = lm.max(t);
            t += 4 * DAY_MS + g.range(0, DAY_MS);
        }
    }
    // One last message each in the archived group and the one-member notes.
    let (archived_lm, solo_lm) = (end - 160 * DAY_MS, end - 70 * DAY_MS);
    for (rid, t, text) in [
        ("archive-2023", archived_lm, "Archiving this group"),
        ("solo-notes", solo_lm, "Notes to self"),
    ] {
        let mid = format!("quiet-{rid}");
        messages.push(docs::message(
            &mid,
            rid,
            DateTime::from_millis(t),
            &admin.id,
            &admin.username,
            text,
        ));
    }
    let mut archived = room("archive-2023", "p", "archive-2023", 4, Some(archived_lm));
    archived.insert("archived", true);
    archived.insert("ro", true);
    let mut discussion = room("quiet-discussion", "p", "quiet-discussion", 2, None);
    discussion.insert("fname", "Offsite ideas");
    discussion.insert("prid", "old-project");
    let rooms = vec![
        room("old-project", "c", "old-project", 5, Some(lm)),
        archived,
        room("empty-channel", "c", "empty-channel", 0, None),
        room("solo-notes", "p", "solo-notes", 1, Some(solo_lm)),
        room("lonely", "c", "lonely", 1, None),
        discussion,
    ];
    Quiet { users, rooms, messages }
}
