//! keyctl: the vendor's side of an offline-first licensing toolkit, over [`keyctl_core`].
//!
//! The workspace:
//! - `crates/keyctl-core` ([`keyctl_core`]): what a licensed product needs, pure (no I/O, no
//!   clock) and built for wasm32 too: license claims, issuing and verification, short keys,
//!   Ed25519 keys, request signing. Re-exported here as [`keys`], [`license`] and, with the
//!   HTTP signer added, [`signer`].
//! - `crates/keyctl-wasm`: the WebAssembly bindings and the JavaScript package.
//! - this crate: the store, the server, batches and the command line:
//!   - [`store`]: the embedded sled store of keys, products, licenses and activations;
//!   - [`serve`]: `keyctl serve`, validation and activation over HTTP; [`http`] its plumbing;
//!   - [`control`]: store commands as data, run here or inside a running server;
//!   - [`offline`]: machine files and the status list, signed for products offline;
//!   - [`batch`]: bulk issuance and verification;
//!   - [`cli`]: the `keyctl` command line, a thin layer over the above; [`output`] renders.
//!
//! A product that only verifies licenses needs [`keyctl_core`] alone.

#![forbid(unsafe_code)]

pub mod batch;
pub mod cli;
pub mod control;
pub mod error;
pub mod files;
pub mod http;
pub mod keyfile;
pub mod offline;
pub mod output;
pub mod passphrase;
pub mod secret;
pub mod serve;
pub mod signer;
pub mod store;
pub mod time;

pub use error::{Error, Result};
pub use keyctl_core::{keys, license};
