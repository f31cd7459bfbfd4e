//! `rc-analytics` (serve), `rc-analytics healthcheck`, `rc-analytics pipeline <url>`.

use clap::Parser;
use rc_analytics::app::Application;
use rc_analytics::cli::{Cli, Command};
use rc_analytics::config::Settings;

/// Exit codes: 0 done, 1 failed (start-up, health check), 2 bad usage or configuration.
fn main() {
    let code = match Cli::parse().command.unwrap_or(Command::Serve) {
        Command::Serve => serve(),
        Command::Healthcheck => rc_analytics::cli::healthcheck(),
        Command::Pipeline { url } => rc_analytics::cli::pipeline(&url),
    };
    std::process::exit(code);
}

#[actix_web::main]
async fn serve() -> i32 {
    init_logging();
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("rc-analytics: {e}");
            return 2;
        }
    };
    let (database, zone, bind) = (
        settings.database.clone(),
        settings.timezone.name(),
        settings.bind.clone(),
    );
    let app = match Application::build(settings).await {
        Ok(a) => a,
        Err(e) => {
            eprintln!("rc-analytics: cannot start: {e}");
            return 1;
        }
    };
    log::info!("{}", start_line(&database, &zone, &bind, app.port()));
    match app.run_until_stopped().await {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("rc-analytics: {e}");
            1
        }
    }
}

/// The one line logged at start: version, database, report zone and the bound address (`RCA_BIND` with the
/// port actually bound, which differs when `RCA_BIND` asks for port 0).
fn start_line(database: &str, zone: &str, bind: &str, port: u16) -> String {
    let mut address: std::net::SocketAddr = bind.parse().expect("RCA_BIND was checked by Settings");
    address.set_port(port);
    format!(
        "rc-analytics {} listening on http://{address}, database '{database}', report zone {zone}",
        env!("CARGO_PKG_VERSION")
    )
}

/// env_logger, filtered by `RUST_LOG` (default `info`). actix-http's dispatcher logs a client's malformed
/// request at ERROR (`stream error: request parse error: …`) after answering it 400; its other ERROR lines
/// concern response streams and upgrades, which this service does not use. So its target is off unless
/// `RUST_LOG` names it.
fn init_logging() {
    env_logger::Builder::new()
        .filter_module("actix_http::h1::dispatcher", log::LevelFilter::Off)
        .parse_env(env_logger::Env::default().default_filter_or("info"))
        .init();
}
