//! rc-analytics: Rocket.Chat's analytics REST API served from Rocket.Chat's own MongoDB.

pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod error;
pub mod metrics;
pub mod openapi;
pub mod params;
pub mod reports;
pub mod seed;
pub mod store;
pub mod ui;
