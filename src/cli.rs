//! Small subcommands of the binary besides serving.

pub const USAGE: &str = "usage:
  rc-analytics                 serve the API (configured by environment: MONGO_URL, RCA_*)
  rc-analytics seed [options]  write demo data (rc-analytics seed --help)
  rc-analytics healthcheck     exit 0 when the local service answers /health (for Docker's HEALTHCHECK)";

/// Exit code 0 when `GET /health` on the local service answers 200. (Issue 5 completes this.)
pub fn healthcheck(_args: &[String]) -> i32 {
    eprintln!("healthcheck: not implemented yet");
    1
}
