//! rc-analytics: Rocket.Chat's analytics REST API served from Rocket.Chat's own MongoDB.
//!
//! Imports flow one way (no module imports one above it):
//!
//! `main` → `app` → `reports`, `auth`, `openapi`, `ui`, `protocol` → `registry`, `state` → `rollup` → `store`, `params`,
//! `metrics` → `error`, `config` → `js` (JavaScript's number rules, below everything).
//!
//! `cli` stands beside that chain: `main` calls it, nothing in the service imports it. The demo-data generator
//! is a crate of its own (seed/, `rc-analytics-seed`); nothing in this crate writes to MongoDB.

pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod error;
pub mod hooks;
pub mod js;
pub mod metrics;
pub mod openapi;
pub mod params;
pub mod registry;
pub mod reports;
pub mod rollup;
pub mod state;
pub mod store;
pub mod ui;
