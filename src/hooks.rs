//! Points where a caller of `Application::build_with` (src/app.rs) may make the service wait: the tests
//! use them to hold a computation, a build or a refresh at a known point, or to make the database seem to
//! stall. The service itself sets none; each is one `Option` check where it stands.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// A hook: called with what is about to happen (a report label, a collection name, …), awaited before
/// it happens.
pub type Hook = Arc<dyn Fn(&str) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

#[derive(Clone, Default)]
pub struct Hooks {
    /// Before each report computation (inside its single flight), with the report's label.
    pub before_compute: Option<Hook>,
    /// Before the rollup's first build.
    pub before_rollup_build: Option<Hook>,
    /// Before each background refresh of the guard's caches, with `user` or `permission`.
    pub before_auth_refresh: Option<Hook>,
    /// Before each database operation, with its collection's name (inside the operation's time limit).
    pub before_operation: Option<Hook>,
    /// The age from which a cached login or grant is refreshed in the background (default: half of
    /// `RCA_AUTH_CACHE_TTL_SECS`).
    pub auth_refresh_after: Option<Duration>,
}

/// Awaits `hook`, if there is one.
pub(crate) async fn run(hook: &Option<Hook>, what: &str) {
    if let Some(hook) = hook {
        hook(what).await;
    }
}

/// A hook that holds what awaits it until it is let through: each [`Gate::open`] lets `n` pass.
#[derive(Clone)]
pub struct Gate(Arc<tokio::sync::Semaphore>);

impl Gate {
    pub fn closed() -> Self {
        Self(Arc::new(tokio::sync::Semaphore::new(0)))
    }

    pub fn hook(&self) -> Hook {
        let permits = Arc::clone(&self.0);
        Arc::new(move |_| {
            let permits = Arc::clone(&permits);
            Box::pin(async move {
                if let Ok(permit) = permits.acquire().await {
                    permit.forget();
                }
            })
        })
    }

    /// Lets `n` waiting (or future) callers through.
    pub fn open(&self, n: usize) {
        self.0.add_permits(n);
    }
}
