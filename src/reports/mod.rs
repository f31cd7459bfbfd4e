//! Every report, one shape: a type that implements [`Report`] — its path, summary and parameters, the
//! family that gives its prefix and permission, a typed request that parses and validates itself (and
//! whose `Debug` form is its cache key), the query it runs, and a typed body (`#[derive(Serialize,
//! JsonSchema, GetSize)]`: serde keeps field order, which is Rocket.Chat's key order; `GetSize` weighs it in
//! the result cache, its string fields through `state::cache::held`). One generic `handler` serves
//! them all, and `endpoints` lists them: the router, the guard, the OpenAPI document (the body's schema
//! is derived from its type), the metric labels and the proxy checks all derive from that list.
//!
//! Adding a report: write a module with a `Report` impl (pure pipeline builder and shaping, with unit
//! tests) and its body type, and add one line `endpoint::<module::Type>()` to `endpoints`.

pub(crate) mod csv;
pub mod engagement;
pub(crate) mod omnichannel;

use std::fmt::Debug;
use std::future::Future;

use actix_web::{HttpRequest, HttpResponse};
use bson::{Bson, Document};
use get_size2::GetSize;
use schemars::JsonSchema;
use serde::Serialize;

use crate::auth::{AuthUser, Authorized, Permission, Shown};
use crate::error::{json_bytes, success, ApiError};
use crate::params::format::Format;
use crate::registry::{get, Endpoint, Family, Param};
use crate::state::cache::Cached;
use crate::state::AppState;

/// A report family: the prefix of its paths, its permission, and its name in metric labels.
pub trait ReportFamily: 'static {
    const KIND: Family;
    const PREFIX: &'static str;
    const LABEL: &'static str;
    type Permission: Permission + 'static;
}

/// A report's answer (without `success`, which is added last when it is sent): a JSON object whose
/// fields are in Rocket.Chat's order, and whose row array is what `format=csv` writes. `GetSize` (derived)
/// measures what it holds on the heap, for the result cache's weights.
pub trait Body: Serialize + JsonSchema + GetSize + Send + Sync + 'static {
    type Row: Serialize;
    /// The rows (`origins`, `days`, `channels`, `data`, …).
    fn rows(&self) -> &[Self::Row];
}

/// Implements [`Body`] for a body type whose rows are its field `$rows`.
macro_rules! body_rows {
    ($body:ty, $row:ty, $rows:ident) => {
        impl $crate::reports::Body for $body {
            type Row = $row;
            fn rows(&self) -> &[$row] {
                &self.$rows
            }
        }
    };
}
pub(crate) use body_rows;

/// One report (see the module documentation).
pub trait Report: 'static {
    type Family: ReportFamily;
    /// The path below the family's prefix (`/messages/origin`).
    const PATH: &'static str;
    const SUMMARY: &'static str;
    const PARAMS: &'static [Param];
    /// The validated request: everything the answer depends on.
    type Request: Debug;
    type Body: Body;

    /// Parses and checks the query string in Rocket.Chat's order (after the guard's 401 and 403); `user`
    /// is the caller (the omnichannel reports scope a monitor's rooms).
    fn request(state: &AppState, user: &AuthUser, query: &str)
        -> impl Future<Output = Result<Self::Request, ApiError>>;

    /// The result cache key: the request's `Debug` form (derived, never hand-formatted). A report whose
    /// answer is cut from a larger cached one (a page) keys on the part it computes.
    fn key(request: &Self::Request) -> String {
        format!("{request:?}")
    }

    /// Whether this answer reads data newer than a cached answer would show (the message reports: a window
    /// that reaches past the rollup's watermark, or, computed raw, past a few seconds ago; see
    /// `engagement::rolled::live`): it is then computed for every request, never kept (identical
    /// concurrent requests still share one computation).
    fn live(_state: &AppState, _request: &Self::Request) -> bool {
        false
    }

    /// Runs the query and shapes the rows into the body.
    fn compute(state: &AppState, request: &Self::Request) -> impl Future<Output = Result<Self::Body, ApiError>>;

    /// The answer when it is a part of the (possibly cached) body, such as a page; by default `None`: the
    /// body itself, sent from its cached serialized bytes.
    fn respond(_request: &Self::Request, _body: &Self::Body) -> Option<Self::Body> {
        None
    }

    /// The answer as shown to a caller who may see less of people than the body holds (`shown` is
    /// [`Shown::Counts`] or [`Shown::Nothing`]); `None` when the body names nobody (the default).
    fn hide_people(_body: &Self::Body, _shown: Shown) -> Option<Self::Body> {
        None
    }
}

/// Every report, one line each, in the order of the route list.
pub(crate) fn endpoints() -> Vec<Endpoint> {
    use engagement::*;
    use omnichannel::*;
    vec![
        endpoint::<origin::Origin>(),
        endpoint::<messages_sent::MessagesSent>(),
        endpoint::<top_channels::TopChannels>(),
        endpoint::<channels_list::ChannelsList>(),
        endpoint::<new_users::NewUsers>(),
        endpoint::<active_users::ActiveUsers>(),
        endpoint::<hourly_data::HourlyData>(),
        endpoint::<weekly_data::WeeklyData>(),
        endpoint::<users_by_time::UsersByTime>(),
        endpoint::<department::ByDepartment>(),
        endpoint::<source::BySource>(),
        endpoint::<status::ByStatus>(),
        endpoint::<tags::ByTags>(),
        endpoint::<agent::ByAgent>(),
    ]
}

/// The registry entry of report `R`.
pub fn endpoint<R: Report>() -> Endpoint {
    Endpoint {
        path: format!("{}{}", R::Family::PREFIX, R::PATH),
        family: R::Family::KIND,
        summary: R::SUMMARY,
        permission: Some(<R::Family as ReportFamily>::Permission::RULE),
        names: <R::Family as ReportFamily>::Permission::NAMES,
        params: R::PARAMS.to_vec(),
        body: Some(crate::registry::schema_of::<R::Body>),
        report: Some(label::<R>()),
        register: |path| get(path, handler::<R>),
    }
}

/// The report's name in metric labels and cache keys: family, then the path's segments joined by dots
/// (`engagement.messages.origin`, `omnichannel.conversations-by-agent`).
pub(crate) fn label<R: Report>() -> String {
    format!("{}{}", R::Family::LABEL, R::PATH.replace('/', "."))
}

/// The route handler of every report: guard (401, 403), request (400), `format` (400), then the cached
/// computation.
async fn handler<R: Report>(
    authorized: Authorized<<R::Family as ReportFamily>::Permission>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let state = AppState::of(&req)?;
    let request = R::request(state, &authorized.user, req.query_string()).await?;
    let format = Format::of(req.query_string())?;
    let label = label::<R>();
    let keep = !R::live(state, &request);
    let cached = state
        .reports
        .get_or_compute(&state.metrics, &label, R::key(&request), keep, || async {
            Ok(Cached::new(R::compute(state, &request).await?, keep))
        })
        .await?;
    let body: &R::Body = cached.body()?;
    let mut part = R::respond(&request, body);
    if authorized.shown != Shown::Names {
        part = R::hide_people(part.as_ref().unwrap_or(body), authorized.shown).or(part);
    }
    Ok(match (format, part) {
        (Format::Json, Some(part)) => success(&part),
        (Format::Json, None) => json_bytes(actix_web::http::StatusCode::OK, cached.json::<R::Body>()?),
        (Format::Csv, part) => csv::response(R::PATH, part.as_ref().unwrap_or(body).rows()),
    })
}

/// Runs `pipeline` on `collection` and shapes the rows: the `compute` of most reports.
pub async fn aggregate<B>(
    state: &AppState,
    collection: &str,
    pipeline: Vec<Document>,
    shape: impl FnOnce(&[Document]) -> B,
) -> Result<B, ApiError> {
    let rows = state.store.aggregate(collection, pipeline, None).await?;
    Ok(shape(&rows))
}

/// A count from an aggregation result: MongoDB may give int32, int64 or double.
pub fn count_of(d: &Document, key: &str) -> i64 {
    match d.get(key) {
        Some(Bson::Int32(n)) => i64::from(*n),
        Some(Bson::Int64(n)) => *n,
        Some(Bson::Double(f)) => *f as i64,
        _ => 0,
    }
}

/// The stage operators of a pipeline, for the builders' unit tests.
#[cfg(test)]
pub(crate) fn stage_names(pipeline: &[Document]) -> Vec<&str> {
    pipeline
        .iter()
        .filter_map(|s| s.keys().next().map(String::as_str))
        .collect()
}

/// A body's JSON text, for the shapers' unit tests.
#[cfg(test)]
pub(crate) fn json_of(body: &impl Serialize) -> String {
    crate::js::to_json(body)
}

#[cfg(test)]
mod tests {
    use bson::{doc, DateTime, Document};

    use super::engagement::{active_users, channels_list, origin};
    use super::omnichannel::DataTotal;
    use crate::state::cache::measure::held_and_weighed;

    /// A result cache of each kind of body (three rows, many rooms, many short user names, labels) holds
    /// about what it weighs, and no more: every string field of the body types is weighed as the
    /// allocator holds it (`state::cache::held`).
    #[tokio::test]
    async fn each_body_holds_what_it_weighs() {
        let within = |(held, weighed): (isize, u64), what: &str| {
            let ratio = weighed as f64 / held as f64;
            assert!((1.0..1.15).contains(&ratio), "{what}: held {held}, weighed {weighed}");
        };
        let origins = || origin::shape(&[doc! {"_id": "c", "messages": 7}]);
        within(held_and_weighed(5_000, 1 << 30, origins).await, "origins");
        // 500 rooms: channels with a name, direct messages with two usernames.
        let ts = DateTime::from_millis(1_700_000_000_000);
        let rooms: Vec<Document> = (0..500)
            .map(|i| match i % 2 {
                0 => doc! {"_id": format!("{i:017}"), "messages": i, "lastWeekMessages": 1, "room": {"t": "c", "name": format!("room-{i}"), "ts": ts, "_updatedAt": ts}},
                _ => doc! {"_id": format!("{i:034}"), "messages": i, "lastWeekMessages": 1, "room": {"t": "d", "ts": ts, "_updatedAt": ts, "usernames": ["ana.lyst", format!("user.{i}")]}},
            })
            .collect();
        within(
            held_and_weighed(50, 1 << 30, || channels_list::shape(&rooms)).await,
            "channels",
        );
        // 30 days of 200 active users each: many short strings.
        let users: Vec<String> = (0..200).map(|i| format!("user.{i}")).collect();
        let days: Vec<Document> = (1..=30)
            .map(|d| doc! {"_id": {"day": d, "month": 1, "year": 2025}, "users": 200, "usersList": users.clone()})
            .collect();
        within(
            held_and_weighed(50, 1 << 30, || active_users::shape(&days)).await,
            "active users",
        );
        let departments: Vec<Document> = (0..50)
            .map(|i| doc! {"label": format!("Department {i}"), "value": i})
            .collect();
        let data = || DataTotal::of(&departments, "label", "value", Some(3));
        within(held_and_weighed(1_000, 1 << 30, data).await, "departments");
    }
}
