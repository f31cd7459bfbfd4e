//! `rc-analytics` (serve), `rc-analytics seed …` (demo data), `rc-analytics healthcheck`.

use rc_analytics::app::Application;
use rc_analytics::config::Settings;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match args.first().map(String::as_str) {
        None | Some("serve") => serve(),
        Some("seed") => rc_analytics::seed::cli::main(&args[1..]),
        Some("healthcheck") => rc_analytics::cli::healthcheck(&args[1..]),
        Some("-h" | "--help" | "help") => {
            println!("{}", rc_analytics::cli::USAGE);
            0
        }
        Some(other) => {
            eprintln!("rc-analytics: unknown command '{other}'\n{}", rc_analytics::cli::USAGE);
            2
        }
    };
    std::process::exit(code);
}

#[actix_web::main]
async fn serve() -> i32 {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("rc-analytics: {e}");
            return 2;
        }
    };
    let app = match Application::build(settings).await {
        Ok(a) => a,
        Err(e) => {
            eprintln!("rc-analytics: cannot start: {e}");
            return 1;
        }
    };
    match app.run_until_stopped().await {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("rc-analytics: {e}");
            1
        }
    }
}
