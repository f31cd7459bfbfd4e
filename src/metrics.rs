//! Prometheus metrics: requests per route and status, latency, MongoDB time per report and failed MongoDB
//! operations, cache use and size, authentication failures, the rollup's state. The series of each route and
//! report (static labels) are resolved once, when the routes are registered (`Metrics::new`); a request looks
//! its own up in a map that never changes. The workspace series (src/workspace/) are rendered by their
//! background round and appended to each scrape as that text ([`Metrics::set_appended`]).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use prometheus::{
    Encoder, Gauge, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
    TextEncoder,
};

/// A report's series: the time its computations take, and its cache hits and misses.
struct ReportSeries {
    query: Histogram,
    hit: IntCounter,
    miss: IntCounter,
}

pub(crate) struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    queries: HistogramVec,
    cache: IntCounterVec,
    cache_bytes: IntGauge,
    auth_failures: IntCounterVec,
    database_errors: IntCounterVec,
    rollup_state: IntGauge,
    rollup_messages: IntGauge,
    rollup_lag: Gauge,
    rollup_rebuilds: IntCounterVec,
    rollup_keys: IntCounterVec,
    rollup_documents: IntCounterVec,
    rollup_refresh: Histogram,
    rollup_verify_period: Gauge,
    rollup_verify_pass: Gauge,
    /// Each route's latency, by route pattern.
    routes: HashMap<String, Histogram>,
    /// Each report's series, by report label.
    reports: HashMap<String, ReportSeries>,
    /// Text appended to every scrape, as it was last set.
    appended: RwLock<Arc<str>>,
}

impl Metrics {
    /// The registry, with the series of these `routes` (patterns, `app::UNMATCHED` among them) and
    /// `reports` (labels).
    pub fn new(routes: &[&str], reports: &[&str]) -> Self {
        let registry = Registry::new_custom(Some("rca".into()), None).expect("valid prefix");
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests by route and status"),
            &["route", "status"],
        )
        .expect("valid metric");
        let latency = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency by route"),
            &["route"],
        )
        .expect("valid metric");
        let queries = HistogramVec::new(
            HistogramOpts::new(
                "mongodb_query_duration_seconds",
                "Time spent computing a report in MongoDB",
            )
            .buckets(vec![
                0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
            ]),
            &["report"],
        )
        .expect("valid metric");
        let cache = IntCounterVec::new(
            Opts::new("report_cache_total", "Report cache lookups by report and result"),
            &["report", "result"],
        )
        .expect("valid metric");
        let cache_bytes = IntGauge::new(
            "report_cache_bytes",
            "Bytes the report cache holds (its entries' weights and its own structures), at most RCA_CACHE_MAX_MB",
        )
        .expect("valid metric");
        let auth_failures = IntCounterVec::new(
            Opts::new("auth_failures_total", "Refused requests by reason"),
            &["reason"],
        )
        .expect("valid metric");
        let database_errors = IntCounterVec::new(
            Opts::new(
                "mongodb_errors_total",
                "Failed MongoDB operations by kind: unavailable (cannot be reached), timeout (over its time limit), other",
            ),
            &["kind"],
        )
        .expect("valid metric");
        let rollup_state = IntGauge::new(
            "rollup_state",
            "Message rollup: 0 off, 1 building (reports use the raw pipeline), 2 ready",
        )
        .expect("valid metric");
        let rollup_messages = IntGauge::new(
            "rollup_messages",
            "Messages sent counted in the rollup (while building: so far)",
        )
        .expect("valid metric");
        let rollup_lag = Gauge::new(
            "rollup_lag_seconds",
            "Seconds between now and the rollup's watermark (later messages are read raw)",
        )
        .expect("valid metric");
        let rollup_rebuilds = IntCounterVec::new(
            Opts::new(
                "rollup_rebuilds_total",
                "Rollup (re)builds by reason: start (whole build), retry (after a failed build), day (a UTC day whose count changed)",
            ),
            &["reason"],
        )
        .expect("valid metric");
        let rollup_keys = IntCounterVec::new(
            Opts::new(
                "rollup_index_keys_read_total",
                "Index keys of {ts:1} the rollup's checks read, by check: recent (the recent UTC hours, every refresh), verify (the rotation over older hours)",
            ),
            &["check"],
        )
        .expect("valid metric");
        let rollup_documents = IntCounterVec::new(
            Opts::new(
                "rollup_documents_read_total",
                "Message documents the rollup read, by read: build, advance (after the watermark), day (a UTC day scanned again)",
            ),
            &["read"],
        )
        .expect("valid metric");
        let rollup_refresh = Histogram::with_opts(
            HistogramOpts::new("rollup_refresh_duration_seconds", "Duration of the rollup's refreshes").buckets(vec![
                0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
            ]),
        )
        .expect("valid metric");
        let rollup_verify_period = Gauge::new(
            "rollup_verify_period_seconds",
            "How long one pass of the rotation over the days before the recent window takes at the current history: each of them is checked once within it",
        )
        .expect("valid metric");
        let rollup_verify_pass = Gauge::new(
            "rollup_verify_pass_seconds",
            "How long the last complete pass of the rotation took (0 until one completes)",
        )
        .expect("valid metric");
        for m in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(rollup_state.clone()),
            Box::new(rollup_messages.clone()),
            Box::new(rollup_lag.clone()),
            Box::new(rollup_rebuilds.clone()),
            Box::new(rollup_keys.clone()),
            Box::new(rollup_documents.clone()),
            Box::new(rollup_refresh.clone()),
            Box::new(rollup_verify_period.clone()),
            Box::new(rollup_verify_pass.clone()),
            Box::new(latency.clone()),
            Box::new(queries.clone()),
            Box::new(cache.clone()),
            Box::new(cache_bytes.clone()),
            Box::new(auth_failures.clone()),
            Box::new(database_errors.clone()),
        ] {
            registry.register(m).expect("unique metric");
        }
        let routes = routes
            .iter()
            .map(|r| (r.to_string(), latency.with_label_values(&[r])))
            .collect();
        let reports = reports
            .iter()
            .map(|r| {
                let series = ReportSeries {
                    query: queries.with_label_values(&[r]),
                    hit: cache.with_label_values(&[r, "hit"]),
                    miss: cache.with_label_values(&[r, "miss"]),
                };
                (r.to_string(), series)
            })
            .collect();
        Self {
            registry,
            requests,
            latency,
            queries,
            cache,
            cache_bytes,
            auth_failures,
            database_errors,
            rollup_state,
            rollup_messages,
            rollup_lag,
            rollup_rebuilds,
            rollup_keys,
            rollup_documents,
            rollup_refresh,
            rollup_verify_period,
            rollup_verify_pass,
            routes,
            reports,
            appended: RwLock::new(Arc::from("")),
        }
    }

    /// 0 off, 1 building, 2 ready.
    pub(crate) fn rollup_state(&self, state: i64) {
        self.rollup_state.set(state);
    }

    pub(crate) fn rollup_messages(&self, n: u64) {
        self.rollup_messages.set(i64::try_from(n).unwrap_or(i64::MAX));
    }

    pub(crate) fn rollup_lag(&self, seconds: f64) {
        self.rollup_lag.set(seconds);
    }

    pub(crate) fn rollup_rebuilds(&self, reason: &str, n: u64) {
        self.rollup_rebuilds.with_label_values(&[reason]).inc_by(n);
    }

    /// Index keys read by a check (`recent` or `verify`).
    pub(crate) fn rollup_keys_read(&self, check: &str, n: u64) {
        self.rollup_keys.with_label_values(&[check]).inc_by(n);
    }

    /// Documents read by the build or a refresh (`build`, `advance`, `day`).
    pub(crate) fn rollup_documents_read(&self, read: &str, n: u64) {
        self.rollup_documents.with_label_values(&[read]).inc_by(n);
    }

    pub(crate) fn rollup_refresh(&self, seconds: f64) {
        self.rollup_refresh.observe(seconds);
    }

    pub(crate) fn rollup_verify_period(&self, seconds: f64) {
        self.rollup_verify_period.set(seconds);
    }

    pub(crate) fn rollup_verify_pass(&self, seconds: f64) {
        self.rollup_verify_pass.set(seconds);
    }

    pub(crate) fn request(&self, route: &str, status: u16, seconds: f64) {
        match self.routes.get(route) {
            Some(latency) => latency.observe(seconds),
            None => self.latency.with_label_values(&[route]).observe(seconds),
        }
        self.requests.with_label_values(&[route, &status.to_string()]).inc();
    }

    pub(crate) fn query(&self, report: &str, seconds: f64) {
        match self.reports.get(report) {
            Some(series) => series.query.observe(seconds),
            None => self.queries.with_label_values(&[report]).observe(seconds),
        }
    }

    pub(crate) fn cache(&self, report: &str, hit: bool) {
        match (self.reports.get(report), hit) {
            (Some(series), true) => series.hit.inc(),
            (Some(series), false) => series.miss.inc(),
            (None, _) => {
                let result = if hit { "hit" } else { "miss" };
                self.cache.with_label_values(&[report, result]).inc();
            }
        }
    }

    pub(crate) fn cache_bytes(&self, bytes: u64) {
        self.cache_bytes.set(i64::try_from(bytes).unwrap_or(i64::MAX));
    }

    pub(crate) fn auth_failure(&self, reason: &str) {
        self.auth_failures.with_label_values(&[reason]).inc();
    }

    /// The failed MongoDB operations by kind (the store counts them, and creates each kind's series at zero).
    pub(crate) fn database_errors(&self) -> IntCounterVec {
        self.database_errors.clone()
    }

    /// Sets the text appended to every scrape: families in the text exposition format, of names of their
    /// own (the workspace series, rendered once per round rather than on each scrape).
    pub(crate) fn set_appended(&self, text: String) {
        *self.appended.write().unwrap_or_else(|e| e.into_inner()) = Arc::from(text);
    }

    /// The text exposition format: the registry's series, then the appended text.
    pub(crate) fn render(&self) -> String {
        let mut out = encode(&self.registry);
        out.push_str(&self.appended.read().unwrap_or_else(|e| e.into_inner()));
        out
    }
}

/// A registry's series in the text exposition format.
pub(crate) fn encode(registry: &Registry) -> String {
    let mut out = Vec::new();
    let _ = TextEncoder::new().encode(&registry.gather(), &mut out);
    String::from_utf8(out).unwrap_or_default()
}
