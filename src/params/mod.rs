//! Request parsing: query strings as Rocket.Chat's `qs` sees them, JS ISO dates, Meteor `check`
//! messages, report time zones and day windows.

pub mod iso;
pub mod meteor;
pub mod query;
pub mod window;
pub mod zone;
