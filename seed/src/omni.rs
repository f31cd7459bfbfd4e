//! Omnichannel: business units, departments (two of them named "Missing"), department agents, the
//! monitor of a unit, visitors, and conversations (`rocketchat_room`, `t: 'l'`) of every status,
//! source and tag shape, with their messages. The last 7 days hold Rocket.Chat's documented
//! `conversations-by-department` example exactly.

use bson::{doc, Bson, DateTime, Document};
use chrono::{Datelike, Weekday};

use super::docs;
use super::people::People;
use super::rng::{Gen, Part, Weighted};
use super::{Edition, Span, DAY_MS};

/// What `conversations-by-department` must answer for the last 7 days with `sort={"total":1,"_id":-1}`:
/// `data` merged by department name, by count ascending, then name descending (the default sort breaks the
/// TestQueue/TestBH tie by name ascending instead); conversations of deleted departments are in none of the numbers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Example {
    pub data: Vec<(String, u64)>,
    pub total: u64,
    pub unspecified: u64,
    pub deleted: u64,
}

pub(crate) struct Omni {
    pub(crate) departments: Vec<Document>,
    pub(crate) department_agents: Vec<Document>,
    pub(crate) unit_monitors: Vec<Document>,
    pub(crate) visitors: Vec<Document>,
    pub(crate) rooms: Vec<Document>,
    pub(crate) messages: Vec<Document>,
    pub(crate) example: Example,
}

const UNITS: [&str; 2] = ["Americas", "EMEA"];
/// `(name, unit)`. The two "Missing" departments are different departments with the same name.
const DEPARTMENTS: [(&str, Option<usize>); 8] = [
    ("Sales", Some(0)),
    ("Support", Some(1)),
    ("TestQueue", None),
    ("TestBH", None),
    ("Missing", Some(0)),
    ("Missing", None),
    ("Billing", Some(1)),
    ("Onboarding", None),
];
const TEST_QUEUE: usize = 2;
const TEST_BH: usize = 3;
const MISSING_A: usize = 4;
const MISSING_B: usize = 5;

/// Issue 3's example, the conversations of the last 7 days that name a department:
/// 1 TestQueue, 1 TestBH, 10 + 6 in the two "Missing", and 2 + 1 in two deleted departments.
const EXAMPLE: [(Target, usize); 6] = [
    (Target::Department(TEST_QUEUE), 1),
    (Target::Department(TEST_BH), 1),
    (Target::Department(MISSING_A), 10),
    (Target::Department(MISSING_B), 6),
    (Target::Deleted(0), 2),
    (Target::Deleted(1), 1),
];
/// …and the ones without a `departmentId` field.
const EXAMPLE_UNSPECIFIED: usize = 43;

/// Earlier weeks: departments used freely.
const EARLIER: [(Target, f64); 10] = [
    (Target::Department(0), 3.0),
    (Target::Department(1), 3.0),
    (Target::Department(TEST_QUEUE), 0.5),
    (Target::Department(TEST_BH), 0.5),
    (Target::Department(MISSING_A), 0.5),
    (Target::Department(MISSING_B), 0.5),
    (Target::Department(6), 1.0),
    (Target::Department(7), 1.0),
    (Target::Deleted(0), 0.2),
    (Target::None, 3.0),
];

const TAGS: [&str; 6] = ["sales", "billing", "bug", "vip", "feedback", "refund"];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Department(usize),
    /// A `departmentId` whose department was deleted.
    Deleted(usize),
    None,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    /// Open and served by an agent.
    Open,
    Closed,
    /// Open, waiting for an agent (no `servedBy`).
    Queued,
    OnHold,
    /// Closed at once: `metrics.chatDuration: 0`.
    ClosedZero,
}
const STATUSES: [Status; 5] = [
    Status::Open,
    Status::Closed,
    Status::Queued,
    Status::OnHold,
    Status::ClosedZero,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tags {
    Several,
    One,
    Missing,
    Empty,
}
const TAG_SHAPES: [Tags; 4] = [Tags::Several, Tags::One, Tags::Missing, Tags::Empty];

fn source(i: usize) -> Document {
    match i {
        0 => doc! {"type": "widget"},
        1 => doc! {"type": "email", "alias": "support@example.com"},
        2 => doc! {"type": "api"},
        3 => doc! {"type": "app", "alias": "WhatsApp", "id": "whatsapp-app-0001", "label": "WhatsApp"},
        _ => doc! {"type": "sms"},
    }
}
const SOURCE_WEIGHTS: [f64; 5] = [0.5, 0.15, 0.1, 0.15, 0.1];

struct Department {
    id: String,
    name: &'static str,
    unit: Option<usize>,
    agents: Vec<usize>,
}

struct Builder<'a> {
    g: Gen,
    span: Span,
    people: &'a People,
    units: Vec<String>,
    departments: Vec<Department>,
    deleted: Vec<String>,
    budget: u64,
    out: Omni,
}

/// Conversations over the span, with at most `message_budget` messages in them.
/// On Community Edition there are no business units (an enterprise feature): departments stand alone,
/// rooms carry no `departmentAncestors`, and nobody monitors a unit.
pub(crate) fn generate(seed: u64, span: &Span, people: &People, message_budget: u64, edition: Edition) -> Omni {
    let mut g = Gen::new(seed, Part::Omnichannel);
    let units: Vec<String> = UNITS.iter().map(|_| g.id()).collect();
    let n_agents = people.agents.len();
    let departments: Vec<Department> = DEPARTMENTS
        .iter()
        .enumerate()
        .map(|(i, (name, unit))| {
            let mut agents = vec![people.agents[i % n_agents], people.agents[(i + 1) % n_agents]];
            if i < 2 {
                agents.push(people.agents[(i + 3) % n_agents]);
            }
            Department {
                id: g.id(),
                name,
                unit: unit.filter(|_| edition.is_enterprise()),
                agents,
            }
        })
        .collect();
    let deleted = vec![g.id(), g.id()];
    let mut b = Builder {
        g,
        span: *span,
        people,
        units,
        departments,
        deleted,
        budget: message_budget,
        out: Omni {
            departments: vec![],
            department_agents: vec![],
            unit_monitors: vec![],
            visitors: vec![],
            rooms: vec![],
            messages: vec![],
            example: Example::default(),
        },
    };
    b.structure();
    b.earlier_weeks();
    b.last_week();
    b.out
}

impl Builder<'_> {
    fn structure(&mut self) {
        // The monitor's id is drawn in both editions, so that the conversations that follow are the
        // same: on Community Edition the reports then answer what they answer on Enterprise data.
        let monitor_id = self.g.id();
        if self.people.edition.is_enterprise() {
            self.units_and_monitor(monitor_id);
        }
        self.departments_and_agents();
    }

    /// The business units and the monitor who watches the first one (enterprise only).
    fn units_and_monitor(&mut self, monitor_id: String) {
        for (u, name) in UNITS.iter().enumerate() {
            let members = self.departments.iter().filter(|d| d.unit == Some(u)).count() as i32;
            let monitors = i32::from(u == 0);
            self.out
                .departments
                .push(docs::unit(&self.units[u], name, members, monitors));
        }
        // The monitor watches the first unit.
        let monitor = &self.people.all[self.people.monitor];
        self.out.unit_monitors.push(doc! {
            "_id": monitor_id,
            "monitorId": monitor.id.as_str(),
            "unitId": self.units[0].as_str(),
            "username": monitor.username.as_str(),
        });
    }

    fn departments_and_agents(&mut self) {
        for (i, dep) in self.departments.iter().enumerate() {
            let mut d = docs::department(&dep.id, dep.name);
            d.insert("numAgents", dep.agents.len() as i32);
            if let Some(u) = dep.unit {
                d.insert("ancestors", vec![self.units[u].as_str()]);
                d.insert("parentId", self.units[u].as_str());
            }
            if i == TEST_BH {
                d.insert("businessHourId", "business-hour-default");
            }
            self.out.departments.push(d);
            for (order, a) in dep.agents.iter().enumerate() {
                let agent = &self.people.all[*a];
                self.out.department_agents.push(doc! {
                    "_id": self.g.id(),
                    "agentId": agent.id.as_str(),
                    "departmentId": dep.id.as_str(),
                    "username": agent.username.as_str(),
                    "departmentEnabled": true,
                    "count": 0,
                    "order": order as i32,
                });
            }
        }
    }

    /// Before the last 7 days: a few conversations a day, mostly closed.
    fn earlier_weeks(&mut self) {
        let targets = Weighted::new(EARLIER.iter().map(|t| t.1));
        let statuses = Weighted::new([0.05, 0.82, 0.05, 0.04, 0.04]);
        for day in 0..self.span.days - 7 {
            let n = match self.span.date(day).weekday() {
                Weekday::Sat | Weekday::Sun => self.g.range(0, 4),
                _ => self.g.range(3, 10),
            };
            for _ in 0..n {
                let ts = self.span.day_ms(day) + self.g.range(6 * 3_600_000, 22 * 3_600_000);
                let target = EARLIER[targets.sample(&mut self.g)].0;
                let status = STATUSES[statuses.sample(&mut self.g)];
                let src = Weighted::new(SOURCE_WEIGHTS).sample(&mut self.g);
                let tags = TAG_SHAPES[self.g.index(4)];
                self.conversation(ts, target, status, src, tags);
            }
        }
    }

    /// The last 7 days: exactly the example, in shuffled order; the first conversations cover every
    /// status, source and tag shape, the others are drawn.
    fn last_week(&mut self) {
        let mut plan: Vec<Target> = EXAMPLE
            .iter()
            .flat_map(|(t, n)| std::iter::repeat_n(*t, *n))
            .chain(std::iter::repeat_n(Target::None, EXAMPLE_UNSPECIFIED))
            .collect();
        self.g.shuffle(&mut plan);
        let statuses = Weighted::new([0.2, 0.55, 0.1, 0.1, 0.05]);
        let (from, _) = self.span.last_week();
        let mut example = Example::default();
        for (i, target) in plan.into_iter().enumerate() {
            let ts = from + self.g.range(0, 7) * DAY_MS + self.g.range(7 * 3_600_000, 21 * 3_600_000);
            let status = match STATUSES.get(i) {
                Some(s) => *s,
                None => STATUSES[statuses.sample(&mut self.g)],
            };
            let src = if i < 5 {
                i
            } else {
                Weighted::new(SOURCE_WEIGHTS).sample(&mut self.g)
            };
            let tags = TAG_SHAPES[if i < 4 { i } else { self.g.index(4) }];
            self.conversation(ts, target, status, src, tags);
            match target {
                Target::Department(d) => {
                    let name = self.departments[d].name;
                    match example.data.iter_mut().find(|(l, _)| l == name) {
                        Some((_, n)) => *n += 1,
                        None => example.data.push((name.to_string(), 1)),
                    }
                    example.total += 1;
                }
                Target::Deleted(_) => example.deleted += 1,
                Target::None => example.unspecified += 1,
            }
        }
        // The order of `sort={"total":1,"_id":-1}`, the sort that gives Rocket.Chat's example byte for byte.
        example.data.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)));
        self.out.example = example;
    }

    fn conversation(&mut self, ts: i64, target: Target, status: Status, src: usize, tags: Tags) {
        let ts = self.span.live(ts);
        let visitor = format!("guest-{}", self.out.rooms.len() + 1);
        let id = self.g.id();
        let mut room = docs::livechat_room(&id, DateTime::from_millis(ts), &visitor);
        let visitor_id = format!("visitor-{visitor}");
        let mut agents: Vec<usize> = self.people.agents.clone();
        match target {
            Target::Department(d) => {
                let dep = &self.departments[d];
                room.insert("departmentId", dep.id.as_str());
                if let Some(u) = dep.unit {
                    room.insert("departmentAncestors", vec![self.units[u].as_str()]);
                }
                agents = dep.agents.clone();
            }
            Target::Deleted(k) => {
                room.insert("departmentId", self.deleted[k].as_str());
            }
            Target::None => {}
        }
        room.insert("source", source(src));
        match tags {
            Tags::Several => {
                let mut t: Vec<&str> = TAGS.to_vec();
                self.g.shuffle(&mut t);
                t.truncate(self.g.range(2, 4) as usize);
                room.insert("tags", t);
            }
            Tags::One => {
                room.insert("tags", vec![*self.g.pick(&TAGS)]);
            }
            Tags::Missing => {}
            Tags::Empty => {
                room.insert("tags", Bson::Array(vec![]));
            }
        }
        let mut visitor_doc = doc! {
            "_id": visitor_id.as_str(),
            "username": visitor.as_str(),
            "name": docs::title_case(&visitor),
            "token": format!("token-{visitor}"),
            "status": "offline",
            "ts": DateTime::from_millis(ts),
            "_updatedAt": DateTime::from_millis(ts),
        };
        if let Ok(dep) = room.get_str("departmentId") {
            visitor_doc.insert("department", dep.to_string());
        }
        self.out.visitors.push(visitor_doc);

        let end = self.span.live(self.span.end_ms() - 1);
        let served = status != Status::Queued;
        let agent = &self.people.all[*self.g.pick(&agents)];
        let served_at = if status == Status::ClosedZero {
            ts
        } else {
            (ts + self.g.range(5_000, 120_000)).min(end)
        };
        if served {
            room.insert(
                "servedBy",
                doc! {"_id": agent.id.as_str(), "username": agent.username.as_str(), "ts": DateTime::from_millis(served_at)},
            );
            // An agent took it: Rocket.Chat unsets `waitingResponse` once the agent answers.
            room.remove("waitingResponse");
        }

        // Messages: the visitor opens, the agent (once serving) and the visitor alternate.
        let wanted = if status == Status::ClosedZero {
            0
        } else {
            self.g.range(2, 11) as u64
        };
        let mut n = wanted.min(self.budget);
        let closes = matches!(status, Status::Closed) && n >= 2;
        if closes {
            n -= 1;
        }
        let (mut at, mut msgs, mut first_response, mut last_agent) = (ts + 2_000, 0, None, None);
        for k in 0..n {
            if at > end {
                break;
            }
            let from_agent = served && k % 2 == 1;
            let mid = self.g.id();
            let text = [
                "Hello, I need help with my order",
                "Thanks!",
                "Let me check that for you",
                "Is it fixed?",
            ][self.g.index(4)];
            let d = if from_agent {
                at = at.max(served_at + 1_000);
                first_response.get_or_insert(at);
                last_agent = Some(at);
                docs::message(&mid, &id, DateTime::from_millis(at), &agent.id, &agent.username, text)
            } else {
                let mut d = docs::message(&mid, &id, DateTime::from_millis(at), &visitor_id, &visitor, text);
                d.insert("token", format!("token-{visitor}"));
                d
            };
            self.out.messages.push(d);
            msgs += 1;
            room.insert("lm", DateTime::from_millis(at));
            at += self.g.range(15_000, 180_000);
        }
        self.budget -= msgs;
        room.insert("msgs", msgs as i32);

        let mut metrics = doc! {"v": {"lq": DateTime::from_millis(ts)}};
        if served {
            let reaction = (served_at - ts) as f64 / 1000.0;
            metrics.insert(
                "reaction",
                doc! {"fd": DateTime::from_millis(served_at), "ft": reaction, "tt": reaction},
            );
            if let (Some(first), Some(last)) = (first_response, last_agent) {
                let ft = (first - ts) as f64 / 1000.0;
                metrics.insert(
                    "response",
                    doc! {"avg": ft, "fd": DateTime::from_millis(first), "ft": ft, "total": 1, "tt": ft},
                );
                room.insert(
                    "responseBy",
                    doc! {
                        "_id": agent.id.as_str(),
                        "username": agent.username.as_str(),
                        "firstResponseTs": DateTime::from_millis(first),
                        "lastMessageTs": DateTime::from_millis(last),
                    },
                );
            }
        }
        match status {
            Status::Open | Status::Queued => {}
            Status::OnHold => {
                room.insert("onHold", true);
            }
            Status::Closed | Status::ClosedZero => {
                let closed_at = if status == Status::ClosedZero {
                    ts
                } else {
                    (at + self.g.range(30_000, 600_000)).min(end)
                };
                room.remove("open");
                room.remove("waitingResponse");
                room.insert("closedAt", DateTime::from_millis(closed_at));
                room.insert(
                    "closedBy",
                    doc! {"_id": agent.id.as_str(), "username": agent.username.as_str()},
                );
                room.insert("closer", if self.g.chance(0.7) { "user" } else { "visitor" });
                let duration = (closed_at - ts) as f64 / 1000.0;
                metrics.insert("chatDuration", duration);
                metrics.insert(
                    "serviceTimeDuration",
                    ((closed_at - served_at) as f64 / 1000.0).max(0.0),
                );
                metrics.insert("visitorInactivity", self.g.range(0, 600) as f64);
                room.insert("_updatedAt", DateTime::from_millis(closed_at));
                if closes {
                    let mut d = docs::message(
                        &self.g.id(),
                        &id,
                        DateTime::from_millis(closed_at),
                        &agent.id,
                        &agent.username,
                        "Closed by agent",
                    );
                    d.insert("t", "livechat-close");
                    self.out.messages.push(d);
                    self.budget -= 1;
                }
            }
        }
        room.insert("metrics", metrics);
        self.out.rooms.push(room);
    }
}
