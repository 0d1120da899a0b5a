//! keyctl-core: what a licensed product, or a second implementation, needs of keyctl.
//!
//! - [`keys`]: Ed25519 key pairs and public keys; PKCS#8/SPKI PEM, JWK, JWKS; RFC 7638 key ids.
//! - [`license`]: the license JWT's claims, issuing (signing) and offline verification in the
//!   contract's order, with its outcomes and exit codes; short keys.
//! - [`signer`]: request signing and checking, `KEYCTL1-HMAC-SHA256` (with machine requests)
//!   and Media-IO's `MIO4-HMAC-SHA256`, with the skew rule.
//! - [`machine`]: machine files, the signed proof that a machine is activated;
//!   [`request_code`]: the request codes of air-gapped activation.
//! - [`status_list`]: signed status lists (IETF Token Status List), revocation offline.
//! - [`clock`]: clock-rollback detection and the clock state a product keeps.
//! - [`offline`]: verification of a license or machine file with a status list and a clock
//!   state, the new outcomes `status_unknown` and `clock_rollback` included.
//! - [`time`]: the durations and instants people type, RFC 3339.
//! - `client` (feature `client`): the online flow for native products, a signer then
//!   `keyctl serve`; the only part that does I/O.
//!
//! The crate is pure: no files, sockets, clock or printing. The caller passes the current
//! time, and randomness comes from a [`rand_core::CryptoRngCore`] the caller provides (the
//! default `getrandom` feature adds constructors that use the operating system's). It builds
//! for `wasm32-unknown-unknown` without that feature.
//!
//! Verifying a license needs only [`keys::TrustedKeys`] and [`license::verify`]:
//!
//! ```
//! use keyctl_core::keys::{KeyPair, TrustedKeys};
//! use keyctl_core::license::{self, Context, IssueRequest, Issuer, Outcome};
//!
//! let vendor = KeyPair::from_seed(&[7; 32]);
//! let request = IssueRequest {
//!     licensee: "alice@example.com".into(),
//!     products: vec!["player".into()],
//!     ..IssueRequest::default()
//! };
//! let now = 1_795_000_000;
//! let issued = Issuer::with_rng("Example Corp", &vendor, &mut rand_core::OsRng)
//!     .issue_with(&mut rand_core::OsRng, &request, now, 0)
//!     .unwrap();
//!
//! let trusted = TrustedKeys::new(vec![vendor.public()]);
//! let ctx = Context { product: "player", domain: None, machine: None, now, leeway: 60 };
//! let verdict = license::verify(&issued.jwt, &trusted, &ctx, None);
//! assert_eq!(verdict.outcome, Outcome::Valid);
//! ```

#![forbid(unsafe_code)]

#[cfg(feature = "client")]
pub mod client;
pub mod clock;
mod error;
mod jws;
pub mod keys;
pub mod license;
pub mod machine;
pub mod offline;
pub mod request_code;
pub mod signer;
pub mod status_list;
pub mod time;

pub use error::{Error, Result};
