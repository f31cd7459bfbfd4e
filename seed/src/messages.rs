//! The message stream of the non-omnichannel rooms, day by day: user messages, thread replies,
//! system messages, edit-history copies, end-to-end encrypted and deleted (`rm`) messages, bot
//! messages, messages in rooms that no longer exist and a few in the VoIP room. While writing it
//! counts, independently of the service, what `messages/origin` must answer for the page's "Last 7
//! days" (`Span::page_week`; the definition of "messages sent" in docs/api.md, "How it differs from
//! Rocket.Chat").

use std::collections::VecDeque;

use bson::{doc, Bson, DateTime, Document};
use chrono::{Datelike, Weekday};

use super::docs;
use super::people::People;
use super::rng::{apportion, Gen, Part, Weighted};
use super::rooms::Rooms;
use super::Span;

/// Expected `messages/origin` counts per dashboard room type.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Origin {
    pub c: u64,
    pub p: u64,
    pub d: u64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Normal,
    Reply,
    System,
    History,
    E2e,
    Removed,
    Bot,
    /// In a room that no longer exists.
    Orphan,
    Voip,
}

/// Share of each kind (the rest are normal messages).
const KINDS: [(Kind, f64); 8] = [
    (Kind::Reply, 0.10),
    (Kind::System, 0.04),
    (Kind::History, 0.03),
    (Kind::E2e, 0.025),
    (Kind::Removed, 0.01),
    (Kind::Bot, 0.04),
    (Kind::Orphan, 0.004),
    (Kind::Voip, 0.001),
];

/// Relative activity per UTC hour: quiet nights, a morning and an afternoon peak.
const HOURLY: [f64; 24] = [
    0.1, 0.05, 0.05, 0.05, 0.1, 0.2, 0.4, 0.8, 1.5, 2.2, 2.5, 2.3, 1.8, 2.0, 2.4, 2.3, 2.0, 1.5, 1.0, 0.7, 0.5, 0.4,
    0.3, 0.2,
];

const PHRASES: [&str; 24] = [
    "Good morning everyone",
    "Can someone review my PR?",
    "The build is green again",
    "Lunch in 10?",
    "I pushed a fix for the login issue",
    "Meeting moved to 3pm",
    "Thanks, that worked!",
    "Who owns the billing service?",
    "Deploying to staging now",
    "Let's discuss this in the retro",
    "The customer confirmed the bug",
    "I'll be out tomorrow",
    "Docs are updated",
    "Great job on the release",
    "Can we get numbers for last week?",
    "Looking into it",
    "That is expected behaviour",
    "Here is the link to the design",
    "Please update the ticket",
    "Sounds good to me",
    "Any blockers?",
    "The dashboard looks right now",
    "I need access to the repo",
    "See you at the all-hands",
];

/// Recent root messages of a room: `(id, ts, author)`.
type Recent = VecDeque<(String, i64, usize)>;

pub(crate) struct Stream<'a> {
    g: Gen,
    span: Span,
    people: &'a People,
    rooms: &'a mut Rooms,
    any: Weighted,
    /// `c` and `p` rooms (system messages).
    channels: Vec<usize>,
    channel_weights: Weighted,
    public: Vec<usize>,
    encrypted: Vec<usize>,
    hours: Weighted,
    recent: Vec<Recent>,
    origin: Origin,
}

impl<'a> Stream<'a> {
    pub(crate) fn new(seed: u64, span: &Span, people: &'a People, rooms: &'a mut Rooms) -> Self {
        let list = &rooms.list;
        let dashboard = |t: &str| ["c", "p", "d"].contains(&t);
        let any = Weighted::new(list.iter().map(|r| if dashboard(r.t) { r.weight } else { 0.0 }));
        let channels: Vec<usize> = (0..list.len()).filter(|i| ["c", "p"].contains(&list[*i].t)).collect();
        let channel_weights = Weighted::new(channels.iter().map(|i| list[*i].weight));
        let public = (0..list.len()).filter(|i| list[*i].t == "c").collect();
        let encrypted = (0..list.len()).filter(|i| list[*i].encrypted).collect();
        Self {
            g: Gen::new(seed, Part::Messages),
            span: *span,
            people,
            any,
            channels,
            channel_weights,
            public,
            encrypted,
            hours: Weighted::new(HOURLY),
            recent: vec![Recent::new(); list.len()],
            origin: Origin::default(),
            rooms,
        }
    }

    /// Splits `total` over the days: weekdays busier than weekends, a slow growth, some noise.
    pub(crate) fn per_day(&mut self, total: u64) -> Vec<u64> {
        let days = self.span.days;
        let weights: Vec<f64> = (0..days)
            .map(|i| {
                let weekday = match self.span.date(i).weekday() {
                    Weekday::Sat => 0.35,
                    Weekday::Sun => 0.25,
                    _ => 1.0,
                };
                let growth = 0.8 + 0.4 * f64::from(i) / f64::from(days);
                weekday * growth * (0.85 + 0.3 * self.g.unit())
            })
            .collect();
        apportion(total, &weights)
    }

    /// `n` messages on day `day`, in time order.
    pub(crate) fn day(&mut self, day: u32, n: u64) -> Vec<Document> {
        let start = self.span.day_ms(day);
        let mut times: Vec<i64> = (0..n)
            .map(|_| {
                let t = start + self.hours.sample(&mut self.g) as i64 * 3_600_000 + self.g.range(0, 3_600_000);
                self.span.live(t)
            })
            .collect();
        times.sort_unstable();
        times.into_iter().map(|ts| self.message(ts)).collect()
    }

    pub(crate) fn origin(&self) -> Origin {
        self.origin
    }

    fn kind(&mut self) -> Kind {
        let mut x = self.g.unit();
        for (kind, share) in KINDS {
            if x < share {
                return kind;
            }
            x -= share;
        }
        Kind::Normal
    }

    fn message(&mut self, ts: i64) -> Document {
        let mut kind = self.kind();
        let room = match kind {
            Kind::System => self.channels[self.channel_weights.sample(&mut self.g)],
            Kind::Bot => *self.g.pick(&self.public),
            Kind::E2e if !self.encrypted.is_empty() => *self.g.pick(&self.encrypted),
            Kind::Voip => self.rooms.voip,
            _ => self.any.sample(&mut self.g),
        };
        if matches!(kind, Kind::Reply | Kind::History) && self.recent[room].is_empty()
            || kind == Kind::E2e && !self.rooms.list[room].encrypted
        {
            kind = Kind::Normal;
        }
        let id = self.g.id();
        let text = *self.g.pick(&PHRASES);
        let author = self.author(room, ts);
        let rid = match kind {
            Kind::Orphan => self.g.pick(&self.rooms.deleted).clone(),
            _ => self.rooms.list[room].id.clone(),
        };
        let mut d = self.by(&id, &rid, ts, author, text);
        match kind {
            Kind::Normal | Kind::Orphan | Kind::Voip => {}
            Kind::Reply => {
                let (root, _, _) = self.recent_of(room);
                d.insert("tmid", root);
                d.insert("tshow", false);
            }
            Kind::System => {
                let (t, msg) = match self.g.index(10) {
                    0..=3 => ("uj", self.people.all[author].username.clone()),
                    4..=5 => ("ul", self.people.all[author].username.clone()),
                    6..=7 => {
                        let member = *self.g.pick(&self.rooms.list[room].members);
                        ("au", self.people.all[member].username.clone())
                    }
                    8 => {
                        let member = *self.g.pick(&self.rooms.list[room].members);
                        ("ru", self.people.all[member].username.clone())
                    }
                    _ => ("r", format!("{}-renamed", self.rooms.list[room].name)),
                };
                system(&mut d, t, &msg);
            }
            Kind::History => {
                // Message_KeepHistory: the edited message's previous version, stored as a hidden copy
                // with the original `ts` and a `parent` pointing at the message.
                let (parent, original_ts, original_author) = self.recent_of(room);
                d = self.by(&id, &rid, original_ts, original_author, text);
                d.insert("_hidden", true);
                d.insert("parent", parent);
                d.insert("editedAt", DateTime::from_millis(ts));
                let editor = &self.people.all[original_author];
                d.insert(
                    "editedBy",
                    doc! {"_id": editor.id.as_str(), "username": editor.username.as_str()},
                );
            }
            Kind::E2e => {
                let cipher: String = (0..4).map(|_| self.g.secret()).collect();
                system(&mut d, "e2e", &format!("{}{cipher}", &id[..12]));
                d.insert("e2e", "done");
            }
            Kind::Removed => system(&mut d, "rm", ""),
            Kind::Bot => {
                let bot = &self.people.all[*self.g.pick(&self.people.bots)];
                d = docs::message(&id, &rid, DateTime::from_millis(ts), &bot.id, &bot.username, text);
                d.insert("bot", doc! {"i": format!("{}-integration", bot.username)});
            }
        }
        let counted = matches!(kind, Kind::Normal | Kind::Reply | Kind::E2e | Kind::Removed | Kind::Bot);
        if matches!(kind, Kind::Normal | Kind::Bot) {
            let recent = &mut self.recent[room];
            recent.push_back((id, ts, author));
            if recent.len() > 8 {
                recent.pop_front();
            }
        }
        if counted {
            let r = &mut self.rooms.list[room];
            r.msgs += 1;
            r.lm = Some(ts);
            let (from, to) = self.span.page_week();
            if (from..to).contains(&ts) {
                match r.t {
                    "c" => self.origin.c += 1,
                    "p" => self.origin.p += 1,
                    "d" => self.origin.d += 1,
                    _ => {}
                }
            }
        }
        d
    }

    fn by(&self, id: &str, rid: &str, ts: i64, author: usize, text: &str) -> Document {
        let a = &self.people.all[author];
        docs::message(id, rid, DateTime::from_millis(ts), &a.id, &a.username, text)
    }

    fn recent_of(&mut self, room: usize) -> (String, i64, usize) {
        let recent = &self.recent[room];
        let i = self.g.index(recent.len());
        self.recent[room][i].clone()
    }

    /// A member of the room who had registered by `ts` (else the room's creator).
    fn author(&mut self, room: usize, ts: i64) -> usize {
        let r = &self.rooms.list[room];
        let m = *self.g.pick(&r.members);
        if self.people.all[m].created_at <= ts {
            m
        } else {
            r.creator
        }
    }
}

/// Turns a message into a typed one: `t`, text, no markdown.
fn system(d: &mut Document, t: &str, msg: &str) {
    d.insert("t", t);
    d.insert("msg", msg);
    d.insert("md", Bson::Array(vec![]));
    d.insert("groupable", false);
}
