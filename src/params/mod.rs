//! Request parsing: query strings as Rocket.Chat's `qs` sees them, JS ISO dates, Meteor `check`
//! messages, ajv-style messages, moment-compatible dates, `parseJsonQuery` sorts, report time zones and
//! day windows.

/// A calendar date `YYYY-MM-DD` that exists (30-day months, February 28, February 29 of leap years), as
/// a regular-expression fragment shared by the parameters' OpenAPI patterns.
macro_rules! calendar_date_pattern {
    () => {
        concat!(
            "(?:[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)",
            "|02-(?:0[1-9]|1[0-9]|2[0-8]))",
            "|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29)"
        )
    };
}

pub(crate) mod ajv;
pub(crate) mod format;
pub(crate) mod iso;
pub(crate) mod meteor;
pub(crate) mod moment;
pub(crate) mod page;
pub(crate) mod query;
pub(crate) mod sort;
pub(crate) mod window;
pub mod zone;

pub use iso::format_canonical;
