//! `rc-analytics-seed`: writes demo data (see `cli`).

fn main() {
    std::process::exit(rc_analytics_seed::cli::main(std::env::args().skip(1)));
}
