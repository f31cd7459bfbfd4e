//! Token lookup and permission grants, read from Rocket.Chat's collections, with a short TTL cache.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use bson::{doc, Document};
use moka::future::Cache;
use sha2::{Digest, Sha256};

use super::{Fallback, Rule};
use crate::error::ApiError;
use crate::store::{coll, strings, Store};

/// The role Rocket.Chat white-lists: its holders are denied the analytics permissions.
const GUEST_ROLE: &str = "guest";

/// Meteor's `Accounts._hashLoginToken`: standard, padded base64 of the SHA-256 of the token.
pub(crate) fn hash_login_token(token: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(token.as_bytes()))
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
    users: Option<Cache<(String, String), Arc<AuthUser>>>,
    /// permission → roles of its document, `None` when the document is absent (cached alike, so a
    /// document created later takes effect within the TTL).
    grants: Option<Cache<String, Arc<Option<Vec<String>>>>>,
}

impl Authenticator {
    /// `ttl` zero disables caching.
    pub fn new(ttl: Duration) -> Self {
        let enabled = !ttl.is_zero();
        Self {
            users: enabled.then(|| Cache::builder().max_capacity(10_000).time_to_live(ttl).build()),
            grants: enabled.then(|| Cache::builder().max_capacity(1_000).time_to_live(ttl).build()),
        }
    }

    /// Whether `user` holds the permission `rule` names: never for a guest; else the roles of the
    /// permission's document, or, when that document is absent, those of its fallback.
    pub(crate) async fn permits(&self, store: &Store, user: &AuthUser, rule: Rule) -> Result<bool, ApiError> {
        if user.has_role(GUEST_ROLE) {
            return Ok(false);
        }
        let roles = match self.permission_roles(store, rule.name).await?.as_ref() {
            Some(roles) => roles.clone(),
            None => match rule.fallback {
                Fallback::Role(role) => vec![role.to_string()],
                Fallback::RolesOf(other) => self
                    .permission_roles(store, other)
                    .await?
                    .as_ref()
                    .clone()
                    .unwrap_or_default(),
            },
        };
        Ok(user.roles.iter().any(|r| roles.contains(r)))
    }

    /// 401 unless the headers name a user holding that token.
    pub(crate) async fn authenticate(
        &self,
        store: &Store,
        user_id: &str,
        token: &str,
    ) -> Result<Arc<AuthUser>, ApiError> {
        let hashed = hash_login_token(token);
        let load = load_user(store, user_id.to_string(), hashed.clone());
        match &self.users {
            Some(cache) => cache
                .try_get_with((user_id.to_string(), hashed), load)
                .await
                .map_err(|e| (*e).clone()),
            None => load.await,
        }
    }

    async fn permission_roles(&self, store: &Store, permission: &str) -> Result<Arc<Option<Vec<String>>>, ApiError> {
        let load = load_grant(store, permission.to_string());
        match &self.grants {
            Some(cache) => cache
                .try_get_with(permission.to_string(), load)
                .await
                .map_err(|e| (*e).clone()),
            None => load.await,
        }
    }
}

async fn load_user(store: &Store, user_id: String, hashed: String) -> Result<Arc<AuthUser>, ApiError> {
    let found = store
        .find_one(
            coll::USERS,
            doc! {"_id": &user_id, "services.resume.loginTokens.hashedToken": hashed},
            doc! {"_id": 1, "username": 1, "roles": 1, "active": 1},
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

async fn load_grant(store: &Store, permission: String) -> Result<Arc<Option<Vec<String>>>, ApiError> {
    let found = store
        .find_one(coll::PERMISSIONS, doc! {"_id": permission}, doc! {"roles": 1})
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
