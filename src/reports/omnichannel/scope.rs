//! Monitor scoping: Rocket.Chat's `restrictQuery({userId})` (`ee/app/livechat-enterprise/server/lib/
//! restrictQuery.ts`, `…/methods/getUnitsFromUserRoles.ts`).
//!
//! No restriction unless all of: the user has neither `admin` nor `livechat-manager`, has
//! `livechat-monitor`, and business units exist (`rocketchat_livechat_department` documents with
//! `type: 'u'`). Then U = the units the user monitors (`rocketchat_livechat_unit_monitors`) plus the
//! departments the user serves as an agent (`rocketchat_livechat_department_agents`), D = the departments
//! whose `ancestors` meet U, and rooms must match `{$or: [{departmentAncestors: {$in: U}},
//! {departmentId: {$in: D}}]}`.

use bson::{doc, Bson, Document};

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::store::{coll, Store};

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Every room.
    All,
    /// A monitor's rooms; both lists sorted and without duplicates.
    Monitor {
        units: Vec<String>,
        departments: Vec<String>,
    },
}

impl Scope {
    pub(crate) async fn of(store: &Store, user: &AuthUser) -> Result<Self, ApiError> {
        // Roles first: they cost no query, and most callers are admins or managers.
        if user.has_role("admin") || user.has_role("livechat-manager") || !user.has_role("livechat-monitor") {
            return Ok(Self::All);
        }
        if store.count(coll::DEPARTMENTS, doc! {"type": "u"}, None).await? == 0 {
            return Ok(Self::All);
        }
        let mut units = strings(
            store
                .distinct(coll::UNIT_MONITORS, "unitId", doc! {"monitorId": &user.id})
                .await?,
        );
        units.extend(strings(
            store
                .distinct(coll::DEPARTMENT_AGENTS, "departmentId", doc! {"agentId": &user.id})
                .await?,
        ));
        units.sort();
        units.dedup();
        let mut departments = strings(
            store
                .distinct(coll::DEPARTMENTS, "_id", doc! {"ancestors": {"$in": units.clone()}})
                .await?,
        );
        departments.sort();
        departments.dedup();
        Ok(Self::Monitor { units, departments })
    }

    /// The condition rooms must meet, `None` for no restriction.
    pub(crate) fn filter(&self) -> Option<Document> {
        match self {
            Self::All => None,
            Self::Monitor { units, departments } => Some(doc! {"$or": [
                {"departmentAncestors": {"$in": units}},
                {"departmentId": {"$in": departments}},
            ]}),
        }
    }
}

fn strings(values: Vec<Bson>) -> Vec<String> {
    values
        .into_iter()
        .filter_map(|v| match v {
            Bson::String(s) => Some(s),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_and_key() {
        assert_eq!(Scope::All.filter(), None);
        let s = Scope::Monitor {
            units: vec!["u1".into(), "u2".into()],
            departments: vec![],
        };
        assert_eq!(
            s.filter(),
            Some(doc! {"$or": [{"departmentAncestors": {"$in": ["u1", "u2"]}}, {"departmentId": {"$in": []}}]})
        );
    }
}
