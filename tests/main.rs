//! End-to-end tests of the `keyctl` binary: one test binary (see `Cargo.toml`), one module
//! per area. Every test runs the real binary in its own temporary directory, except those of
//! `properties`, which check the library's pure functions over generated inputs.

mod common;

mod batch;
mod cli_keys;
mod cli_licenses;
mod cli_products;
mod cli_store;
mod cli_verify;
mod client;
mod encryption;
mod generated;
mod interop;
mod net;
mod offline;
mod postgres_harness;
mod properties;
mod replicas;
mod serve;
mod serve_security;
mod signer;
mod store_contract;
mod tamper;
mod vectors_cli;
