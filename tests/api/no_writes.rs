//! The service cannot write to MongoDB: src/store.rs is the only file of src/ that names the driver, and no
//! file of src/ calls one of the driver's write operations, names an aggregation stage that writes, or runs a
//! command other than `ping`. The demo-data generator (seed/), which writes, shows that the scan finds them.

use regex::Regex;

use crate::helpers::routing::repo_file;
use crate::helpers::rust_files;

/// The driver's operations that write or change the schema (mongodb 3's `Collection`, `Database`, `Client`
/// and GridFS) and its generic commands, which can do anything.
const WRITE_OPERATIONS: [&str; 21] = [
    "insert_one",
    "insert_many",
    "update_one",
    "update_many",
    "replace_one",
    "delete_one",
    "delete_many",
    "find_one_and_delete",
    "find_one_and_replace",
    "find_one_and_update",
    "bulk_write",
    "drop",
    "drop_index",
    "drop_indexes",
    "create_index",
    "create_indexes",
    "create_collection",
    "rename",
    "gridfs_bucket",
    "run_cursor_command",
    "run_raw_command",
];

/// `name:line: what` for every write in `text`: a call of a write operation (`.op(`, with or without a
/// turbofish), an `$out` or `$merge` stage, a `run_command` whose command is not `{"ping": 1}`.
fn writes_in(name: &str, text: &str) -> Vec<String> {
    let calls = Regex::new(&format!(r"\.({})\s*(?:::\s*<[^>]*>\s*)?\(", WRITE_OPERATIONS.join("|"))).unwrap();
    let stages = Regex::new(r#""\$(?:out|merge)""#).unwrap();
    let commands = Regex::new(r"\brun_command\b").unwrap();
    let ping = Regex::new(r#"^run_command\s*\(\s*doc!\s*\{\s*"ping"\s*:\s*1\s*\}\s*\)"#).unwrap();
    let line = |at: usize| text[..at].lines().count().max(1);
    let mut found = Vec::new();
    for m in calls.captures_iter(text) {
        let op = m.get(1).unwrap();
        found.push(format!("{name}:{}: {}", line(op.start()), op.as_str()));
    }
    for m in stages.find_iter(text) {
        found.push(format!("{name}:{}: {}", line(m.start()), m.as_str()));
    }
    for m in commands.find_iter(text) {
        if !ping.is_match(&text[m.start()..]) {
            found.push(format!("{name}:{}: run_command other than ping", line(m.start())));
        }
    }
    found
}

fn writes_under(dir: &str) -> Vec<String> {
    rust_files(&repo_file(dir))
        .iter()
        .flat_map(|path| writes_in(&path.display().to_string(), &std::fs::read_to_string(path).unwrap()))
        .collect()
}

#[test]
fn the_service_has_no_write_operation() {
    assert_eq!(writes_under("src"), Vec::<String>::new());
    let naming_the_driver: Vec<String> = rust_files(&repo_file("src"))
        .iter()
        .filter(|path| std::fs::read_to_string(path).unwrap().contains("mongodb::"))
        .map(|path| path.strip_prefix(repo_file("")).unwrap().display().to_string())
        .collect();
    assert_eq!(naming_the_driver, ["src/store.rs"]);
}

#[test]
fn the_scan_finds_writes() {
    // The generator writes: every kind of operation it uses is found.
    let seed = writes_under("seed/src");
    for op in ["insert_many", "drop", "create_index", "create_collection"] {
        assert!(
            seed.iter().any(|w| w.ends_with(&format!(": {op}"))),
            "{op} not found in {seed:#?}"
        );
    }
    let sample = r#"
        coll.update_one(filter, update).await?;
        coll.delete_many (doc! {}).await?;
        db.collection::<Document>("x")
            .find_one_and_update::<Document>(a, b);
        db.run_command(doc! {"dropDatabase": 1}).await?;
        db.run_command(doc! {"ping": 1}).await?;
        let stage = doc! {"$merge": {"into": "y"}};
        drop(guard); // std's drop, not the driver's.
        std::mem::drop(other);
    "#;
    assert_eq!(
        writes_in("sample", sample),
        [
            "sample:2: update_one",
            "sample:3: delete_many",
            "sample:5: find_one_and_update",
            "sample:8: \"$merge\"",
            "sample:6: run_command other than ping",
        ]
    );
}
