//! One module per report family: pure pipeline builders and the shaping of their results.

pub mod csv;
pub mod engagement;
pub mod omnichannel;

use bson::{Bson, Document};

/// A count from an aggregation result: MongoDB may give int32, int64 or double.
pub fn count_of(d: &Document, key: &str) -> i64 {
    match d.get(key) {
        Some(Bson::Int32(n)) => i64::from(*n),
        Some(Bson::Int64(n)) => *n,
        Some(Bson::Double(f)) => *f as i64,
        _ => 0,
    }
}

/// The stage operators of a pipeline, for the builders' unit tests.
#[cfg(test)]
pub fn stage_names(pipeline: &[Document]) -> Vec<&str> {
    pipeline
        .iter()
        .filter_map(|s| s.keys().next().map(String::as_str))
        .collect()
}
