// rc-analytics' MongoDB user: read-only, on exactly the collections rc-analytics reads. (mongosh script)
//
//   RCA_MONGO_PASSWORD='…' mongosh 'mongodb://root:…@mongodb:27017/rocketchat?authSource=admin' \
//     --file deploy/mongo/create-readonly-user.js
//
// Creates (or updates) the role `rcAnalyticsRead` and the user `rc-analytics` (RCA_MONGO_USER) in the database
// the shell is connected to (Rocket.Chat's, `rocketchat` by default; RCA_MONGO_DB overrides), so rc-analytics
// connects with `...@mongodb:27017/rocketchat?replicaSet=rs0&authSource=rocketchat`. Run again after an upgrade
// of rc-analytics: it replaces the role's privileges with the list below. docker-compose.yml runs it on
// MongoDB's first start (docker-entrypoint-initdb.d).
//
// GRANTS must equal `store::coll::GRANTS` in rc-analytics' source: the service refuses to read anything else.
// tests/api/least_privilege.rs runs this script (under Node.js with a small mongosh shim), compares its role
// with that list, and runs the service with nothing but this role.
const GRANTS = {
  "users": ["find"],
  "rocketchat_permissions": ["find"],
  "rocketchat_message": ["find"],
  "rocketchat_room": ["find", "listIndexes"],
  "rocketchat_sessions": ["find"],
  "rocketchat_livechat_department": ["find"],
  "rocketchat_livechat_department_agents": ["find"],
  "rocketchat_livechat_unit_monitors": ["find"]
};

const dbName = process.env.RCA_MONGO_DB || db.getName();
const userName = process.env.RCA_MONGO_USER || "rc-analytics";
const password = process.env.RCA_MONGO_PASSWORD;
if (!password) {
  throw new Error("RCA_MONGO_PASSWORD is not set: export the password rc-analytics will use");
}
const target = db.getSiblingDB(dbName);
const roleName = "rcAnalyticsRead";
const privileges = Object.entries(GRANTS).map(([collection, actions]) => ({
  resource: { db: dbName, collection: collection },
  actions: actions,
}));

if (target.getRole(roleName) === null) {
  target.createRole({ role: roleName, privileges: privileges, roles: [] });
  print(`created role ${roleName} on ${dbName}`);
} else {
  target.updateRole(roleName, { privileges: privileges, roles: [] });
  print(`updated role ${roleName} on ${dbName}`);
}

if (target.getUser(userName) === null) {
  target.createUser({ user: userName, pwd: password, roles: [{ role: roleName, db: dbName }] });
  print(`created user ${userName} on ${dbName}`);
} else {
  target.updateUser(userName, { pwd: password, roles: [{ role: roleName, db: dbName }] });
  print(`updated user ${userName} on ${dbName}`);
}
