//! `rc-analytics seed`: the demo data generator's command line.

use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use mongodb::options::ClientOptions;
use mongodb::Client;

use super::{generate, Edition, SeedError, SeedOptions};
use rc_analytics::config::{database_from_url, redact};

pub(crate) const USAGE: &str = "usage: rc-analytics seed [options]

Writes Rocket.Chat-shaped demo data (users, rooms, messages, omnichannel, sessions) into a database
and prints credentials and ready-to-paste curl lines. Same --seed and --until give identical data.

options:
  --mongo-url URL      MongoDB URL, database from its path (default: $MONGO_URL; 'rocketchat' if no path)
  --seed N             random seed (default 1)
  --messages N         number of rocketchat_message documents (default 50000)
  --until YYYY-MM-DD   last day of data, UTC (default: today)
  --days N             number of days, --until included (default 42, at least 7)
  --edition E          community (default: a never-licensed workspace, core permissions only, no
                       units or monitors) or enterprise (what a licensed workspace also holds)
  --json               print one JSON object (credentials, example requests, counts) instead of text
  --force              replace the generator's collections even if the database holds Rocket.Chat data
  -h, --help           this text

Safety: a database with any document in users, rocketchat_room, rocketchat_message or
rocketchat_settings is refused unless --force is given; --force drops only the collections the
generator writes, then writes them.";

/// Where the printed curl lines point (the service's default bind, locally).
pub(crate) const BASE_URL: &str = "http://127.0.0.1:3100";

#[derive(Debug)]
struct Args {
    mongo_url: Option<String>,
    json: bool,
    options: SeedOptions,
}

/// `Ok(None)` for `--help`.
fn parse(args: &[String], today: NaiveDate) -> Result<Option<Args>, String> {
    let mut out = Args {
        mongo_url: None,
        json: false,
        options: SeedOptions::new(today),
    };
    out.options.progress = true;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| it.next().cloned())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        let number = |name: &str, v: String| {
            v.parse::<u64>()
                .map_err(|_| format!("{name} '{v}' is not a whole number"))
        };
        match flag {
            "-h" | "--help" => return Ok(None),
            "--force" if inline.is_none() => out.options.force = true,
            "--json" if inline.is_none() => out.json = true,
            "--edition" => {
                out.options.edition = match value(flag)?.as_str() {
                    "community" => Edition::Community,
                    "enterprise" => Edition::Enterprise,
                    v => return Err(format!("--edition '{v}' is not community or enterprise")),
                }
            }
            "--mongo-url" => out.mongo_url = Some(value(flag)?),
            "--seed" => out.options.seed = number(flag, value(flag)?)?,
            "--messages" => out.options.messages = number(flag, value(flag)?)?,
            "--days" => {
                let v = number(flag, value(flag)?)?;
                out.options.days = u32::try_from(v).map_err(|_| format!("--days '{v}' is too large"))?;
            }
            "--until" => {
                let v = value(flag)?;
                out.options.until = NaiveDate::parse_from_str(&v, "%Y-%m-%d")
                    .map_err(|_| format!("--until '{v}' is not a date YYYY-MM-DD"))?;
            }
            other => return Err(format!("unknown option '{other}' (rc-analytics seed --help)")),
        }
    }
    Ok(Some(out))
}

/// Exit codes: 0 written, 1 refused (Rocket.Chat data without `--force`) or failed, 2 bad usage.
pub fn main(args: &[String]) -> i32 {
    let now = Utc::now();
    let mut args = match parse(args, now.date_naive()) {
        Ok(Some(a)) => a,
        Ok(None) => {
            println!("{USAGE}");
            return 0;
        }
        Err(e) => {
            eprintln!("seed: {e}");
            return 2;
        }
    };
    // A live workspace: data of the current day ends now, not at midnight.
    args.options.now = Some(now.timestamp_millis());
    let Some(url) = args
        .mongo_url
        .or_else(|| std::env::var("MONGO_URL").ok())
        .filter(|u| !u.is_empty())
    else {
        eprintln!("seed: no database given: pass --mongo-url URL or set MONGO_URL");
        return 2;
    };
    let database = match database_from_url(&url) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("seed: --mongo-url: {}", e.reason);
            return 2;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("seed: {e}");
            return 1;
        }
    };
    runtime.block_on(async {
        let started = Instant::now();
        let result = async {
            let mut options = ClientOptions::parse(&url).await?;
            options.app_name = Some("rc-analytics-seed".into());
            options.server_selection_timeout = Some(Duration::from_secs(5));
            let client = Client::with_options(options)?;
            generate(&client.database(&database), &args.options).await
        }
        .await;
        match result {
            Ok(summary) => {
                let docs: u64 = summary.written.values().sum();
                eprintln!(
                    "seed: wrote {docs} documents into '{database}' at {} in {:.1} s",
                    redact(&url),
                    started.elapsed().as_secs_f64()
                );
                if args.json {
                    println!("{}", summary.json());
                } else {
                    println!("{}", summary.report(BASE_URL));
                }
                0
            }
            Err(SeedError::Invalid(why)) => {
                eprintln!("seed: {why}");
                2
            }
            Err(e) => {
                eprintln!("seed: {e}");
                1
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Result<Option<Args>, String> {
        let v: Vec<String> = list.iter().map(|s| s.to_string()).collect();
        parse(&v, NaiveDate::from_ymd_opt(2026, 11, 22).unwrap())
    }

    #[test]
    fn defaults_and_every_option() {
        let a = args(&[]).unwrap().unwrap();
        assert_eq!(a.mongo_url, None);
        let o = a.options;
        assert_eq!((o.seed, o.messages, o.days, o.force), (1, 50_000, 42, false));
        assert_eq!(o.until.to_string(), "2026-11-22");
        let a = args(&[
            "--mongo-url=mongodb://h/demo",
            "--seed",
            "7",
            "--messages",
            "1000",
            "--until",
            "2024-01-07",
            "--days=10",
            "--force",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(a.mongo_url.as_deref(), Some("mongodb://h/demo"));
        let o = a.options;
        assert_eq!((o.seed, o.messages, o.days, o.force), (7, 1000, 10, true));
        assert_eq!((a.json, o.edition), (false, Edition::Community));
        let a = args(&["--json", "--edition", "enterprise"]).unwrap().unwrap();
        assert_eq!((a.json, a.options.edition), (true, Edition::Enterprise));
        assert_eq!(o.until.to_string(), "2024-01-07");
        assert!(args(&["--help"]).unwrap().is_none());
    }

    #[test]
    fn bad_usage_is_one_line() {
        for (list, text) in [
            (&["--seed"][..], "--seed needs a value"),
            (&["--seed", "x"][..], "--seed 'x' is not a whole number"),
            (
                &["--until", "2024-13-01"][..],
                "--until '2024-13-01' is not a date YYYY-MM-DD",
            ),
            (
                &["--force=yes"][..],
                "unknown option '--force' (rc-analytics seed --help)",
            ),
            (&["--bogus"][..], "unknown option '--bogus' (rc-analytics seed --help)"),
            (
                &["--edition", "pro"][..],
                "--edition 'pro' is not community or enterprise",
            ),
        ] {
            assert_eq!(args(list).unwrap_err(), text);
        }
    }
}
