//! Every report, one shape: a type that implements [`Report`] — its path, summary and parameters, the
//! family that gives its prefix and permission, a typed request that parses and validates itself (and
//! whose `Debug` form is its cache key), the query it runs and how the rows become the body. One generic
//! `handler` serves them all, and `endpoints` lists them: the router, the guard, the OpenAPI
//! document, the metric labels and the proxy checks all derive from that list.
//!
//! Adding a report: write a module with a `Report` impl (pure pipeline builder and shaping, with unit
//! tests), and add one line `endpoint::<module::Type>()` to `endpoints`.

pub(crate) mod csv;
pub mod engagement;
pub(crate) mod omnichannel;

use std::fmt::Debug;
use std::future::Future;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use bson::{Bson, Document};
use serde_json::{Map, Value};

use crate::auth::{AuthUser, Authorized, Permission};
use crate::error::{json_bytes, success, ApiError};
use crate::registry::{get, Endpoint, Family, Json, Param};
use crate::state::AppState;

/// A report family: the prefix of its paths, its permission, and its name in metric labels.
pub trait ReportFamily: 'static {
    const KIND: Family;
    const PREFIX: &'static str;
    const LABEL: &'static str;
    type Permission: Permission + 'static;
    /// Whether each report's request is a function of the request target (path and query string) and
    /// the settings alone — not of the caller, nor of the database — so that a worker may answer a
    /// target it answered from the cache with the same cache entry, without parsing it again
    /// (`ReportCache::by_target`).
    const BY_TARGET: bool;
}

/// One report (see the module documentation).
pub trait Report: 'static {
    type Family: ReportFamily;
    /// The path below the family's prefix (`/messages/origin`).
    const PATH: &'static str;
    const SUMMARY: &'static str;
    const PARAMS: &'static [Param];
    /// The top-level keys of the body, in order (the OpenAPI response schema).
    const BODY: &'static [(&'static str, Json)];
    /// The validated request: everything the answer depends on.
    type Request: Debug;

    /// Parses and checks the query string in Rocket.Chat's order (after the guard's 401 and 403); `user`
    /// is the caller (the omnichannel reports scope a monitor's rooms).
    fn request(state: &AppState, user: &AuthUser, query: &str)
        -> impl Future<Output = Result<Self::Request, ApiError>>;

    /// The result cache key: the request's `Debug` form (derived, never hand-formatted). A report whose
    /// answer is cut from a larger cached one (a page) keys on the part it computes.
    fn key(request: &Self::Request) -> String {
        format!("{request:?}")
    }

    /// Whether this answer reads data newer than a cached answer would show (the message reports' part
    /// after the rollup's watermark): it is then computed for every request, never kept (identical
    /// concurrent requests still share one computation).
    fn live(_state: &AppState, _request: &Self::Request) -> bool {
        false
    }

    /// Runs the query and shapes the rows into the body (without `success`).
    fn compute(state: &AppState, request: &Self::Request)
        -> impl Future<Output = Result<Map<String, Value>, ApiError>>;

    /// The answer when it is a part of the (possibly cached) body, such as a page; by default `None`: the
    /// body itself, sent from its cached serialized bytes.
    fn respond(_request: &Self::Request, _body: &Map<String, Value>) -> Option<Map<String, Value>> {
        None
    }
}

/// The body of the reports that compare two periods (`engagement::period`).
pub(crate) const PERIOD_BODY: &[(&str, Json)] = &[
    ("days", Json::Array),
    ("period", Json::Object),
    ("yesterday", Json::Object),
];
/// The body of the omnichannel reports without `unspecified`.
pub(crate) const DATA_TOTAL: &[(&str, Json)] = &[("total", Json::Integer), ("data", Json::Array)];
/// The body of the omnichannel reports with `unspecified`.
pub(crate) const DATA_TOTAL_UNSPECIFIED: &[(&str, Json)] = &[
    ("total", Json::Integer),
    ("data", Json::Array),
    ("unspecified", Json::Integer),
];

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
        params: R::PARAMS.to_vec(),
        body: R::BODY.to_vec(),
        register: |path| get(path, handler::<R>),
    }
}

/// The report's name in metric labels and cache keys: family, then the path's segments joined by dots
/// (`engagement.messages.origin`, `omnichannel.conversations-by-agent`).
pub(crate) fn label<R: Report>() -> String {
    format!("{}{}", R::Family::LABEL, R::PATH.replace('/', "."))
}

/// The route handler of every report: guard (401, 403), request (400), then the cached computation.
async fn handler<R: Report>(
    authorized: Authorized<<R::Family as ReportFamily>::Permission>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let state = AppState::of(&req)?;
    let target = req.uri().path_and_query().map_or("", |t| t.as_str());
    if R::Family::BY_TARGET {
        if let Some(hit) = state.reports.by_target(&state.metrics, target) {
            return Ok(json_bytes(StatusCode::OK, hit.bytes()));
        }
    }
    let request = R::request(state, &authorized.user, req.query_string()).await?;
    let label = label::<R>();
    let cached = state
        .reports
        .get_or_compute(
            &state.metrics,
            &label,
            R::key(&request),
            !R::live(state, &request),
            || R::compute(state, &request),
        )
        .await?;
    Ok(match R::respond(&request, &cached.body) {
        Some(part) => success(part),
        None => {
            if R::Family::BY_TARGET {
                state.reports.sent_for(target, &cached);
            }
            json_bytes(StatusCode::OK, cached.bytes())
        }
    })
}

/// Runs `pipeline` on `collection` and shapes the rows: the `compute` of most reports.
pub async fn aggregate(
    state: &AppState,
    collection: &str,
    pipeline: Vec<Document>,
    shape: impl FnOnce(&[Document]) -> Map<String, Value>,
) -> Result<Map<String, Value>, ApiError> {
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
