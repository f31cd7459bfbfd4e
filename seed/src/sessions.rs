//! Engagement-dashboard sessions (`rocketchat_sessions`): per day and user, computed sessions
//! (`type: 'computed-session'`) and the daily roll-up (`type: 'user_daily'`), as Rocket.Chat's
//! SAUMonitor jobs leave them; anonymous users have sessions too.

use bson::{doc, Bson, DateTime, Document};
use chrono::{Datelike, Weekday};

use super::people::People;
use super::rng::{Gen, Part, Weighted};
use super::{Span, DAY_MS};

/// `(type, name, longVersion, version, os name, os version)`.
const DEVICES: [(&str, &str, &str, &str, &str, &str); 6] = [
    ("browser", "Chrome", "120.0.6099.109", "120.0.6099", "Windows", "10"),
    ("browser", "Firefox", "121.0", "121.0", "Linux", "x86_64"),
    ("browser", "Safari", "17.2", "17.2", "Mac OS", "10.15.7"),
    ("mobile-app", "RC Mobile", "4.45.0", "4.45.0", "iOS", "17.2"),
    ("mobile-app", "RC Mobile", "4.45.0", "4.45.0", "Android", "14"),
    ("desktop-app", "Electron", "3.9.11", "3.9.11", "Mac OS", "14.2"),
];

/// Logins per UTC hour.
const LOGINS: [f64; 24] = [
    0.1, 0.05, 0.05, 0.05, 0.1, 0.3, 0.8, 2.0, 3.0, 2.5, 1.5, 1.0, 1.2, 1.5, 1.0, 0.8, 0.6, 0.5, 0.4, 0.4, 0.4, 0.3,
    0.2, 0.1,
];

pub(crate) struct Sessions<'a> {
    g: Gen,
    span: Span,
    people: &'a People,
    instances: [String; 2],
    hours: Weighted,
}

fn device(i: usize) -> Document {
    let (t, name, long, version, os, os_version) = DEVICES[i];
    doc! {"type": t, "name": name, "longVersion": long, "os": {"name": os, "version": os_version}, "version": version}
}

impl<'a> Sessions<'a> {
    pub(crate) fn new(seed: u64, span: &Span, people: &'a People) -> Self {
        let mut g = Gen::new(seed, Part::Sessions);
        let instances = [g.id(), g.id()];
        Self {
            g,
            span: *span,
            people,
            instances,
            hours: Weighted::new(LOGINS),
        }
    }

    /// The sessions of day `day` and their roll-ups.
    pub(crate) fn day(&mut self, day: u32) -> Vec<Document> {
        let start = self.span.day_ms(day);
        let end = start + DAY_MS;
        let date = self.span.date(day);
        let (year, month, dom) = (date.year(), date.month() as i32, date.day() as i32);
        let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
        // The nightly job computes a day's sessions at 02:00 the next day (in a live workspace, at the
        // latest now: the dashboard shows the days that have not been computed yet too).
        let computed_at = DateTime::from_millis(self.span.not_after_now(end + 2 * 3_600_000));
        let mut out = Vec::new();
        for (u, person) in self.people.all.iter().enumerate() {
            if person.has("bot") || person.has("app") || person.created_at >= end {
                continue;
            }
            let p = if u == self.people.admin {
                0.9
            } else if person.has("anonymous") || person.has("guest") {
                0.3
            } else if weekend {
                0.2
            } else {
                0.6
            };
            if !self.g.chance(p) {
                continue;
            }
            let role = person.most_important_role();
            // Per device: (sessions, seconds).
            let mut devices: Vec<(usize, i32, i64)> = Vec::new();
            for _ in 0..self.g.range(1, 4) {
                // Both instants are drawn over the whole day, then moved into a live last day once each
                // (`Span::live` keeps their order), so that no session closes before it opens.
                let drawn = start + self.hours.sample(&mut self.g) as i64 * 3_600_000 + self.g.range(0, 3_600_000);
                let drawn_last = (drawn + self.g.range(5 * 60_000, 6 * 3_600_000)).min(end - 1);
                let login = self.span.live(drawn).max(person.created_at);
                let last = self.span.live(drawn_last).max(login);
                let dev = if self.g.chance(0.7) {
                    u % DEVICES.len()
                } else {
                    self.g.index(DEVICES.len())
                };
                let mut d = doc! {
                    "_id": self.g.id(),
                    "type": "computed-session",
                    "sessionId": self.g.id(),
                    "instanceId": self.instances[self.g.index(2)].as_str(),
                    "userId": person.id.as_str(),
                    "roles": person.roles.clone(),
                    "mostImportantRole": role,
                    "ip": format!("10.0.{}.{}", u / 250, u % 250 + 1),
                    "host": "chat.example.com",
                    "loginAt": DateTime::from_millis(login),
                    "lastActivityAt": DateTime::from_millis(last),
                };
                // A few sessions were never closed (the server went away); none in the last two days of a
                // live workspace: an open session counts as present in every later hour of its login day,
                // and in a zone west of UTC yesterday's UTC logins fall on the local today.
                if self.g.chance(0.95) || self.span.is_recent(day) {
                    d.insert("closedAt", DateTime::from_millis(last));
                }
                d.insert("year", year);
                d.insert("month", month);
                d.insert("day", dom);
                d.insert("device", device(dev));
                d.insert("createdAt", DateTime::from_millis(login));
                d.insert("_updatedAt", DateTime::from_millis(last));
                d.insert("_computedAt", computed_at);
                out.push(d);
                let secs = (last - login) / 1000;
                match devices.iter_mut().find(|(i, _, _)| *i == dev) {
                    Some(entry) => {
                        entry.1 += 1;
                        entry.2 += secs;
                    }
                    None => devices.push((dev, 1, secs)),
                }
            }
            devices.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
            let time: i64 = devices.iter().map(|d| d.2).sum();
            let sessions: i32 = devices.iter().map(|d| d.1).sum();
            out.push(doc! {
                "_id": format!("{}-{year}-{month}-{dom}", person.id),
                "type": "user_daily",
                "_computedAt": computed_at,
                "day": dom,
                "month": month,
                "year": year,
                "userId": person.id.as_str(),
                "mostImportantRole": role,
                "time": time,
                "sessions": sessions,
                "devices": devices
                    .iter()
                    .map(|(dev, n, secs)| Bson::Document(doc! {"sessions": n, "time": secs, "device": device(*dev)}))
                    .collect::<Vec<_>>(),
            });
        }
        out
    }
}
