//! The workspace series: Prometheus families in a registry of their own, set by each round of the background
//! task and rendered once per round; a scrape appends that text (`Metrics::set_appended`), so that its cost
//! does not depend on them. docs/monitoring.md lists them with their labels and cardinality.

use std::collections::{BTreeMap, BTreeSet};

use prometheus::{IntCounterVec, IntGaugeVec, Opts, Registry};

use super::members::{INACTIVE_DAYS, WINDOWS};
use super::rooms::{Channels, CHANNEL_TYPES, IDLE_DAYS, STATUSES};
use crate::rollup::rooms::DASHBOARD_ROOM_TYPES;

pub(crate) struct Series {
    registry: Registry,
    messages_sent: IntCounterVec,
    active_users: IntGaugeVec,
    new_users: IntGaugeVec,
    members: IntGaugeVec,
    members_inactive: IntGaugeVec,
    rooms: IntGaugeVec,
    channels_idle: IntGaugeVec,
    channels_never_used: IntGaugeVec,
    conversations: IntGaugeVec,
    /// The department labels of [`Self::conversations`]' last call.
    departments: BTreeSet<String>,
    updated: IntGaugeVec,
}

impl Series {
    /// The families, none with a series until a round sets it.
    pub(crate) fn new() -> Self {
        let registry = Registry::new_custom(Some("rca".into()), None).expect("valid prefix");
        let gauge = |name: &str, help: &str, labels: &[&str]| {
            let family = IntGaugeVec::new(Opts::new(name, help), labels).expect("valid metric");
            registry.register(Box::new(family.clone())).expect("unique metric");
            family
        };
        let messages_sent = IntCounterVec::new(
            Opts::new(
                "workspace_messages_sent_total",
                "Messages sent by room type (c, p, d), counted from the rollup as its watermark passes them",
            ),
            &["room_type"],
        )
        .expect("valid metric");
        registry
            .register(Box::new(messages_sent.clone()))
            .expect("unique metric");
        Self {
            messages_sent,
            active_users: gauge(
                "workspace_active_users",
                "Distinct users with a daily session roll-up in the last 1, 7, 30 complete days (DAU, WAU, MAU of yesterday)",
                &["days"],
            ),
            new_users: gauge(
                "workspace_new_users",
                "Users created in the last 1, 7, 30 days, today included (not anonymous)",
                &["days"],
            ),
            members: gauge(
                "workspace_members",
                "Members: user accounts of type user, deactivated ones included",
                &[],
            ),
            members_inactive: gauge(
                "workspace_members_inactive",
                "Members with no login and no message sent in the last 30, 90 days, today included",
                &["days"],
            ),
            rooms: gauge("workspace_rooms", "Rooms by type (c, p, d)", &["room_type"]),
            channels_idle: gauge(
                "workspace_channels_idle",
                "Channels (c, p) whose last message, or creation when none, is more than 30, 90 days old",
                &["room_type", "days"],
            ),
            channels_never_used: gauge(
                "workspace_channels_never_used",
                "Channels (c, p) without any message",
                &["room_type"],
            ),
            conversations: gauge(
                "workspace_omnichannel_conversations",
                "Open omnichannel conversations by status (open, queued, on_hold) and department (the 10 largest, (other), (none))",
                &["status", "department"],
            ),
            departments: BTreeSet::new(),
            updated: gauge(
                "workspace_updated_timestamp_seconds",
                "When every workspace series was last computed (Unix time)",
                &[],
            ),
            registry,
        }
    }

    /// Every series set so far, in the text exposition format.
    pub(crate) fn text(&self) -> String {
        crate::metrics::encode(&self.registry)
    }

    /// Adds messages sent per [`DASHBOARD_ROOM_TYPES`].
    pub(crate) fn messages_sent(&self, by_type: [u64; 3]) {
        for (t, n) in DASHBOARD_ROOM_TYPES.iter().zip(by_type) {
            self.messages_sent.with_label_values(&[t]).inc_by(n);
        }
    }

    /// The active users of [`WINDOWS`].
    pub(crate) fn active_users(&self, counts: [i64; 3]) {
        per_days(&self.active_users, &WINDOWS, &counts);
    }

    /// The new users of [`WINDOWS`].
    pub(crate) fn new_users(&self, counts: [i64; 3]) {
        per_days(&self.new_users, &WINDOWS, &counts);
    }

    /// The members, and those inactive for [`INACTIVE_DAYS`].
    pub(crate) fn members(&self, members: i64, inactive: [i64; 2]) {
        self.members.with_label_values::<&str>(&[]).set(members);
        per_days(&self.members_inactive, &INACTIVE_DAYS, &inactive);
    }

    /// The channels per [`CHANNEL_TYPES`], and the direct rooms.
    pub(crate) fn rooms(&self, channels: [Channels; 2], direct: i64) {
        for (t, c) in CHANNEL_TYPES.iter().zip(channels) {
            self.rooms.with_label_values(&[t]).set(c.rooms);
            for (days, n) in IDLE_DAYS.iter().zip(c.idle) {
                self.channels_idle
                    .with_label_values(&[*t, days.to_string().as_str()])
                    .set(n);
            }
            self.channels_never_used.with_label_values(&[t]).set(c.never_used);
        }
        self.rooms.with_label_values(&["d"]).set(direct);
    }

    /// The open conversations per department label and [`STATUSES`]; the departments of the round before
    /// that are not in `by_department` lose their series.
    pub(crate) fn conversations(&mut self, by_department: BTreeMap<String, [i64; 3]>) {
        for (department, counts) in &by_department {
            for (state, n) in STATUSES.iter().zip(counts) {
                self.conversations
                    .with_label_values(&[*state, department.as_str()])
                    .set(*n);
            }
        }
        let labels: BTreeSet<String> = by_department.into_keys().collect();
        for gone in self.departments.difference(&labels) {
            for state in STATUSES {
                let _ = self.conversations.remove_label_values(&[state, gone.as_str()]);
            }
        }
        self.departments = labels;
    }

    /// When every series was last computed.
    pub(crate) fn updated(&self, unix_seconds: i64) {
        self.updated.with_label_values::<&str>(&[]).set(unix_seconds);
    }
}

/// Sets `family{days=…}` for each of `days`.
fn per_days(family: &IntGaugeVec, days: &[i64], counts: &[i64]) {
    for (d, n) in days.iter().zip(counts) {
        family.with_label_values(&[&d.to_string()]).set(*n);
    }
}
