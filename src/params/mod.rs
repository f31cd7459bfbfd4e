//! Request parsing: query strings as Rocket.Chat's `qs` sees them, JS ISO dates, Meteor `check`
//! messages, ajv-style messages, moment-compatible dates, `parseJsonQuery` sorts, report time zones and
//! day windows.

pub mod ajv;
pub mod iso;
pub mod meteor;
pub mod moment;
pub mod page;
pub mod query;
pub mod sort;
pub mod window;
pub mod zone;
