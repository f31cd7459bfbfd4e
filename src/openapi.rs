//! `/openapi.json`: the OpenAPI 3.1 description (JSON Schema 2020-12: `propertyNames` for `sort`), generated at run time from the endpoint registry
//! (`app::endpoints()`, which passes it in), so it cannot drift from the router. Every error body it shows is produced by
//! `ApiError::body()` itself.
//!
//! The document is written with `serde_json` from the registry (path, family, summary, permission,
//! parameters); each report's body schema is derived from its body type (`registry::schema_of`).

use serde_json::{json, Map, Value};

use crate::auth::Fallback;
use crate::error::ApiError;
use crate::params::sort::MAX_KEYS;
use crate::params::zone::{zone_names, OFFSET_PATTERN};
use crate::registry::{Endpoint, Family, Names, ParamValue};
use crate::ui::{self, Kind};

/// A parameter whose description starts with this word is an rc-analytics extension (not in
/// Rocket.Chat's API); it is marked `x-rc-analytics-extension: true`.
pub const EXTENSION_MARK: &str = "Extension";

/// The document for these endpoints.
pub fn document(endpoints: &[Endpoint]) -> Value {
    let mut paths = Map::new();
    for endpoint in endpoints {
        paths.insert(endpoint.path.clone(), json!({ "get": operation(endpoint) }));
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "rc-analytics",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Rocket.Chat's analytics REST API (Engagement Dashboard, Omnichannel reports) computed \
                from Rocket.Chat's MongoDB. Same paths, parameters, permissions and JSON bodies as Rocket.Chat; \
                items marked x-rc-analytics-extension are additions.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "authToken": {"type": "apiKey", "in": "header", "name": "X-Auth-Token",
                    "description": "A Rocket.Chat login token or personal access token"},
                "userId": {"type": "apiKey", "in": "header", "name": "X-User-Id",
                    "description": "The Rocket.Chat user id the token belongs to"},
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["success", "error"],
                    "properties": {
                        "success": {"type": "boolean", "enum": [false]},
                        "error": {"type": "string"},
                        "errorType": {"type": "string"},
                        "status": {"type": "string"},
                        "message": {"type": "string"},
                        "details": {"type": "object"},
                    },
                },
                "Success": {
                    "type": "object",
                    "required": ["success"],
                    "properties": {"success": {"type": "boolean", "enum": [true]}},
                    "additionalProperties": true,
                },
            },
        },
    })
}

fn operation(endpoint: &Endpoint) -> Value {
    let parameters: Vec<Value> = endpoint
        .params
        .iter()
        .map(|p| {
            let mut param = json!({
                "name": p.name,
                "in": "query",
                "required": p.required,
                "description": p.description,
            });
            match p.value {
                // OpenAPI's form for a parameter that carries JSON text: `content`, not `schema`.
                ParamValue::SortObject => param["content"] = json!({"application/json": {"schema": sort_schema()}}),
                other => param["schema"] = value_schema(other),
            }
            if p.description.starts_with(EXTENSION_MARK) {
                param["x-rc-analytics-extension"] = Value::Bool(true);
            }
            param
        })
        .collect();
    let dashboard = match endpoint.family {
        Family::Dashboard => ui::kind(&endpoint.path),
        _ => None,
    };
    let (ok_status, ok) = match dashboard {
        Some(Kind::Redirect(status)) => (
            status,
            json!({"description": format!("Redirects to {}", ui::PAGE),
                "headers": {"Location": {"schema": {"type": "string", "example": ui::PAGE}}}}),
        ),
        Some(Kind::File(content_type)) => (
            200,
            json!({"description": "The file; ETag, Cache-Control, Content-Security-Policy, \
                    X-Content-Type-Options, Referrer-Policy; compressed when the client accepts it",
                "content": {content_type: {"schema": {"type": "string"}}}}),
        ),
        _ if endpoint.path == "/metrics" => (
            200,
            json!({"description": "Prometheus text exposition format",
                "content": {"text/plain": {"schema": {"type": "string"}}}}),
        ),
        _ if endpoint.body.is_some() => (
            200,
            json!({"description": "Success; `success: true` is the last key. With format=csv: the row array as \
                CSV (an attachment, empty when there are no rows)",
            "content": {
                "application/json": {"schema": endpoint.body.map_or(Value::Null, |schema| schema())},
                "text/csv; charset=utf-8": {"schema": {"type": "string"}},
            }}),
        ),
        _ => (
            200,
            json!({"description": "Success; `success: true` is the last key",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Success"}}}}),
        ),
    };
    let mut responses = Map::new();
    responses.insert(ok_status.to_string(), ok);
    if let Some(Kind::File(_)) = dashboard {
        responses.insert(
            "304".into(),
            json!({"description": "Not modified: If-None-Match names the current ETag"}),
        );
    }
    if dashboard == Some(Kind::Json) {
        responses.insert(
            "401".into(),
            error_response(&[("unauthorized", ApiError::Unauthorized)]),
        );
    }
    for (status, errors) in error_responses(endpoint.family) {
        responses.insert(status.to_string(), error_response(&errors));
    }
    let mut op = json!({
        "operationId": operation_id(&endpoint.path),
        "summary": endpoint.summary,
        "tags": [family_tag(endpoint.family)],
        "parameters": parameters,
        "responses": responses,
    });
    if dashboard == Some(Kind::Json) {
        op["security"] = json!([{"authToken": [], "userId": []}]);
        op["description"] = Value::String(
            "Requires a signed-in user (X-User-Id / X-Auth-Token), no permission; `can` tells which \
             sections the user may open: `engagement` = view-engagement-dashboard, `omnichannel` = \
             view-livechat-reports (absent on Community Edition: the roles of view-livechat-manager)."
                .into(),
        );
    }
    if let Some(rule) = endpoint.permission {
        op["security"] = json!([{"authToken": [], "userId": []}]);
        op["x-rc-permission"] = Value::String(rule.name.into());
        op["x-rc-permission-fallback"] = fallback(rule.fallback);
        op["description"] = Value::String(format!(
            "Requires the Rocket.Chat permission `{}`; where its document is absent from \
             `rocketchat_permissions` (Community Edition), {}.",
            rule.name,
            match rule.fallback {
                Fallback::RolesOf(other) => format!("the roles of `{other}` hold it"),
                Fallback::Role(role) => format!("the role `{role}` holds it"),
            }
        ));
    }
    if let Names::IfPermitted(rule) | Names::Required(rule) = endpoint.names {
        op["x-rc-names-permission"] = Value::String(rule.name.into());
        let text = match endpoint.names {
            Names::Required(_) => format!(
                " It names people: it also requires `{}` (403 otherwise), and answers 404 when \
                 RCA_MEMBER_INSIGHTS=off.",
                rule.name
            ),
            _ => format!(
                " People's names are shown only to holders of `{}`, and to nobody when RCA_MEMBER_INSIGHTS=off.",
                rule.name
            ),
        };
        if let Some(Value::String(description)) = op.get_mut("description") {
            description.push_str(&text);
        }
    }
    op
}

/// The schema of a parameter's value.
fn value_schema(value: ParamValue) -> Value {
    match value {
        ParamValue::Pattern(pattern) => json!({"type": "string", "pattern": pattern}),
        ParamValue::OneOf(values) => json!({"type": "string", "enum": values}),
        ParamValue::Zone => json!({"type": "string", "anyOf": [
            {"enum": zone_names().collect::<Vec<_>>()},
            {"pattern": OFFSET_PATTERN},
        ]}),
        ParamValue::SortObject => sort_schema(),
        ParamValue::Ignored => json!({"type": "string"}),
    }
}

/// `sort`: an object of 1/-1 whose keys MongoDB takes in `$sort` (no empty path segment, no segment
/// starting with `$`, no NUL), at most `MAX_KEYS` of them.
fn sort_schema() -> Value {
    json!({
        "type": "object",
        "additionalProperties": {"type": "integer", "enum": [1, -1]},
        "propertyNames": {"pattern": "^[^.$\\u0000][^.\\u0000]*(?:\\.[^.$\\u0000][^.\\u0000]*)*$"},
        "maxProperties": MAX_KEYS,
    })
}

/// `x-rc-permission-fallback`: `{"rolesOf": permission}` or `{"role": role}`.
fn fallback(f: Fallback) -> Value {
    match f {
        Fallback::RolesOf(other) => json!({ "rolesOf": other }),
        Fallback::Role(role) => json!({ "role": role }),
    }
}

fn family_tag(family: Family) -> &'static str {
    match family {
        Family::Operations => "operations",
        Family::Engagement => "engagement-dashboard",
        Family::Omnichannel => "omnichannel-reports",
        Family::Dashboard => "dashboard",
        Family::Insights => "insights",
    }
}

/// `/api/v1/engagement-dashboard/messages/origin` → `engagement-dashboard.messages.origin`.
pub(crate) fn operation_id(path: &str) -> String {
    let trimmed = path.trim_start_matches('/').trim_start_matches("api/v1/");
    let id = trimmed.replace(['/', '{', '}'], ".");
    let id = id.trim_matches('.');
    if id.is_empty() {
        "root".into()
    } else {
        id.to_string()
    }
}

/// The error statuses a family can answer, each with example errors (built by `ApiError` itself).
pub(crate) fn error_responses(family: Family) -> Vec<(u16, Vec<(&'static str, ApiError)>)> {
    let mut out: Vec<(u16, Vec<(&'static str, ApiError)>)> = Vec::new();
    let guarded = matches!(family, Family::Engagement | Family::Omnichannel | Family::Insights);
    if guarded {
        out.push((401, vec![("unauthorized", ApiError::Unauthorized)]));
        out.push((403, vec![("forbidden", ApiError::Forbidden)]));
    }
    match family {
        Family::Engagement => out.push((
            400,
            vec![
                ("missing", ApiError::Match("Missing key 'start'".into())),
                (
                    "invalid",
                    ApiError::Match("Failed Match.Where validation in field start".into()),
                ),
                ("timezone", ApiError::BadRequest("Invalid time zone: Mars/Base".into())),
            ],
        )),
        Family::Omnichannel => out.push((
            400,
            vec![
                (
                    "invalid-params",
                    ApiError::InvalidParams("must have required property 'start'".into()),
                ),
                ("invalid-sort", ApiError::InvalidSort("abc".into())),
                (
                    "check-dates",
                    ApiError::BadRequest("The \"start\" query parameter must be a valid date.".into()),
                ),
                ("timezone", ApiError::BadRequest("Invalid time zone: Mars/Base".into())),
            ],
        )),
        Family::Insights => out.push((
            400,
            vec![
                ("missing", ApiError::Match("Missing key 'start'".into())),
                (
                    "invalid",
                    ApiError::BadRequest("Invalid parameter \"type\": expected one of user, bot, app, all".into()),
                ),
                ("timezone", ApiError::BadRequest("Invalid time zone: Mars/Base".into())),
            ],
        )),
        Family::Operations | Family::Dashboard => {}
    }
    out.push((404, vec![("not-found", ApiError::NotFound)]));
    out.push((405, vec![("method-not-allowed", ApiError::MethodNotAllowed)]));
    out.push((500, vec![("internal", ApiError::internal(""))]));
    out.push((
        503,
        vec![(
            "unavailable",
            ApiError::Unavailable(std::sync::Arc::new(std::fmt::Error)),
        )],
    ));
    out.push((
        504,
        vec![("timeout", ApiError::Timeout(std::sync::Arc::new(std::fmt::Error)))],
    ));
    out
}

fn error_response(errors: &[(&'static str, ApiError)]) -> Value {
    let mut examples = Map::new();
    for (name, e) in errors {
        examples.insert((*name).into(), json!({ "value": e.body() }));
    }
    json!({
        "description": errors.first().map(|(_, e)| e.to_string()).unwrap_or_default(),
        "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Error"},
            "examples": examples,
        }},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn family_error_bodies() {
        let statuses = |f| error_responses(f).into_iter().map(|(s, _)| s).collect::<Vec<_>>();
        assert_eq!(statuses(Family::Operations), [404, 405, 500, 503, 504]);
        assert_eq!(statuses(Family::Engagement), [401, 403, 400, 404, 405, 500, 503, 504]);
        assert_eq!(statuses(Family::Omnichannel), [401, 403, 400, 404, 405, 500, 503, 504]);
        let sort = error_response(&[("s", ApiError::InvalidSort("abc".into()))]);
        assert_eq!(
            sort["content"]["application/json"]["examples"]["s"]["value"].to_string(),
            r#"{"success":false,"error":"Invalid sort parameter provided: \"abc\" [error-invalid-sort]","errorType":"error-invalid-sort","details":{"helperMethod":"parseJsonQuery"}}"#
        );
    }

    #[test]
    fn operation_ids() {
        assert_eq!(
            operation_id("/api/v1/engagement-dashboard/messages/origin"),
            "engagement-dashboard.messages.origin"
        );
        assert_eq!(operation_id("/health"), "health");
        assert_eq!(operation_id("/openapi.json"), "openapi.json");
    }
}
