//! Token lookup and permission grants, read from Rocket.Chat's collections, with a short TTL cache.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use bson::{doc, Document};
use moka::future::Cache;
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::store::{coll, strings, Store};

/// The role Rocket.Chat white-lists: its holders are denied the analytics permissions.
const GUEST_ROLE: &str = "guest";

/// Meteor's `Accounts._hashLoginToken`: standard, padded base64 of the SHA-256 of the token.
pub fn hash_login_token(token: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(token.as_bytes()))
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthUser {
    pub id: String,
    pub username: Option<String>,
    pub roles: Vec<String>,
}

impl AuthUser {
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }
}

pub struct Authenticator {
    /// (user id, hashed token) → user; only hits are cached, so a new login works at once.
    users: Option<Cache<(String, String), Arc<AuthUser>>>,
    /// permission → roles that hold it.
    grants: Option<Cache<String, Arc<Vec<String>>>>,
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

    /// 401 unless the headers name a user holding that token, 403 unless the user holds `permission`.
    pub async fn authorize(
        &self,
        store: &Store,
        user_id: &str,
        token: &str,
        permission: &str,
    ) -> Result<Arc<AuthUser>, ApiError> {
        let user = self.authenticate(store, user_id, token).await?;
        if user.has_role(GUEST_ROLE) {
            return Err(ApiError::Forbidden);
        }
        let roles = self.permission_roles(store, permission).await?;
        if user.roles.iter().any(|r| roles.contains(r)) {
            Ok(user)
        } else {
            Err(ApiError::Forbidden)
        }
    }

    async fn authenticate(&self, store: &Store, user_id: &str, token: &str) -> Result<Arc<AuthUser>, ApiError> {
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

    async fn permission_roles(&self, store: &Store, permission: &str) -> Result<Arc<Vec<String>>, ApiError> {
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

async fn load_grant(store: &Store, permission: String) -> Result<Arc<Vec<String>>, ApiError> {
    let found = store
        .find_one(coll::PERMISSIONS, doc! {"_id": permission}, doc! {"roles": 1})
        .await?;
    Ok(Arc::new(found.map(|d| owned_strings(&d, "roles")).unwrap_or_default()))
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
