//! `rc-analytics-seed`: the demo data generator's command line (clap).

use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use clap::{CommandFactory, Parser};
use mongodb::options::ClientOptions;
use mongodb::Client;
use rc_analytics::config::{database_from_url, redact};

use super::{generate, Edition, SeedError, SeedOptions};

const SAFETY: &str = "\
Safety: a database with any document in users, rocketchat_room, rocketchat_message or rocketchat_settings is
refused (exit 1) unless --force is given; --force drops only the collections the generator writes, then writes
them. Never point it at a real workspace.";

/// Where the printed curl lines point (the service's default bind, locally).
pub(crate) const BASE_URL: &str = "http://127.0.0.1:3100";

/// Writes Rocket.Chat-shaped demo data into a MongoDB database
///
/// Users, rooms, messages, omnichannel data and sessions; prints credentials and ready-to-paste curl lines
/// (or, with --json, one JSON object). Same --seed and --until give identical data.
#[derive(Debug, Parser)]
#[command(name = "rc-analytics-seed", version, after_help = SAFETY)]
struct Args {
    /// MongoDB URL, required; the database is its path ('rocketchat' if none)
    #[arg(long, value_name = "URL", env = "MONGO_URL", hide_env_values = true)]
    mongo_url: String,
    /// Random seed
    #[arg(long, value_name = "N", default_value_t = 1)]
    seed: u64,
    /// Number of rocketchat_message documents
    #[arg(long, value_name = "N", default_value_t = SeedOptions::DEFAULT_MESSAGES,
          value_parser = clap::value_parser!(u64).range(..=SeedOptions::MAX_MESSAGES))]
    messages: u64,
    /// Last day of data, UTC, today at the latest [default: today]
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = date)]
    until: Option<NaiveDate>,
    /// Number of days, --until included (at least 7: the omnichannel example needs the last 7 days)
    #[arg(long, value_name = "N", default_value_t = SeedOptions::DEFAULT_DAYS,
          value_parser = clap::value_parser!(u32).range(i64::from(SeedOptions::MIN_DAYS)..=i64::from(SeedOptions::MAX_DAYS)))]
    days: u32,
    /// Which workspace the data imitates
    #[arg(long, value_name = "E", value_enum, default_value_t = Edition::Community)]
    edition: Edition,
    /// Print one JSON object (credentials, example requests, counts) instead of text [default: off]
    #[arg(long)]
    json: bool,
    /// Replace the generator's collections even if the database holds Rocket.Chat data [default: off]
    #[arg(long)]
    force: bool,
}

fn date(v: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| "not a date YYYY-MM-DD".into())
}

/// A usage error found after parsing, in clap's words and with its exit code (2).
fn usage_error(message: String) -> i32 {
    let e = Args::command().error(clap::error::ErrorKind::ValueValidation, message);
    let _ = e.print();
    e.exit_code()
}

impl Args {
    /// The generator's options; `--until` defaults to `today`.
    fn options(&self, today: NaiveDate) -> SeedOptions {
        SeedOptions {
            seed: self.seed,
            messages: self.messages,
            days: self.days,
            force: self.force,
            edition: self.edition,
            progress: true,
            ..SeedOptions::new(self.until.unwrap_or(today))
        }
    }
}

/// Exit codes: 0 written (or `--help`), 1 refused (Rocket.Chat data without `--force`) or failed, 2 bad usage.
pub fn main(args: impl IntoIterator<Item = String>) -> i32 {
    let args = match Args::try_parse_from(std::iter::once("rc-analytics-seed".to_string()).chain(args)) {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            return e.exit_code();
        }
    };
    let now = Utc::now();
    let mut options = args.options(now.date_naive());
    if options.until > now.date_naive() {
        return usage_error(format!(
            "--until {} is after today ({}, UTC): no data is written in the future",
            options.until,
            now.date_naive()
        ));
    }
    // A live workspace: data of the current day ends now, not at midnight.
    options.now = Some(now.timestamp_millis());
    let url = args.mongo_url;
    if url.trim().is_empty() {
        return usage_error("no database given: pass --mongo-url URL or set MONGO_URL".into());
    }
    // Checked here rather than by clap, whose message would quote the URL with its password.
    let database = match database_from_url(&url) {
        Ok(d) => d,
        Err(e) => return usage_error(format!("--mongo-url: {}", e.reason)),
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
            let mut client_options = ClientOptions::parse(&url).await?;
            client_options.app_name = Some("rc-analytics-seed".into());
            client_options.server_selection_timeout = Some(Duration::from_secs(5));
            let client = Client::with_options(client_options)?;
            let written = generate(&client.database(&database), &options).await;
            // Closed here, inside the runtime: a client dropped as the runtime stops panics in the driver's
            // background task (and prints that panic after our last line).
            client.shutdown().await;
            written
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

    fn args(list: &[&str]) -> Result<Args, clap::Error> {
        Args::try_parse_from(
            ["rc-analytics-seed", "--mongo-url", "mongodb://h/demo"]
                .iter()
                .chain(list),
        )
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    #[test]
    fn defaults_and_every_option() {
        Args::command().debug_assert();
        let a = args(&[]).unwrap();
        assert_eq!(a.mongo_url, "mongodb://h/demo");
        assert!(!a.json);
        let o = a.options(today());
        assert_eq!(
            (o.seed, o.messages, o.days, o.force, o.progress),
            (1, 50_000, 42, false, true)
        );
        assert_eq!(
            (o.until.to_string(), o.edition),
            ("2026-11-22".into(), Edition::Community)
        );
        let a = args(&[
            "--seed",
            "7",
            "--messages",
            "1000",
            "--until",
            "2024-01-07",
            "--days=10",
            "--force",
            "--json",
            "--edition",
            "enterprise",
        ])
        .unwrap();
        assert!(a.json);
        let o = a.options(today());
        assert_eq!((o.seed, o.messages, o.days, o.force), (7, 1000, 10, true));
        assert_eq!(
            (o.until.to_string(), o.edition),
            ("2024-01-07".into(), Edition::Enterprise)
        );
    }

    #[test]
    fn help_gives_every_option_a_default() {
        let command = Args::command();
        for arg in command.get_arguments() {
            let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
            let id = arg.get_id().as_str();
            assert!(
                ["help", "version"].contains(&id)
                    || !arg.get_default_values().is_empty()
                    || help.contains("[default: ")
                    || arg.get_env().is_some(),
                "--{id} has no default in --help"
            );
        }
    }

    #[test]
    fn bad_usage_exits_2() {
        for (list, text) in [
            (&["--seed"][..], "a value is required for '--seed <N>'"),
            (&["--seed", "x"][..], "invalid value 'x' for '--seed <N>'"),
            (
                &["--until", "2024-13-01"][..],
                "'2024-13-01' for '--until <YYYY-MM-DD>': not a date YYYY-MM-DD",
            ),
            (
                &["--days", "6"][..],
                "invalid value '6' for '--days <N>': 6 is not in 7..=3660",
            ),
            (&["--messages", "1000000001"][..], "1000000001 is not in 0..=1000000000"),
            (&["--force=yes"][..], "unexpected value 'yes' for '--force'"),
            (&["--bogus"][..], "unexpected argument '--bogus'"),
            (&["--edition", "pro"][..], "invalid value 'pro' for '--edition <E>'"),
        ] {
            let e = args(list).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{list:?}");
            assert!(e.to_string().contains(text), "{list:?}: {e}");
        }
    }
}
