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
pub mod secret;
pub mod serve;
pub mod signer;
pub mod store;
pub mod time;

pub use error::{Error, Result};
