//! A desktop product's license check with keyctl-core: offline with the vendor's public key
//! (what a product does at every start), then online against a signer and `keyctl serve`
//! when it is given their addresses (what it does now and then, to learn of revocations).
//!
//! ```sh
//! cargo run --example desktop -- LICENSE.jwt vendor.pub.pem player
//! cargo run --example desktop -- LICENSE.jwt vendor.pub.pem player \
//!     http://127.0.0.1:8787/v1/sign http://127.0.0.1:8080
//! ```
//!
//! It prints the verdict as JSON and exits 0 when the license is valid, else with the
//! verdict's exit code (the same as `keyctl verify`), or 2 on bad arguments.

use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use keyctl_core::client::{Check, Client};
use keyctl_core::keys::{PublicKey, TrustedKeys};
use keyctl_core::license::{self, Context};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (license_file, key_file, product) = match args.as_slice() {
        [license, key, product, ..] => (license, key, product),
        _ => {
            eprintln!(
                "usage: desktop LICENSE_FILE PUBLIC_KEY_FILE PRODUCT [SIGNER_URL SERVER_URL]"
            );
            return ExitCode::from(2);
        }
    };
    let read = |path: &str| {
        std::fs::read_to_string(path).map_err(|err| eprintln!("desktop: {path}: {err}"))
    };
    let (Ok(token), Ok(pem)) = (read(license_file), read(key_file)) else {
        return ExitCode::from(2);
    };
    let keys = match PublicKey::parse_any(&pem, key_file) {
        Ok(keys) => TrustedKeys::new(keys),
        Err(err) => {
            eprintln!("desktop: {err}");
            return ExitCode::from(2);
        }
    };
    // The core never reads the clock: the product says what time it is.
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let token = token.trim();

    let ctx = Context {
        product,
        domain: None,
        machine: None,
        now,
        leeway: 60,
    };
    let offline = license::verify(token, &keys, &ctx, None);
    println!("offline: {}", offline.to_json());
    if !offline.is_valid() {
        return ExitCode::from(offline.outcome.exit_code() as u8);
    }

    if let [_, _, _, signer_url, server_url] = args.as_slice() {
        let client = Client::new(signer_url, server_url, Duration::from_secs(10));
        let online = client.validate(&Check {
            token,
            product,
            domain: None,
            now,
            leeway: 60,
            keys: Some(&keys),
        });
        println!("online: {}", online.to_json());
        if !online.valid {
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
