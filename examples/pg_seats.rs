//! Measures the PostgreSQL backend's durable activations per second through `grant_seat`
//! with 8 and 64 threads, and the cost of one `remember_request` (the replay record of a
//! signed request on a shared store).
//!
//! `cargo run --release --example pg_seats -- postgres://user@host:port/empty_database [POOL]`
//! The database is filled with a store and 1 000 licenses; use a throwaway one. POOL is the
//! connection pool's size (default: `serve`'s).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use keyctl::secret::SecretString;
use keyctl::store::{
    postgres, Activated, Activation, Backend, LicenseRecord, LicenseStatus, Location, OpenOptions,
    RememberedRequest, Store,
};

const LICENSES: usize = 1000;
const ACTIVATIONS: u64 = 20_000;

fn main() -> keyctl::Result<()> {
    let url = std::env::args()
        .nth(1)
        .expect("usage: pg_seats postgres://…/empty_database");
    Store::init(
        &Location::Postgres(url.clone()),
        "Bench",
        None,
        1_700_000_000,
    )?;
    let options = OpenOptions {
        pool_size: std::env::args()
            .nth(2)
            .map_or(OpenOptions::default().pool_size, |n| {
                n.parse().expect("POOL")
            }),
        ..OpenOptions::default()
    };
    let backend: Arc<dyn Backend> = Arc::from(postgres::open(&url, &options)?);
    let licenses: Vec<LicenseRecord> = (0..LICENSES)
        .map(|n| LicenseRecord {
            id: format!("lic_bench{n:06}"),
            short_key: format!("KBENCH{n:06}"),
            jwt: "jwt".into(),
            secret: SecretString::new("secret"),
            status: LicenseStatus::Active,
            reason: None,
            created: 1_700_000_000,
            licensee: "Bench".into(),
            products: vec!["app".into()],
            expires: None,
            max_activations: None,
            order_ref: None,
            status_idx: None,
        })
        .collect();
    backend.insert_licenses(&licenses)?;
    println!(
        "pool {} connections, {ACTIVATIONS} activations over {LICENSES} licenses a run",
        options.pool_size
    );
    for threads in [8u64, 64] {
        let next = Arc::new(AtomicU64::new(0));
        let started = Instant::now();
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let (backend, next) = (Arc::clone(&backend), Arc::clone(&next));
                std::thread::spawn(move || -> keyctl::Result<()> {
                    loop {
                        let n = next.fetch_add(1, Ordering::Relaxed);
                        if n >= ACTIVATIONS {
                            return Ok(());
                        }
                        let activation = Activation {
                            license_id: format!("lic_bench{:06}", n % LICENSES as u64),
                            hwid: format!("hw-{threads}-{n}"),
                            machine: None,
                            user: None,
                            first_seen: 1_700_000_000,
                            last_seen: 1_700_000_000,
                        };
                        let granted = backend.grant_seat(&activation, Some(1_000_000))?;
                        assert!(matches!(granted, Activated::Granted { new: true, .. }));
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.join().expect("worker")?;
        }
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "{threads:>2} threads: {:.0} activations/s",
            ACTIVATIONS as f64 / seconds
        );
    }
    let started = Instant::now();
    for n in 0..ACTIVATIONS {
        let fresh = backend.remember_request(RememberedRequest {
            request: n.wrapping_mul(0x9E37_79B9_7F4A_7C15),
            license: 1,
            expires: 1_700_000_100,
        })?;
        assert!(fresh);
    }
    let micros = started.elapsed().as_secs_f64() * 1e6 / ACTIVATIONS as f64;
    println!("remember_request, one thread: {micros:.0} µs each");
    Ok(())
}
