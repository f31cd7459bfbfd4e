//! Builders of Rocket.Chat-shaped documents (the shapes of `packages/core-typings` in Rocket.Chat). The demo generator and the
//! integration tests write the same shapes through these.

use bson::{doc, Bson, DateTime, Document};

use rc_analytics::auth::hash_login_token;

/// A user with login tokens (`tokens`, each stored hashed with a `when`) and personal access tokens
/// (`pats`, stored hashed with `type: 'personalAccessToken'`).
pub fn user(
    id: &str,
    username: &str,
    roles: &[&str],
    created_at: DateTime,
    tokens: &[&str],
    pats: &[&str],
) -> Document {
    let mut login_tokens: Vec<Bson> = tokens
        .iter()
        .map(|t| Bson::Document(doc! {"when": created_at, "hashedToken": hash_login_token(t)}))
        .collect();
    login_tokens.extend(pats.iter().enumerate().map(|(i, t)| {
        Bson::Document(doc! {
            "hashedToken": hash_login_token(t),
            "type": "personalAccessToken",
            "createdAt": created_at,
            "lastTokenPart": t.chars().rev().take(6).collect::<Vec<_>>().into_iter().rev().collect::<String>(),
            "name": format!("token-{}", i + 1),
            "bypassTwoFactor": false,
        })
    }));
    let kind = if roles.contains(&"bot") { "bot" } else { "user" };
    doc! {
        "_id": id,
        "createdAt": created_at,
        "_updatedAt": created_at,
        "username": username,
        "name": title_case(username),
        "emails": [{"address": format!("{username}@example.com"), "verified": true}],
        "type": kind,
        "active": true,
        "roles": roles.to_vec(),
        "status": "offline",
        "statusConnection": "offline",
        "utcOffset": 0,
        "services": {
            "password": {"bcrypt": "$2b$10$demo.demo.demo.demo.demo.demo.demo.demo.demo.demo.de"},
            "resume": {"loginTokens": login_tokens},
        },
        "settings": {"preferences": {}},
    }
}

/// A `rocketchat_roles` document.
pub fn role(id: &str, scope: &str, description: &str) -> Document {
    doc! {
        "_id": id,
        "name": id,
        "scope": scope,
        "description": description,
        "protected": true,
        "mandatory2fa": false,
        "_updatedAt": DateTime::from_millis(0),
    }
}

/// A `rocketchat_permissions` document.
pub fn permission(id: &str, roles: &[&str]) -> Document {
    doc! {"_id": id, "roles": roles.to_vec(), "_updatedAt": DateTime::from_millis(0)}
}

/// A room of type `c`, `p`, `d` (direct: `name` lists the usernames, ids `uid-<username>`) or `l`/`v`.
pub fn room(id: &str, t: &str, name: &str, ts: DateTime) -> Document {
    if t == "d" {
        let uids: Vec<String> = name.split(',').map(|u| format!("uid-{u}")).collect();
        let members: Vec<(&str, &str)> = uids.iter().map(String::as_str).zip(name.split(',')).collect();
        return direct_room(id, &members, ts);
    }
    doc! {
        "_id": id,
        "t": t,
        "msgs": 0,
        "usersCount": 0,
        "ts": ts,
        "_updatedAt": ts,
        "default": false,
        "name": name,
        "fname": name,
        "u": {"_id": "rocket.cat", "username": "rocket.cat"},
    }
}

/// A direct-message room (`t: 'd'`) between `members` (`(user id, username)`): no `name`, the
/// members in `usernames` and `uids`.
pub(crate) fn direct_room(id: &str, members: &[(&str, &str)], ts: DateTime) -> Document {
    doc! {
        "_id": id,
        "t": "d",
        "msgs": 0,
        "usersCount": members.len() as i32,
        "ts": ts,
        "_updatedAt": ts,
        "default": false,
        "usernames": members.iter().map(|m| m.1).collect::<Vec<_>>(),
        "uids": members.iter().map(|m| m.0).collect::<Vec<_>>(),
    }
}

/// A business unit (Enterprise): stored with the departments, `type: 'u'`.
pub(crate) fn unit(id: &str, name: &str, departments: i32, monitors: i32) -> Document {
    doc! {
        "_id": id,
        "name": name,
        "type": "u",
        "visibility": "public",
        "numDepartments": departments,
        "numMonitors": monitors,
        "_updatedAt": DateTime::from_millis(0),
    }
}

/// A message written by `username` in `rid` at `ts`. Set `t`, `tmid`, `parent`… on the result as needed.
pub fn message(id: &str, rid: &str, ts: DateTime, user_id: &str, username: &str, msg: &str) -> Document {
    doc! {
        "_id": id,
        "rid": rid,
        "msg": msg,
        "ts": ts,
        "u": {"_id": user_id, "username": username, "name": title_case(username)},
        "_updatedAt": ts,
        "mentions": [],
        "channels": [],
        "groupable": false,
        "md": [{"type": "PARAGRAPH", "value": [{"type": "PLAIN_TEXT", "value": msg}]}],
    }
}

/// A livechat department (`rocketchat_livechat_department`).
pub fn department(id: &str, name: &str) -> Document {
    doc! {
        "_id": id,
        "name": name,
        "enabled": true,
        "description": "",
        "showOnRegistration": true,
        "showOnOfflineForm": true,
        "email": format!("{}@example.com", name.to_lowercase().replace(' ', "-")),
        "numAgents": 0,
        "requestTagBeforeClosingChat": false,
        "chatClosingTags": [],
        "archived": false,
        "_updatedAt": DateTime::from_millis(0),
    }
}

/// An omnichannel conversation (`rocketchat_room`, `t: 'l'`), open and not yet served.
/// Set `departmentId`, `servedBy`, `tags`, `source`, `metrics`, `open`, `onHold`… on the result.
pub fn livechat_room(id: &str, ts: DateTime, visitor: &str) -> Document {
    doc! {
        "_id": id,
        "t": "l",
        "msgs": 0,
        "usersCount": 1,
        "ts": ts,
        "_updatedAt": ts,
        "fname": title_case(visitor),
        "v": {"_id": format!("visitor-{visitor}"), "username": visitor, "token": format!("token-{visitor}"), "status": "online"},
        "open": true,
        "waitingResponse": true,
        "source": {"type": "widget"},
        "queuedAt": ts,
        "metrics": {"v": {"lq": ts}},
    }
}

/// `ana.agent` → `Ana Agent` (display names from usernames and slugs).
pub(crate) fn title_case(username: &str) -> String {
    username
        .split(['.', '_', '-'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}
