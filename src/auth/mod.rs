//! The guard: who may call. An extractor parameterised by the permission a route needs, so that each
//! route states its permission once, in its signature: `_: Authorized<ViewEngagementDashboard>`.

mod authenticator;

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::{web, FromRequest, HttpRequest};

pub use authenticator::{hash_login_token, AuthUser, Authenticator};

use crate::app::AppState;
use crate::error::ApiError;

/// A Rocket.Chat permission (`rocketchat_permissions._id`).
pub trait Permission {
    const NAME: &'static str;
}

/// `view-engagement-dashboard`: the Engagement Dashboard routes.
pub struct ViewEngagementDashboard;
impl Permission for ViewEngagementDashboard {
    const NAME: &'static str = "view-engagement-dashboard";
}

/// `view-livechat-reports`: the Omnichannel reports.
pub struct ViewLivechatReports;
impl Permission for ViewLivechatReports {
    const NAME: &'static str = "view-livechat-reports";
}

/// An authenticated user who holds permission `P`. Extraction fails with 401, then 403.
pub struct Authorized<P: Permission> {
    pub user: Arc<AuthUser>,
    _permission: PhantomData<P>,
}

impl<P: Permission> FromRequest for Authorized<P> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let header = |name: &str| {
            req.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let (user_id, token) = (header("x-user-id"), header("x-auth-token"));
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::Internal("application state missing".into()))?;
            let (Some(user_id), Some(token)) = (user_id, token) else {
                state.metrics.auth_failure("missing-headers");
                return Err(ApiError::Unauthorized);
            };
            let result = state.auth.authorize(&state.store, &user_id, &token, P::NAME).await;
            match &result {
                Err(ApiError::Unauthorized) => state.metrics.auth_failure("unauthenticated"),
                Err(ApiError::Forbidden) => state.metrics.auth_failure("forbidden"),
                _ => {}
            }
            Ok(Self {
                user: result?,
                _permission: PhantomData,
            })
        })
    }
}
