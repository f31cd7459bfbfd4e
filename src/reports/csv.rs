//! The `format=csv` extension, for every report: the same answer as JSON, its row array rendered as CSV.
//!
//! Done once, as a middleware over successful report responses, so that no report repeats it:
//! - no `format`, or `format=json`: the JSON answer, untouched;
//! - `format=csv`: the report's row array (the first top-level array: `origins`, `data`, `days`, `channels`, …)
//!   as CSV with a header row. Nested objects become dotted columns (`room.name`), arrays inside a row are
//!   joined with `;`. Top-level totals stay in the JSON form. A row set that is empty gives an empty body.
//! - any other value: 400 `{"success":false,"error":"Invalid format: <value>. Use csv or json."}`, after the
//!   report's own checks (401, 403 and parameter errors come first, as for every extension).
//!   Cells that are strings starting with `=`, `+`, `-`, `@`, TAB or CR get a leading `'` so that
//!   spreadsheets do not run them as formulas (numbers are left alone). The `csv` crate quotes and writes.

use actix_web::body::{to_bytes, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError};
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::params::query::Query;

/// Reports live under `/api/`.
const REPORT_PREFIX: &str = "/api/";

pub(crate) async fn negotiate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse, actix_web::Error> {
    let query = req.query_string();
    // Only a report's query string that may name `format` (also percent-encoded) is parsed here.
    let format = (req.path().starts_with(REPORT_PREFIX) && (query.contains("format") || query.contains('%')))
        .then(|| Query::parse(query).ok())
        .flatten()
        .and_then(|q| q.get("format").map(|v| v.to_js_string()));
    let res = next.call(req).await?.map_into_boxed_body();
    let format = match format {
        Some(f) if res.status() == StatusCode::OK && f != "json" => f,
        _ => return Ok(res),
    };
    if format != "csv" {
        let err = ApiError::BadRequest(format!("Invalid format: {format}. Use csv or json."));
        return Ok(res.into_response(err.error_response()));
    }
    let (req, response) = res.into_parts();
    let name = req.path().rsplit('/').next().unwrap_or("report").to_string();
    let bytes = to_bytes(response.into_body()).await.unwrap_or_default();
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let csv = HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}.csv\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(to_csv(&body));
    Ok(ServiceResponse::new(req, csv))
}

/// The first top-level array of a report body, as CSV.
pub(crate) fn to_csv(body: &Value) -> String {
    let rows: Vec<Map<String, Value>> = match body.as_object().and_then(|o| o.values().find_map(Value::as_array)) {
        Some(rows) => rows.iter().map(flatten_row).collect(),
        None => return String::new(),
    };
    let mut columns: Vec<String> = Vec::new();
    for row in &rows {
        for key in row.keys() {
            if !columns.contains(key) {
                columns.push(key.clone());
            }
        }
    }
    if columns.is_empty() {
        return String::new();
    }
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let header = columns.iter().map(|c| cell(&Value::String(c.clone())));
    let records = rows.iter().map(|row| {
        columns
            .iter()
            .map(|c| row.get(c).map(cell).unwrap_or_default())
            .collect::<Vec<_>>()
    });
    // Writing into memory cannot fail; the records all have the columns' length.
    for record in std::iter::once(header.collect::<Vec<_>>()).chain(records) {
        if let Err(e) = writer.write_record(&record) {
            log::error!("csv: {e}");
        }
    }
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn flatten_row(v: &Value) -> Map<String, Value> {
    let mut out = Map::new();
    match v {
        Value::Object(o) => flatten_into(&mut out, "", o),
        other => {
            out.insert("value".into(), other.clone());
        }
    }
    out
}

fn flatten_into(out: &mut Map<String, Value>, prefix: &str, o: &Map<String, Value>) {
    for (k, v) in o {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            Value::Object(inner) => flatten_into(out, &key, inner),
            Value::Array(items) => {
                let joined = items.iter().map(plain).collect::<Vec<_>>().join(";");
                out.insert(key, Value::String(joined));
            }
            _ => {
                out.insert(key, v.clone());
            }
        }
    }
}

fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => crate::js::to_json(other),
    }
}

/// A cell's text; quoting is the writer's. Strings that a spreadsheet would run as a formula (OWASP's
/// list: `=`, `+`, `-`, `@`, TAB, CR) get a leading `'`.
fn cell(v: &Value) -> String {
    let mut text = plain(v);
    if v.is_string() && text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        text.insert(0, '\'');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rows_of_the_first_array() {
        let body = json!({"total": 3, "data": [{"label": "Sales, EU", "value": 2}, {"label": "=cmd", "value": -1}], "success": true});
        assert_eq!(to_csv(&body), "label,value\r\n\"Sales, EU\",2\r\n'=cmd,-1\r\n");
    }

    #[test]
    fn tab_and_cr_formulas_are_defused_too() {
        let body = json!({"data": [{"label": "\t=1+1"}, {"label": "\r=1+1"}, {"label": "@SUM(A1)"}]});
        assert_eq!(to_csv(&body), "label\r\n'\t=1+1\r\n\"'\r=1+1\"\r\n'@SUM(A1)\r\n");
    }

    #[test]
    fn nested_objects_and_arrays() {
        let body = json!({"channels": [
            {"room": {"_id": "r1", "name": "general", "usernames": []}, "messages": 5},
            {"room": {"_id": "r2", "usernames": ["a", "b"]}, "messages": 1, "extra": "say \"hi\""}
        ]});
        assert_eq!(
            to_csv(&body),
            "room._id,room.name,room.usernames,messages,extra\r\nr1,general,,5,\r\nr2,,a;b,1,\"say \"\"hi\"\"\"\r\n"
        );
    }

    #[test]
    fn no_rows_no_text() {
        assert_eq!(to_csv(&json!({"data": [], "total": 0})), "");
        assert_eq!(to_csv(&json!({"success": true})), "");
    }
}
