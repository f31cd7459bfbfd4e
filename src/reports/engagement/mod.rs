//! The Engagement Dashboard family (`/api/v1/engagement-dashboard/…`): permission
//! `view-engagement-dashboard`, Meteor-check validation, whole days in the report zone.

pub mod origin;

use bson::{doc, Document};

use crate::app::{get, Endpoint, Family, Param};
use crate::auth::{Permission, ViewEngagementDashboard};
use crate::error::ApiError;
use crate::params::meteor::check_iso_dates;
use crate::params::query::Query;
use crate::params::window::DayWindow;
use crate::params::zone::{zone_param, ReportZone};

pub const PREFIX: &str = "/api/v1/engagement-dashboard";

/// The room types the dashboard counts (Rocket.Chat's `getTypesToShowOnDashboard`).
pub const DASHBOARD_ROOM_TYPES: [&str; 3] = ["c", "p", "d"];

/// `start` and `end`, as every route of the family documents them.
pub const START_END: [Param; 3] = [
    Param {
        name: "start",
        required: true,
        description: "Canonical ISO instant with milliseconds and Z (2024-01-01T00:00:00.000Z)",
    },
    Param {
        name: "end",
        required: true,
        description: "Canonical ISO instant with milliseconds and Z; no end >= start check",
    },
    Param {
        name: "tz",
        required: false,
        description: "Extension: report time zone, IANA name or ±HH:MM (default RCA_TIMEZONE)",
    },
];

pub fn endpoints() -> Vec<Endpoint> {
    let endpoint = |path: &str, summary, params: &[Param], register| Endpoint {
        path: format!("{PREFIX}{path}"),
        family: Family::Engagement,
        summary,
        permission: Some(ViewEngagementDashboard::NAME),
        params: params.to_vec(),
        register,
    };
    vec![endpoint(
        "/messages/origin",
        "Messages sent per room type (c, p, d)",
        &START_END,
        |p| get(p, origin::handler),
    )]
}

/// Parses and checks a `start`/`end` request the way Rocket.Chat does (Meteor `check`), then the `tz`
/// extension, and returns the days it covers.
pub fn start_end_window(raw_query: &str, default_zone: ReportZone) -> Result<DayWindow, ApiError> {
    let query = Query::parse(raw_query)?;
    let [start, end] = check_iso_dates(&query, ["start", "end"])?;
    let zone = zone_param(&query, default_zone)?;
    Ok(DayWindow::from_instants(start, end, zone))
}

/// `$match` for "messages sent" in `[from, to)`: written by people or bots (`t` absent, or `e2e`/`rm`),
/// never edit-history copies (`parent`). Thread replies count. The `ts` range leads, for the `{ts:1}` index.
pub fn messages_sent_match(from: bson::DateTime, to: bson::DateTime) -> Document {
    doc! {
        "ts": {"$gte": from, "$lt": to},
        "$or": [{"t": {"$exists": false}}, {"t": {"$in": ["e2e", "rm"]}}],
        "parent": {"$exists": false},
    }
}

/// Stages that join each group's `_id` (a room id) to its room's type and keep dashboard types only.
/// Only the few grouped rooms are looked up, and only their `t` is read.
pub fn join_dashboard_room_type() -> Vec<Document> {
    vec![
        doc! {"$lookup": {
            "from": crate::store::coll::ROOMS,
            "localField": "_id",
            "foreignField": "_id",
            "pipeline": [{"$project": {"_id": 0, "t": 1}}],
            "as": "room",
        }},
        // Drops messages whose room no longer exists.
        doc! {"$unwind": "$room"},
        doc! {"$match": {"room.t": {"$in": DASHBOARD_ROOM_TYPES.to_vec()}}},
    ]
}
