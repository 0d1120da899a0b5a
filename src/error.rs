//! The crate's error type, its exit codes and the hints shown to users.
//!
//! Verification *outcomes* (expired, wrong product, …) are not errors: they are
//! [`crate::license::Outcome`]s with exit codes of their own. This type is for
//! everything that stops a command from producing an answer at all.

use std::path::PathBuf;

/// Exit codes shared by every command. Verification outcomes add 3–11
/// (see `license::Outcome::exit_code` and `docs/cli.md`).
pub mod exit {
    /// Success, or a license that verified.
    pub const OK: i32 = 0;
    /// Internal or I/O error: the store, a file, the network.
    pub const ERROR: i32 = 1;
    /// The command line or an input value was wrong.
    pub const USAGE: i32 = 2;
}

/// Everything that can stop a keyctl command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No store exists at the path.
    #[error("no keyctl store at {}", path.display())]
    StoreMissing { path: PathBuf },

    /// The directory exists but is not a keyctl store.
    #[error("{} is not a keyctl store", path.display())]
    NotAStore { path: PathBuf },

    /// A store that `keyctl store copy` began to make and did not finish (it was killed,
    /// or failed): refused by every command but the copy that finishes it.
    #[error("store {store} is an unfinished copy of {from}")]
    UnfinishedCopy {
        /// The store, as people name it (a URL without its password).
        store: String,
        /// The store it is a copy of, likewise.
        from: String,
    },

    /// Another process holds the store's lock.
    #[error("store {} is in use by another keyctl process", path.display())]
    StoreInUse { path: PathBuf },

    /// A running `keyctl serve` holds the store, and this command cannot go through it.
    #[error("store {} is held by a running keyctl serve, which does not carry out this command", path.display())]
    HeldByServer {
        path: PathBuf,
        /// What to do instead, for the command at hand.
        hint: &'static str,
    },

    /// The store was written by a newer (or unknown) keyctl.
    #[error("store {} has schema version {found}; this keyctl reads version {expected}", path.display())]
    SchemaVersion {
        path: PathBuf,
        found: String,
        expected: u32,
    },

    /// The embedded database failed.
    #[error("store: {0}")]
    Store(String),

    /// A shared store (PostgreSQL) could not be reached or did not answer in time: the
    /// whole line, made by [`Error::store_unavailable`].
    #[error("{0}")]
    StoreUnavailable(String),
    /// A PostgreSQL server whose certificate did not verify (`sslmode=require` and the
    /// verifying modes): the whole line, naming the store and why.
    #[error("{0}")]
    StoreNotTrusted(String),

    /// The store's schema is older than this keyctl's: `keyctl store migrate` updates it.
    #[error("store {store} has schema version {found}; this keyctl needs version {expected}")]
    SchemaOutdated {
        /// The store, as people name it (a URL without its password).
        store: String,
        found: u32,
        expected: u32,
    },

    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },

    /// Reading standard input or writing standard output failed.
    #[error("{what}: {source}")]
    Stream {
        what: &'static str,
        source: std::io::Error,
    },

    /// A value given by the user is not acceptable.
    #[error("{what}: {reason}")]
    InvalidInput { what: String, reason: String },

    /// A key file or JWK could not be read as an Ed25519 key.
    #[error("{what}: {reason}")]
    BadKey { what: String, reason: String },

    /// A named thing does not exist in the store.
    #[error("{kind} {id} not found")]
    NotFound { kind: &'static str, id: String },

    /// The request contradicts the store's state (a duplicate id, retiring the active key, …).
    #[error("{0}")]
    Conflict(String),

    /// Rows of a batch carry refs that committed licenses already have.
    #[error("{}", refs_issued(*count, first))]
    RefsIssued {
        /// How many rows.
        count: u64,
        /// The first few: line and ref.
        first: Vec<(u64, String)>,
    },

    /// A batch failed once it had begun; none of its licenses were issued.
    #[error("{source}; no license of the batch was issued")]
    BatchAbandoned { source: Box<Error> },

    /// The store has no active signing key.
    #[error("the store has no active signing key")]
    NoActiveKey,

    /// A running `keyctl serve` carried out the command and reported this error.
    #[error("{message}")]
    Remote {
        /// The server's message.
        message: String,
        /// The exit code the command would have had locally.
        exit_code: i32,
        /// The server's hint.
        hint: Option<String>,
    },

    /// The store directory belongs to another OS user, who could read the signing keys.
    #[error("store {} is owned by uid {owner}, not by the current user (uid {me})", path.display())]
    StoreNotOwned { path: PathBuf, owner: u32, me: u32 },

    /// Group or others may write to the store directory, so they could swap its files.
    #[error("store {} is writable by group or others (mode {mode:04o})", path.display())]
    StoreWritable { path: PathBuf, mode: u32 },

    /// The store path names a file, not a directory.
    #[error("store {} is not a directory", path.display())]
    StoreNotADirectory { path: PathBuf },

    /// The store's signing keys are encrypted and no passphrase unlocked them.
    #[error("store {store}: the signing keys are encrypted and no passphrase was given")]
    KeysLocked { store: String },

    /// The machine holds no seat on the license, and the command was not asked to take one.
    #[error("machine {hwid} is not activated on license {license}")]
    MachineNotActivated { license: String, hwid: String },
    /// A license may not be used now (expired, revoked, another product, …): the command's
    /// exit code is the verification outcome's.
    #[error("license {license}: {reason}")]
    LicenseRefused {
        license: String,
        outcome: crate::license::Outcome,
        reason: String,
    },
    /// Every seat of the license is taken by other machines.
    #[error("license {license}: all {used} activations are in use")]
    NoSeatsLeft { license: String, used: u64 },
    /// A passphrase did not decrypt what it was given for (a store's keys, a key file).
    #[error("{what}: wrong passphrase")]
    WrongPassphrase { what: String },
}

impl Error {
    /// Shorthand for [`Error::InvalidInput`].
    pub fn invalid(what: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidInput {
            what: what.into(),
            reason: reason.into(),
        }
    }

    /// [`Error::StoreUnavailable`] for `store` (named without its password) and why.
    pub fn store_unavailable(store: &str, detail: impl std::fmt::Display) -> Self {
        Error::StoreUnavailable(format!("the store {store} is unavailable: {detail}"))
    }

    /// Shorthand for [`Error::Io`].
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::InvalidInput { .. }
            | Error::BadKey { .. }
            | Error::KeysLocked { .. }
            | Error::WrongPassphrase { .. } => exit::USAGE,
            Error::Remote { exit_code, .. } => *exit_code,
            Error::LicenseRefused { outcome, .. } => outcome.exit_code(),
            Error::BatchAbandoned { source } => source.exit_code(),
            _ => exit::ERROR,
        }
    }

    /// What the user can do about it, when there is something to do.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::StoreMissing { .. } => {
                Some("run `keyctl init` first, or point --store / KEYCTL_STORE at an existing store".into())
            }
            Error::UnfinishedCopy { store, from } => Some(format!(
                "run `keyctl store copy --from {from} --to {store}` again to finish it"
            )),
            Error::StoreInUse { .. } => Some(
                "stop the other keyctl process (a running `keyctl serve`?), or wait for it to finish".into(),
            ),
            Error::SchemaVersion { .. } => Some("use the keyctl release that wrote this store".into()),
            Error::SchemaOutdated { .. } => Some(
                "run `keyctl store migrate` with this keyctl to update the schema".into(),
            ),
            Error::StoreUnavailable(_) => {
                Some("check that PostgreSQL is running and reachable".into())
            }
            Error::StoreNotTrusted(_) => Some(
                "trust the CA that signed the server's certificate (sslrootcert=FILE in the URL, or PGSSLROOTCERT), and name the host as the certificate does".into(),
            ),
            Error::HeldByServer { hint, .. } => Some((*hint).into()),
            Error::MachineNotActivated { .. } => Some(
                "add --activate to take a seat for it first".into(),
            ),
            Error::NoSeatsLeft { .. } => Some(
                "free a seat with `keyctl activation remove`, or issue a license with more activations".into(),
            ),
            Error::NoActiveKey => Some("run `keyctl key rotate` to create an active key".into()),
            Error::Remote { hint, .. } => hint.clone(),
            Error::StoreNotOwned { .. } => Some(
                "use a store directory you own, or have its owner (or root) `chown -R` it to you".into(),
            ),
            Error::KeysLocked { .. } => Some(
                "set KEYCTL_PASSPHRASE_FILE to a file holding the passphrase, or run the command on a terminal to be asked for it; a running `keyctl serve` must be restarted with it".into(),
            ),
            Error::StoreNotADirectory { .. } => Some(
                "point --store / KEYCTL_STORE at a store directory, or at a new path for `keyctl init` to create".into(),
            ),
            Error::StoreWritable { path, .. } => Some(format!(
                "run `chmod 700 {}` if nobody else could have changed its contents",
                path.display()
            )),
            Error::RefsIssued { .. } => Some(
                "use --skip-existing to issue only the rows whose ref is new".into(),
            ),
            Error::BatchAbandoned { source } => source.hint().or_else(|| {
                Some("nothing of the batch was stored; fix the cause and run it again".into())
            }),
            _ => None,
        }
    }
}

impl From<keyctl_core::Error> for Error {
    fn from(err: keyctl_core::Error) -> Self {
        match err {
            keyctl_core::Error::InvalidInput { what, reason } => {
                Error::InvalidInput { what, reason }
            }
            keyctl_core::Error::BadKey { what, reason } => Error::BadKey { what, reason },
        }
    }
}

/// `3 batch rows have a ref that was already issued: `A-1` (line 2), … and 1 more`.
fn refs_issued(count: u64, first: &[(u64, String)]) -> String {
    let rows = if count == 1 {
        "1 batch row has"
    } else {
        &format!("{count} batch rows have")
    };
    let listed: Vec<String> = first
        .iter()
        .map(|(line, order_ref)| format!("`{order_ref}` (line {line})"))
        .collect();
    let more = match count.saturating_sub(first.len() as u64) {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    format!(
        "{rows} a ref that was already issued: {}{more}",
        listed.join(", ")
    )
}

impl From<sled::Error> for Error {
    fn from(err: sled::Error) -> Self {
        Error::Store(err.to_string())
    }
}

/// Result with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
