//! Any license, datetime and signature: request validation answers, never panics.
#![no_main]

use keyctl::signer::{verify_request, Scheme, SignedRequest};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut parts = text.splitn(3, '\n');
    let (license, datetime, signature) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    for scheme in [Scheme::Keyctl1, Scheme::Mio4] {
        let request = SignedRequest { scheme, license, datetime, signature };
        let _ = verify_request(&request, 1_795_425_300, 300, |_| Some("ks1_secret"));
    }
});
