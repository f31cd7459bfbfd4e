//! Programs the tests run from the repo's deployment files (nginx, Prometheus): each a child process with a
//! temporary directory of its own, stopped and removed on drop.

use std::io::Read;
use std::path::PathBuf;
use std::process::Child;
use std::time::{Duration, Instant};

/// A running program and its directory.
pub struct Running {
    pub child: Child,
    pub dir: PathBuf,
}

/// A fresh temporary directory named after `what`, this process and `n`.
pub fn temp_dir(what: &str, n: u16) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rca-{what}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `text` (the repo file `file`) with `from` replaced by `to`; `from` must occur exactly once.
pub fn substitute_once(file: &str, text: &str, from: &str, to: &str) -> String {
    assert_eq!(
        text.matches(from).count(),
        1,
        "{file} must contain `{from}` exactly once"
    );
    text.replace(from, to)
}

/// The first of `paths` that exists; the test fails (never skips) without it: scripts/test.sh installs it.
pub fn installed(program: &str, paths: &[&str]) -> PathBuf {
    paths.iter().map(PathBuf::from).find(|p| p.exists()).unwrap_or_else(|| {
        panic!("{program} is not installed: run the tests with scripts/test.sh, which installs it from Debian")
    })
}

impl Running {
    /// Waits until the program listens on `port` of the loopback interface; fails with its stderr (piped)
    /// and the file `log` of its directory if it exits first, or after 30 s.
    pub fn wait_for_port(mut self, port: u16, log: &str) -> Self {
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = self.child.try_wait().unwrap() {
                let mut err = String::new();
                if let Some(mut stderr) = self.child.stderr.take() {
                    stderr.read_to_string(&mut err).unwrap();
                }
                let log = std::fs::read_to_string(self.dir.join(log)).unwrap_or_default();
                panic!("{} exited ({status}): {err}\n{log}", self.dir.display());
            }
            assert!(started.elapsed() < Duration::from_secs(30), "nothing listens on {port}");
            std::thread::sleep(Duration::from_millis(20));
        }
        self
    }
}

impl Drop for Running {
    /// SIGTERM (nginx's master then stops its worker, which a SIGKILL would orphan); SIGKILL only if the
    /// program has not exited within 5 s.
    fn drop(&mut self) {
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        let started = Instant::now();
        while matches!(self.child.try_wait(), Ok(None)) && started.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
