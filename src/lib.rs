//! rc-analytics: Rocket.Chat's analytics (the Engagement Dashboard and the Omnichannel reports, with the same
//! routes, permissions and bodies) served from Rocket.Chat's own MongoDB, read-only, and its dashboard page.
//!
//! Where things go:
//! - a report: a module under `reports/` with a [`reports::Report`] impl (typed request, typed body, pure
//!   pipeline builder) and one line in `reports::endpoints()`; the route, guard, cache, metrics, CSV and
//!   OpenAPI entry follow from it;
//! - another route: `app::endpoints()` (operations) or `ui::endpoints()` (the page's);
//! - a workspace series of `/metrics`: `workspace/` (computed in its background round, read on scrape);
//! - an insight (rc-analytics' own report, docs/insights.md): a module under `insights/`, a `Report` impl of
//!   one of its families, one line in `insights::endpoints()`;
//! - a test: `tests/api/` with `helpers::spawn_app()` (exact status and body); the page's in `tests/ui/`.
//!
//! Imports flow one way (scripts/module-deps.sh checks it in CI): `main` → `app` → `workspace` (the workspace
//! series of `/metrics`, computed in the background) → `insights` → `reports`, `auth`, `openapi` → `ui` → `registry`,
//! `state` → `rollup` → `store`, `metrics` → `config` → `params` → `error` → `js` (JavaScript's number rules);
//! `hooks` (the points where tests make the service wait) is below all that use it. `cli` stands beside: `main` calls it. The demo-data generator is a crate of its own (seed/,
//! `rc-analytics-seed`); nothing in this crate writes to MongoDB (tests/api/no_writes.rs).

pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod error;
pub mod hooks;
pub mod insights;
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
pub mod workspace;
