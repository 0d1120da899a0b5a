//! Prometheus metrics: requests by route and status, a latency histogram, and
//! activations granted and refused.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency histogram buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0,
];

/// Counters shared by the request middleware and the handlers.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    latency_buckets: [AtomicU64; BUCKETS.len()],
    latency_count: AtomicU64,
    latency_sum_nanos: AtomicU64,
    /// Seats granted (new activations only).
    pub activations_granted: AtomicU64,
    /// Activations refused because the license was full.
    pub activations_refused: AtomicU64,
}

impl Metrics {
    /// Records one finished request.
    pub fn observe(&self, route: &str, status: u16, elapsed: Duration) {
        if let Ok(mut requests) = self.requests.lock() {
            *requests.entry((route.to_owned(), status)).or_default() += 1;
        }
        let seconds = elapsed.as_secs_f64();
        for (bound, bucket) in BUCKETS.iter().zip(&self.latency_buckets) {
            if seconds <= *bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.latency_count.fetch_add(1, Ordering::Relaxed);
        self.latency_sum_nanos
            .fetch_add(elapsed.as_nanos() as u64, Ordering::Relaxed);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP keyctl_requests_total HTTP requests by route and status.\n");
        out.push_str("# TYPE keyctl_requests_total counter\n");
        if let Ok(requests) = self.requests.lock() {
            for ((route, status), count) in requests.iter() {
                let _ = writeln!(
                    out,
                    "keyctl_requests_total{{route=\"{route}\",status=\"{status}\"}} {count}"
                );
            }
        }
        out.push_str("# HELP keyctl_request_duration_seconds Time to answer a request.\n");
        out.push_str("# TYPE keyctl_request_duration_seconds histogram\n");
        for (bound, bucket) in BUCKETS.iter().zip(&self.latency_buckets) {
            let _ = writeln!(
                out,
                "keyctl_request_duration_seconds_bucket{{le=\"{bound}\"}} {}",
                bucket.load(Ordering::Relaxed)
            );
        }
        let count = self.latency_count.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "keyctl_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let sum = self.latency_sum_nanos.load(Ordering::Relaxed) as f64 / 1e9;
        let _ = writeln!(out, "keyctl_request_duration_seconds_sum {sum}");
        let _ = writeln!(out, "keyctl_request_duration_seconds_count {count}");
        out.push_str("# HELP keyctl_activations_total Machine activations by result.\n");
        out.push_str("# TYPE keyctl_activations_total counter\n");
        let granted = self.activations_granted.load(Ordering::Relaxed);
        let refused = self.activations_refused.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "keyctl_activations_total{{result=\"granted\"}} {granted}"
        );
        let _ = writeln!(
            out,
            "keyctl_activations_total{{result=\"refused\"}} {refused}"
        );
        out
    }
}
