//! Native license verification per second, the baseline of the Node figure in
//! `benches/wasm.sh` (docs/performance.md, "Product side").
//!
//! ```sh
//! cargo run --release -p keyctl-wasm --example bench_verify -- [SECONDS]
//! cargo run --release -p keyctl-wasm --example bench_verify --features keyctl-core/fast -- [SECONDS]
//! ```
//!
//! It lives in keyctl-wasm, not keyctl-core, because keyctl-wasm takes keyctl-core without
//! its default `fast` feature (ed25519-dalek's precomputed tables), as the wasm build does, so
//! the first command measures the code the package ships, compiled natively, and the second
//! adds the tables. keyctl-core's own examples would always have them: its `jsonwebtoken`
//! dev-dependency turns on ed25519-dalek's default features.
//!
//! Same token and key as `benches/wasm-verify.js` (vector `valid_all_claims` of
//! tests/vectors/licenses.json, its SPKI PEM key). Prints one line of JSON with calls per
//! second, each counted over SECONDS (default 3) after a warm-up:
//! - `verify_per_s`: `keyctl_core::license::verify` with the keys parsed once;
//! - `like_wasm_per_s`: `keyctl_wasm::verify_license_json`, the very function the wasm export
//!   runs (parse the PEM, verify, the verdict as JSON text) compiled natively;
//! - `signature_per_s`: `license::check_signature` alone (the Ed25519 verification).

use std::hint::black_box;
use std::time::{Duration, Instant};

use keyctl_core::keys::{PublicKey, TrustedKeys};
use keyctl_core::license::{self, Context, Outcome};
use serde_json::Value;

/// Calls `call` in a loop for `run`, after a warm-up of a third of it; calls per second.
fn rate(run: Duration, mut call: impl FnMut()) -> f64 {
    let warm_up = Instant::now();
    while warm_up.elapsed() < run / 3 {
        call();
    }
    let start = Instant::now();
    let mut calls = 0u64;
    while start.elapsed() < run {
        // Batches of 16 keep the clock reads out of the figure (a verification is ~30 µs).
        for _ in 0..16 {
            call();
        }
        calls += 16;
    }
    calls as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let seconds: f64 = match std::env::args().nth(1) {
        None => 3.0,
        Some(arg) => match arg.parse() {
            Ok(seconds) if seconds > 0.0 => seconds,
            _ => {
                eprintln!("bench_verify: SECONDS must be a positive number, not `{arg}`");
                std::process::exit(2);
            }
        },
    };
    let run = Duration::from_secs_f64(seconds);

    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/vectors/licenses.json"
    );
    let file: Value = serde_json::from_str(&std::fs::read_to_string(path).expect(path))
        .expect("the vector file is JSON");
    let vector = file["vectors"]
        .as_array()
        .and_then(|vectors| vectors.iter().find(|v| v["name"] == "valid_all_claims"))
        .expect("vector valid_all_claims");
    let token = vector["token"].as_str().expect("token");
    let product = vector["product"].as_str().expect("product");
    let now = vector["now"].as_i64().expect("now");
    let leeway = vector["leeway"].as_i64().expect("leeway");
    let pem = file["keys"]["pem"].as_str().expect("keys.pem");

    let trusted = TrustedKeys::new(PublicKey::parse_any(pem, "keys").expect("the PEM key"));
    let ctx = Context {
        product,
        domain: None,
        machine: None,
        now,
        leeway,
    };
    // A wrong answer would make the figure meaningless: check it before timing anything.
    assert_eq!(
        license::verify(token, &trusted, &ctx, None).outcome,
        Outcome::Valid
    );
    let decoded = license::decode(token).expect("the vector decodes");

    let verify = rate(run, || {
        black_box(license::verify(black_box(token), &trusted, &ctx, None));
    });
    let like_wasm = rate(run, || {
        let json = keyctl_wasm::verify_license_json(
            black_box(token),
            black_box(pem),
            product,
            None,
            now as f64,
            leeway as f64,
        );
        black_box(json.ok());
    });
    let signature = rate(run, || {
        black_box(license::check_signature(black_box(&decoded), &trusted).is_ok());
    });
    println!(
        "{{\"verify_per_s\":{verify:.0},\"like_wasm_per_s\":{like_wasm:.0},\"signature_per_s\":{signature:.0}}}"
    );
}
