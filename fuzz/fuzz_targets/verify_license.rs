//! Any bytes given as a license: verification answers, never panics.
#![no_main]

use keyctl::keys::{KeyPair, TrustedKeys};
use keyctl::license::{verify, Context};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else { return };
    let keys = TrustedKeys::new(vec![KeyPair::from_seed(&[7; 32]).public()]);
    let ctx = Context { product: "app", domain: Some("a.example.com"), machine: None, now: 1_795_000_000, leeway: 60 };
    let _ = verify(token, &keys, &ctx, None);
});
