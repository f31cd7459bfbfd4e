//! Integration tests: the real service against a real MongoDB-wire server (`MONGODB_URI`, started by
//! `scripts/test.sh`), one database per test, exact status codes and bodies.

mod community;
mod compose;
mod dashboard;
mod engagement;
mod engagement_messages;
mod engagement_users;
mod guard;
mod helpers;
mod least_privilege;
mod omnichannel;
mod omnichannel_siblings;
mod ops;
mod origin;
mod proxy;
mod rollup;
mod seed;
mod service;
