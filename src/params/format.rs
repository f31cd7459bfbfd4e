//! The `format` extension of every report: `json` (the default) or `csv`.

use super::query::Query;
use crate::error::ApiError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    Json,
    Csv,
}

impl Format {
    /// The `format` of a raw query string; any other value than `csv` or `json` is 400 `Invalid format:
    /// <value>. Use csv or json.` Only a query string that may name it (also percent-encoded) is parsed.
    pub(crate) fn of(raw_query: &str) -> Result<Self, ApiError> {
        if !raw_query.contains("format") && !raw_query.contains('%') {
            return Ok(Self::Json);
        }
        let query = Query::parse(raw_query)?;
        match query.get("format").map(|v| v.to_js_string()).as_deref() {
            None | Some("json") => Ok(Self::Json),
            Some("csv") => Ok(Self::Csv),
            Some(other) => Err(ApiError::BadRequest(format!(
                "Invalid format: {other}. Use csv or json."
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_by_default_csv_on_request_anything_else_refused() {
        assert_eq!(Format::of("start=x").unwrap(), Format::Json);
        assert_eq!(Format::of("format=json").unwrap(), Format::Json);
        assert_eq!(Format::of("a=1&format=csv").unwrap(), Format::Csv);
        assert_eq!(Format::of("%66ormat=csv").unwrap(), Format::Csv);
        assert_eq!(
            Format::of("format=xml").unwrap_err().to_string(),
            "Invalid format: xml. Use csv or json."
        );
        assert_eq!(
            Format::of("format=csv&format=json").unwrap_err().to_string(),
            "Invalid format: csv,json. Use csv or json."
        );
    }
}
