//! The embedded sled store: keys, products, licenses, activations and settings.
//!
//! Layout (all values JSON unless noted; see `docs/architecture.md`):
//! - `meta`: `schema_version`, `issuer`, `product_seq` (u64 BE), `created`
//! - `keys`: kid → [`KeyRecord`]
//! - `products`: product id → [`Product`]; `product_numbers`: number (u64 BE) → product id
//! - `licenses`: license id → [`LicenseRecord`]; `short_keys`: canonical short key → license id
//! - `revocations`: license id → why it may not be used (UTF-8), for revoked and suspended
//!   licenses only: the index every check reads
//! - `activations`: license id, NUL, hwid → [`Activation`]; `seats`: license id → count (u64 BE)
//! - `replay`: signed requests `serve` must refuse after a restart (see [`replay`])
//! - `refs`: product, NUL, order reference → license id; `batches`: the batches that are not
//!   committed, whose licenses are hidden (see [`batches`])
//!
//! Every public method that writes flushes (and fsyncs) before it returns, so a command that
//! reports success has put its change on stable storage. The exceptions say so: activations
//! and batch inserts leave the flush to their caller, which groups many writes into one.
//! The store knows nothing of HTTP or of the CLI.

mod activations;
mod batches;
mod replay;

pub use activations::{Activated, Machine, MAX_MACHINE_FIELD};
pub use batches::{StagedBatch, NEVER_ISSUED};
pub use replay::RememberedRequest;

use std::fs::{DirBuilder, File};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sled::transaction::{ConflictableTransactionError, TransactionError, Transactional};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::keys::{KeyPair, PublicKey, TrustedKeys, KEY_LEN};
use crate::license::{self, IssuedLicense, LicenseState, ShortKey, StateError};
use crate::passphrase::{KeyEncryption, Passphrase, SealingKey};
use crate::secret::SecretString;
use crate::time::Timestamp;

/// The layout version this build reads and writes.
pub const SCHEMA_VERSION: u32 = 1;

/// Name of the lock file inside the store directory.
const LOCK_FILE: &str = "keyctl.lock";
/// Where [`Store::rewrite`] builds the new database, and where the old one goes meanwhile.
const DB_NEW: &str = "db.new";
const DB_OLD: &str = "db.old";
/// The `meta` entry that records how the signing keys are encrypted (absent: in clear).
const KEY_ENCRYPTION: &str = "key_encryption";

/// Lifecycle of a signing key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyStatus {
    /// Signs new licenses; exactly one key is active.
    Active,
    /// Verifies licenses but does not sign.
    Trusted,
    /// No longer trusted: licenses signed by it fail verification.
    Retired,
}

impl KeyStatus {
    /// The lowercase name used in tables and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Active => "active",
            KeyStatus::Trusted => "trusted",
            KeyStatus::Retired => "retired",
        }
    }
}

/// A signing key as stored: its private seed in clear (`seed`, lowercase hex) or, in a store
/// whose keys are encrypted, sealed under the passphrase (`sealed`, see [`passphrase`]).
/// `public` (base64url) lets verification work without the seed; records written before it
/// existed have only `seed`, from which it is derived.
#[derive(Clone, Serialize, Deserialize)]
struct StoredKey {
    kid: String,
    status: KeyStatus,
    created: Timestamp,
    #[serde(default)]
    retired: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    public: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    seed: Option<SecretString>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sealed: Option<String>,
}

/// A key's public description.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRecord {
    /// RFC 7638 thumbprint.
    pub kid: String,
    /// Lifecycle state.
    pub status: KeyStatus,
    /// When it was added.
    pub created: Timestamp,
    /// When it was retired.
    pub retired: Option<Timestamp>,
}

/// A product licenses can cover.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    /// The product id used in licenses.
    pub id: String,
    /// Sequential number (1, 2, …), the `app_id` of the compatibility API.
    pub number: u64,
    /// Display name.
    pub name: String,
    /// Shown to users when activation fails.
    pub support_message: Option<String>,
    /// When it was added.
    pub created: Timestamp,
}

/// Whether a license may be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LicenseStatus {
    /// In good standing.
    Active,
    /// Temporarily blocked; `reinstate` lifts it.
    Suspended,
    /// Permanently withdrawn.
    Revoked,
}

impl LicenseStatus {
    /// The lowercase name used in tables, JSON and `--status`.
    pub fn as_str(self) -> &'static str {
        match self {
            LicenseStatus::Active => "active",
            LicenseStatus::Suspended => "suspended",
            LicenseStatus::Revoked => "revoked",
        }
    }
}

/// A license as stored, with what listing needs copied out of its claims.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LicenseRecord {
    /// License id (`jti`).
    pub id: String,
    /// Canonical short key (no dashes).
    pub short_key: String,
    /// The JWT as issued.
    pub jwt: String,
    /// The request signer secret.
    pub secret: SecretString,
    /// Standing.
    pub status: LicenseStatus,
    /// Why it was revoked or suspended.
    pub reason: Option<String>,
    /// When it was issued.
    pub created: Timestamp,
    /// `sub`.
    pub licensee: String,
    /// `products`.
    pub products: Vec<String>,
    /// `exp`.
    pub expires: Option<Timestamp>,
    /// `max_activations`.
    pub max_activations: Option<i64>,
    /// The order reference of a batch row (`ref`), unique per product.
    #[serde(rename = "ref", default, skip_serializing_if = "Option::is_none")]
    pub order_ref: Option<String>,
}

impl LicenseRecord {
    /// The record for a freshly issued license.
    pub fn from_issued(issued: &IssuedLicense) -> Self {
        LicenseRecord {
            id: issued.claims.jti.clone(),
            short_key: issued.short_key.as_str().to_owned(),
            jwt: issued.jwt.clone(),
            secret: SecretString::new(issued.signer_secret.as_str()),
            status: LicenseStatus::Active,
            reason: None,
            created: issued.claims.iat,
            licensee: issued.claims.sub.clone(),
            products: issued.claims.products.clone(),
            expires: issued.claims.exp,
            max_activations: issued.claims.max_activations,
            order_ref: None,
        }
    }

    /// The short key as people see it.
    pub fn short_key_display(&self) -> String {
        ShortKey::parse(&self.short_key)
            .map(|k| k.display())
            .unwrap_or_else(|| self.short_key.clone())
    }
}

/// An activated machine of a license.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activation {
    /// The license.
    pub license_id: String,
    /// The machine's hardware id.
    pub hwid: String,
    /// The machine's name, as reported.
    pub machine: Option<String>,
    /// The user logged in at activation.
    pub user: Option<String>,
    /// First activation.
    pub first_seen: Timestamp,
    /// Latest (re-)activation; checks do not write, to keep them fast.
    pub last_seen: Timestamp,
}

/// Filter for [`Store::licenses`].
#[derive(Clone, Debug, Default)]
pub struct LicenseFilter {
    /// Only licenses covering this product.
    pub product: Option<String>,
    /// Only licenses in this standing.
    pub status: Option<LicenseStatus>,
}

/// An open store. Holds an exclusive lock on the directory until dropped.
pub struct Store {
    path: PathBuf,
    db: sled::Db,
    meta: sled::Tree,
    keys: sled::Tree,
    products: sled::Tree,
    product_numbers: sled::Tree,
    licenses: sled::Tree,
    short_keys: sled::Tree,
    revocations: sled::Tree,
    activations: sled::Tree,
    seats: sled::Tree,
    replay: sled::Tree,
    refs: sled::Tree,
    batches: sled::Tree,
    /// The batches that are not committed (see [`batches`]).
    hidden: batches::Hidden,
    /// sled's data file, kept open to `fsync` it (see [`Store::sync`]).
    data_file: File,
    /// Held while the key set changes (rotate, retire), so such changes take turns.
    key_changes: std::sync::Mutex<()>,
    /// The key that unseals the signing keys, once [`Store::unlock`] has derived it.
    sealing: OnceLock<SealingKey>,
    _lock: File,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// The store directory to use when neither `--store` nor `KEYCTL_STORE` is given:
/// `$XDG_DATA_HOME/keyctl`, else `~/.local/share/keyctl`.
pub fn default_path() -> Option<PathBuf> {
    if let Some(data) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(data).join("keyctl"));
    }
    std::env::var_os("HOME")
        .filter(|v| !v.is_empty())
        .map(|home| PathBuf::from(home).join(".local/share/keyctl"))
}

impl Store {
    /// Creates a store at `path` (mode 0700) with `issuer` and a first active key, encrypted
    /// under `passphrase` if one is given. Returns `false` with the existing store when one is
    /// already there (unchanged: not encrypted by this).
    pub fn init(
        path: &Path,
        issuer: &str,
        passphrase: Option<&Passphrase>,
        now: Timestamp,
    ) -> Result<(Store, bool)> {
        if looks_like_a_store(path) {
            return Store::open(path).map(|store| (store, false));
        }
        check_is_dir(path)?;
        if path.exists()
            && std::fs::read_dir(path)
                .map_err(|e| Error::io(path, e))?
                .next()
                .is_some()
        {
            return Err(Error::NotAStore { path: path.into() });
        }
        if path.exists() {
            check_private(path)?;
        }
        create_private_dir(path)?;
        let store = Store::open_unchecked(path, DEFAULT_CACHE_MB)?;
        store.meta.insert("issuer", issuer.as_bytes())?;
        store.meta.insert("created", &now.to_be_bytes())?;
        store.meta.insert("product_seq", &0u64.to_be_bytes())?;
        if let Some(passphrase) = passphrase {
            let encryption = KeyEncryption::generate();
            let sealing = encryption.derive(passphrase)?;
            store.meta.insert(KEY_ENCRYPTION, to_json(&encryption))?;
            let _ = store.sealing.set(sealing);
        }
        // The first key is sealed before it is ever written: its seed never touches the disk.
        store.put_key(&KeyPair::generate(), KeyStatus::Active, now)?;
        // Written last: a store whose init was interrupted has no version and is refused.
        store
            .meta
            .insert("schema_version", SCHEMA_VERSION.to_string().as_bytes())?;
        store.flush()?;
        Ok((store, true))
    }

    /// Whether a store is at `path` (it may still fail to open).
    pub fn exists(path: &Path) -> bool {
        looks_like_a_store(path)
    }

    /// Opens the existing store at `path`.
    pub fn open(path: &Path) -> Result<Store> {
        Store::open_with_cache(path, DEFAULT_CACHE_MB)
    }

    /// Opens the existing store at `path` with a page cache of `cache_mb` MiB (unless
    /// `KEYCTL_CACHE_MB` says otherwise).
    pub fn open_with_cache(path: &Path, cache_mb: u64) -> Result<Store> {
        if !looks_like_a_store(path) {
            check_is_dir(path)?;
            return Err(if path.is_dir() && !is_empty_dir(path) {
                Error::NotAStore { path: path.into() }
            } else {
                Error::StoreMissing { path: path.into() }
            });
        }
        check_private(path)?;
        let store = Store::open_unchecked(path, cache_mb)?;
        match store.meta.get("schema_version")? {
            Some(v) if v.as_ref() == SCHEMA_VERSION.to_string().as_bytes() => {
                store.abandon_unfinished_batches()?;
                Ok(store)
            }
            Some(v) => Err(Error::SchemaVersion {
                path: path.into(),
                found: String::from_utf8_lossy(&v).chars().take(16).collect(),
                expected: SCHEMA_VERSION,
            }),
            None => Err(Error::NotAStore { path: path.into() }),
        }
    }

    fn open_unchecked(path: &Path, cache_mb: u64) -> Result<Store> {
        let lock_path = path.join(LOCK_FILE);
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&lock_path)
            .map_err(|e| Error::io(&lock_path, e))?;
        // Our own lock, taken before sled's, so "in use" is detected reliably and
        // reported in one line instead of as a sled I/O error.
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(Error::StoreInUse { path: path.into() })
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(Error::io(&lock_path, e)),
        }
        finish_rewrite(path)?;
        // sled creates its files with the umask: they go into a directory only we can enter,
        // and are narrowed to 0600 once sled has made them.
        create_private_dir(&path.join("db"))?;
        let db = sled::Config::new()
            .path(path.join("db"))
            .cache_capacity(cache_bytes(cache_mb))
            .open()
            .map_err(|err| match err {
                // We hold keyctl.lock, yet sled's own lock on db/db is taken: someone
                // removed or replaced keyctl.lock under a running keyctl (a `serve`, most
                // likely), and we locked a new file. sled 0.34 reports this only as text.
                sled::Error::Io(e) if e.to_string().starts_with("could not acquire lock") => {
                    Error::StoreInUse { path: path.into() }
                }
                err => err.into(),
            })?;
        make_private(path)?;
        let data_path = path.join("db").join("db");
        let data_file = File::open(&data_path).map_err(|e| Error::io(&data_path, e))?;
        let tree = |name: &str| db.open_tree(name);
        Ok(Store {
            path: path.into(),
            meta: tree("meta")?,
            keys: tree("keys")?,
            products: tree("products")?,
            product_numbers: tree("product_numbers")?,
            licenses: tree("licenses")?,
            short_keys: tree("short_keys")?,
            revocations: tree("revocations")?,
            activations: tree("activations")?,
            seats: tree("seats")?,
            replay: tree("replay")?,
            refs: tree("refs")?,
            batches: tree("batches")?,
            hidden: batches::Hidden::default(),
            db,
            data_file,
            key_changes: std::sync::Mutex::new(()),
            sealing: OnceLock::new(),
            _lock: lock,
        })
    }

    /// The store directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Puts every write so far on stable storage: sled's flush (its `sync_file_range` writes
    /// the log, which survives a process kill), then an `fsync` of the data file, which also
    /// commits file metadata and the device's write cache, so the writes survive a power loss.
    pub fn flush(&self) -> Result<()> {
        self.db.flush()?;
        self.data_file
            .sync_all()
            .map_err(|e| Error::io(self.path.join("db/db"), e))
    }

    /// The issuer name (`iss`) of new licenses.
    pub fn issuer(&self) -> Result<String> {
        let value = self
            .meta
            .get("issuer")?
            .ok_or_else(|| Error::Store("the store has no issuer".into()))?;
        Ok(String::from_utf8_lossy(&value).into_owned())
    }

    // ---- keys -------------------------------------------------------------------------

    /// The record of `key` as it is stored: sealed when the store's keys are encrypted,
    /// which needs the store unlocked.
    fn new_stored_key(
        &self,
        key: &KeyPair,
        status: KeyStatus,
        now: Timestamp,
    ) -> Result<StoredKey> {
        let mut stored = StoredKey {
            kid: key.kid().to_owned(),
            status,
            created: now,
            retired: None,
            public: None,
            seed: None,
            sealed: None,
        };
        stored.set_secret(key, self.sealing_key()?);
        Ok(stored)
    }

    fn put_key(&self, key: &KeyPair, status: KeyStatus, now: Timestamp) -> Result<KeyRecord> {
        let stored = self.new_stored_key(key, status, now)?;
        // compare_and_swap from "absent": a kid already stored is never overwritten.
        match self
            .keys
            .compare_and_swap(key.kid(), None::<&[u8]>, Some(to_json(&stored)))?
        {
            Ok(()) => Ok(stored.record()),
            Err(_) => Err(key_exists(key.kid())),
        }
    }

    fn stored_keys(&self) -> Result<Vec<StoredKey>> {
        self.keys.iter().values().map(|v| from_json(&v?)).collect()
    }

    fn stored_key(&self, kid: &str) -> Result<StoredKey> {
        let value = self.keys.get(kid)?.ok_or_else(|| Error::NotFound {
            kind: "key",
            id: kid.into(),
        })?;
        from_json(&value)
    }

    /// Every key, oldest first.
    pub fn keys(&self) -> Result<Vec<KeyRecord>> {
        let mut keys: Vec<KeyRecord> = self.stored_keys()?.iter().map(StoredKey::record).collect();
        keys.sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.kid.cmp(&b.kid)));
        Ok(keys)
    }

    /// Adds `key` as a trusted (not signing) key.
    pub fn add_key(&self, key: &KeyPair, now: Timestamp) -> Result<KeyRecord> {
        let record = self.put_key(key, KeyStatus::Trusted, now)?;
        self.flush()?;
        Ok(record)
    }

    /// Waits for other key changes of this process to finish (see [`Store::rotate`]).
    fn key_turn(&self) -> std::sync::MutexGuard<'_, ()> {
        // The guarded data is `()`: a panic while holding it leaves nothing inconsistent.
        self.key_changes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Makes `kid` (or, with `None`, a newly generated key) the active key; the previous
    /// active key stays trusted.
    ///
    /// One transaction adds the new key and moves the active status, so a crash or a kill
    /// at any point leaves either the old state or the whole rotation: never an extra key,
    /// and never zero or two active keys.
    pub fn rotate(&self, kid: Option<&str>, now: Timestamp) -> Result<KeyRecord> {
        // Rotations of one process (a server's control socket) take turns: the transaction
        // can only demote the keys listed before it.
        let _turn = self.key_turn();
        let stored = self.stored_keys()?;
        let new_key = match kid {
            Some(kid) => {
                let key = stored
                    .iter()
                    .find(|k| k.kid == kid)
                    .ok_or_else(|| Error::NotFound {
                        kind: "key",
                        id: kid.into(),
                    })?;
                match key.status {
                    KeyStatus::Active => {
                        return Err(Error::Conflict(format!("key {kid} is already active")))
                    }
                    KeyStatus::Retired => {
                        return Err(Error::Conflict(format!(
                            "key {kid} is retired and cannot sign again"
                        )))
                    }
                    KeyStatus::Trusted => None,
                }
            }
            None => Some(self.new_stored_key(&KeyPair::generate(), KeyStatus::Active, now)?),
        };
        let new_kid = new_key
            .as_ref()
            .map_or_else(|| kid.unwrap_or_default(), |k| k.kid.as_str())
            .to_owned();
        let result = self.keys.transaction(|keys| {
            if let Some(new_key) = &new_key {
                if keys.get(new_key.kid.as_bytes())?.is_some() {
                    return Err(ConflictableTransactionError::Abort(key_exists(
                        &new_key.kid,
                    )));
                }
                keys.insert(new_key.kid.as_bytes(), to_json(new_key))?;
            }
            for key in &stored {
                let Some(value) = keys.get(key.kid.as_bytes())? else {
                    continue;
                };
                let mut key: StoredKey =
                    from_json(&value).map_err(ConflictableTransactionError::Abort)?;
                key.status = match key.status {
                    _ if key.kid == new_kid => KeyStatus::Active,
                    KeyStatus::Active => KeyStatus::Trusted,
                    _ => continue,
                };
                keys.insert(key.kid.as_bytes(), to_json(&key))?;
            }
            Ok(())
        });
        unwrap_transaction(result)?;
        self.flush()?;
        Ok(self.stored_key(&new_kid)?.record())
    }

    /// Stops trusting `kid`. The active key cannot be retired: rotate first.
    pub fn retire(&self, kid: &str, now: Timestamp) -> Result<KeyRecord> {
        // Not while a rotation could be making this key active.
        let _turn = self.key_turn();
        let mut stored = self.stored_key(kid)?;
        match stored.status {
            KeyStatus::Active => {
                return Err(Error::Conflict(format!(
                    "key {kid} is the active key; run `keyctl key rotate` before retiring it"
                )))
            }
            KeyStatus::Retired => return Ok(stored.record()),
            KeyStatus::Trusted => {}
        }
        stored.status = KeyStatus::Retired;
        stored.retired = Some(now);
        self.keys.insert(kid, to_json(&stored))?;
        self.flush()?;
        Ok(stored.record())
    }

    /// The key pair for `kid` (the store must be unlocked if its keys are encrypted).
    pub fn key_pair(&self, kid: &str) -> Result<KeyPair> {
        self.pair(&self.stored_key(kid)?)
    }

    /// The active signing key (the store must be unlocked if its keys are encrypted).
    pub fn active_key(&self) -> Result<KeyPair> {
        self.pair(&self.stored_active_key()?)
    }

    fn stored_active_key(&self) -> Result<StoredKey> {
        self.stored_keys()?
            .into_iter()
            .find(|k| k.status == KeyStatus::Active)
            .ok_or(Error::NoActiveKey)
    }

    /// The active key's public half; never needs the passphrase.
    pub fn active_key_public(&self) -> Result<PublicKey> {
        self.stored_active_key()?.public_key()
    }

    /// The public key of `kid`; never needs the passphrase.
    pub fn public_key(&self, kid: &str) -> Result<PublicKey> {
        self.stored_key(kid)?.public_key()
    }

    /// The keys licenses are verified with: all but the retired ones. Never needs the
    /// passphrase.
    pub fn trusted_keys(&self) -> Result<TrustedKeys> {
        let keys = self
            .stored_keys()?
            .iter()
            .filter(|k| k.status != KeyStatus::Retired)
            .map(StoredKey::public_key)
            .collect::<Result<Vec<PublicKey>>>()?;
        Ok(TrustedKeys::new(keys))
    }

    // ---- key encryption ---------------------------------------------------------------

    fn key_encryption(&self) -> Result<Option<KeyEncryption>> {
        self.meta
            .get(KEY_ENCRYPTION)?
            .map(|value| from_json(&value))
            .transpose()
    }

    /// Whether the signing keys are encrypted under a passphrase.
    pub fn keys_encrypted(&self) -> Result<bool> {
        Ok(self.meta.contains_key(KEY_ENCRYPTION)?)
    }

    /// Derives the key that unseals the signing keys from `passphrase`, checks it against the
    /// active key, and keeps it (zeroized on drop) for as long as the store is open. Without
    /// encryption this does nothing.
    pub fn unlock(&self, passphrase: &Passphrase) -> Result<()> {
        let Some(encryption) = self.key_encryption()? else {
            return Ok(());
        };
        let sealing = encryption.derive(passphrase)?;
        let active = self.stored_active_key()?;
        match &active.sealed {
            Some(sealed) if sealing.unseal(sealed, &active.kid).is_none() => {
                return Err(Error::WrongPassphrase {
                    what: format!("store {}", self.path.display()),
                })
            }
            _ => {}
        }
        let _ = self.sealing.set(sealing);
        Ok(())
    }

    /// The unsealing key when the keys are encrypted (an error if the store is locked);
    /// `None` when they are not.
    fn sealing_key(&self) -> Result<Option<&SealingKey>> {
        if !self.keys_encrypted()? {
            return Ok(None);
        }
        self.sealing
            .get()
            .map(Some)
            .ok_or_else(|| Error::KeysLocked {
                path: self.path.clone(),
            })
    }

    fn pair(&self, stored: &StoredKey) -> Result<KeyPair> {
        let sealing = match stored.sealed {
            Some(_) => self.sealing_key()?,
            None => None,
        };
        stored.pair(sealing)
    }

    /// Encrypts every signing key under `passphrase` and rewrites the database, so that no
    /// earlier clear copy of a seed is left in sled's files. The store is closed afterwards.
    pub fn encrypt_keys(self, passphrase: &Passphrase) -> Result<usize> {
        if self.keys_encrypted()? {
            return Err(Error::Conflict(format!(
                "the signing keys of store {} are encrypted already",
                self.path.display()
            )));
        }
        let encryption = KeyEncryption::generate();
        let sealing = encryption.derive(passphrase)?;
        let keys = self
            .stored_keys()?
            .into_iter()
            .map(|mut stored| {
                let pair = stored.pair(None)?;
                stored.set_secret(&pair, Some(&sealing));
                Ok(stored)
            })
            .collect::<Result<Vec<_>>>()?;
        let count = keys.len();
        self.rewrite(&keys, Some(&encryption))?;
        Ok(count)
    }

    /// Stores every signing key in clear again (the store must be unlocked). The store is
    /// closed afterwards.
    pub fn decrypt_keys(self) -> Result<usize> {
        let Some(sealing) = self.sealing_key()? else {
            return Err(Error::Conflict(format!(
                "the signing keys of store {} are not encrypted",
                self.path.display()
            )));
        };
        let keys = self
            .stored_keys()?
            .into_iter()
            .map(|mut stored| {
                let pair = stored.pair(Some(sealing))?;
                stored.set_secret(&pair, None);
                Ok(stored)
            })
            .collect::<Result<Vec<_>>>()?;
        let count = keys.len();
        self.rewrite(&keys, None)?;
        Ok(count)
    }

    /// Copies the database into `db.new` with `keys` as the whole `keys` tree and the key
    /// encryption settings replaced, then swaps it in for `db` (see [`finish_rewrite`]).
    /// A fresh database holds no stale copy of what was overwritten, as sled's log would.
    fn rewrite(self, keys: &[StoredKey], encryption: Option<&KeyEncryption>) -> Result<()> {
        let new_path = self.path.join(DB_NEW);
        if new_path.exists() {
            std::fs::remove_dir_all(&new_path).map_err(|e| Error::io(&new_path, e))?;
        }
        create_private_dir(&new_path)?;
        let copy = sled::Config::new()
            .path(&new_path)
            .cache_capacity(cache_bytes(DEFAULT_CACHE_MB))
            .open()?;
        for name in self.db.tree_names() {
            if &*name == b"__sled__default" {
                continue;
            }
            let from = self.db.open_tree(&name)?;
            let to = copy.open_tree(&name)?;
            if &*name == b"keys" {
                for key in keys {
                    to.insert(key.kid.as_bytes(), to_json(key))?;
                }
                continue;
            }
            // In batches: one sled write per 4096 entries instead of one per entry.
            let mut batch = sled::Batch::default();
            for (n, entry) in from.iter().enumerate() {
                let (key, value) = entry?;
                batch.insert(key, value);
                if n % 4096 == 4095 {
                    to.apply_batch(std::mem::take(&mut batch))?;
                }
            }
            to.apply_batch(batch)?;
            if &*name == b"meta" {
                match encryption {
                    Some(encryption) => to.insert(KEY_ENCRYPTION, to_json(encryption))?,
                    None => to.remove(KEY_ENCRYPTION)?,
                };
            }
        }
        copy.flush()?;
        let new_data = new_path.join("db");
        File::open(&new_data)
            .and_then(|file| file.sync_all())
            .map_err(|e| Error::io(&new_data, e))?;
        drop(copy);
        make_private(&new_path)?;
        File::open(&new_path)
            .and_then(|dir| dir.sync_all())
            .map_err(|e| Error::io(&new_path, e))?;
        // Close the old database (a duplicate of the lock file's descriptor keeps the lock),
        // then swap the directories.
        let path = self.path.clone();
        let lock = self
            ._lock
            .try_clone()
            .map_err(|e| Error::io(path.join(LOCK_FILE), e))?;
        drop(self);
        let db = path.join("db");
        let old = path.join(DB_OLD);
        std::fs::rename(&db, &old).map_err(|e| Error::io(&db, e))?;
        finish_rewrite(&path)?;
        drop(lock);
        Ok(())
    }

    // ---- products ---------------------------------------------------------------------

    /// Adds a product and gives it the next sequential number.
    pub fn add_product(
        &self,
        id: &str,
        name: &str,
        support_message: Option<&str>,
        now: Timestamp,
    ) -> Result<Product> {
        license::check_product_id(id)?;
        if id.bytes().all(|b| b.is_ascii_digit()) {
            // `app_id=1` must keep meaning product number 1, not a product named "1".
            return Err(Error::invalid(
                "product",
                format!("`{id}` is all digits, which the compatibility API reads as a product number (app_id); choose an id with a letter"),
            ));
        }
        if name.trim().is_empty() || name.len() > 256 {
            return Err(Error::invalid("name", "must be 1-256 bytes"));
        }
        if support_message.is_some_and(|m| m.len() > 1024) {
            return Err(Error::invalid(
                "support message",
                "must be at most 1024 bytes",
            ));
        }
        let result = (&self.meta, &self.products, &self.product_numbers).transaction(
            |(meta, products, numbers)| {
                if products.get(id)?.is_some() {
                    return Err(ConflictableTransactionError::Abort(Error::Conflict(
                        format!("product {id} already exists"),
                    )));
                }
                let number = meta.get("product_seq")?.map(|v| be_u64(&v)).unwrap_or(0) + 1;
                let product = Product {
                    id: id.to_owned(),
                    number,
                    name: name.to_owned(),
                    support_message: support_message.map(str::to_owned),
                    created: now,
                };
                meta.insert("product_seq", &number.to_be_bytes())?;
                products.insert(id, to_json(&product))?;
                numbers.insert(&number.to_be_bytes(), id)?;
                Ok(product)
            },
        );
        let product = unwrap_transaction(result)?;
        self.flush()?;
        Ok(product)
    }

    /// Every product, by number.
    pub fn products(&self) -> Result<Vec<Product>> {
        let mut products: Vec<Product> = self
            .products
            .iter()
            .values()
            .map(|v| from_json(&v?))
            .collect::<Result<_>>()?;
        products.sort_by_key(|p| p.number);
        Ok(products)
    }

    /// The product a user or client names: when `key` is all digits, the product with that
    /// number (the compatibility API's `app_id`), else the product with that id.
    ///
    /// The number wins so that no product can take over another's `app_id`; `product add`
    /// refuses all-digit ids, and an all-digit id from an older store is found here only
    /// when no product has that number (use [`Store::product_by_id`] for exact ids).
    pub fn product(&self, key: &str) -> Result<Option<Product>> {
        if let Ok(number) = key.parse::<u64>() {
            if let Some(id) = self.product_numbers.get(number.to_be_bytes())? {
                return self.product_by_id(&String::from_utf8_lossy(&id));
            }
        }
        self.product_by_id(key)
    }

    /// The product with exactly this id.
    pub fn product_by_id(&self, id: &str) -> Result<Option<Product>> {
        self.products.get(id)?.map(|v| from_json(&v)).transpose()
    }

    // ---- licenses ---------------------------------------------------------------------

    /// Stores a newly issued license and its short key, atomically, and flushes.
    pub fn insert_license(&self, record: &LicenseRecord) -> Result<()> {
        self.insert_licenses(std::slice::from_ref(record))
    }

    /// Stores many licenses, each atomically with its short key, in one transaction,
    /// refusing any whose id or short key exists already, then flushes once.
    pub fn insert_licenses(&self, records: &[LicenseRecord]) -> Result<()> {
        let result = (&self.licenses, &self.short_keys).transaction(|(licenses, short_keys)| {
            for record in records {
                if short_keys.get(record.short_key.as_bytes())?.is_some()
                    || licenses.get(record.id.as_bytes())?.is_some()
                {
                    return Err(ConflictableTransactionError::Abort(Error::Conflict(
                        format!("license {} or its short key already exists", record.id),
                    )));
                }
                licenses.insert(record.id.as_bytes(), to_json(record))?;
                short_keys.insert(record.short_key.as_bytes(), record.id.as_bytes())?;
            }
            Ok(())
        });
        unwrap_transaction(result)?;
        self.flush()
    }

    /// The license with this id; a license of a batch that is not committed is absent.
    pub fn license(&self, id: &str) -> Result<Option<LicenseRecord>> {
        if self.is_hidden(id) {
            return Ok(None);
        }
        self.licenses.get(id)?.map(|v| from_json(&v)).transpose()
    }

    /// The license whose short key is `key`, looked up among short keys only: what proves a
    /// caller owns a license must never match a license id.
    pub fn license_by_short_key(&self, key: &ShortKey) -> Result<Option<LicenseRecord>> {
        match self.short_keys.get(key.as_str())? {
            Some(id) => self.license(&String::from_utf8_lossy(&id)),
            None => Ok(None),
        }
    }

    /// The license named by an id, a short key (any typed form) or its JWT.
    pub fn find_license(&self, reference: &str) -> Result<LicenseRecord> {
        let reference = reference.trim();
        let not_found = || Error::NotFound {
            kind: "license",
            id: abbreviate(reference),
        };
        if reference.contains('.') {
            let id = license::decode(reference)
                .map_err(|_| not_found())?
                .claims
                .jti;
            let record = self.license(&id)?.ok_or_else(not_found)?;
            // Only the exact JWT we issued names the license: a forged token with a known jti does not.
            return if record.jwt == reference {
                Ok(record)
            } else {
                Err(not_found())
            };
        }
        if let Some(record) = self.license(reference)? {
            return Ok(record);
        }
        let short = ShortKey::parse(reference).ok_or_else(not_found)?;
        let id = self.short_keys.get(short.as_str())?.ok_or_else(not_found)?;
        self.license(&String::from_utf8_lossy(&id))?
            .ok_or_else(not_found)
    }

    /// Licenses matching `filter`, oldest first, without those of batches not committed.
    pub fn licenses(&self, filter: &LicenseFilter) -> Result<Vec<LicenseRecord>> {
        let mut out = Vec::new();
        for entry in self.licenses.iter() {
            let (id, value) = entry?;
            if self.is_hidden(&String::from_utf8_lossy(&id)) {
                continue;
            }
            let record: LicenseRecord = from_json(&value)?;
            let product_ok = filter
                .product
                .as_ref()
                .is_none_or(|p| record.products.contains(p));
            let status_ok = filter.status.is_none_or(|s| s == record.status);
            if product_ok && status_ok {
                out.push(record);
            }
        }
        Ok(out)
    }

    /// Changes a license's standing. Revocation is final; reinstating lifts a suspension.
    pub fn set_license_status(
        &self,
        reference: &str,
        status: LicenseStatus,
        reason: Option<&str>,
    ) -> Result<LicenseRecord> {
        let mut record = self.find_license(reference)?;
        if record.status == LicenseStatus::Revoked && status != LicenseStatus::Revoked {
            return Err(Error::Conflict(format!(
                "license {} is revoked; revocation is final",
                record.id
            )));
        }
        if reason.is_some_and(|r| r.len() > 1024) {
            return Err(Error::invalid("reason", "must be at most 1024 bytes"));
        }
        record.status = status;
        record.reason = match status {
            LicenseStatus::Active => None,
            _ => reason.map(str::to_owned).or(record.reason),
        };
        let standing = revocation_text(&record);
        // The record and the revocation index change together.
        let result = (&self.licenses, &self.revocations).transaction(|(licenses, revocations)| {
            licenses.insert(record.id.as_bytes(), to_json(&record))?;
            match &standing {
                Some(text) => revocations.insert(record.id.as_bytes(), text.as_bytes())?,
                None => revocations.remove(record.id.as_bytes())?,
            };
            Ok(())
        });
        unwrap_transaction(result)?;
        self.flush()?;
        Ok(record)
    }
}

/// Why a license may not be used, as verification reports it; `None` when active.
fn revocation_text(record: &LicenseRecord) -> Option<String> {
    match (record.status, &record.reason) {
        (LicenseStatus::Active, _) => None,
        (status, Some(reason)) => Some(format!("the license is {} ({reason})", status.as_str())),
        (status, None) => Some(format!("the license is {}", status.as_str())),
    }
}

impl LicenseState for Store {
    /// One read of the small `revocations` index, not of the whole license record: this runs
    /// on every check. A license of a batch that was not committed is refused.
    fn revocation(&self, license_id: &str) -> std::result::Result<Option<String>, StateError> {
        if self.is_hidden(license_id) {
            return Ok(Some(NEVER_ISSUED.into()));
        }
        self.revocations
            .get(license_id)
            .map(|text| text.map(|text| String::from_utf8_lossy(&text).into_owned()))
            .map_err(|err| StateError(Error::from(err).to_string()))
    }

    fn is_activated(&self, license_id: &str, hwid: &str) -> std::result::Result<bool, StateError> {
        self.activations
            .contains_key(activation_key(license_id, hwid))
            .map_err(|err| StateError(Error::from(err).to_string()))
    }
}

impl StoredKey {
    /// Records `pair`'s secret: sealed with `sealing`, else the seed in clear.
    fn set_secret(&mut self, pair: &KeyPair, sealing: Option<&SealingKey>) {
        let seed = pair.seed();
        self.public = Some(B64URL.encode(pair.public().verifying_key().as_bytes()));
        match sealing {
            Some(sealing) => {
                self.sealed = Some(sealing.seal(&seed, &self.kid));
                self.seed = None;
            }
            None => {
                self.seed = Some(SecretString::new(hex::encode(seed.as_ref())));
                self.sealed = None;
            }
        }
    }

    fn damaged(&self) -> Error {
        Error::Store(format!("key {} is damaged in the store", self.kid))
    }

    /// The public key, from `public` or else from the seed; its kid must be the record's.
    fn public_key(&self) -> Result<PublicKey> {
        let public = match (&self.public, &self.seed) {
            (Some(x), _) => B64URL
                .decode(x)
                .ok()
                .and_then(|bytes| PublicKey::from_bytes(&bytes, &self.kid).ok()),
            (None, Some(_)) => self.pair(None).ok().map(|pair| pair.public()),
            (None, None) => None,
        };
        public
            .filter(|public| public.kid() == self.kid)
            .ok_or_else(|| self.damaged())
    }

    fn record(&self) -> KeyRecord {
        KeyRecord {
            kid: self.kid.clone(),
            status: self.status,
            created: self.created,
            retired: self.retired,
        }
    }

    /// The key pair, from the seed in clear or unsealed with `sealing`.
    fn pair(&self, sealing: Option<&SealingKey>) -> Result<KeyPair> {
        let pair = match (&self.seed, &self.sealed, sealing) {
            (Some(seed), _, _) => {
                let bytes = Zeroizing::new(hex::decode(seed.expose()).unwrap_or_default());
                let seed: &[u8; KEY_LEN] =
                    bytes.as_slice().try_into().map_err(|_| self.damaged())?;
                KeyPair::from_seed(seed)
            }
            (None, Some(sealed), Some(sealing)) => {
                let seed = sealing
                    .unseal(sealed, &self.kid)
                    .ok_or_else(|| self.damaged())?;
                KeyPair::from_seed(&seed)
            }
            _ => return Err(self.damaged()),
        };
        // A seed that does not give the record's key id was not written by keyctl.
        if pair.kid() != self.kid {
            return Err(self.damaged());
        }
        Ok(pair)
    }
}

fn key_exists(kid: &str) -> Error {
    Error::Conflict(format!("key {kid} is already in the store"))
}

/// The `activations` tree key of a machine: license id, NUL, hwid.
pub(crate) fn activation_key(license_id: &str, hwid: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(license_id.len() + 1 + hwid.len());
    key.extend_from_slice(license_id.as_bytes());
    key.push(0);
    key.extend_from_slice(hwid.as_bytes());
    key
}

/// Completes an interrupted [`Store::rewrite`] (call with the store locked): once `db.new`
/// is complete, the old `db` is renamed `db.old`, then `db.new` becomes `db` and `db.old`
/// is removed. So `db.new` beside `db` is an unfinished copy (removed), `db.new` without
/// `db` is the finished one (put in place), and `db.old` is always removed.
fn finish_rewrite(path: &Path) -> Result<()> {
    let (db, new, old) = (path.join("db"), path.join(DB_NEW), path.join(DB_OLD));
    if new.exists() {
        if db.exists() {
            std::fs::remove_dir_all(&new).map_err(|e| Error::io(&new, e))?;
        } else {
            std::fs::rename(&new, &db).map_err(|e| Error::io(&new, e))?;
        }
    }
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(|e| Error::io(&old, e))?;
    }
    File::open(path)
        .and_then(|dir| dir.sync_all())
        .map_err(|e| Error::io(path, e))
}

/// Whether `path` holds a store: its lock file, or (should the lock file have been removed)
/// its sled database, whose lock file is then made again.
fn looks_like_a_store(path: &Path) -> bool {
    path.join(LOCK_FILE).exists() || path.join("db").join("db").is_file()
}

/// Refuses a store path that exists and is not a directory.
fn check_is_dir(path: &Path) -> Result<()> {
    if path.exists() && !path.is_dir() {
        return Err(Error::StoreNotADirectory { path: path.into() });
    }
    Ok(())
}

/// Refuses a store directory another OS user could read or change: it must belong to the
/// effective user and be writable by nobody else.
fn check_private(path: &Path) -> Result<()> {
    let metadata = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    let me = rustix::process::geteuid().as_raw();
    if metadata.uid() != me {
        return Err(Error::StoreNotOwned {
            path: path.into(),
            owner: metadata.uid(),
            me,
        });
    }
    let mode = metadata.mode() & 0o7777;
    if mode & 0o022 != 0 {
        return Err(Error::StoreWritable {
            path: path.into(),
            mode,
        });
    }
    Ok(())
}

/// Creates `path` (and missing parents) if needed, and makes it mode 0700 whatever the umask.
fn create_private_dir(path: &Path) -> Result<()> {
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
        .map_err(|e| Error::io(path, e))?;
    // DirBuilder's mode is filtered by the umask and leaves an existing directory alone.
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))
        .map_err(|e| Error::io(path, e))
}

/// Narrows everything under `dir` to 0600 (files) and 0700 (directories). sled creates its
/// files with the umask, often 0644; this runs at every open, and files sled adds while the
/// store is open sit in 0700 directories that nobody else can enter.
fn make_private(dir: &Path) -> Result<()> {
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        let metadata = match std::fs::symlink_metadata(&path) {
            Ok(metadata) => metadata,
            // sled removes old snapshot files on its own schedule.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(Error::io(&path, e)),
        };
        let wanted = match metadata.file_type() {
            kind if kind.is_symlink() => continue,
            kind if kind.is_dir() => 0o700,
            _ => 0o600,
        };
        if metadata.mode() & 0o7777 != wanted {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(wanted))
                .map_err(|e| Error::io(&path, e))?;
        }
        if wanted == 0o700 {
            make_private(&path)?;
        }
    }
    Ok(())
}

fn is_empty_dir(path: &Path) -> bool {
    std::fs::read_dir(path)
        .map(|mut d| d.next().is_none())
        .unwrap_or(false)
}

fn abbreviate(reference: &str) -> String {
    if reference.len() > 40 {
        let cut: String = reference.chars().take(24).collect();
        format!("{cut}…")
    } else {
        reference.to_owned()
    }
}

pub(crate) fn to_json<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("store records serialize")
}

pub(crate) fn from_json<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|err| Error::Store(format!("a record is damaged: {err}")))
}

pub(crate) fn be_u64(bytes: &[u8]) -> u64 {
    bytes.try_into().map(u64::from_be_bytes).unwrap_or(0)
}

pub(crate) fn unwrap_transaction<T>(
    result: std::result::Result<T, TransactionError<Error>>,
) -> Result<T> {
    result.map_err(|err| match err {
        TransactionError::Abort(err) => err,
        TransactionError::Storage(err) => err.into(),
    })
}

/// sled's page cache for commands, in MiB.
pub const DEFAULT_CACHE_MB: u64 = 32;
/// sled's page cache for `license issue --batch`, in MiB: a batch appends, so a larger cache
/// buys little speed for much memory (docs/performance.md).
pub const BATCH_CACHE_MB: u64 = 8;
/// sled's page cache for `keyctl serve`, in MiB: measured to cost no throughput at 100 000
/// licenses while keeping 20-35 MB off a long-running server (docs/performance.md).
pub const SERVER_CACHE_MB: u64 = 8;

/// sled's page cache in bytes: `KEYCTL_CACHE_MB` megabytes when set, else `default_mb`.
fn cache_bytes(default_mb: u64) -> u64 {
    let megabytes = std::env::var("KEYCTL_CACHE_MB")
        .ok()
        .and_then(|v| v.parse::<u64>().ok());
    megabytes.unwrap_or(default_mb).clamp(1, 64 * 1024) * 1024 * 1024
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) =
            Store::init(&dir.path().join("store"), "Vendor", None, 1_795_000_000).unwrap();
        (dir, store)
    }

    #[test]
    fn a_rotation_that_fails_midway_adds_no_key() {
        let (_dir, store) = temp_store();
        // A record the rotation cannot read stops it after the new key was generated: it
        // must not have been stored (as it would if it were inserted before the status flip).
        store
            .keys
            .insert("damaged", b"not json".as_slice())
            .unwrap();
        let err = store.rotate(None, 1_795_000_100).unwrap_err();
        assert!(err.to_string().contains("a record is damaged"), "{err}");
        assert_eq!(store.keys.len(), 2);
        store.keys.remove("damaged").unwrap();
        let keys = store.keys().unwrap();
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].status, KeyStatus::Active);
    }

    #[test]
    fn an_interrupted_rewrite_is_finished_or_discarded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path();
        let marked = |name: &str, mark: &str| {
            std::fs::create_dir(path.join(name)).unwrap();
            std::fs::write(path.join(name).join("mark"), mark).unwrap();
        };
        let mark = || std::fs::read_to_string(path.join("db/mark")).unwrap();
        // The copy was not finished: the old database stays.
        marked("db", "old");
        marked(DB_NEW, "partial");
        finish_rewrite(path).unwrap();
        assert_eq!((mark(), path.join(DB_NEW).exists()), ("old".into(), false));
        // The copy was finished and the old database moved aside: the copy goes in place.
        std::fs::rename(path.join("db"), path.join(DB_OLD)).unwrap();
        marked(DB_NEW, "new");
        finish_rewrite(path).unwrap();
        assert_eq!(mark(), "new");
        assert!(!path.join(DB_OLD).exists() && !path.join(DB_NEW).exists());
        // Only the old database is left over: it goes.
        marked(DB_OLD, "stale");
        finish_rewrite(path).unwrap();
        assert_eq!((mark(), path.join(DB_OLD).exists()), ("new".into(), false));
    }

    #[test]
    fn a_rotation_adds_the_active_key_and_demotes_the_old_one_together() {
        let (_dir, store) = temp_store();
        let old = store.keys().unwrap()[0].kid.clone();
        let new = store.rotate(None, 1_795_000_100).unwrap();
        let statuses: Vec<_> = store
            .keys()
            .unwrap()
            .into_iter()
            .map(|k| (k.kid, k.status))
            .collect();
        assert_eq!(
            statuses,
            [(old, KeyStatus::Trusted), (new.kid, KeyStatus::Active)]
        );
    }
}
