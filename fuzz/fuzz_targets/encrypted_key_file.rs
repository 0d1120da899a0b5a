//! Any text as an encrypted PKCS#8 PEM key file: `key import` answers (a key, or an error
//! naming the file), never panics, and never spends more than its bounded key-derivation cost.
#![no_main]

use keyctl::keyfile::pair_from_encrypted_pkcs8_pem;
use keyctl::passphrase::Passphrase;
use libfuzzer_sys::fuzz_target;
use zeroize::Zeroizing;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let passphrase = Passphrase::new(Zeroizing::new("fuzz".into()), "fuzz").expect("a passphrase");
    let _ = pair_from_encrypted_pkcs8_pem(text, &passphrase, "fuzz.pem");
});
