//! The guard: who may call. An extractor parameterised by the permission a route needs, so that each
//! route states its permission once, in its signature: `_: Authorized<ViewEngagementDashboard>`.

mod authenticator;
mod cache;

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::{web, FromRequest, HttpRequest};

pub use authenticator::hash_login_token;
use authenticator::Credentials;
pub use authenticator::{AuthUser, Authenticator};
use cache::Entry;

use crate::error::ApiError;
pub(crate) use crate::registry::{Fallback, Names, Rule};
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

/// `view-user-administration`: who may see people's names in the insights (docs/insights.md). A core
/// permission (default role `admin`, Rocket.Chat's `apps/meteor/app/authorization/server/constant/permissions.ts`);
/// should its document be missing, that default applies.
pub(crate) const USER_ADMINISTRATION: Rule = Rule {
    name: "view-user-administration",
    fallback: Fallback::Role("admin"),
};

/// A route's permission, as a type so that the extractor can name it: `Authorized<ViewEngagementDashboard>`.
pub trait Permission {
    const RULE: Rule;
    /// How the route treats people's names (a second rule for them, checked by the same extractor).
    const NAMES: Names = Names::None;
}

/// What a caller may see of people in an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shown {
    /// Names and per-person figures.
    Names,
    /// Per-person figures without who they are.
    Counts,
    /// No per-person data (`RCA_MEMBER_INSIGHTS=off`, or a route that names nobody).
    Nothing,
}

/// The insights' aggregates: `view-engagement-dashboard`; names only to holders of `view-user-administration`.
pub struct ViewInsights;
impl Permission for ViewInsights {
    const RULE: Rule = ENGAGEMENT_DASHBOARD;
    const NAMES: Names = Names::IfPermitted(USER_ADMINISTRATION);
}

/// The insights about people: `view-engagement-dashboard` and `view-user-administration`.
pub struct ViewMembers;
impl Permission for ViewMembers {
    const RULE: Rule = ENGAGEMENT_DASHBOARD;
    const NAMES: Names = Names::Required(USER_ADMINISTRATION);
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

impl Guard {
    fn of(req: &HttpRequest) -> Result<Self, ApiError> {
        let state = AppState::of(req)?.clone();
        let auth = req.app_data::<web::Data<Authenticator>>().cloned();
        auth.map(|auth| Self { auth, state })
            .ok_or_else(|| ApiError::internal("authenticator missing"))
    }

    /// The login `credentials` name (read from `X-User-Id` and `X-Auth-Token`): 401 without them, or when
    /// no user holds that token.
    async fn login(&self, credentials: Option<&Credentials>) -> Result<Entry<AuthUser>, ApiError> {
        let metrics = &self.state.metrics;
        let Some(credentials) = credentials else {
            metrics.auth_failure("missing-headers");
            return Err(ApiError::Unauthorized);
        };
        let login = self.auth.authenticate(&self.state, credentials).await;
        if let Err(ApiError::Unauthorized) = login {
            metrics.auth_failure("unauthenticated");
        }
        login
    }
}

/// The caller's credentials, when both headers are there and not empty.
fn credentials(req: &HttpRequest) -> Option<Credentials> {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
    };
    Some(Credentials::new(header("x-user-id")?, header("x-auth-token")?))
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
        let (guard, credentials) = (Guard::of(req), credentials(req));
        Box::pin(async move {
            let guard = guard?;
            let login = guard.login(credentials.as_ref()).await?;
            Ok(Self {
                user: login.value,
                guard,
            })
        })
    }
}

/// An authenticated user who holds permission `P`. Extraction fails with 401, then 403 (also when a route
/// about people needs their second rule), then 404 for such a route when `RCA_MEMBER_INSIGHTS=off`.
pub(crate) struct Authorized<P: Permission> {
    pub(crate) user: Arc<AuthUser>,
    /// What the user may see of people.
    pub(crate) shown: Shown,
    _permission: PhantomData<P>,
}

impl<P: Permission> Authorized<P> {
    fn new(user: Arc<AuthUser>, shown: Shown) -> Self {
        Self {
            user,
            shown,
            _permission: PhantomData,
        }
    }
}

impl Guard {
    /// What `user` (who holds `P::RULE`) may see of people on a route of `P`.
    async fn shown<P: Permission>(&self, user: &AuthUser) -> Result<Shown, ApiError> {
        let on = self.state.settings.member_insights;
        Ok(match P::NAMES {
            Names::None => Shown::Nothing,
            Names::IfPermitted(_) if !on => Shown::Nothing,
            Names::IfPermitted(rule) => match self.auth.permits(&self.state, user, rule).await? {
                true => Shown::Names,
                false => Shown::Counts,
            },
            Names::Required(rule) => {
                if !self.auth.permits(&self.state, user, rule).await? {
                    self.state.metrics.auth_failure("forbidden");
                    return Err(ApiError::Forbidden);
                }
                if !on {
                    return Err(ApiError::NotFound);
                }
                Shown::Names
            }
        })
    }
}

impl<P: Permission> FromRequest for Authorized<P> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let (guard, credentials) = (Guard::of(req), credentials(req));
        Box::pin(async move {
            let guard = guard?;
            let login = guard.login(credentials.as_ref()).await?;
            if guard.auth.permits(&guard.state, &login.value, P::RULE).await? {
                let shown = guard.shown::<P>(&login.value).await?;
                Ok(Self::new(login.value, shown))
            } else {
                guard.state.metrics.auth_failure("forbidden");
                Err(ApiError::Forbidden)
            }
        })
    }
}
