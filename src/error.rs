//! One error type for the whole API, mapped to Rocket.Chat's status codes and bodies. The 5xx variants keep
//! their cause for the log; the client sees only the status and a fixed text.

use std::sync::Arc;

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use serde_json::{json, Value};

/// The cause of a 5xx answer: shared, so that the single-flight computations can hand one error to every
/// waiting request.
pub type Cause = Arc<dyn std::error::Error + Send + Sync>;

#[derive(Clone, Debug, thiserror::Error)]
pub enum ApiError {
    /// Every authentication failure (missing header, wrong token or user id, inactive user).
    #[error("unauthorized")]
    Unauthorized,
    /// The user lacks the route's permission.
    #[error("forbidden")]
    Forbidden,
    /// A Meteor `check` failure; the text follows `Match error: `.
    #[error("Match error: {0}")]
    Match(String),
    /// An ajv validation failure (`… [invalid-params]`).
    #[error("{0} [invalid-params]")]
    InvalidParams(String),
    /// `parseJsonQuery`'s sort error; holds the raw `sort` value.
    #[error("Invalid sort parameter provided: \"{0}\" [error-invalid-sort]")]
    InvalidSort(String),
    /// A plain `Error('text')` in Rocket.Chat: 400 `{"success":false,"error":text}`.
    #[error("{0}")]
    BadRequest(String),
    /// `qs` refused the query string.
    #[error("Invalid query parameters")]
    InvalidQuery,
    #[error("Resource not found")]
    NotFound,
    #[error("Method not allowed")]
    MethodNotAllowed,
    /// MongoDB cannot be reached.
    #[error("Database unavailable")]
    Unavailable(#[source] Cause),
    /// A database operation ran longer than its limit (`RCA_QUERY_TIMEOUT_MS`, or `RCA_AUTH_TIMEOUT_MS` for
    /// the guard's look-ups); the cause (which operation, which limit) goes to the log.
    #[error("Query timed out")]
    Timeout(#[source] Cause),
    /// Anything else; the cause goes to the log, never to the client.
    #[error("Internal server error")]
    Internal(#[source] Cause),
}

impl ApiError {
    /// A 500 whose cause is this text (a state that should not happen).
    pub(crate) fn internal(what: impl Into<String>) -> Self {
        Self::Internal(Arc::from(Box::<dyn std::error::Error + Send + Sync>::from(what.into())))
    }
}

/// `error: cause: cause…`, for log lines.
pub fn cause_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out += &format!(": {s}");
        source = s.source();
    }
    out
}

pub(crate) const UNAUTHORIZED_TEXT: &str = "You must be logged in to do this.";
pub(crate) const FORBIDDEN_TEXT: &str =
    "User does not have the permissions required for this action [error-unauthorized]";

impl ApiError {
    /// The body, with Rocket.Chat's key order.
    pub(crate) fn body(&self) -> Value {
        match self {
            Self::Unauthorized => json!({
                "success": false,
                "error": UNAUTHORIZED_TEXT,
                "status": "error",
                "message": UNAUTHORIZED_TEXT,
            }),
            Self::Forbidden => json!({"success": false, "error": FORBIDDEN_TEXT}),
            Self::InvalidParams(_) => json!({
                "success": false,
                "error": self.to_string(),
                "errorType": "invalid-params",
            }),
            Self::InvalidSort(_) => json!({
                "success": false,
                "error": self.to_string(),
                "errorType": "error-invalid-sort",
                "details": {"helperMethod": "parseJsonQuery"},
            }),
            Self::Unavailable(_) => json!({"success": false, "error": "Database unavailable"}),
            Self::Internal(_) => json!({"success": false, "error": "Internal server error"}),
            _ => json!({"success": false, "error": self.to_string()}),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::Match(_)
            | Self::InvalidParams(_)
            | Self::InvalidSort(_)
            | Self::BadRequest(_)
            | Self::InvalidQuery => StatusCode::BAD_REQUEST,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Timeout(_) => StatusCode::GATEWAY_TIMEOUT,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Internal(_) => log::error!("{}", cause_chain(self)),
            Self::Unavailable(_) | Self::Timeout(_) => log::warn!("{}", cause_chain(self)),
            _ => {}
        }
        let mut res = json_response(self.status_code(), &self.body());
        if let Self::MethodNotAllowed = self {
            // Every route is GET (and HEAD).
            res.headers_mut()
                .insert(header::ALLOW, header::HeaderValue::from_static("GET, HEAD"));
        }
        res
    }
}

/// A compact JSON response with Rocket.Chat's headers, numbers written as JavaScript writes them.
pub(crate) fn json_response(status: StatusCode, body: &impl Serialize) -> HttpResponse {
    json_bytes(status, crate::js::to_json(body).into())
}

/// A 200 answer's bytes: the body's keys in order, then `"success":true` last, as `API.v1.success` writes
/// it. `body` serializes as a JSON object.
pub(crate) fn success_bytes(body: &impl Serialize) -> actix_web::web::Bytes {
    let mut json = crate::js::to_json(body);
    json.pop();
    json.push_str(if json.len() > 1 {
        r#","success":true}"#
    } else {
        r#""success":true}"#
    });
    // No spare capacity: a kept answer holds exactly its length (the result cache weighs it so).
    json.shrink_to_fit();
    json.into()
}

/// A JSON response of already serialized bytes, with Rocket.Chat's headers.
pub(crate) fn json_bytes(status: StatusCode, body: actix_web::web::Bytes) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        // Error bodies echo input (`Invalid time zone: <script>…`): never let a browser sniff them as HTML.
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(body)
}

/// A 200 answer: the body's keys in order, then `"success": true` last.
pub(crate) fn success(body: &impl Serialize) -> HttpResponse {
    json_bytes(StatusCode::OK, success_bytes(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_keep_rocket_chat_key_order() {
        assert_eq!(
            ApiError::Unauthorized.body().to_string(),
            r#"{"success":false,"error":"You must be logged in to do this.","status":"error","message":"You must be logged in to do this."}"#
        );
        assert_eq!(
            ApiError::InvalidSort("abc".into()).body().to_string(),
            r#"{"success":false,"error":"Invalid sort parameter provided: \"abc\" [error-invalid-sort]","errorType":"error-invalid-sort","details":{"helperMethod":"parseJsonQuery"}}"#
        );
        assert_eq!(
            ApiError::InvalidParams("must have required property 'end'".into())
                .body()
                .to_string(),
            r#"{"success":false,"error":"must have required property 'end' [invalid-params]","errorType":"invalid-params"}"#
        );
        let internal = ApiError::internal("secret detail");
        assert_eq!(
            internal.body().to_string(),
            r#"{"success":false,"error":"Internal server error"}"#
        );
        assert_eq!(cause_chain(&internal), "Internal server error: secret detail");
    }
}
