// Runs a mongosh script (deploy/mongo/create-readonly-user.js) under plain Node.js and prints, as one JSON
// array, the role and user commands it would send: [{db, command}, …]. tests/api/least_privilege.rs sends
// them to a real server. Only what the script uses is provided; a fresh database has no role or user yet.
//   node tests/support/mongosh-shim.cjs SCRIPT DBNAME
"use strict";
const fs = require("fs");
const vm = require("vm");
const [script, dbName] = process.argv.slice(2);
const commands = [];
function database(name) {
  const record = (command) => commands.push({ db: name, command });
  return {
    getName: () => name,
    getSiblingDB: (other) => database(other),
    getRole: () => null,
    getUser: () => null,
    createRole: (d) => record({ createRole: d.role, privileges: d.privileges, roles: d.roles }),
    updateRole: (role, d) => record({ updateRole: role, ...d }),
    createUser: (d) => record({ createUser: d.user, pwd: d.pwd, roles: d.roles }),
    updateUser: (user, d) => record({ updateUser: user, ...d }),
  };
}
const context = vm.createContext({ db: database(dbName), print: (...a) => console.error(...a), process });
vm.runInContext(fs.readFileSync(script, "utf8"), context, { filename: script });
process.stdout.write(JSON.stringify(commands));
