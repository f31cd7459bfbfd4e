//! The route registry: one list of served routes (`app::endpoints()`) that the router, the OpenAPI
//! document, the metrics labels and the proxy configuration checks are all built from, and the
//! resource builders every route uses (GET and HEAD, a JSON 405 with `Allow` for other methods).

use actix_web::{web, Handler, HttpResponse, Resource, Responder, ResponseError};
use schemars::generate::SchemaSettings;
use schemars::JsonSchema;
use serde_json::{json, Value};

use crate::error::ApiError;

/// Who holds a permission whose `rocketchat_permissions` document is absent (Community Edition).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fallback {
    /// The roles of another permission's document.
    RolesOf(&'static str),
    /// One role.
    Role(&'static str),
}

/// A Rocket.Chat permission (`rocketchat_permissions._id`) and the rule used when its document is
/// absent. A document that exists always decides alone, even with an empty `roles` list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    pub name: &'static str,
    pub(crate) fallback: Fallback,
}

/// How a route treats people's names (docs/insights.md, "Who sees what").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Names {
    /// It names nobody.
    None,
    /// It names people to holders of the rule only; others get its counts without names.
    IfPermitted(Rule),
    /// Its answer is about people: holders of the rule only (403), and absent (404) when
    /// `RCA_MEMBER_INSIGHTS=off`.
    Required(Rule),
}

/// The report families a route belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// `/health`, `/ready`, `/metrics`, `/openapi.json`: served to operators, not proxied for Rocket.Chat's clients.
    Operations,
    /// `/api/v1/engagement-dashboard/…`: Meteor `check` validation.
    Engagement,
    /// `/api/v1/livechat/analytics/dashboards/…`: ajv validation, `checkDates`.
    Omnichannel,
    /// `/rc-analytics/…`: the dashboard page, its assets and the small JSON routes it calls; proxied on
    /// Rocket.Chat's origin by one prefix.
    Dashboard,
    /// `/rc-analytics/api/v1/insights/…`: rc-analytics' own reports (docs/insights.md), under the
    /// dashboard's prefix.
    Insights,
}

/// A query parameter, for the OpenAPI description: declared once, with the values it accepts.
#[derive(Clone, Copy, Debug)]
pub struct Param {
    pub name: &'static str,
    pub required: bool,
    pub description: &'static str,
    pub value: ParamValue,
}

/// What a query parameter accepts, as its OpenAPI schema states it. Every value the schema allows is
/// accepted by the parser (unit-tested beside each pattern); cross-parameter rules (omnichannel
/// `start` <= `end`, at most 1.01 years apart) are in the descriptions, as OpenAPI cannot state them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamValue {
    /// Text matching this regular expression (ECMA-262 syntax, anchored).
    Pattern(&'static str),
    /// One of these texts.
    OneOf(&'static [&'static str]),
    /// A report time zone: an IANA name known to the service, or `±HH:MM` up to 14 hours.
    Zone,
    /// JSON text of an object whose values are 1 or -1 (at most `sort::MAX_KEYS` keys).
    SortObject,
    /// Any text: accepted and not read.
    Ignored,
}

/// One served route: the single list that the router, the OpenAPI description and the proxy
/// configuration checks are all built from, so they cannot drift apart.
pub struct Endpoint {
    pub path: String,
    pub family: Family,
    pub summary: &'static str,
    /// The Rocket.Chat permission the route requires (`None`: no authentication).
    pub permission: Option<Rule>,
    /// How it treats people's names.
    pub names: Names,
    pub params: Vec<Param>,
    /// The JSON Schema of the success body (derived from the report's body type); `None` when the route
    /// declares none (its success schema is then the generic one).
    pub body: Option<fn() -> serde_json::Value>,
    /// The report's name in metric labels and cache keys (`engagement.messages.origin`); `None` for routes
    /// that are not reports.
    pub report: Option<String>,
    /// Builds the GET resource for `path`.
    pub register: fn(&str) -> Resource,
}

impl Endpoint {
    /// A route without permission, parameters or body schema (operations, the page and its redirects).
    pub(crate) fn plain(
        path: impl Into<String>,
        family: Family,
        summary: &'static str,
        register: fn(&str) -> Resource,
    ) -> Self {
        Self {
            path: path.into(),
            family,
            summary,
            permission: None,
            names: Names::None,
            params: vec![],
            body: None,
            report: None,
            register,
        }
    }
}

/// A GET-only resource: other methods get a JSON 405.
pub(crate) fn get<F, Args>(path: &str, handler: F) -> Resource
where
    F: Handler<Args>,
    Args: actix_web::FromRequest + 'static,
    F::Output: Responder + 'static,
{
    web::resource(path)
        .route(get_or_head().to(handler))
        .default_service(web::to(method_not_allowed))
}

/// GET, and HEAD wherever GET is: the same handler (guard included), and the server sends the headers
/// without the body.
pub(crate) fn get_or_head() -> actix_web::Route {
    web::route().guard(actix_web::guard::Any(actix_web::guard::Get()).or(actix_web::guard::Head()))
}

/// The answer to any other method: JSON 405 with `Allow: GET, HEAD`.
pub(crate) async fn method_not_allowed() -> HttpResponse {
    ApiError::MethodNotAllowed.error_response()
}

/// The schema of a success body of type `B` (derived from the type: its fields in order, then
/// `success: true`), every subschema inlined so that it stands anywhere in this document.
pub(crate) fn schema_of<B: JsonSchema>() -> Value {
    let generator = SchemaSettings::draft2020_12()
        .with(|s| s.inline_subschemas = true)
        .into_generator();
    let mut schema = generator.into_root_schema_for::<B>().to_value();
    if let Some(object) = schema.as_object_mut() {
        object.remove("$schema");
        object.remove("title");
        object.insert("additionalProperties".into(), Value::Bool(false));
        if let Some(Value::Object(properties)) = object.get_mut("properties") {
            properties.insert("success".into(), json!({"type": "boolean", "enum": [true]}));
        }
        if let Some(Value::Array(required)) = object.get_mut("required") {
            required.push(json!("success"));
        }
    }
    schema
}
