//! Integration tests: the real service against a real MongoDB-wire server (`MONGODB_URI`, started by
//! `scripts/test.sh`), one database per test, exact status codes and bodies.

mod guard;
mod helpers;
mod origin;
mod seed;
mod service;
