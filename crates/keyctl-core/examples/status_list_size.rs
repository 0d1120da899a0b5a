//! Measures a status list's size and its build-and-sign time: `cargo run --release -p
//! keyctl-core --example status_list_size [LICENSES] [REVOKED_PERCENT]` (default 1 000 000
//! licenses, 1% revoked at positions spread by a fixed generator, so runs compare).

use std::time::Instant;

use keyctl_core::keys::KeyPair;
use keyctl_core::status_list::{self, Status, StatusList};

fn main() {
    let mut args = std::env::args().skip(1);
    let licenses: u64 = args
        .next()
        .map_or(1_000_000, |a| a.parse().expect("a count"));
    let percent: u64 = args.next().map_or(1, |a| a.parse().expect("a percentage"));
    let revoked = licenses * percent / 100;
    // A 64-bit LCG (Knuth's MMIX constants): spread, repeatable, no dependency.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let indexes: Vec<u64> = (0..revoked)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 11) % licenses
        })
        .collect();
    let key = KeyPair::from_seed(&[1; 32]);
    let runs = 5;
    let mut best = f64::MAX;
    let mut token = String::new();
    for _ in 0..runs {
        let started = Instant::now();
        let list = StatusList::build(licenses, indexes.iter().map(|&i| (i, Status::Revoked)))
            .expect("a list");
        token = status_list::sign(
            &key,
            "https://licenses.example.com/v1/status-list",
            &list,
            1_795_000_000,
            86_400,
        )
        .expect("signed");
        best = best.min(started.elapsed().as_secs_f64());
    }
    let started = Instant::now();
    let trusted = keyctl_core::keys::TrustedKeys::new(vec![key.public()]);
    let verified = status_list::verify(&token, &trusted, 1_795_000_000).expect("verifies");
    let verify_ms = started.elapsed().as_secs_f64() * 1000.0;
    println!(
        "{licenses} licenses, {revoked} revoked ({percent}%): raw {} bytes, lst {} bytes, token {} bytes; build+sign best of {runs}: {:.1} ms; verify+inflate: {verify_ms:.1} ms",
        verified.list.as_bytes().len(),
        verified.claims.status_list.lst.len(),
        token.len(),
        best * 1000.0
    );
}
