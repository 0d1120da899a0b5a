//! Criterion benchmarks of keyctl's hot paths, each beside the primitive it is built on,
//! measured in the same run over the same bytes, so every figure reads as a ratio to what
//! the hardware can do (issues 3 and 5, "Speed"; figures in docs/performance.md).
//!
//! Run: `cargo bench --bench keyctl` (all groups) or `cargo bench --bench keyctl -- signer`
//! (one group). After criterion's own output, a table of ratios is printed, computed from
//! the estimates this run wrote (a group that was filtered out is left out of the table).
//!
//! Groups:
//! - `signer`: KEYCTL1 and MIO4 sign/verify vs one raw HMAC-SHA256 over the same bytes,
//!   plus the KEYCTL1 floor (its four chained HMACs and one SHA-256 done by hand).
//! - `license`: `Issuer::issue` vs raw Ed25519 sign of the same signing input;
//!   `license::verify` vs raw Ed25519 verify; the parts in between (key parsing, decode).
//! - `batch`: `batch::verify::verify_all` on 1024 licenses (1 and 2 threads) vs raw
//!   `ed25519_dalek::verify_batch` over the same messages.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use criterion::{BatchSize, Criterion, Throughput};
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use keyctl::batch::verify::{verify_all, Defaults};
use keyctl::batch::Silent;
use keyctl::keys::{KeyPair, TrustedKeys};
use keyctl::license::{self, Context, IssueRequest, IssuedLicense, Issuer};
use keyctl::signer::{self, Scheme, SignedRequest};

type HmacSha256 = Hmac<Sha256>;

/// The request datetime every signer benchmark uses, and the clock that accepts it.
const T: &str = "20261123T091500Z";
/// Licenses in the batch benchmark.
const BATCH: usize = 1024;
/// keyctl's Ed25519 batch size (`batch::verify::GROUP`), for the like-for-like raw figure.
const GROUP: usize = 64;

fn now() -> i64 {
    signer::parse_datetime(T).expect("valid datetime")
}

/// A typical license request: one product, an expiry, seats and a feature.
fn request() -> IssueRequest {
    IssueRequest {
        licensee: "alice@example.com".into(),
        products: vec!["app".into()],
        expires: Some(now() + 365 * 86_400),
        not_before: None,
        max_activations: Some(3),
        domains: vec![],
        features: vec!["pro".into()],
        meta: None,
        status: None,
    }
}

struct Fixture {
    pair: KeyPair,
    issuer: Issuer,
    keys: TrustedKeys,
    license: IssuedLicense,
}

fn fixture() -> Fixture {
    let pair = KeyPair::generate();
    let issuer = Issuer::new("Example Corp", &pair);
    let keys = TrustedKeys::new(vec![pair.public()]);
    let license = issuer
        .issue(&request(), now(), now() as u64 * 1000)
        .expect("issue");
    Fixture {
        pair,
        issuer,
        keys,
        license,
    }
}

fn raw_hmac(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).expect("any key length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

fn bench_signer(c: &mut Criterion, f: &Fixture) {
    let jwt = f.license.jwt.as_str();
    let id = f.license.claims.jti.as_str();
    let secret = f.license.signer_secret.as_str();
    let steps = signer::keyctl1_steps(secret, T, jwt, id);
    let sts = steps.string_to_sign.clone().into_bytes();
    let k_signing = steps.k_signing;
    let mio_message = format!("{}\n{T}\n{jwt}", signer::MIO4).into_bytes();
    let keyctl1 = signer::sign(Scheme::Keyctl1, secret, T, jwt).expect("sign");
    let mio4 = signer::sign(Scheme::Mio4, secret, T, jwt).expect("sign");
    assert_eq!(keyctl1.signature, steps.signature);
    assert_eq!(
        mio4.signature,
        hex::encode(raw_hmac(secret.as_bytes(), &mio_message))
    );
    let now = now();
    println!(
        "signer input: JWT {} bytes, KEYCTL1 string to sign {} bytes, MIO4 message {} bytes",
        jwt.len(),
        sts.len(),
        mio_message.len()
    );

    let mut g = c.benchmark_group("signer");
    g.bench_function("keyctl1_sign", |b| {
        b.iter(|| {
            signer::sign(
                Scheme::Keyctl1,
                black_box(secret),
                black_box(T),
                black_box(jwt),
            )
        })
    });
    let request = SignedRequest {
        scheme: Scheme::Keyctl1,
        license: jwt,
        datetime: T,
        signature: &keyctl1.signature,
    };
    g.bench_function("keyctl1_verify", |b| {
        b.iter(|| {
            signer::verify_request(black_box(&request), now, 300, |_| Some(secret))
                .expect("verifies")
        })
    });
    g.bench_function("mio4_sign", |b| {
        b.iter(|| {
            signer::sign(
                Scheme::Mio4,
                black_box(secret),
                black_box(T),
                black_box(jwt),
            )
        })
    });
    let request = SignedRequest {
        scheme: Scheme::Mio4,
        license: jwt,
        datetime: T,
        signature: &mio4.signature,
    };
    g.bench_function("mio4_verify", |b| {
        b.iter(|| {
            signer::verify_request(black_box(&request), now, 300, |_| Some(secret))
                .expect("verifies")
        })
    });
    // The primitive: one HMAC-SHA256 over KEYCTL1's string to sign (with the derived key).
    g.bench_function("raw_hmac_keyctl1_sts", |b| {
        b.iter(|| raw_hmac(black_box(&k_signing), black_box(&sts)))
    });
    // The primitive of MIO4: one HMAC-SHA256 over its (longer) message with the secret.
    g.bench_function("raw_hmac_mio4_message", |b| {
        b.iter(|| raw_hmac(black_box(secret.as_bytes()), black_box(&mio_message)))
    });
    // The signer's own input is the license: one HMAC over the JWT, for scale.
    g.bench_function("raw_hmac_jwt", |b| {
        b.iter(|| raw_hmac(black_box(secret.as_bytes()), black_box(jwt.as_bytes())))
    });
    // The non-cryptographic steps of sign/verify, to show where the rest goes.
    g.bench_function("part_license_id", |b| {
        b.iter(|| signer::license_id(black_box(jwt)))
    });
    g.bench_function("part_parse_datetime", |b| {
        b.iter(|| signer::parse_datetime(black_box(T)))
    });
    // KEYCTL1's cryptographic floor: three key derivations, SHA-256 of the JWT, the final
    // HMAC, and nothing else (no parsing, no formatting, no hex).
    let mut date_key = b"KEYCTL1".to_vec();
    date_key.extend_from_slice(secret.as_bytes());
    g.bench_function("raw_keyctl1_floor", |b| {
        b.iter(|| {
            let k_date = raw_hmac(black_box(&date_key), &black_box(T).as_bytes()[..8]);
            let k_license = raw_hmac(&k_date, black_box(id).as_bytes());
            let k_signing = raw_hmac(&k_license, b"keyctl1_request");
            let hash = Sha256::digest(black_box(jwt).as_bytes());
            (raw_hmac(&k_signing, black_box(&sts)), hash)
        })
    });
    g.finish();
}

fn bench_license(c: &mut Criterion, f: &Fixture) {
    let jwt = f.license.jwt.as_str();
    let decoded = license::decode(jwt).expect("decodes");
    let signing_input = decoded.signing_input.as_bytes().to_vec();
    let signature = Signature::from_bytes(&decoded.signature);
    let signing: &SigningKey = f.pair.signing_key();
    let verifying: VerifyingKey = signing.verifying_key();
    let seed = signing.to_bytes();
    let ctx = Context {
        product: "app",
        domain: None,
        machine: None,
        now: now(),
        leeway: 60,
    };
    assert!(license::verify(jwt, &f.keys, &ctx, None).is_valid());
    verifying
        .verify(&signing_input, &signature)
        .expect("raw verify");
    println!("license input: signing input {} bytes", signing_input.len());

    let mut g = c.benchmark_group("license");
    let request = request();
    let millis = now() as u64 * 1000;
    g.bench_function("keyctl_issue", |b| {
        b.iter(|| {
            f.issuer
                .issue(black_box(&request), now(), millis)
                .expect("issues")
        })
    });
    g.bench_function("raw_ed25519_sign", |b| {
        b.iter(|| signing.sign(black_box(&signing_input)))
    });
    // What jsonwebtoken does on every encode: parse the PKCS#8 key and derive the public key.
    g.bench_function("raw_signing_key_from_seed", |b| {
        b.iter(|| SigningKey::from_bytes(black_box(&seed)))
    });
    g.bench_function("keyctl_verify", |b| {
        b.iter(|| license::verify(black_box(jwt), &f.keys, &ctx, None))
    });
    g.bench_function("raw_ed25519_verify", |b| {
        b.iter(|| verifying.verify(black_box(&signing_input), black_box(&signature)))
    });
    // What jsonwebtoken does on every verify before the check: decompress the public key.
    let public = verifying.to_bytes();
    g.bench_function("raw_verifying_key_from_bytes", |b| {
        b.iter(|| VerifyingKey::from_bytes(black_box(&public)))
    });
    // keyctl's parsing alone: base64url and JSON of header and claims, signature decode.
    g.bench_function("keyctl_decode", |b| {
        b.iter(|| license::decode(black_box(jwt)).is_ok())
    });
    g.finish();
}

fn bench_batch(c: &mut Criterion, f: &Fixture) {
    let request = request();
    let licenses: Vec<String> = (0..BATCH)
        .map(|i| {
            f.issuer
                .issue(&request, now(), now() as u64 * 1000 + i as u64)
                .expect("issue")
                .jwt
        })
        .collect();
    let input = licenses.join("\n") + "\n";
    let defaults = Defaults {
        product: Some("app".into()),
        domain: None,
        now: now(),
        leeway: 60,
        status_list: None,
    };
    let decoded: Vec<_> = licenses
        .iter()
        .map(|jwt| license::decode(jwt).expect("decodes"))
        .collect();
    let messages: Vec<&[u8]> = decoded.iter().map(|d| d.signing_input.as_bytes()).collect();
    let signatures: Vec<Signature> = decoded
        .iter()
        .map(|d| Signature::from_bytes(&d.signature))
        .collect();
    let keys: Vec<VerifyingKey> = vec![f.pair.signing_key().verifying_key(); BATCH];
    let summary = verify_all(
        input.as_bytes(),
        &f.keys,
        &defaults,
        None,
        &mut std::io::sink(),
        1,
        &Silent,
    )
    .expect("batch verify");
    assert_eq!(summary.by_code.get("valid"), Some(&(BATCH as u64)));
    ed25519_dalek::verify_batch(&messages, &signatures, &keys).expect("raw batch verifies");
    println!(
        "batch input: {BATCH} licenses, {} bytes, {} threads available",
        input.len(),
        keyctl::batch::threads()
    );

    let mut g = c.benchmark_group("batch");
    g.throughput(Throughput::Elements(BATCH as u64));
    g.sample_size(20);
    g.measurement_time(Duration::from_secs(8));
    for threads in [1usize, 2] {
        g.bench_function(format!("keyctl_verify_all_{threads}t"), |b| {
            b.iter(|| {
                verify_all(
                    black_box(input.as_bytes()),
                    &f.keys,
                    &defaults,
                    None,
                    &mut std::io::sink(),
                    threads,
                    &Silent,
                )
                .expect("batch verify")
            })
        });
    }
    g.bench_function("raw_verify_batch_all", |b| {
        b.iter(|| ed25519_dalek::verify_batch(black_box(&messages), &signatures, &keys))
    });
    g.bench_function("raw_verify_batch_groups64", |b| {
        b.iter(|| {
            for ((m, s), k) in messages
                .chunks(GROUP)
                .zip(signatures.chunks(GROUP))
                .zip(keys.chunks(GROUP))
            {
                ed25519_dalek::verify_batch(black_box(m), s, k).expect("verifies");
            }
        })
    });
    g.bench_function("raw_verify_single_all", |b| {
        b.iter(|| {
            for ((m, s), k) in messages.iter().zip(&signatures).zip(&keys) {
                k.verify(black_box(m), s).expect("verifies");
            }
        })
    });
    // The parse work keyctl does per line, on one core: decode every token.
    g.bench_function("keyctl_decode_all", |b| {
        b.iter_batched(
            || (),
            |()| {
                licenses
                    .iter()
                    .filter(|jwt| license::decode(black_box(jwt)).is_ok())
                    .count()
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

/// Where criterion writes its estimates: `$CRITERION_HOME`, else `$CARGO_TARGET_DIR/criterion`,
/// else `target/criterion` under the package (cargo runs benches from there).
fn criterion_home() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return home.into();
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("criterion")
}

/// The time of one iteration of `group/id` in nanoseconds, if this run measured it.
fn mean_ns(group: &str, id: &str, since: SystemTime) -> Option<f64> {
    let path = criterion_home()
        .join(group)
        .join(id)
        .join("new/estimates.json");
    let modified = std::fs::metadata(&path).ok()?.modified().ok()?;
    if modified < since {
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).ok()?).ok()?;
    // The figure criterion prints: the slope of its linear fit, else the mean.
    value["slope"]["point_estimate"]
        .as_f64()
        .or_else(|| value["mean"]["point_estimate"].as_f64())
}

fn print_ratios(since: SystemTime) {
    // (what, group, keyctl id, primitive id, goal as "at most N x")
    let rows: &[(&str, &str, &str, &str, Option<f64>)] = &[
        (
            "KEYCTL1 sign / 1 HMAC(sts)",
            "signer",
            "keyctl1_sign",
            "raw_hmac_keyctl1_sts",
            Some(6.0),
        ),
        (
            "KEYCTL1 verify / 1 HMAC(sts)",
            "signer",
            "keyctl1_verify",
            "raw_hmac_keyctl1_sts",
            None,
        ),
        (
            "KEYCTL1 floor / 1 HMAC(sts)",
            "signer",
            "raw_keyctl1_floor",
            "raw_hmac_keyctl1_sts",
            None,
        ),
        (
            "KEYCTL1 sign / its floor",
            "signer",
            "keyctl1_sign",
            "raw_keyctl1_floor",
            None,
        ),
        (
            "KEYCTL1 sign / 1 HMAC(JWT)",
            "signer",
            "keyctl1_sign",
            "raw_hmac_jwt",
            None,
        ),
        (
            "MIO4 sign / 1 HMAC(msg)",
            "signer",
            "mio4_sign",
            "raw_hmac_mio4_message",
            None,
        ),
        (
            "MIO4 verify / 1 HMAC(msg)",
            "signer",
            "mio4_verify",
            "raw_hmac_mio4_message",
            None,
        ),
        (
            "issue / raw Ed25519 sign",
            "license",
            "keyctl_issue",
            "raw_ed25519_sign",
            None,
        ),
        (
            "verify / raw Ed25519 verify",
            "license",
            "keyctl_verify",
            "raw_ed25519_verify",
            None,
        ),
        (
            "batch 1t / raw verify_batch(1024)",
            "batch",
            "keyctl_verify_all_1t",
            "raw_verify_batch_all",
            None,
        ),
        (
            "batch 1t / raw verify_batch(64s)",
            "batch",
            "keyctl_verify_all_1t",
            "raw_verify_batch_groups64",
            None,
        ),
        (
            "batch 2t / raw verify_batch(1024)",
            "batch",
            "keyctl_verify_all_2t",
            "raw_verify_batch_all",
            None,
        ),
        (
            "raw batch(1024) / raw single",
            "batch",
            "raw_verify_batch_all",
            "raw_verify_single_all",
            None,
        ),
    ];
    let mut lines = Vec::new();
    for &(what, group, ours, primitive, goal) in rows {
        let (Some(a), Some(b)) = (
            mean_ns(group, ours, since),
            mean_ns(group, primitive, since),
        ) else {
            continue;
        };
        let ratio = a / b;
        let verdict = match goal {
            Some(goal) if ratio <= goal => format!("goal <= {goal}x: met"),
            Some(goal) => format!("goal <= {goal}x: MISSED"),
            None => String::new(),
        };
        lines.push(format!(
            "{what:<36} {:>12} / {:>12} = {ratio:>6.2}x  {verdict}",
            human(a),
            human(b)
        ));
    }
    let per_second = [
        (
            "batch",
            "keyctl_verify_all_1t",
            "keyctl verify_all, 1 thread",
        ),
        (
            "batch",
            "keyctl_verify_all_2t",
            "keyctl verify_all, 2 threads",
        ),
        (
            "batch",
            "raw_verify_batch_all",
            "raw verify_batch (1024), 1 core",
        ),
        (
            "batch",
            "raw_verify_batch_groups64",
            "raw verify_batch (64s), 1 core",
        ),
        (
            "batch",
            "raw_verify_single_all",
            "raw single verify, 1 core",
        ),
    ];
    for (group, id, what) in per_second {
        if let Some(ns) = mean_ns(group, id, since) {
            lines.push(format!(
                "{what:<36} {:>12.0} licenses/s",
                BATCH as f64 / (ns / 1e9)
            ));
        }
    }
    if !lines.is_empty() {
        println!("\nratios to the primitives (this run's estimates):");
        for line in lines {
            println!("  {line}");
        }
    }
}

fn human(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.3} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.3} µs", ns / 1e3)
    } else {
        format!("{ns:.1} ns")
    }
}

fn main() {
    let started = SystemTime::now();
    let mut c = Criterion::default().configure_from_args();
    let f = fixture();
    bench_signer(&mut c, &f);
    bench_license(&mut c, &f);
    bench_batch(&mut c, &f);
    c.final_summary();
    print_ratios(started);
}
