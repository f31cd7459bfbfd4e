//! Token lookup and permission grants, read from Rocket.Chat's collections within their own time limit
//! (`RCA_AUTH_TIMEOUT_MS`), with short TTL caches refreshed ahead of expiry (`cache.rs`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use base64::Engine;
use bson::{doc, Document};
use sha2::{Digest, Sha256};

use super::cache::{Entry, RefreshingCache};
use super::{Fallback, Rule};
use crate::config::Settings;
use crate::error::ApiError;
use crate::hooks::Hooks;
use crate::state::AppState;
use crate::store::{coll, strings, Limit};

/// The role Rocket.Chat white-lists: its holders are denied the analytics permissions.
const GUEST_ROLE: &str = "guest";

/// Meteor's `Accounts._hashLoginToken`: standard, padded base64 of the SHA-256 of the token.
pub fn hash_login_token(token: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(token.as_bytes()))
}

/// The caller's `X-User-Id` and the hash of their `X-Auth-Token` (the token itself is not kept).
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
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
    users: Option<RefreshingCache<Credentials, AuthUser>>,
    /// permission → roles of its document, `None` when the document is absent (cached alike, so a
    /// document created later takes effect within the TTL).
    grants: Option<RefreshingCache<String, Option<Vec<String>>>>,
    /// The time limit of each look-up.
    limit: Limit,
    /// User look-ups started (foreground, and background refreshes).
    user_lookups: Arc<AtomicU64>,
}

impl Authenticator {
    /// Caches kept `ttl` (zero disables them), refreshed by hits from half of it on; each look-up
    /// bounded by `timeout` (and by `RCA_QUERY_TIMEOUT_MS`, which the store applies to everything).
    pub fn new(ttl: Duration, timeout: Duration) -> Self {
        Self::with_hooks(ttl, timeout, &Hooks::default())
    }

    /// [`Self::new`] with the hooks' `auth_refresh_after` and `before_auth_refresh`.
    pub(crate) fn with_hooks(ttl: Duration, timeout: Duration, hooks: &Hooks) -> Self {
        let enabled = !ttl.is_zero();
        let refresh_after = hooks.auth_refresh_after.unwrap_or(ttl / 2);
        let hook = || hooks.before_auth_refresh.clone();
        Self {
            users: enabled.then(|| RefreshingCache::new("user", 10_000, ttl, refresh_after, hook())),
            grants: enabled.then(|| RefreshingCache::new("permission", 1_000, ttl, refresh_after, hook())),
            limit: Limit {
                time: timeout,
                name: "RCA_AUTH_TIMEOUT_MS",
            },
            user_lookups: Arc::default(),
        }
    }

    /// From the settings: `RCA_AUTH_CACHE_TTL_SECS`, `RCA_AUTH_TIMEOUT_MS`.
    pub(crate) fn from_settings(settings: &Settings, hooks: &Hooks) -> Self {
        Self::with_hooks(settings.auth_cache_ttl, settings.auth_timeout, hooks)
    }

    /// How many user look-ups (token → user) have been started: in the foreground, and background refreshes
    /// (counted when they are spawned, even while a hook holds them).
    pub fn user_lookups(&self) -> u64 {
        self.user_lookups.load(Ordering::SeqCst)
    }

    /// Returns once no background refresh of either cache is running.
    pub async fn refreshes_settled(&self) {
        if let Some(c) = &self.users {
            c.settled().await;
        }
        if let Some(c) = &self.grants {
            c.settled().await;
        }
    }

    /// Whether `user` holds the permission `rule` names: never for a guest; else the roles of the
    /// permission's document, or, when that document is absent, those of its fallback.
    pub(crate) async fn permits(
        &self,
        state: &web::Data<AppState>,
        user: &AuthUser,
        rule: Rule,
    ) -> Result<bool, ApiError> {
        if user.has_role(GUEST_ROLE) {
            return Ok(false);
        }
        let holds = |roles: &[String]| user.roles.iter().any(|r| roles.contains(r));
        let own = self.permission_roles(state, rule.name).await?;
        Ok(match own.value.as_deref() {
            Some(roles) => holds(roles),
            None => match rule.fallback {
                Fallback::Role(role) => user.has_role(role),
                Fallback::RolesOf(other) => {
                    let other = self.permission_roles(state, other).await?;
                    other.value.as_deref().is_some_and(holds)
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
        let load = || {
            self.user_lookups.fetch_add(1, Ordering::SeqCst);
            let Credentials { user_id, hashed } = credentials.clone();
            load_user(state.clone(), user_id, hashed, self.limit)
        };
        match &self.users {
            Some(cache) => cache.get(credentials, load).await,
            None => load().await.map(Entry::now),
        }
    }

    async fn permission_roles(
        &self,
        state: &web::Data<AppState>,
        permission: &str,
    ) -> Result<Entry<Option<Vec<String>>>, ApiError> {
        let load = || load_grant(state.clone(), permission.to_string(), self.limit);
        match &self.grants {
            Some(cache) => cache.get(permission, load).await,
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
    fn hashes_like_meteor() {
        // echo -n "abc" | openssl dgst -sha256 -binary | base64
        assert_eq!(hash_login_token("abc"), "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
        assert_eq!(hash_login_token("").len(), 44);
    }
}
