//! rc-analytics' own rollup of messages sent per room per 15-minute slot (issue #9), kept in memory,
//! never written to the database. [`table`] is the pure data structure and its arithmetic.

pub mod table;
