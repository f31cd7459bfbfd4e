//! Prometheus metrics: requests per route and status, latency, MongoDB time per report, cache use,
//! authentication failures.

use prometheus::{
    Encoder, Gauge, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
    TextEncoder,
};

use crate::state::per_thread::PerThread;

/// A route's request metrics, resolved: its latency, and its counter per status seen so far.
struct RouteMetrics {
    latency: Histogram,
    by_status: Vec<(u16, IntCounter)>,
}

/// How many labels each worker keeps resolved (route and report names: a few dozen).
const RESOLVED: usize = 1024;

pub(crate) struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    queries: HistogramVec,
    cache: IntCounterVec,
    auth_failures: IntCounterVec,
    rollup_state: IntGauge,
    rollup_messages: IntGauge,
    rollup_lag: Gauge,
    rollup_rebuilds: IntCounterVec,
    /// The labelled metrics every request updates, resolved once per worker thread (`with_label_values`
    /// hashes the labels and takes the vector's lock each time).
    routes: PerThread<RouteMetrics>,
    cache_results: PerThread<[Option<IntCounter>; 2]>,
    query_times: PerThread<Histogram>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub(crate) fn new() -> Self {
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
        let auth_failures = IntCounterVec::new(
            Opts::new("auth_failures_total", "Refused requests by reason"),
            &["reason"],
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
        for m in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(rollup_state.clone()),
            Box::new(rollup_messages.clone()),
            Box::new(rollup_lag.clone()),
            Box::new(rollup_rebuilds.clone()),
            Box::new(latency.clone()),
            Box::new(queries.clone()),
            Box::new(cache.clone()),
            Box::new(auth_failures.clone()),
        ] {
            registry.register(m).expect("unique metric");
        }
        Self {
            registry,
            requests,
            latency,
            queries,
            cache,
            auth_failures,
            rollup_state,
            rollup_messages,
            rollup_lag,
            rollup_rebuilds,
            routes: PerThread::new(RESOLVED),
            cache_results: PerThread::new(RESOLVED),
            query_times: PerThread::new(RESOLVED),
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

    pub(crate) fn request(&self, route: &str, status: u16, seconds: f64) {
        let resolve = || RouteMetrics {
            latency: self.latency.with_label_values(&[route]),
            by_status: Vec::new(),
        };
        self.routes.update(route, resolve, |m| {
            m.latency.observe(seconds);
            match m.by_status.iter().find(|(s, _)| *s == status) {
                Some((_, counter)) => counter.inc(),
                None => {
                    let counter = self.requests.with_label_values(&[route, &status.to_string()]);
                    counter.inc();
                    m.by_status.push((status, counter));
                }
            }
        });
    }

    pub(crate) fn query(&self, report: &str, seconds: f64) {
        let resolve = || self.queries.with_label_values(&[report]);
        self.query_times.update(report, resolve, |h| h.observe(seconds));
    }

    pub(crate) fn cache(&self, report: &str, hit: bool) {
        let result = if hit { "hit" } else { "miss" };
        self.cache_results.update(report, Default::default, |c| {
            c[usize::from(hit)]
                .get_or_insert_with(|| self.cache.with_label_values(&[report, result]))
                .inc()
        });
    }

    pub(crate) fn auth_failure(&self, reason: &str) {
        self.auth_failures.with_label_values(&[reason]).inc();
    }

    /// The text exposition format.
    pub(crate) fn render(&self) -> String {
        let mut out = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}
