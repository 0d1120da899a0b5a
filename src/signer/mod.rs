//! Request signing: the schemes live in [`keyctl_core::signer`] (re-exported here); this
//! module adds what only the vendor's tools need: [`secrets`] parses secret files' contents,
//! [`service`] is the HTTP signer (`keyctl signer`).

pub use keyctl_core::signer::*;

pub mod secrets;
pub mod service;

pub use secrets::SignerSecrets;
