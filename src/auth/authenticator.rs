//! Token lookup and permission grants, read from Rocket.Chat's collections within their own time limit
//! (`RCA_AUTH_TIMEOUT_MS`), with short TTL caches refreshed ahead of expiry (`cache.rs`), and in each
//! worker thread the grants it decided, each served as long as the cache entries it was decided from are
//! served without a refresh (then the caches decide again, and start their refreshes).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::web;
use base64::Engine;
use bson::{doc, Document};
use sha2::{Digest, Sha256};

use super::cache::{Entry, RefreshingCache};
use super::{Fallback, Rule};
use crate::config::Settings;
use crate::error::ApiError;
use crate::state::per_thread::PerThread;
use crate::state::AppState;
use crate::store::{coll, strings, Limit};

/// The role Rocket.Chat white-lists: its holders are denied the analytics permissions.
const GUEST_ROLE: &str = "guest";

/// Meteor's `Accounts._hashLoginToken`: standard, padded base64 of the SHA-256 of the token.
pub(crate) fn hash_login_token(token: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(token.as_bytes()))
}

/// The caller's `X-User-Id` and the hash of their `X-Auth-Token` (the token itself is not kept).
pub(crate) struct Credentials {
    user_id: String,
    hashed: String,
}

impl Credentials {
    pub(crate) fn new(user_id: &str, token: &str) -> Self {
        Self {
            user_id: user_id.to_owned(),
            hashed: hash_login_token(token),
        }
    }
}

/// A grant decided in a worker thread: the user, for the permission `rule`, served until `until`.
struct Grant {
    user_id: String,
    rule: &'static str,
    user: Arc<AuthUser>,
    until: Instant,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthUser {
    pub(crate) id: String,
    pub(crate) username: Option<String>,
    pub(crate) roles: Vec<String>,
}

impl AuthUser {
    pub(crate) fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }
}

pub struct Authenticator {
    /// (user id, hashed token) → user; only hits are cached, so a new login works at once.
    users: Option<RefreshingCache<(String, String), AuthUser>>,
    /// permission → roles of its document, `None` when the document is absent (cached alike, so a
    /// document created later takes effect within the TTL).
    grants: Option<RefreshingCache<String, Option<Vec<String>>>>,
    /// Per worker thread: hashed token → the grants decided for it (only with the caches on).
    grants_decided: Option<PerThread<Vec<Grant>>>,
    /// The caches' `refresh_after`: how long a decision is served as it was made.
    refresh_after: Duration,
    /// The time limit of each look-up.
    limit: Limit,
    /// User look-ups started (foreground, and background refreshes).
    user_lookups: Arc<AtomicU64>,
}

impl Authenticator {
    /// Caches kept `ttl` (zero disables them), refreshed by hits from half of it on; each look-up
    /// bounded by `timeout` (and by `RCA_QUERY_TIMEOUT_MS`, which the store applies to everything).
    pub fn new(ttl: Duration, timeout: Duration) -> Self {
        Self::with_refresh_after(ttl, ttl / 2, timeout)
    }

    fn with_refresh_after(ttl: Duration, refresh_after: Duration, timeout: Duration) -> Self {
        let enabled = !ttl.is_zero();
        Self {
            users: enabled.then(|| RefreshingCache::new(10_000, ttl, refresh_after)),
            grants: enabled.then(|| RefreshingCache::new(1_000, ttl, refresh_after)),
            grants_decided: enabled.then(|| PerThread::new(10_000)),
            refresh_after,
            limit: Limit {
                time: timeout,
                name: "RCA_AUTH_TIMEOUT_MS",
            },
            user_lookups: Arc::default(),
        }
    }

    /// From the settings: `RCA_AUTH_CACHE_TTL_SECS`, `RCA_AUTH_TIMEOUT_MS` (and the test seams).
    pub(crate) fn from_settings(settings: &Settings) -> Self {
        #[cfg(not(feature = "test-seams"))]
        let auth = Self::new(settings.auth_cache_ttl, settings.auth_timeout);
        #[cfg(feature = "test-seams")]
        let auth = {
            let ttl = settings.auth_cache_ttl;
            let refresh_after = settings.auth_refresh_after.unwrap_or(ttl / 2);
            let mut auth = Self::with_refresh_after(ttl, refresh_after, settings.auth_timeout);
            if settings.auth_refresh_held {
                auth.users.iter_mut().for_each(RefreshingCache::hold_refreshes);
                auth.grants.iter_mut().for_each(RefreshingCache::hold_refreshes);
            }
            auth
        };
        auth
    }

    /// How many user look-ups (token → user) have been started: in the foreground, and background refreshes
    /// (counted when they are spawned, even while a test seam holds them).
    pub fn user_lookups(&self) -> u64 {
        self.user_lookups.load(Ordering::SeqCst)
    }

    /// Test seam: lets `n` held background refreshes of each cache run (`Settings::auth_refresh_held`).
    #[cfg(feature = "test-seams")]
    pub fn release_refreshes(&self, n: usize) {
        self.users.iter().for_each(|c| c.release(n));
        self.grants.iter().for_each(|c| c.release(n));
    }

    /// Test seam: returns once no background refresh is running.
    #[cfg(feature = "test-seams")]
    pub async fn refreshes_settled(&self) {
        if let Some(c) = &self.users {
            c.settled().await;
        }
        if let Some(c) = &self.grants {
            c.settled().await;
        }
    }

    /// The user `credentials` name, if this worker thread decided that they hold `rule` recently enough
    /// that the cache entries it decided from are still served as they are (`refresh_after`).
    pub(crate) fn granted(&self, credentials: &Credentials, rule: Rule) -> Option<Arc<AuthUser>> {
        let now = Instant::now();
        self.grants_decided.as_ref()?.get(&credentials.hashed, |grants| {
            grants
                .iter()
                .find(|g| g.user_id == credentials.user_id && g.rule == rule.name && now < g.until)
                .map(|g| Arc::clone(&g.user))
        })
    }

    /// Whether `login` holds the permission `rule` names (see [`Self::permits`]); a grant is remembered
    /// for [`Self::granted`].
    pub(crate) async fn authorize(
        &self,
        state: &web::Data<AppState>,
        credentials: &Credentials,
        login: &Entry<AuthUser>,
        rule: Rule,
    ) -> Result<bool, ApiError> {
        let (granted, read_at) = self.decide(state, &login.value, rule).await?;
        if granted {
            self.remember(credentials, rule, &login.value, read_at.min(login.read_at));
        }
        Ok(granted)
    }

    /// Remembers in this worker thread that `user` holds `rule`, decided from cache entries the oldest of
    /// which was read at `read_at`.
    fn remember(&self, credentials: &Credentials, rule: Rule, user: &Arc<AuthUser>, read_at: Instant) {
        let Some(decided) = &self.grants_decided else { return };
        let grant = Grant {
            user_id: credentials.user_id.clone(),
            rule: rule.name,
            user: Arc::clone(user),
            until: read_at + self.refresh_after,
        };
        decided.update(&credentials.hashed, Vec::new, |grants| {
            grants.retain(|g| g.user_id != grant.user_id || g.rule != grant.rule);
            grants.push(grant);
        });
    }

    /// Whether `user` holds the permission `rule` names: never for a guest; else the roles of the
    /// permission's document, or, when that document is absent, those of its fallback.
    pub(crate) async fn permits(
        &self,
        state: &web::Data<AppState>,
        user: &AuthUser,
        rule: Rule,
    ) -> Result<bool, ApiError> {
        Ok(self.decide(state, user, rule).await?.0)
    }

    /// [`Self::permits`], and when the oldest permission document it read was read.
    async fn decide(
        &self,
        state: &web::Data<AppState>,
        user: &AuthUser,
        rule: Rule,
    ) -> Result<(bool, Instant), ApiError> {
        if user.has_role(GUEST_ROLE) {
            return Ok((false, Instant::now()));
        }
        let holds = |roles: &[String]| user.roles.iter().any(|r| roles.contains(r));
        let own = self.permission_roles(state, rule.name).await?;
        Ok(match own.value.as_deref() {
            Some(roles) => (holds(roles), own.read_at),
            None => match rule.fallback {
                Fallback::Role(role) => (user.has_role(role), own.read_at),
                Fallback::RolesOf(other) => {
                    let other = self.permission_roles(state, other).await?;
                    (
                        other.value.as_deref().is_some_and(holds),
                        own.read_at.min(other.read_at),
                    )
                }
            },
        })
    }

    /// 401 unless the headers name a user holding that token.
    pub(crate) async fn authenticate(
        &self,
        state: &web::Data<AppState>,
        credentials: &Credentials,
    ) -> Result<Entry<AuthUser>, ApiError> {
        let (state, limit, lookups) = (state.clone(), self.limit, Arc::clone(&self.user_lookups));
        let Credentials { user_id, hashed } = credentials;
        let load = {
            let (user_id, hashed) = (user_id.clone(), hashed.clone());
            move || {
                lookups.fetch_add(1, Ordering::SeqCst);
                load_user(state, user_id, hashed, limit)
            }
        };
        match &self.users {
            Some(cache) => cache.get((user_id.clone(), hashed.clone()), load).await,
            None => load().await.map(Entry::now),
        }
    }

    async fn permission_roles(
        &self,
        state: &web::Data<AppState>,
        permission: &str,
    ) -> Result<Entry<Option<Vec<String>>>, ApiError> {
        let (state, limit) = (state.clone(), self.limit);
        let load = {
            let permission = permission.to_string();
            move || load_grant(state, permission, limit)
        };
        match &self.grants {
            Some(cache) => cache.get(permission.to_string(), load).await,
            None => load().await.map(Entry::now),
        }
    }
}

async fn load_user(
    state: web::Data<AppState>,
    user_id: String,
    hashed: String,
    limit: Limit,
) -> Result<Arc<AuthUser>, ApiError> {
    let found = state
        .store
        .find_one_within(
            coll::USERS,
            doc! {"_id": &user_id, "services.resume.loginTokens.hashedToken": hashed},
            doc! {"_id": 1, "username": 1, "roles": 1, "active": 1},
            limit,
        )
        .await?
        .ok_or(ApiError::Unauthorized)?;
    // Hardening beyond Rocket.Chat: a deactivated user is refused even if a token survived.
    if found.get_bool("active") == Ok(false) {
        return Err(ApiError::Unauthorized);
    }
    Ok(Arc::new(AuthUser {
        id: user_id,
        username: found.get_str("username").ok().map(str::to_owned),
        roles: owned_strings(&found, "roles"),
    }))
}

async fn load_grant(
    state: web::Data<AppState>,
    permission: String,
    limit: Limit,
) -> Result<Arc<Option<Vec<String>>>, ApiError> {
    let found = state
        .store
        .find_one_within(coll::PERMISSIONS, doc! {"_id": permission}, doc! {"roles": 1}, limit)
        .await?;
    Ok(Arc::new(found.map(|d| owned_strings(&d, "roles"))))
}

fn owned_strings(d: &Document, key: &str) -> Vec<String> {
    strings(d, key).into_iter().map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grant_is_served_by_its_worker_until_its_entries_are_due_for_refresh() {
        use crate::auth::{ENGAGEMENT_DASHBOARD, LIVECHAT_REPORTS};
        let auth = Authenticator::new(Duration::from_secs(300), Duration::from_secs(3));
        let user = Arc::new(AuthUser {
            id: "u1".into(),
            username: Some("ann".into()),
            roles: vec!["admin".into()],
        });
        let ann = Credentials::new("u1", "token-1");
        assert!(auth.granted(&ann, ENGAGEMENT_DASHBOARD).is_none());
        auth.remember(&ann, ENGAGEMENT_DASHBOARD, &user, Instant::now());
        assert_eq!(auth.granted(&ann, ENGAGEMENT_DASHBOARD), Some(Arc::clone(&user)));
        // Another permission, another user id with the same token, another token: not decided.
        assert!(auth.granted(&ann, LIVECHAT_REPORTS).is_none());
        assert!(auth
            .granted(&Credentials::new("u2", "token-1"), ENGAGEMENT_DASHBOARD)
            .is_none());
        assert!(auth
            .granted(&Credentials::new("u1", "token-2"), ENGAGEMENT_DASHBOARD)
            .is_none());
        // Decided from an entry read more than `refresh_after` (150 s) ago: the caches decide again.
        let old = Instant::now()
            .checked_sub(Duration::from_secs(151))
            .expect("uptime over 151 s");
        auth.remember(&ann, ENGAGEMENT_DASHBOARD, &user, old);
        assert!(auth.granted(&ann, ENGAGEMENT_DASHBOARD).is_none());
        // Another thread (worker) has decided nothing.
        auth.remember(&ann, LIVECHAT_REPORTS, &user, Instant::now());
        std::thread::scope(|s| {
            s.spawn(|| assert!(auth.granted(&ann, LIVECHAT_REPORTS).is_none()));
        });
        assert!(auth.granted(&ann, LIVECHAT_REPORTS).is_some());
        // Without caches, nothing is remembered.
        let uncached = Authenticator::new(Duration::ZERO, Duration::from_secs(3));
        uncached.remember(&ann, ENGAGEMENT_DASHBOARD, &user, Instant::now());
        assert!(uncached.granted(&ann, ENGAGEMENT_DASHBOARD).is_none());
    }

    #[test]
    fn hashes_like_meteor() {
        // echo -n "abc" | openssl dgst -sha256 -binary | base64
        assert_eq!(hash_login_token("abc"), "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
        assert_eq!(hash_login_token("").len(), 44);
    }
}
