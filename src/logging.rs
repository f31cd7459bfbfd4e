//! The log: env_logger, filtered by `RUST_LOG` (default `info`), behind one rule of its own: a client's
//! malformed request never logs above `debug`.
//!
//! The HTTP/1 front (src/protocol.rs) answers malformed requests before actix-http's dispatcher sees them,
//! so its ERROR lines about them should never come: `stream error: request parse error: …` (a head) and
//! `stream error: I/O error: …` (a chunked body: the decoder's only source of that error; socket errors
//! are not logged). Should one come anyway (a decoder state the front did not foresee), it is a client's
//! doing, and it is logged at `debug` under its own target instead. Every other record, actix's real
//! server errors included, passes unchanged.

use log::{Level, LevelFilter, Log, Metadata, Record};

/// The dispatcher's log target.
const DISPATCHER: &str = "actix_http::h1::dispatcher";

/// Installs the logger. Call once, before anything logs.
pub fn init() {
    let inner = env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).build();
    let max: LevelFilter = inner.filter();
    if log::set_boxed_logger(Box::new(Demoting(inner))).is_ok() {
        log::set_max_level(max);
    }
}

/// Whether a record is actix-http's line about a request it could not parse.
pub(crate) fn is_client_parse_error(target: &str, message: &str) -> bool {
    target == DISPATCHER
        && (message.starts_with("stream error: request parse error: ")
            || message.starts_with("stream error: I/O error: "))
}

struct Demoting(env_logger::Logger);

impl Log for Demoting {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        self.0.enabled(metadata)
    }

    fn log(&self, record: &Record<'_>) {
        if record.level() <= Level::Warn && record.target() == DISPATCHER {
            let message = record.args().to_string();
            if is_client_parse_error(record.target(), &message) {
                let demoted = Metadata::builder().level(Level::Debug).target(record.target()).build();
                if self.0.enabled(&demoted) {
                    self.0.log(
                        &Record::builder()
                            .metadata(demoted)
                            .args(format_args!("{message}"))
                            .module_path(record.module_path())
                            .file(record.file())
                            .line(record.line())
                            .build(),
                    );
                }
                return;
            }
        }
        self.0.log(record);
    }

    fn flush(&self) {
        self.0.flush();
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use super::*;

    /// What a `Demoting` logger filtered by `filter` writes for each record.
    fn written(filter: &str, records: &[(Level, &str, &str)]) -> String {
        #[derive(Clone, Default)]
        struct Sink(Arc<Mutex<Vec<u8>>>);
        impl Write for Sink {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().write(buf)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let sink = Sink::default();
        let logger = Demoting(
            env_logger::Builder::new()
                .parse_filters(filter)
                .format(|f, r| writeln!(f, "{} {} {}", r.level(), r.target(), r.args()))
                .target(env_logger::Target::Pipe(Box::new(sink.clone())))
                .build(),
        );
        for (level, target, message) in records {
            logger.log(
                &Record::builder()
                    .level(*level)
                    .target(target)
                    .args(format_args!("{message}"))
                    .build(),
            );
        }
        let out = sink.0.lock().unwrap().clone();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_parse_error_is_debug_and_a_server_error_stays_an_error() {
        let records = [
            (
                Level::Error,
                DISPATCHER,
                "stream error: request parse error: invalid Header provided",
            ),
            (
                Level::Error,
                DISPATCHER,
                "Internal server error: unexpected payload chunk",
            ),
            (
                Level::Error,
                "actix_server::accept",
                "Error accepting connection: Too many open files",
            ),
        ];
        assert_eq!(
            written("info", &records),
            "ERROR actix_http::h1::dispatcher Internal server error: unexpected payload chunk\n\
             ERROR actix_server::accept Error accepting connection: Too many open files\n"
        );
        assert_eq!(
            written("info,actix_http=debug", &records),
            "DEBUG actix_http::h1::dispatcher stream error: request parse error: invalid Header provided\n\
             ERROR actix_http::h1::dispatcher Internal server error: unexpected payload chunk\n\
             ERROR actix_server::accept Error accepting connection: Too many open files\n"
        );
    }

    #[test]
    fn only_the_dispatchers_parse_errors_are_the_clients() {
        assert!(is_client_parse_error(
            DISPATCHER,
            "stream error: request parse error: invalid Header provided"
        ));
        assert!(is_client_parse_error(
            DISPATCHER,
            "stream error: request parse error: message head is too large"
        ));
        assert!(is_client_parse_error(
            DISPATCHER,
            "stream error: I/O error: Invalid chunk size line: Invalid size first-byte"
        ));
        for (target, message) in [
            (DISPATCHER, "stream error: internal error"),
            (DISPATCHER, "Internal server error: unexpected payload chunk"),
            (DISPATCHER, "stream error: body error: boom"),
            (DISPATCHER, "Response payload stream error: boom"),
            (
                "rc_analytics::error",
                "stream error: request parse error: invalid Header provided",
            ),
            (
                "actix_server::accept",
                "Error accepting connection: Too many open files",
            ),
        ] {
            assert!(!is_client_parse_error(target, message), "{target}: {message}");
        }
    }
}
