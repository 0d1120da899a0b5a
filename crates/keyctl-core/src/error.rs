//! The core's error type: what makes an input unusable. Verification *outcomes* (expired,
//! wrong product, ...) are not errors but [`crate::license::Outcome`]s.

/// Why an input cannot be used. Messages name the input and never contain key material.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A value is not acceptable (a claim of an issue request, a duration, a time).
    #[error("{what}: {reason}")]
    InvalidInput {
        /// The input, as the caller would name it (`expires`, `--at`, a file name).
        what: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A key file, PEM or JWK cannot be read as an Ed25519 key.
    #[error("{what}: {reason}")]
    BadKey {
        /// Where the key came from.
        what: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl Error {
    /// Shorthand for [`Error::InvalidInput`].
    pub fn invalid(what: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidInput {
            what: what.into(),
            reason: reason.into(),
        }
    }
}

/// Result with the core's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
