//! The report contract: a new report written as the README says ("Where a change goes": one module
//! with a `Report` impl, one registry line) gets its route, the guard, the cache, the metric label and its
//! OpenAPI entry from the contract alone. The report here counts users; its "registry line" is
//! `endpoint::<UserCount>()`, served in an actix app built around the real application state.

use actix_web::{test, web, App};
use bson::doc;
use get_size2::GetSize;
use rc_analytics::auth::{AuthUser, Authenticator};
use rc_analytics::error::ApiError;
use rc_analytics::registry::Param;
use rc_analytics::reports::engagement::Engagement;
use rc_analytics::reports::{aggregate, endpoint, Body, Report};
use rc_analytics::state::AppState;
use schemars::JsonSchema;
use serde::Serialize;

use crate::helpers::*;

/// The whole new report.
struct UserCount;

/// Its body, `{"users":n}`: one row, itself.
#[derive(Serialize, JsonSchema, GetSize)]
struct Users {
    users: i32,
}

impl Body for Users {
    type Row = Self;
    fn rows(&self) -> &[Self] {
        std::slice::from_ref(self)
    }
}

impl Report for UserCount {
    type Family = Engagement;
    const PATH: &'static str = "/users/count";
    const SUMMARY: &'static str = "Users in the workspace";
    const PARAMS: &'static [Param] = &[];
    type Request = ();
    type Body = Users;

    async fn request(_: &AppState, _: &AuthUser, query: &str) -> Result<(), ApiError> {
        match query {
            "" => Ok(()),
            _ => Err(ApiError::BadRequest("no parameters".into())),
        }
    }

    async fn compute(state: &AppState, _: &()) -> Result<Users, ApiError> {
        aggregate(state, "users", vec![doc! {"$count": "users"}], |rows| Users {
            users: rows.first().and_then(|r| r.get_i32("users").ok()).unwrap_or(0),
        })
        .await
    }
}

#[tokio::test]
async fn a_report_written_by_the_checklist_is_guarded_cached_and_described() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let plain = app.user("plain1", &["user"]).await;
    let entry = endpoint::<UserCount>();
    assert_eq!(entry.path, "/api/v1/engagement-dashboard/users/count");
    assert_eq!(entry.permission.map(|r| r.name), Some(ENGAGEMENT));
    let service = test::init_service(
        App::new()
            .app_data(app.state.clone())
            .app_data(web::Data::new(Authenticator::new(
                std::time::Duration::ZERO,
                std::time::Duration::from_secs(3),
            )))
            .service((entry.register)(&entry.path)),
    )
    .await;
    let call = |creds: Option<&Creds>, query: &str| {
        let mut req = test::TestRequest::get().uri(&format!("{}{query}", entry.path));
        if let Some(c) = creds {
            req = req
                .insert_header(("X-User-Id", c.user_id.as_str()))
                .insert_header(("X-Auth-Token", c.token.as_str()));
        }
        req.to_request()
    };
    let text = |body: actix_web::web::Bytes| String::from_utf8(body.to_vec()).unwrap();
    let res = test::call_service(&service, call(None, "")).await;
    assert_eq!(res.status(), 401);
    assert_eq!(text(test::read_body(res).await), UNAUTHORIZED);
    let res = test::call_service(&service, call(Some(&plain), "")).await;
    assert_eq!(res.status(), 403);
    assert_eq!(text(test::read_body(res).await), FORBIDDEN);
    let res = test::call_service(&service, call(Some(&admin), "?x=1")).await;
    assert_eq!(res.status(), 400);
    assert_eq!(
        text(test::read_body(res).await),
        r#"{"success":false,"error":"no parameters"}"#
    );
    let before = app.state.store.aggregations_run();
    for _ in 0..2 {
        let res = test::call_service(&service, call(Some(&admin), "")).await;
        assert_eq!(res.status(), 200);
        assert_eq!(text(test::read_body(res).await), r#"{"users":2,"success":true}"#);
    }
    // The second answer came from the result cache, and so does its CSV form.
    assert_eq!(app.state.store.aggregations_run(), before + 1);
    let res = test::call_service(&service, call(Some(&admin), "?format=csv")).await;
    assert_eq!(res.status(), 400, "the report refuses every parameter, format too");
    assert_eq!(app.state.store.aggregations_run(), before + 1);
    let doc = rc_analytics::openapi::document(&[entry]);
    let op = &doc["paths"]["/api/v1/engagement-dashboard/users/count"]["get"];
    assert_eq!(op["summary"], "Users in the workspace");
    assert_eq!(op["x-rc-permission"], ENGAGEMENT);
    assert_eq!(
        op["responses"]["200"]["content"]["application/json"]["schema"],
        serde_json::json!({
            "type": "object",
            "properties": {
                "users": {"type": "integer", "format": "int32"},
                "success": {"type": "boolean", "enum": [true]},
            },
            "required": ["users", "success"],
            "description": "Its body, `{\"users\":n}`: one row, itself.",
            "additionalProperties": false,
        })
    );
}
