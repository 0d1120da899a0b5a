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
//! - `refs`: product, NUL, order reference → license id; `batches`: the batches that are not
//!   committed, whose licenses are hidden (see [`batches`])
//!
//! Every public method that writes flushes (and fsyncs) before it returns, so a command that
//! reports success has put its change on stable storage. The exceptions say so: activations
//! and batch inserts leave the flush to their caller, which groups many writes into one.
//! The store knows nothing of HTTP or of the CLI.

mod activations;
mod batches;

pub use activations::{Activated, Machine, MAX_MACHINE_FIELD};
pub use batches::{StagedBatch, NEVER_ISSUED};

use std::fs::{DirBuilder, File};
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sled::transaction::{ConflictableTransactionError, TransactionError, Transactional};

use crate::error::{Error, Result};
use crate::keys::{KeyPair, PublicKey, TrustedKeys, KEY_LEN};
use crate::license::{self, IssuedLicense, LicenseState, ShortKey};
use crate::secret::SecretString;
use crate::time::Timestamp;

/// The layout version this build reads and writes.
pub const SCHEMA_VERSION: u32 = 1;

/// Name of the lock file inside the store directory.
const LOCK_FILE: &str = "keyctl.lock";

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

/// A signing key as stored. The seed is the private key.
#[derive(Clone, Serialize, Deserialize)]
struct StoredKey {
    kid: String,
    status: KeyStatus,
    created: Timestamp,
    #[serde(default)]
    retired: Option<Timestamp>,
    seed: SecretString,
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
    refs: sled::Tree,
    batches: sled::Tree,
    /// The batches that are not committed (see [`batches`]).
    hidden: batches::Hidden,
    /// sled's data file, kept open to `fsync` it (see [`Store::sync`]).
    data_file: File,
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
    /// Creates a store at `path` (mode 0700) with `issuer` and a first active key.
    /// Returns `false` with the existing store when one is already there.
    pub fn init(path: &Path, issuer: &str, now: Timestamp) -> Result<(Store, bool)> {
        if path.join(LOCK_FILE).exists() {
            return Store::open(path).map(|store| (store, false));
        }
        if path.exists()
            && std::fs::read_dir(path)
                .map_err(|e| Error::io(path, e))?
                .next()
                .is_some()
        {
            return Err(Error::NotAStore { path: path.into() });
        }
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(path)
            .map_err(|e| Error::io(path, e))?;
        // DirBuilder's mode is filtered by the umask and leaves an existing empty directory alone.
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| Error::io(path, e))?;
        let store = Store::open_unchecked(path, DEFAULT_CACHE_MB)?;
        store.meta.insert("issuer", issuer.as_bytes())?;
        store.meta.insert("created", &now.to_be_bytes())?;
        store.meta.insert("product_seq", &0u64.to_be_bytes())?;
        store.put_key(&KeyPair::generate(), KeyStatus::Active, now)?;
        // Written last: a store whose init was interrupted has no version and is refused.
        store
            .meta
            .insert("schema_version", SCHEMA_VERSION.to_string().as_bytes())?;
        store.flush()?;
        Ok((store, true))
    }

    /// Opens the existing store at `path`.
    pub fn open(path: &Path) -> Result<Store> {
        Store::open_with_cache(path, DEFAULT_CACHE_MB)
    }

    /// Opens the existing store at `path` with a page cache of `cache_mb` MiB (unless
    /// `KEYCTL_CACHE_MB` says otherwise).
    pub fn open_with_cache(path: &Path, cache_mb: u64) -> Result<Store> {
        if !path.join(LOCK_FILE).exists() {
            return Err(if path.is_dir() && !is_empty_dir(path) {
                Error::NotAStore { path: path.into() }
            } else {
                Error::StoreMissing { path: path.into() }
            });
        }
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
        let db = sled::Config::new()
            .path(path.join("db"))
            .cache_capacity(cache_bytes(cache_mb))
            .open()?;
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
            refs: tree("refs")?,
            batches: tree("batches")?,
            hidden: batches::Hidden::default(),
            db,
            data_file,
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

    fn put_key(&self, key: &KeyPair, status: KeyStatus, now: Timestamp) -> Result<KeyRecord> {
        let seed = key.seed();
        let stored = StoredKey {
            kid: key.kid().to_owned(),
            status,
            created: now,
            retired: None,
            seed: SecretString::new(hex::encode(seed.as_ref())),
        };
        if self.keys.contains_key(key.kid())? {
            return Err(Error::Conflict(format!(
                "key {} is already in the store",
                key.kid()
            )));
        }
        self.keys.insert(key.kid(), to_json(&stored))?;
        Ok(stored.record())
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

    /// Makes `kid` (or, with `None`, a newly generated key) the active key; the previous
    /// active key stays trusted.
    pub fn rotate(&self, kid: Option<&str>, now: Timestamp) -> Result<KeyRecord> {
        let new_kid = match kid {
            Some(kid) => {
                let stored = self.stored_key(kid)?;
                match stored.status {
                    KeyStatus::Active => {
                        return Err(Error::Conflict(format!("key {kid} is already active")))
                    }
                    KeyStatus::Retired => {
                        return Err(Error::Conflict(format!(
                            "key {kid} is retired and cannot sign again"
                        )))
                    }
                    KeyStatus::Trusted => kid.to_owned(),
                }
            }
            None => {
                self.put_key(&KeyPair::generate(), KeyStatus::Trusted, now)?
                    .kid
            }
        };
        // One transaction: a crash or a concurrent rotation never leaves zero or two active keys.
        let kids: Vec<String> = self.stored_keys()?.into_iter().map(|k| k.kid).collect();
        let result = self.keys.transaction(|keys| {
            for kid in &kids {
                let Some(value) = keys.get(kid.as_bytes())? else {
                    continue;
                };
                let mut stored: StoredKey =
                    from_json(&value).map_err(ConflictableTransactionError::Abort)?;
                stored.status = match stored.status {
                    _ if stored.kid == new_kid => KeyStatus::Active,
                    KeyStatus::Active => KeyStatus::Trusted,
                    _ => continue,
                };
                keys.insert(kid.as_bytes(), to_json(&stored))?;
            }
            Ok(())
        });
        unwrap_transaction(result)?;
        self.flush()?;
        Ok(self.stored_key(&new_kid)?.record())
    }

    /// Stops trusting `kid`. The active key cannot be retired: rotate first.
    pub fn retire(&self, kid: &str, now: Timestamp) -> Result<KeyRecord> {
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

    /// The key pair for `kid`.
    pub fn key_pair(&self, kid: &str) -> Result<KeyPair> {
        self.stored_key(kid)?.pair()
    }

    /// The active signing key.
    pub fn active_key(&self) -> Result<KeyPair> {
        self.stored_keys()?
            .into_iter()
            .find(|k| k.status == KeyStatus::Active)
            .ok_or(Error::NoActiveKey)?
            .pair()
    }

    /// The keys licenses are verified with: all but the retired ones.
    pub fn trusted_keys(&self) -> Result<TrustedKeys> {
        let keys = self
            .stored_keys()?
            .iter()
            .filter(|k| k.status != KeyStatus::Retired)
            .map(|k| k.pair().map(|pair| pair.public()))
            .collect::<Result<Vec<PublicKey>>>()?;
        Ok(TrustedKeys::new(keys))
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

    /// The product with this id, or with this sequential number when `key` is all digits.
    pub fn product(&self, key: &str) -> Result<Option<Product>> {
        if let Some(value) = self.products.get(key)? {
            return from_json(&value).map(Some);
        }
        let Ok(number) = key.parse::<u64>() else {
            return Ok(None);
        };
        match self.product_numbers.get(number.to_be_bytes())? {
            Some(id) => self.products.get(id)?.map(|v| from_json(&v)).transpose(),
            None => Ok(None),
        }
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
    fn revocation(&self, license_id: &str) -> Result<Option<String>> {
        if self.is_hidden(license_id) {
            return Ok(Some(NEVER_ISSUED.into()));
        }
        Ok(self
            .revocations
            .get(license_id)?
            .map(|text| String::from_utf8_lossy(&text).into_owned()))
    }

    fn is_activated(&self, license_id: &str, hwid: &str) -> Result<bool> {
        Ok(self
            .activations
            .contains_key(activation_key(license_id, hwid))?)
    }
}

impl StoredKey {
    fn record(&self) -> KeyRecord {
        KeyRecord {
            kid: self.kid.clone(),
            status: self.status,
            created: self.created,
            retired: self.retired,
        }
    }

    fn pair(&self) -> Result<KeyPair> {
        let bytes = zeroize::Zeroizing::new(hex::decode(self.seed.expose()).unwrap_or_default());
        let seed: &[u8; KEY_LEN] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| Error::Store(format!("key {} is damaged in the store", self.kid)))?;
        Ok(KeyPair::from_seed(seed))
    }
}

/// The `activations` tree key of a machine: license id, NUL, hwid.
pub(crate) fn activation_key(license_id: &str, hwid: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(license_id.len() + 1 + hwid.len());
    key.extend_from_slice(license_id.as_bytes());
    key.push(0);
    key.extend_from_slice(hwid.as_bytes());
    key
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

/// sled's page cache for commands, in MiB: room for a big batch to go fast.
pub const DEFAULT_CACHE_MB: u64 = 32;
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
