//! Times: what the core parses and renders ([`keyctl_core::time`], re-exported here), and the
//! clock, which only the binary reads.

pub use keyctl_core::time::*;

/// The current time in seconds since the Unix epoch.
pub fn now() -> Timestamp {
    chrono::Utc::now().timestamp()
}
