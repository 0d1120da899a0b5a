//! keyctl: an offline-first licensing toolkit.
//!
//! - [`keys`]: Ed25519 signing keys, PEM/JWK/JWKS, RFC 7638 key ids.
//! - [`license`]: license JWTs (`EdDSA`), issuance, offline verification, short keys.
//! - [`store`]: the embedded sled store of keys, products, licenses and activations.
//! - [`cli`]: the `keyctl` command line, a thin layer over the above.
//!
//! A product that only verifies licenses needs [`keys::TrustedKeys`] and [`license::verify`].

#![forbid(unsafe_code)]

pub mod batch;
pub mod cli;
pub mod control;
pub mod error;
pub mod files;
pub mod http;
pub mod keys;
pub mod license;
pub mod output;
pub mod passphrase;
pub mod secret;
pub mod serve;
pub mod signer;
pub mod store;
pub mod time;

pub use error::{Error, Result};

/// Installs jsonwebtoken's RustCrypto backend as the process default, once.
///
/// jsonwebtoken 11 picks its backend at run time; installing it explicitly means a build
/// without the backend fails here, loudly, rather than at the first signature. A host
/// application that installed the same or another provider first keeps its choice.
pub fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
    });
}
