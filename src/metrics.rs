//! Prometheus metrics: requests per route and status, latency, MongoDB time per report, cache use,
//! authentication failures.

use prometheus::{Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder};

pub(crate) struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    queries: HistogramVec,
    cache: IntCounterVec,
    auth_failures: IntCounterVec,
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
        for m in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
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
        }
    }

    pub(crate) fn request(&self, route: &str, status: u16, seconds: f64) {
        self.requests.with_label_values(&[route, &status.to_string()]).inc();
        self.latency.with_label_values(&[route]).observe(seconds);
    }

    pub(crate) fn query(&self, report: &str, seconds: f64) {
        self.queries.with_label_values(&[report]).observe(seconds);
    }

    pub(crate) fn cache(&self, report: &str, hit: bool) {
        self.cache
            .with_label_values(&[report, if hit { "hit" } else { "miss" }])
            .inc();
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
