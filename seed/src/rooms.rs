//! Channels (`c`), private groups (`p`, some end-to-end encrypted), direct messages (`d`, no name) and
//! one VoIP room (`v`). Their documents are written after the messages, with `msgs` and `lm` filled in.

use bson::{doc, DateTime, Document};

use super::docs;
use super::people::People;
use super::rng::{Gen, Part};
use super::{Span, DAY_MS};

const CHANNELS: [&str; 20] = [
    "general",
    "random",
    "announcements",
    "dev",
    "design",
    "support-team",
    "sales-floor",
    "marketing",
    "ops",
    "releases",
    "hr",
    "product",
    "qa",
    "security",
    "data",
    "mobile",
    "frontend",
    "backend",
    "infra",
    "social",
];

pub(crate) struct Room {
    pub(crate) id: String,
    pub(crate) t: &'static str,
    pub(crate) name: String,
    pub(crate) fname: String,
    /// Indexes into `People::all`.
    pub(crate) members: Vec<usize>,
    pub(crate) creator: usize,
    pub(crate) ts: i64,
    pub(crate) encrypted: bool,
    /// How busy the room is, relative to the others.
    pub(crate) weight: f64,
    /// Messages sent (the counted kinds) and the last one's time, filled in while messages are generated.
    pub(crate) msgs: i32,
    pub(crate) lm: Option<i64>,
}

pub(crate) struct Rooms {
    pub(crate) list: Vec<Room>,
    /// Ids of rooms that were deleted: their messages stay in `rocketchat_message`.
    pub(crate) deleted: Vec<String>,
    /// The one VoIP room (index into `list`).
    pub(crate) voip: usize,
}

impl Room {
    pub(crate) fn doc(&self, people: &People) -> Document {
        let ts = DateTime::from_millis(self.ts);
        let mut d = if self.t == "d" {
            let members: Vec<(&str, &str)> = self
                .members
                .iter()
                .map(|m| (people.all[*m].id.as_str(), people.all[*m].username.as_str()))
                .collect();
            docs::direct_room(&self.id, &members, ts)
        } else {
            let mut d = docs::room(&self.id, self.t, &self.name, ts);
            let creator = &people.all[self.creator];
            d.insert("fname", self.fname.as_str());
            d.insert(
                "u",
                doc! {"_id": creator.id.as_str(), "username": creator.username.as_str()},
            );
            d.insert("usersCount", self.members.len() as i32);
            d
        };
        d.insert("msgs", self.msgs);
        if self.name == "general" {
            d.insert("default", true);
        }
        if self.encrypted {
            d.insert("encrypted", true);
        }
        if let Some(lm) = self.lm {
            d.insert("lm", DateTime::from_millis(lm));
            d.insert("_updatedAt", DateTime::from_millis(lm));
        }
        if self.t == "v" {
            d.insert(
                "v",
                doc! {"_id": "visitor-caller-1", "username": "caller-1", "token": "token-caller-1"},
            );
            d.insert("open", false);
            d.insert("callStatus", "ended");
        }
        d
    }
}

/// Rooms for `people`: the number of each type grows with the number of users.
pub(crate) fn generate(seed: u64, span: &Span, people: &People) -> Rooms {
    let mut g = Gen::new(seed, Part::Rooms);
    let chatters: Vec<usize> = (0..people.all.len()).filter(|i| people.all[*i].chats()).collect();
    let n = chatters.len();
    let (channels, groups, directs) = ((n / 12).clamp(6, 60), (n / 25).clamp(4, 40), (n / 4).clamp(8, 300));
    let mut list = Vec::new();
    let before_span = |g: &mut Gen| span.start_ms() - g.range(DAY_MS, 25 * DAY_MS);
    for i in 0..channels {
        let base = CHANNELS[i % CHANNELS.len()];
        let name = if i < CHANNELS.len() {
            base.to_string()
        } else {
            format!("{base}-{}", i / CHANNELS.len() + 1)
        };
        // Some channels show a display name (`fname`) different from their `name`.
        let fname = if i % 4 == 1 {
            format!("{} Team", docs::title_case(&name))
        } else {
            name.clone()
        };
        let creator = *g.pick(&people.founders);
        let mut members = if i == 0 {
            chatters.clone()
        } else {
            sample(&mut g, &chatters, 5, 60)
        };
        if !members.contains(&creator) {
            members.push(creator);
        }
        let weight = if i == 0 { 6.0 } else { 0.5 + 3.5 * g.unit() };
        let ts = before_span(&mut g);
        list.push(room(g.id(), "c", name, fname, members, creator, ts, weight));
    }
    for i in 0..groups {
        let name = format!("private-{}", CHANNELS[(i + 3) % CHANNELS.len()]);
        let name = if i >= CHANNELS.len() {
            format!("{name}-{i}")
        } else {
            name
        };
        let creator = *g.pick(&people.founders);
        let mut members = sample(&mut g, &chatters, 3, 15);
        if !members.contains(&creator) {
            members.push(creator);
        }
        let fname = if i % 3 == 2 {
            format!("{} (private)", docs::title_case(&name))
        } else {
            name.clone()
        };
        let ts = before_span(&mut g);
        let weight = 0.4 + 1.6 * g.unit();
        let mut r = room(g.id(), "p", name, fname, members, creator, ts, weight);
        r.encrypted = i % 3 == 0;
        list.push(r);
    }
    // The admin talks to the plain user directly; other pairs are drawn from the founders.
    let first = (people.admin.min(people.plain_user), people.admin.max(people.plain_user));
    let mut pairs = vec![first];
    let mut seen: std::collections::HashSet<(usize, usize)> = pairs.iter().copied().collect();
    for _ in 0..directs * 20 {
        if pairs.len() >= directs {
            break;
        }
        let (a, b) = (*g.pick(&people.founders), *g.pick(&people.founders));
        if a != b && seen.insert((a.min(b), a.max(b))) {
            pairs.push((a.min(b), a.max(b)));
        }
    }
    for (k, (a, b)) in pairs.into_iter().enumerate() {
        let ts = before_span(&mut g);
        let weight = 0.2 + 0.8 * g.unit();
        let mut r = room(g.id(), "d", String::new(), String::new(), vec![a, b], a, ts, weight);
        r.encrypted = k % 5 == 3;
        list.push(r);
    }
    let voip = list.len();
    let creator = people.agents[0];
    let ts = span.start_ms() + DAY_MS;
    list.push(room(
        g.id(),
        "v",
        "voip-call-1".into(),
        "Call with caller-1".into(),
        vec![creator],
        creator,
        ts,
        0.0,
    ));
    let deleted = vec![g.id(), g.id()];
    Rooms { list, deleted, voip }
}

#[allow(clippy::too_many_arguments)]
fn room(
    id: String,
    t: &'static str,
    name: String,
    fname: String,
    members: Vec<usize>,
    creator: usize,
    ts: i64,
    weight: f64,
) -> Room {
    Room {
        id,
        t,
        name,
        fname,
        members,
        creator,
        ts,
        encrypted: false,
        weight,
        msgs: 0,
        lm: None,
    }
}

/// Between `lo` and `hi` distinct members of `from` (fewer when `from` is smaller).
fn sample(g: &mut Gen, from: &[usize], lo: usize, hi: usize) -> Vec<usize> {
    let mut pool = from.to_vec();
    g.shuffle(&mut pool);
    let n = (g.range(lo as i64, hi as i64 + 1) as usize).min(pool.len());
    pool.truncate(n);
    pool.sort_unstable();
    pool
}
