use rc_analytics::app::Application;
use rc_analytics::config::Settings;

#[actix_web::main]
async fn main() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("rc-analytics: {e}");
            std::process::exit(2);
        }
    };
    let app = match Application::build(settings).await {
        Ok(a) => a,
        Err(e) => {
            eprintln!("rc-analytics: cannot start: {e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = app.run_until_stopped().await {
        eprintln!("rc-analytics: {e}");
        std::process::exit(1);
    }
}
