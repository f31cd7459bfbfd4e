//! Demo data: Rocket.Chat-shaped documents, for the demo and for the tests.

pub mod cli;
pub mod docs;
