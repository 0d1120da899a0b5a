//! End-to-end tests of the `keyctl` binary: one test binary (see `Cargo.toml`), one module
//! per area. Every test runs the real binary in its own temporary directory.

mod common;

mod batch;
mod cli_keys;
mod cli_licenses;
mod cli_products;
mod cli_store;
mod cli_verify;
mod encryption;
mod generated;
mod interop;
mod net;
mod serve;
mod signer;
mod tamper;
