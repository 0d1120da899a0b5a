//! Any key file: a key or an error, never a panic (short keys, bad PEM, odd JWKs).
#![no_main]

use keyctl::keys::{KeyPair, PublicKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = PublicKey::parse_any(text, "fuzz");
    let _ = KeyPair::from_pkcs8_pem(text, "fuzz");
});
