//! The guard: who may call. An extractor parameterised by the permission a route needs, so that each
//! route states its permission once, in its signature: `_: Authorized<ViewEngagementDashboard>`.

mod authenticator;
mod cache;

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::{web, FromRequest, HttpRequest};

pub(crate) use authenticator::hash_login_token;
pub use authenticator::{AuthUser, Authenticator};

use crate::error::ApiError;
pub(crate) use crate::registry::{Fallback, Rule};
use crate::state::AppState;

/// `view-engagement-dashboard`: the Engagement Dashboard routes. A core permission (default role `admin`,
/// Rocket.Chat's `apps/meteor/app/authorization/server/constant/permissions.ts`), so its document exists on
/// every workspace; should it be missing, Rocket.Chat's default applies.
pub(crate) const ENGAGEMENT_DASHBOARD: Rule = Rule {
    name: "view-engagement-dashboard",
    fallback: Fallback::Role("admin"),
};

/// `view-livechat-reports`: the Omnichannel reports. Created only by the enterprise livechat module
/// (`apps/meteor/ee/app/livechat-enterprise/server/permissions.ts`), so it is absent on Community Edition;
/// there the core `view-livechat-manager` (which guarded these routes before Rocket.Chat 6.x) decides.
pub(crate) const LIVECHAT_REPORTS: Rule = Rule {
    name: "view-livechat-reports",
    fallback: Fallback::RolesOf("view-livechat-manager"),
};

/// A route's permission, as a type so that the extractor can name it: `Authorized<ViewEngagementDashboard>`.
pub trait Permission {
    const RULE: Rule;
}

pub struct ViewEngagementDashboard;
impl Permission for ViewEngagementDashboard {
    const RULE: Rule = ENGAGEMENT_DASHBOARD;
}

pub struct ViewLivechatReports;
impl Permission for ViewLivechatReports {
    const RULE: Rule = LIVECHAT_REPORTS;
}

/// An authenticated user, whatever their permissions. Extraction fails with 401.
pub(crate) struct Authenticated {
    pub(crate) user: Arc<AuthUser>,
    guard: Guard,
}

/// What the guard reads: the authenticator (its caches) and the store it reads through.
#[derive(Clone)]
struct Guard {
    auth: web::Data<Authenticator>,
    state: web::Data<AppState>,
}

impl Authenticated {
    /// Whether the user holds the permission `rule` names (with its Community Edition fallback).
    pub(crate) async fn permits(&self, rule: Rule) -> Result<bool, ApiError> {
        self.guard.auth.permits(&self.guard.state, &self.user, rule).await
    }
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let guard = req
            .app_data::<web::Data<Authenticator>>()
            .cloned()
            .zip(req.app_data::<web::Data<AppState>>().cloned())
            .map(|(auth, state)| Guard { auth, state });
        let header = |name: &str| {
            req.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let (user_id, token) = (header("x-user-id"), header("x-auth-token"));
        Box::pin(async move {
            let guard = guard.ok_or_else(|| ApiError::Internal("application state missing".into()))?;
            let metrics = &guard.state.metrics;
            let (Some(user_id), Some(token)) = (user_id, token) else {
                metrics.auth_failure("missing-headers");
                return Err(ApiError::Unauthorized);
            };
            let user = guard.auth.authenticate(&guard.state, &user_id, &token).await;
            if let Err(ApiError::Unauthorized) = user {
                metrics.auth_failure("unauthenticated");
            }
            Ok(Self { user: user?, guard })
        })
    }
}

/// An authenticated user who holds permission `P`. Extraction fails with 401, then 403.
pub(crate) struct Authorized<P: Permission> {
    pub(crate) user: Arc<AuthUser>,
    _permission: PhantomData<P>,
}

impl<P: Permission> FromRequest for Authorized<P> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let authenticated = Authenticated::from_request(req, payload);
        Box::pin(async move {
            let authenticated = authenticated.await?;
            if authenticated.permits(P::RULE).await? {
                Ok(Self {
                    user: authenticated.user,
                    _permission: PhantomData,
                })
            } else {
                authenticated.guard.state.metrics.auth_failure("forbidden");
                Err(ApiError::Forbidden)
            }
        })
    }
}
