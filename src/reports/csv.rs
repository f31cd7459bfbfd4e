//! The `format=csv` extension, for every report: its rows (`origins`, `data`, `days`, `channels`, …) as CSV
//! with a header row, written from the report's typed rows (`Body::rows`). Nested objects become dotted
//! columns (`room.name`), arrays inside a row are joined with `;`; top-level totals stay in the JSON form;
//! no rows give an empty body. Cells that are strings starting with `=`, `+`, `-`, `@`, TAB or CR get a
//! leading `'` so that spreadsheets do not run them as formulas (numbers are left alone). The `csv` crate
//! quotes and writes.

use actix_web::http::header;
use actix_web::HttpResponse;
use serde::Serialize;
use serde_json::{Map, Value};

/// The `text/csv` answer of the report at `path` (its last segment names the file).
pub(crate) fn response(path: &str, rows: &[impl Serialize]) -> HttpResponse {
    let name = path.rsplit('/').next().unwrap_or("report");
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}.csv\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(to_csv(rows))
}

/// Rows as CSV: one column per key met, in order of first appearance.
pub(crate) fn to_csv(rows: &[impl Serialize]) -> String {
    let rows: Vec<Map<String, Value>> = rows
        .iter()
        .map(|row| flatten_row(&serde_json::to_value(row).unwrap_or(Value::Null)))
        .collect();
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
    fn rows_with_a_header() {
        let rows = [
            json!({"label": "Sales, EU", "value": 2}),
            json!({"label": "=cmd", "value": -1}),
        ];
        assert_eq!(to_csv(&rows), "label,value\r\n\"Sales, EU\",2\r\n'=cmd,-1\r\n");
    }

    #[test]
    fn tab_and_cr_formulas_are_defused_too() {
        let rows = [
            json!({"label": "\t=1+1"}),
            json!({"label": "\r=1+1"}),
            json!({"label": "@SUM(A1)"}),
        ];
        assert_eq!(to_csv(&rows), "label\r\n'\t=1+1\r\n\"'\r=1+1\"\r\n'@SUM(A1)\r\n");
    }

    #[test]
    fn nested_objects_and_arrays() {
        let rows = [
            json!({"room": {"_id": "r1", "name": "general", "usernames": []}, "messages": 5}),
            json!({"room": {"_id": "r2", "usernames": ["a", "b"]}, "messages": 1, "extra": "say \"hi\""}),
        ];
        assert_eq!(
            to_csv(&rows),
            "room._id,room.name,room.usernames,messages,extra\r\nr1,general,,5,\r\nr2,,a;b,1,\"say \"\"hi\"\"\"\r\n"
        );
    }

    #[test]
    fn no_rows_no_text() {
        assert_eq!(to_csv(&[] as &[Value]), "");
    }
}
