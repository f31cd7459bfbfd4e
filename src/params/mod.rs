//! Request parsing: query strings as Rocket.Chat's `qs` sees them, JS ISO dates, Meteor `check`
//! messages, ajv-style messages, moment-compatible dates, `parseJsonQuery` sorts, report time zones and
//! day windows.

pub(crate) mod ajv;
pub(crate) mod iso;
pub(crate) mod meteor;
pub(crate) mod moment;
pub(crate) mod page;
pub(crate) mod query;
pub(crate) mod sort;
pub(crate) mod window;
pub mod zone;
