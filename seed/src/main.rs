//! `rc-analytics-seed`: writes demo data (see `cli`).

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(rc_analytics_seed::cli::main(&args));
}
