//! The embedded backend: one sled database in a private directory, one process at a time.
//!
//! Layout (all values JSON unless noted; see `docs/architecture.md`):
//! - `meta`: `schema_version`, `issuer`, `product_seq` (u64 BE), `created`, `key_encryption`,
//!   and `unfinished_copy` while `store copy` makes the store
//! - `keys`: kid → [`StoredKey`]
//! - `products`: product id → [`Product`]; `product_numbers`: number (u64 BE) → product id
//! - `licenses`: license id → [`LicenseRecord`]; `short_keys`: canonical short key → license id
//! - `revocations`: license id → why it may not be used (UTF-8), for revoked and suspended
//!   licenses only: the index every check reads
//! - `activations`: license id, NUL, hwid → [`Activation`]; `seats`: license id → count (u64 BE)
//! - `replay`: request hash (u64 BE) → license hash (u64 BE), expiry (i64 BE)
//! - `refs`: product, NUL, order reference → license id; `batches`: prefix → [`BatchMark`]
//!
//! The directory is locked while open, so this process is the only writer and may mirror
//! what it needs in memory (the batch marks). Compound changes are sled transactions.
//! sled's flush writes its log; [`SledBackend::flush`] also `fsync`s the data file, so that
//! a flushed write survives a power loss.

use std::collections::HashSet;
use std::fs::{DirBuilder, File};
use std::ops::Bound;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::RwLock;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use sled::transaction::{ConflictableTransactionError, TransactionError, Transactional};

use super::backend::{may_activate, Backend, Health, Imported};
use super::batches::{remove_output, MarkState, PREFIX_LEN};
use super::copy::UNFINISHED_COPY;
use super::{
    revocation_text, Activated, Activation, BatchMark, KeyStatus, LicenseFilter, LicenseRecord,
    LicenseStatus, Product, RememberedRequest, StoredKey, NEVER_ISSUED,
};
use crate::error::{Error, Result};
use crate::time::Timestamp;

/// The layout version this build reads and writes.
pub const SCHEMA_VERSION: u32 = 1;

/// Name of the lock file inside the store directory.
const LOCK_FILE: &str = "keyctl.lock";
/// Where [`SledBackend::replace_key_secrets`] builds the new database, and where the old one
/// goes meanwhile.
const DB_NEW: &str = "db.new";
const DB_OLD: &str = "db.old";
/// The `meta` entry that records how the signing keys are encrypted (absent: in clear).
const KEY_ENCRYPTION: &str = "key_encryption";

/// sled's page cache for commands, in MiB.
pub const DEFAULT_CACHE_MB: u64 = 32;
/// sled's page cache for `license issue --batch`, in MiB: a batch appends, so a larger cache
/// buys little speed for much memory (docs/performance.md).
pub const BATCH_CACHE_MB: u64 = 8;
/// sled's page cache for `keyctl serve`, in MiB: measured to cost no throughput at 100 000
/// licenses while keeping 20-35 MB off a long-running server (docs/performance.md).
pub const SERVER_CACHE_MB: u64 = 8;

/// An open sled store. Holds an exclusive lock on the directory until dropped.
pub struct SledBackend {
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
    /// The prefixes of the batches that are not committed, mirrored from `batches`: only
    /// the process holding the lock changes that tree, so the mirror is exact, and readers
    /// pay one hash lookup, not a read, to tell whether a license is hidden.
    hidden: RwLock<HashSet<String>>,
    /// sled's data file, kept open to `fsync` it (see [`SledBackend::flush`]).
    data_file: File,
    _lock: File,
}

impl std::fmt::Debug for SledBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SledBackend")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SledBackend {
    /// Creates an empty store at `path` (mode 0700) for [`super::Store::init`] to fill;
    /// `None` when a store is already there. The store is not usable until
    /// [`Backend::complete_init`] marks it complete.
    pub fn create(path: &Path) -> Result<Option<SledBackend>> {
        if looks_like_a_store(path) {
            return Ok(None);
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
        let backend = SledBackend::open_unchecked(path, DEFAULT_CACHE_MB)?;
        backend.meta.insert("product_seq", &0u64.to_be_bytes())?;
        Ok(Some(backend))
    }

    /// Whether a store is at `path` (it may still fail to open).
    pub fn exists(path: &Path) -> bool {
        looks_like_a_store(path)
    }

    /// Opens the existing store at `path` with a page cache of `cache_mb` MiB (unless
    /// `KEYCTL_CACHE_MB` says otherwise), and abandons the batches a killed run left. A
    /// store whose making did not finish is refused: an unfinished copy with
    /// [`Error::UnfinishedCopy`], what an interrupted `init` left as not a store.
    pub fn open(path: &Path, cache_mb: u64) -> Result<SledBackend> {
        match SledBackend::open_as(path, cache_mb, false)? {
            (backend, true) => Ok(backend),
            (backend, false) => Err(backend.unfinished_copy()),
        }
    }

    /// [`SledBackend::open`] for `store copy`, which also takes the store an earlier copy
    /// began and did not finish, to finish it: the store, and whether it is complete.
    pub fn open_copy_target(path: &Path, cache_mb: u64) -> Result<(SledBackend, bool)> {
        SledBackend::open_as(path, cache_mb, true)
    }

    /// Opens the store at `path`, complete or (`unfinished_copy`) an unfinished copy:
    /// whether it is complete.
    fn open_as(path: &Path, cache_mb: u64, unfinished_copy: bool) -> Result<(SledBackend, bool)> {
        if !looks_like_a_store(path) {
            check_is_dir(path)?;
            return Err(if path.is_dir() && !is_empty_dir(path) {
                Error::NotAStore { path: path.into() }
            } else {
                Error::StoreMissing { path: path.into() }
            });
        }
        check_private(path)?;
        let backend = SledBackend::open_unchecked(path, cache_mb)?;
        let complete = match backend.meta.get("schema_version")? {
            Some(v) if v.as_ref() == SCHEMA_VERSION.to_string().as_bytes() => true,
            Some(v) => {
                return Err(Error::SchemaVersion {
                    path: path.into(),
                    found: String::from_utf8_lossy(&v).chars().take(16).collect(),
                    expected: SCHEMA_VERSION,
                })
            }
            None if backend.meta.contains_key(UNFINISHED_COPY)? => false,
            None => return Err(Error::NotAStore { path: path.into() }),
        };
        if !complete && !unfinished_copy {
            return Ok((backend, false));
        }
        backend.abandon_unfinished_batches()?;
        Ok((backend, complete))
    }

    /// The refusal of this store, an unfinished copy.
    fn unfinished_copy(&self) -> Error {
        Error::UnfinishedCopy {
            store: self.describe(),
            from: self
                .setting(UNFINISHED_COPY)
                .ok()
                .flatten()
                .unwrap_or_default(),
        }
    }

    fn open_unchecked(path: &Path, cache_mb: u64) -> Result<SledBackend> {
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
        let db = open_sled(path, cache_mb)?;
        make_private(path)?;
        let data_path = path.join("db").join("db");
        let data_file = File::open(&data_path).map_err(|e| Error::io(&data_path, e))?;
        let tree = |name: &str| db.open_tree(name);
        Ok(SledBackend {
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
            hidden: RwLock::default(),
            db,
            data_file,
            _lock: lock,
        })
    }

    /// Whether `license_id` belongs to a batch that is not committed.
    fn is_hidden(&self, license_id: &str) -> bool {
        let prefixes = self.hidden.read().unwrap_or_else(|e| e.into_inner());
        !prefixes.is_empty()
            && license_id
                .get(..PREFIX_LEN)
                .is_some_and(|prefix| prefixes.contains(prefix))
    }

    fn hide(&self, prefix: &str, hidden: bool) {
        let mut prefixes = self.hidden.write().unwrap_or_else(|e| e.into_inner());
        if hidden {
            prefixes.insert(prefix.to_owned());
        } else {
            prefixes.remove(prefix);
        }
    }

    fn mark(&self, prefix: &str) -> Result<Option<BatchMark>> {
        self.batches.get(prefix)?.map(|v| from_json(&v)).transpose()
    }

    /// Loads the marks into memory and abandons every batch a killed run left staging,
    /// removing its temporary output first. Only for a freshly opened store, whose lock says
    /// no batch is running.
    fn abandon_unfinished_batches(&self) -> Result<()> {
        let mut unfinished = Vec::new();
        for entry in self.batches.iter() {
            let (prefix, value) = entry?;
            let prefix = String::from_utf8_lossy(&prefix).into_owned();
            let mark: BatchMark = from_json(&value)?;
            self.hide(&prefix, true);
            if mark.state == MarkState::Staging {
                unfinished.push((prefix, mark.output));
            }
        }
        for (prefix, output) in &unfinished {
            if let Some(output) = output {
                remove_output(output)?;
            }
            self.abandon_batch(prefix)?;
        }
        Ok(())
    }

    /// Removes a staged license's index entries, then the license itself.
    fn remove_staged(&self, record: &LicenseRecord) -> Result<()> {
        let id = record.id.as_bytes();
        let ours = |value: Option<sled::IVec>| value.is_some_and(|v| v == id);
        if ours(self.short_keys.get(&record.short_key)?) {
            self.short_keys.remove(&record.short_key)?;
        }
        if let Some(order_ref) = &record.order_ref {
            for product in &record.products {
                let key = ref_key(product, order_ref);
                if ours(self.refs.get(&key)?) {
                    self.refs.remove(key)?;
                }
            }
        }
        self.licenses.remove(id)?;
        Ok(())
    }

    /// The licenses of `entries` that are not hidden, read.
    fn visible<'a>(
        &'a self,
        entries: sled::Iter,
    ) -> impl Iterator<Item = Result<LicenseRecord>> + 'a {
        entries.filter_map(move |entry| match entry {
            Ok((id, _)) if self.is_hidden(&String::from_utf8_lossy(&id)) => None,
            Ok((_, value)) => Some(from_json(&value)),
            Err(err) => Some(Err(err.into())),
        })
    }

    fn insert_product_record(&self, product: &Product, bump_sequence: bool) -> Result<bool> {
        let result = (&self.meta, &self.products, &self.product_numbers).transaction(
            |(meta, products, numbers)| {
                if products.get(product.id.as_bytes())?.is_some() {
                    return Ok(false);
                }
                let mut product = product.clone();
                let seq = meta.get("product_seq")?.map(|v| be_u64(&v)).unwrap_or(0);
                if bump_sequence {
                    product.number = seq + 1;
                }
                meta.insert("product_seq", &seq.max(product.number).to_be_bytes())?;
                products.insert(product.id.as_bytes(), to_json(&product))?;
                numbers.insert(&product.number.to_be_bytes(), product.id.as_bytes())?;
                Ok(true)
            },
        );
        unwrap_transaction(result)
    }
}

/// The `meta` key of the number of status-list indexes reserved so far.
const STATUS_ALLOCATED: &str = "status_allocated";

/// How many licenses [`Backend::abandon_batch`] removes per pass.
const REMOVE_CHUNK: usize = 1024;

impl Backend for SledBackend {
    fn describe(&self) -> String {
        self.path.display().to_string()
    }

    fn directory(&self) -> Option<&Path> {
        Some(&self.path)
    }

    fn is_shared(&self) -> bool {
        false
    }

    /// sled's flush (its `sync_file_range` writes the log, which survives a process kill),
    /// then an `fsync` of the data file, which also commits file metadata and the device's
    /// write cache, so the writes survive a power loss.
    fn flush(&self) -> Result<()> {
        self.db.flush()?;
        self.data_file
            .sync_all()
            .map_err(|e| Error::io(self.path.join("db/db"), e))
    }

    fn health(&self) -> Health {
        Health::Up
    }

    fn change_version(&self) -> u64 {
        0
    }

    fn complete_init(&self) -> Result<()> {
        // Written last: a store whose init was interrupted has no version and is refused.
        self.meta
            .insert("schema_version", SCHEMA_VERSION.to_string().as_bytes())?;
        self.flush()
    }

    fn setting(&self, name: &str) -> Result<Option<String>> {
        Ok(self
            .meta
            .get(name)?
            .map(|value| String::from_utf8_lossy(&value).into_owned()))
    }

    fn set_setting(&self, name: &str, value: Option<&str>) -> Result<()> {
        match value {
            Some(value) => self.meta.insert(name, value.as_bytes())?,
            None => self.meta.remove(name)?,
        };
        self.flush()
    }

    fn stored_keys(&self) -> Result<Vec<StoredKey>> {
        self.keys.iter().values().map(|v| from_json(&v?)).collect()
    }

    fn stored_key(&self, kid: &str) -> Result<Option<StoredKey>> {
        self.keys.get(kid)?.map(|v| from_json(&v)).transpose()
    }

    fn insert_key(&self, key: &StoredKey) -> Result<()> {
        // compare_and_swap from "absent": a kid already stored is never overwritten.
        match self
            .keys
            .compare_and_swap(&key.kid, None::<&[u8]>, Some(to_json(key)))?
        {
            Ok(()) => self.flush(),
            Err(_) => Err(key_exists(&key.kid)),
        }
    }

    /// One transaction over the whole `keys` tree, so a crash or a kill at any point leaves
    /// either the old state or the whole rotation: never an extra key, and never zero or two
    /// active keys.
    fn activate_key(&self, new_key: Option<&StoredKey>, kid: &str) -> Result<()> {
        let kids: Vec<sled::IVec> = self.keys.iter().keys().collect::<sled::Result<_>>()?;
        let result = self.keys.transaction(|keys| {
            let abort = ConflictableTransactionError::Abort;
            if let Some(new_key) = new_key {
                if keys.get(new_key.kid.as_bytes())?.is_some() {
                    return Err(abort(key_exists(&new_key.kid)));
                }
                keys.insert(new_key.kid.as_bytes(), to_json(new_key))?;
            } else {
                let Some(value) = keys.get(kid.as_bytes())? else {
                    return Err(abort(Error::NotFound {
                        kind: "key",
                        id: kid.into(),
                    }));
                };
                let key: StoredKey = from_json(&value).map_err(abort)?;
                may_activate(kid, key.status).map_err(abort)?;
            }
            for other in &kids {
                let Some(value) = keys.get(other)? else {
                    continue;
                };
                let mut key: StoredKey = from_json(&value).map_err(abort)?;
                key.status = match key.status {
                    _ if key.kid == kid => KeyStatus::Active,
                    KeyStatus::Active => KeyStatus::Trusted,
                    _ => continue,
                };
                keys.insert(key.kid.as_bytes(), to_json(&key))?;
            }
            Ok(())
        });
        unwrap_transaction(result)?;
        self.flush()
    }

    fn retire_key(&self, kid: &str, now: Timestamp) -> Result<StoredKey> {
        let result = self.keys.transaction(|keys| {
            let abort = ConflictableTransactionError::Abort;
            let Some(value) = keys.get(kid.as_bytes())? else {
                return Err(abort(Error::NotFound {
                    kind: "key",
                    id: kid.into(),
                }));
            };
            let mut key: StoredKey = from_json(&value).map_err(abort)?;
            match key.status {
                KeyStatus::Active => return Err(abort(active_not_retired(kid))),
                KeyStatus::Retired => return Ok(key),
                KeyStatus::Trusted => {}
            }
            key.status = KeyStatus::Retired;
            key.retired = Some(now);
            keys.insert(kid.as_bytes(), to_json(&key))?;
            Ok(key)
        });
        let key = unwrap_transaction(result)?;
        self.flush()?;
        Ok(key)
    }

    /// Copies the database into `db.new` with `keys` as the whole `keys` tree and the key
    /// encryption setting replaced, then swaps it in for `db` (see [`finish_rewrite`]).
    /// A fresh database holds no stale copy of what was overwritten, as sled's log would.
    fn replace_key_secrets(
        self: Box<Self>,
        keys: &[StoredKey],
        encryption: Option<&str>,
    ) -> Result<()> {
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
                    Some(encryption) => to.insert(KEY_ENCRYPTION, encryption.as_bytes())?,
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

    fn insert_product(
        &self,
        id: &str,
        name: &str,
        support_message: Option<&str>,
        now: Timestamp,
    ) -> Result<Product> {
        let mut product = Product {
            id: id.to_owned(),
            number: 0,
            name: name.to_owned(),
            support_message: support_message.map(str::to_owned),
            created: now,
        };
        if !self.insert_product_record(&product, true)? {
            return Err(Error::Conflict(format!("product {id} already exists")));
        }
        self.flush()?;
        product = self.product_by_id(id)?.unwrap_or(product);
        Ok(product)
    }

    fn products(&self) -> Result<Vec<Product>> {
        self.products
            .iter()
            .values()
            .map(|v| from_json(&v?))
            .collect()
    }

    fn product_by_id(&self, id: &str) -> Result<Option<Product>> {
        self.products.get(id)?.map(|v| from_json(&v)).transpose()
    }

    fn product_by_number(&self, number: u64) -> Result<Option<Product>> {
        match self.product_numbers.get(number.to_be_bytes())? {
            Some(id) => self.product_by_id(&String::from_utf8_lossy(&id)),
            None => Ok(None),
        }
    }

    fn insert_licenses(&self, records: &[LicenseRecord]) -> Result<()> {
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

    fn license(&self, id: &str) -> Result<Option<LicenseRecord>> {
        if self.is_hidden(id) {
            return Ok(None);
        }
        self.licenses.get(id)?.map(|v| from_json(&v)).transpose()
    }

    fn license_id_by_short_key(&self, short_key: &str) -> Result<Option<String>> {
        Ok(self
            .short_keys
            .get(short_key)?
            .map(|id| String::from_utf8_lossy(&id).into_owned())
            .filter(|id| !self.is_hidden(id)))
    }

    fn licenses(&self, filter: &LicenseFilter) -> Result<Vec<LicenseRecord>> {
        self.visible(self.licenses.iter())
            .filter(|record| record.as_ref().map_or(true, |r| filter.matches(r)))
            .collect()
    }

    /// A range scan of the `licenses` tree from just after `after`.
    fn licenses_page(&self, after: Option<&str>, limit: usize) -> Result<Vec<LicenseRecord>> {
        let entries = match after {
            Some(id) => self.licenses.range(after_key(id.as_bytes())),
            None => self.licenses.iter(),
        };
        self.visible(entries).take(limit).collect()
    }

    /// The keys are counted; no record is read.
    fn license_count(&self) -> Result<u64> {
        let mut count = 0;
        for id in self.licenses.iter().keys() {
            if !self.is_hidden(&String::from_utf8_lossy(&id?)) {
                count += 1;
            }
        }
        Ok(count)
    }

    /// The record and the revocation index change together, in one transaction.
    fn update_license_status(
        &self,
        id: &str,
        expected: LicenseStatus,
        status: LicenseStatus,
        reason: Option<&str>,
    ) -> Result<Option<LicenseRecord>> {
        if self.is_hidden(id) {
            return Ok(None);
        }
        let result = (&self.licenses, &self.revocations).transaction(|(licenses, revocations)| {
            let Some(value) = licenses.get(id.as_bytes())? else {
                return Ok(None);
            };
            let mut record: LicenseRecord =
                from_json(&value).map_err(ConflictableTransactionError::Abort)?;
            if record.status != expected {
                return Ok(None);
            }
            record.status = status;
            record.reason = reason.map(str::to_owned);
            licenses.insert(id.as_bytes(), to_json(&record))?;
            match revocation_text(&record) {
                Some(text) => revocations.insert(id.as_bytes(), text.as_bytes())?,
                None => revocations.remove(id.as_bytes())?,
            };
            Ok(Some(record))
        });
        let record = unwrap_transaction(result)?;
        if record.is_some() {
            self.flush()?;
        }
        Ok(record)
    }

    /// One read of the small `revocations` index, not of the whole license record.
    fn revocation(&self, license_id: &str) -> Result<Option<String>> {
        if self.is_hidden(license_id) {
            return Ok(Some(NEVER_ISSUED.into()));
        }
        Ok(self
            .revocations
            .get(license_id)?
            .map(|text| String::from_utf8_lossy(&text).into_owned()))
    }

    /// A transaction on the `status_allocated` counter in `meta`, then a flush.
    fn allocate_status_indexes(&self, count: u64) -> Result<u64> {
        let result = self.meta.transaction(|meta| {
            let first = meta.get(STATUS_ALLOCATED)?.map(|v| be_u64(&v)).unwrap_or(0);
            let Some(next) = first.checked_add(count) else {
                return Err(ConflictableTransactionError::Abort(Error::Store(
                    "the status list has no index left".into(),
                )));
            };
            meta.insert(STATUS_ALLOCATED, &next.to_be_bytes())?;
            Ok(first)
        });
        let first = unwrap_transaction(result)?;
        self.flush()?;
        Ok(first)
    }

    fn status_indexes_allocated(&self) -> Result<u64> {
        Ok(self
            .meta
            .get(STATUS_ALLOCATED)?
            .map(|v| be_u64(&v))
            .unwrap_or(0))
    }

    /// The `revocations` index names every license that is not active; only those records
    /// are read.
    fn inactive_statuses(&self) -> Result<Vec<(u64, LicenseStatus)>> {
        let mut out = Vec::new();
        for id in self.revocations.iter().keys() {
            let id = id?;
            let Some(record) = self.license(&String::from_utf8_lossy(&id))? else {
                continue;
            };
            if let (Some(idx), false) = (record.status_idx, record.status == LicenseStatus::Active)
            {
                out.push((idx, record.status));
            }
        }
        Ok(out)
    }

    /// One transaction over `activations` and `seats`, so concurrent activations of one
    /// license serialize on its `seats` entry (sled retries the loser) and the count can
    /// never pass the limit, whatever the concurrency.
    fn grant_seat(&self, activation: &Activation, limit: Option<u64>) -> Result<Activated> {
        let license_id = activation.license_id.as_str();
        let key = activation_key(license_id, &activation.hwid);
        let result = (&self.activations, &self.seats).transaction(|(activations, seats)| {
            let used = seats.get(license_id)?.map(|v| be_u64(&v)).unwrap_or(0);
            if let Some(existing) = activations.get(&key)? {
                let record: Activation =
                    from_json(&existing).map_err(ConflictableTransactionError::Abort)?;
                activations.insert(key.as_slice(), to_json(&record.renewed(activation)))?;
                return Ok(Activated::Granted { new: false, used });
            }
            if limit.is_some_and(|limit| used >= limit) {
                return Ok(Activated::NoSeatsLeft { used });
            }
            activations.insert(key.as_slice(), to_json(activation))?;
            seats.insert(license_id, &(used + 1).to_be_bytes())?;
            Ok(Activated::Granted {
                new: true,
                used: used + 1,
            })
        });
        unwrap_transaction(result)
    }

    fn release_seat(&self, license_id: &str, hwid: &str) -> Result<(bool, u64)> {
        let key = activation_key(license_id, hwid);
        let result = (&self.activations, &self.seats).transaction(|(activations, seats)| {
            let used = seats.get(license_id)?.map(|v| be_u64(&v)).unwrap_or(0);
            if activations.remove(key.as_slice())?.is_none() {
                return Ok((false, used));
            }
            let used = used.saturating_sub(1);
            seats.insert(license_id, &used.to_be_bytes())?;
            Ok((true, used))
        });
        unwrap_transaction(result)
    }

    fn seats_used(&self, license_id: &str) -> Result<u64> {
        Ok(self.seats.get(license_id)?.map(|v| be_u64(&v)).unwrap_or(0))
    }

    fn is_activated(&self, license_id: &str, hwid: &str) -> Result<bool> {
        Ok(self
            .activations
            .contains_key(activation_key(license_id, hwid))?)
    }

    fn activations(&self, license_id: Option<&str>) -> Result<Vec<Activation>> {
        let iter = match license_id {
            Some(id) => self.activations.scan_prefix(activation_key(id, "")),
            None => self.activations.iter(),
        };
        iter.values().map(|v| from_json(&v?)).collect()
    }

    /// A range scan of the `activations` tree, whose keys (license id, NUL, hwid) sort as
    /// the pairs do: a license id holds no NUL.
    fn activations_page(
        &self,
        after: Option<(&str, &str)>,
        limit: usize,
    ) -> Result<Vec<Activation>> {
        let entries = match after {
            Some((license_id, hwid)) => self
                .activations
                .range(after_key(&activation_key(license_id, hwid))),
            None => self.activations.iter(),
        };
        entries
            .values()
            .take(limit)
            .map(|v| from_json(&v?))
            .collect()
    }

    fn activation_count(&self) -> Result<u64> {
        Ok(self.activations.len() as u64)
    }

    fn remember_request(&self, entry: RememberedRequest) -> Result<bool> {
        let mut value = [0u8; 16];
        value[..8].copy_from_slice(&entry.license.to_be_bytes());
        value[8..].copy_from_slice(&entry.expires.to_be_bytes());
        let before = self
            .replay
            .insert(entry.request.to_be_bytes(), value.as_slice())?;
        Ok(before.is_none())
    }

    fn forget_requests_before(&self, now: Timestamp) -> Result<()> {
        self.remembered_requests(now).map(drop)
    }

    /// Also removes the expired ones it passes.
    fn remembered_requests(&self, now: Timestamp) -> Result<Vec<RememberedRequest>> {
        let mut live = Vec::new();
        for item in self.replay.iter() {
            let (key, value) = item?;
            let (Ok(request), Ok(value)) = (
                <[u8; 8]>::try_from(&key[..]),
                <[u8; 16]>::try_from(&value[..]),
            ) else {
                self.replay.remove(key)?;
                continue;
            };
            let entry = RememberedRequest {
                request: u64::from_be_bytes(request),
                license: u64::from_be_bytes(value[..8].try_into().expect("8 bytes")),
                expires: i64::from_be_bytes(value[8..].try_into().expect("8 bytes")),
            };
            if entry.expires < now {
                self.replay.remove(key)?;
            } else {
                live.push(entry);
            }
        }
        Ok(live)
    }

    fn begin_batch(&self, prefix: &str, mark: &BatchMark) -> Result<bool> {
        if self.batches.contains_key(prefix)? || self.licenses.scan_prefix(prefix).next().is_some()
        {
            return Ok(false);
        }
        self.hide(prefix, true);
        self.batches.insert(prefix, to_json(mark))?;
        self.flush()?;
        Ok(true)
    }

    /// The licenses are written before their index entries, so an entry never outlives its
    /// license in a crash. Nothing is flushed until the commit.
    fn stage_licenses(&self, prefix: &str, records: &[LicenseRecord]) -> Result<()> {
        debug_assert!(records.iter().all(|r| r.id.starts_with(prefix)));
        for record in records {
            self.licenses
                .insert(record.id.as_bytes(), to_json(record))?;
        }
        for record in records {
            self.short_keys
                .insert(record.short_key.as_bytes(), record.id.as_bytes())?;
            if let Some(order_ref) = &record.order_ref {
                for product in &record.products {
                    let key = ref_key(product, order_ref);
                    let Some(before) = self.refs.insert(&key, record.id.as_bytes())? else {
                        continue;
                    };
                    let id = String::from_utf8_lossy(&before).into_owned();
                    if !self.is_hidden(&id) && self.licenses.contains_key(&id)? {
                        self.refs.insert(key, before)?;
                        return Err(ref_taken(order_ref, product, &id));
                    }
                }
            }
        }
        Ok(())
    }

    /// The staged licenses are flushed, then the batch's mark is removed and that one small
    /// write is flushed.
    fn commit_batch(&self, prefix: &str) -> Result<()> {
        self.flush()?;
        self.batches.remove(prefix)?;
        self.flush()?;
        self.hide(prefix, false);
        Ok(())
    }

    /// If this is cut short, the next [`SledBackend::open`] finishes it.
    fn abandon_batch(&self, prefix: &str) -> Result<()> {
        loop {
            let records = self
                .licenses
                .scan_prefix(prefix)
                .values()
                .take(REMOVE_CHUNK)
                .map(|value| from_json::<LicenseRecord>(&value?))
                .collect::<Result<Vec<_>>>()?;
            if records.is_empty() {
                break;
            }
            for record in &records {
                self.remove_staged(record)?;
            }
        }
        let staged = self.mark(prefix)?;
        let mark = BatchMark {
            state: MarkState::Abandoned,
            started: staged.as_ref().map_or(0, |mark| mark.started),
            output: None,
            // Kept: the status list revokes the indexes of an abandoned batch.
            status: staged.and_then(|mark| mark.status),
        };
        self.batches.insert(prefix, to_json(&mark))?;
        self.flush()
    }

    fn batch_marks(&self) -> Result<Vec<(String, BatchMark)>> {
        self.batches
            .iter()
            .map(|entry| {
                let (prefix, value) = entry?;
                Ok((
                    String::from_utf8_lossy(&prefix).into_owned(),
                    from_json(&value)?,
                ))
            })
            .collect()
    }

    fn issued_ref(&self, product: &str, order_ref: &str) -> Result<Option<String>> {
        let Some(id) = self.refs.get(ref_key(product, order_ref))? else {
            return Ok(None);
        };
        let id = String::from_utf8_lossy(&id).into_owned();
        Ok((!self.is_hidden(&id) && self.licenses.contains_key(&id)?).then_some(id))
    }

    fn import(&self, records: &Imported) -> Result<()> {
        for (name, value) in &records.settings {
            if !self.meta.contains_key(name)? {
                self.meta.insert(name.as_bytes(), value.as_bytes())?;
            }
        }
        let allocated = self.status_indexes_allocated()?;
        if records.status_allocated > allocated {
            self.allocate_status_indexes(records.status_allocated - allocated)?;
        }
        for key in &records.keys {
            self.keys
                .compare_and_swap(&key.kid, None::<&[u8]>, Some(to_json(key)))?
                .ok();
        }
        for product in &records.products {
            self.insert_product_record(product, false)?;
        }
        for (prefix, mark) in &records.batch_marks {
            if !self.batches.contains_key(prefix)? {
                self.hide(prefix, true);
                self.batches.insert(prefix.as_bytes(), to_json(mark))?;
            }
        }
        for record in &records.licenses {
            if self.licenses.contains_key(&record.id)? {
                continue;
            }
            self.licenses
                .insert(record.id.as_bytes(), to_json(record))?;
            self.short_keys
                .insert(record.short_key.as_bytes(), record.id.as_bytes())?;
            if let Some(text) = revocation_text(record) {
                self.revocations
                    .insert(record.id.as_bytes(), text.as_bytes())?;
            }
            if let Some(order_ref) = &record.order_ref {
                for product in &record.products {
                    self.refs
                        .insert(ref_key(product, order_ref), record.id.as_bytes())?;
                }
            }
        }
        for activation in &records.activations {
            self.grant_seat(activation, None)?;
        }
        self.flush()
    }
}

/// A kid that is stored already.
pub(crate) fn key_exists(kid: &str) -> Error {
    Error::Conflict(format!("key {kid} is already in the store"))
}

/// A key that cannot be retired because it signs.
pub(crate) fn active_not_retired(kid: &str) -> Error {
    Error::Conflict(format!(
        "key {kid} is the active key; run `keyctl key rotate` before retiring it"
    ))
}

/// A ref a visible license has already.
pub(crate) fn ref_taken(order_ref: &str, product: &str, id: &str) -> Error {
    Error::Conflict(format!(
        "ref {order_ref} of product {product} was already issued, to license {id}"
    ))
}

/// The `refs` tree key of an order reference: product, NUL, ref.
fn ref_key(product: &str, order_ref: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(product.len() + 1 + order_ref.len());
    key.extend_from_slice(product.as_bytes());
    key.push(0);
    key.extend_from_slice(order_ref.as_bytes());
    key
}

/// The keys of a tree that come after `key`, for a range scan.
fn after_key(key: &[u8]) -> (Bound<sled::IVec>, Bound<sled::IVec>) {
    (Bound::Excluded(key.into()), Bound::Unbounded)
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

/// sled's page cache in bytes: `KEYCTL_CACHE_MB` megabytes when set, else `default_mb`.
/// How long an open waits for sled's own lock while holding `keyctl.lock`.
const SLED_LOCK_WAIT: Duration = Duration::from_secs(2);

/// Opens the sled database in `path/db`, whose `keyctl.lock` the caller holds.
///
/// sled's lock on `db/db` can then be held for only two reasons. A store just dropped in this
/// process keeps it until sled's background threads have finished (sled 0.34 releases it
/// asynchronously), which takes milliseconds: we wait for that, bounded. Or someone removed
/// or replaced `keyctl.lock` under a running keyctl (a `serve`, most likely) and we locked a
/// new file: that is reported as in use once the wait is over.
fn open_sled(path: &Path, cache_mb: u64) -> Result<sled::Db> {
    let deadline = Instant::now() + SLED_LOCK_WAIT;
    loop {
        let opened = sled::Config::new()
            .path(path.join("db"))
            .cache_capacity(cache_bytes(cache_mb))
            .open();
        match opened {
            Ok(db) => return Ok(db),
            // sled 0.34 reports this only as text.
            Err(sled::Error::Io(e)) if e.to_string().starts_with("could not acquire lock") => {
                if Instant::now() >= deadline {
                    return Err(Error::StoreInUse { path: path.into() });
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(err) => return Err(err.into()),
        }
    }
}

fn cache_bytes(default_mb: u64) -> u64 {
    let megabytes = std::env::var("KEYCTL_CACHE_MB")
        .ok()
        .and_then(|v| v.parse::<u64>().ok());
    megabytes.unwrap_or(default_mb).clamp(1, 64 * 1024) * 1024 * 1024
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::license::{new_license_id, IssueRequest, Issuer, LicenseState};
    use crate::store::{StagedBatch, Store};

    const NOW: Timestamp = 1_795_000_000;

    /// Handles on trees of an open store, to look under the rules.
    struct Trees {
        keys: sled::Tree,
        licenses: sled::Tree,
        short_keys: sled::Tree,
        refs: sled::Tree,
    }

    impl Trees {
        /// Entries in the license, short key and ref trees, hidden ones included.
        fn entries(&self) -> [usize; 3] {
            [self.licenses.len(), self.short_keys.len(), self.refs.len()]
        }
    }

    /// The store at `path` (created with `issuer` if absent), with handles on its trees.
    fn sled_store(path: &Path, issuer: &str) -> (Store, Trees) {
        let location = crate::store::Location::Directory(path.into());
        if !SledBackend::exists(path) {
            drop(Store::init(&location, issuer, None, NOW).unwrap());
        }
        let backend = SledBackend::open(path, DEFAULT_CACHE_MB).unwrap();
        let trees = Trees {
            keys: backend.keys.clone(),
            licenses: backend.licenses.clone(),
            short_keys: backend.short_keys.clone(),
            refs: backend.refs.clone(),
        };
        (Store::over(Box::new(backend)), trees)
    }

    /// Licenses of `batch` for products `app` and `web`, with refs `{refs}-0`, `{refs}-1`, ….
    fn licenses(
        store: &Store,
        batch: &StagedBatch,
        refs: &str,
        count: usize,
    ) -> Vec<LicenseRecord> {
        let issuer = Issuer::new(&store.issuer().unwrap(), &store.active_key().unwrap());
        (0..count)
            .map(|i| {
                let request = IssueRequest {
                    licensee: format!("user{i}"),
                    products: vec!["app".into(), "web".into()],
                    ..IssueRequest::default()
                };
                let issued = issuer.issue(&request, NOW, batch.millis()).unwrap();
                LicenseRecord {
                    order_ref: Some(format!("{refs}-{i}")),
                    ..LicenseRecord::from_issued(&issued)
                }
            })
            .collect()
    }

    #[test]
    fn a_rotation_that_fails_midway_adds_no_key() {
        let dir = tempfile::tempdir().unwrap();
        let (store, trees) = sled_store(&dir.path().join("store"), "Vendor");
        // A record the rotation cannot read stops it after the new key was generated: it
        // must not have been stored (as it would if it were inserted before the status flip).
        trees
            .keys
            .insert("damaged", b"not json".as_slice())
            .unwrap();
        let err = store.rotate(None, NOW + 100).unwrap_err();
        assert!(err.to_string().contains("a record is damaged"), "{err}");
        assert_eq!(trees.keys.len(), 2);
        trees.keys.remove("damaged").unwrap();
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
    fn a_batch_is_hidden_until_committed_and_removed_if_its_run_died() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store");
        let (store, trees) = sled_store(&path, "Acme");

        let committed = store.begin_batch(NOW, None, 1).unwrap();
        let kept = licenses(&store, &committed, "A", 2);
        store.stage_licenses(&committed, &kept).unwrap();
        let id = kept[0].id.as_str();
        assert!(store.license(id).unwrap().is_none());
        assert_eq!(store.revocation(id).unwrap().as_deref(), Some(NEVER_ISSUED));
        assert_eq!(store.issued_ref("web", "A-0").unwrap(), None);
        store.commit_batch(&committed).unwrap();
        assert_eq!(
            store.license(id).unwrap().unwrap().order_ref.as_deref(),
            Some("A-0")
        );
        assert_eq!(store.revocation(id).unwrap(), None);
        assert_eq!(store.issued_ref("web", "A-0").unwrap().as_deref(), Some(id));

        // A run that dies while staging: its licenses, indexes and output are left behind.
        let died = store.begin_batch(NOW, Some(dir.path()), 1).unwrap();
        assert_ne!(died.id(), committed.id());
        let output = died.output().unwrap().to_owned();
        assert_eq!(
            output,
            dir.path().join(format!(".keyctl-batch-{}.tmp", died.id()))
        );
        std::fs::write(&output, "secrets").unwrap();
        let again = licenses(&store, &died, "A", 1);
        assert_eq!(
            store.stage_licenses(&died, &again).unwrap_err().to_string(),
            format!("ref A-0 of product app was already issued, to license {id}")
        );
        let lost = licenses(&store, &died, "B", 3);
        store.stage_licenses(&died, &lost).unwrap();
        store.flush().unwrap();
        assert_eq!(trees.entries(), [6, 6, 10]);
        assert_eq!(store.licenses(&Default::default()).unwrap().len(), 2);
        drop((store, trees));

        let (store, trees) = sled_store(&path, "Acme");
        assert!(!output.exists());
        assert_eq!(trees.entries(), [2, 2, 4]);
        let lost_id = lost[0].id.as_str();
        assert!(store.find_license(&lost[0].short_key).is_err());
        assert_eq!(
            store.revocation(lost_id).unwrap().as_deref(),
            Some(NEVER_ISSUED)
        );
        assert_eq!(store.issued_ref("app", "A-0").unwrap().as_deref(), Some(id));
        // Abandoned stays abandoned: its millisecond is never used again.
        let marks = store.backend().batch_marks().unwrap();
        let state = marks
            .iter()
            .find(|(p, _)| died.id().len() + 4 == p.len() && p.ends_with(died.id()));
        assert_eq!(state.unwrap().1.state, MarkState::Abandoned);
        drop((store, trees));
        let (store, _) = sled_store(&path, "Acme");
        assert_eq!(
            store.revocation(lost_id).unwrap().as_deref(),
            Some(NEVER_ISSUED)
        );
    }

    #[test]
    fn a_millisecond_is_the_prefix_of_exactly_its_ids() {
        let millis = 1_795_000_000_123;
        let prefix = &new_license_id(&mut rand_core::OsRng, millis, 0)[..PREFIX_LEN];
        for sequence in [0, 1, 0x8000_0000, u32::MAX] {
            assert!(new_license_id(&mut rand_core::OsRng, millis, sequence).starts_with(prefix));
            assert!(
                !new_license_id(&mut rand_core::OsRng, millis + 1, sequence).starts_with(prefix)
            );
            assert!(
                !new_license_id(&mut rand_core::OsRng, millis - 1, sequence).starts_with(prefix)
            );
        }
    }
}
