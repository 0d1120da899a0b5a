//! The store: keys, products, licenses, activations and settings, and the rules over them.
//!
//! [`Store`] holds the rules, once: which key signs, that revocation is final, how many
//! seats a license has, that a re-activation takes no new seat, what a batch hides. It calls
//! a [`Backend`] for storage, which offers each compound change as one atomic primitive
//! (see [`backend`]): the embedded [`sled`] database in a directory, or a shared
//! [`postgres`] database named by a `postgres://` URL.
//!
//! Every public method that writes is durable when it returns, except activations, batch
//! staging and remembered requests on sled, which leave the flush to their caller so that
//! it can group many writes into one (`serve`'s group commit). The store knows nothing of
//! HTTP or of the CLI.

mod activations;
pub mod backend;
mod batches;
mod copy;
mod location;
pub mod postgres;
mod records;
mod replay;
pub mod sled;
mod status;

pub use activations::{Activated, Machine, MAX_MACHINE_FIELD};
pub use backend::{Backend, Health, Imported};
pub use batches::{BatchMark, ReservedIndexes, StagedBatch, NEVER_ISSUED};
pub use copy::{Copied, CopyProgress, COPY_CHUNK};
pub use location::{default_path, Location, OpenOptions, DEFAULT_POOL_SIZE};
pub use records::{
    revocation_text, Activation, KeyRecord, KeyStatus, LicenseFilter, LicenseRecord, LicenseStatus,
    Product, StoredKey,
};
pub use replay::RememberedRequest;
pub use sled::{BATCH_CACHE_MB, DEFAULT_CACHE_MB, SERVER_CACHE_MB};
pub use status::{StatusRange, DEFAULT_STATUS_URI, STATUS_URI};

use std::path::Path;
use std::sync::OnceLock;

use crate::error::{Error, Result};
use crate::keys::{KeyPair, PublicKey, TrustedKeys};
use crate::license::{self, LicenseState, ShortKey, StateError};
use crate::passphrase::{KeyEncryption, Passphrase, SealingKey};
use crate::time::Timestamp;

/// The setting that records how the signing keys are encrypted (absent: in clear).
const KEY_ENCRYPTION: &str = "key_encryption";

/// An open store: the rules over one backend.
pub struct Store {
    backend: Box<dyn Backend>,
    /// Held while the key set changes (rotate, retire), so one process's changes take
    /// turns; the backend makes each change atomic against other processes.
    key_changes: std::sync::Mutex<()>,
    /// The key that unseals the signing keys, once [`Store::unlock`] has derived it.
    sealing: OnceLock<SealingKey>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl Store {
    fn over(backend: Box<dyn Backend>) -> Store {
        Store {
            backend,
            key_changes: std::sync::Mutex::new(()),
            sealing: OnceLock::new(),
        }
    }

    /// Creates a store at `location` with `issuer` and a first active key, encrypted under
    /// `passphrase` if one is given. Returns `false` with the existing store when one is
    /// already there (unchanged: not encrypted by this).
    pub fn init(
        location: &Location,
        issuer: &str,
        passphrase: Option<&Passphrase>,
        now: Timestamp,
    ) -> Result<(Store, bool)> {
        let created: Option<Box<dyn Backend>> = match location {
            Location::Directory(path) => sled::SledBackend::create(path)?.map(|b| Box::new(b) as _),
            Location::Postgres(url) => postgres::create(url, &OpenOptions::default())?,
        };
        let Some(backend) = created else {
            return Store::open(location).map(|store| (store, false));
        };
        let store = Store::over(backend);
        store.backend.set_setting("issuer", Some(issuer))?;
        store
            .backend
            .set_setting("created", Some(&now.to_string()))?;
        if let Some(passphrase) = passphrase {
            let encryption = KeyEncryption::generate();
            let sealing = encryption.derive(passphrase)?;
            let settings = serde_json::to_string(&encryption).expect("settings serialize");
            store.backend.set_setting(KEY_ENCRYPTION, Some(&settings))?;
            let _ = store.sealing.set(sealing);
        }
        // The first key is sealed before it is ever written: its seed never touches the disk.
        store.put_key(&KeyPair::generate(), KeyStatus::Active, now)?;
        store.backend.complete_init()?;
        Ok((store, true))
    }

    /// Whether a store is at `location` (it may still fail to open). A database URL is
    /// taken to hold one: opening it says whether it does.
    pub fn exists(location: &Location) -> bool {
        match location {
            Location::Directory(path) => sled::SledBackend::exists(path),
            Location::Postgres(_) => true,
        }
    }

    /// Opens the existing store at `location`.
    pub fn open(location: &Location) -> Result<Store> {
        Store::open_with(location, &OpenOptions::default())
    }

    /// Opens the existing store at `location` with a sled page cache of `cache_mb` MiB.
    pub fn open_with_cache(location: &Location, cache_mb: u64) -> Result<Store> {
        let options = OpenOptions {
            cache_mb,
            ..OpenOptions::default()
        };
        Store::open_with(location, &options)
    }

    /// Opens the existing store at `location` with `options`.
    pub fn open_with(location: &Location, options: &OpenOptions) -> Result<Store> {
        let backend: Box<dyn Backend> = match location {
            Location::Directory(path) => Box::new(sled::SledBackend::open(path, options.cache_mb)?),
            Location::Postgres(url) => postgres::open(url, options)?,
        };
        Ok(Store::over(backend))
    }

    /// Brings the schema of the store at `location` up to this build: the schema versions
    /// before and after. An embedded store's layout has one version, checked on open.
    pub fn migrate(location: &Location) -> Result<(u32, u32)> {
        match location {
            Location::Directory(path) => {
                drop(sled::SledBackend::open(path, DEFAULT_CACHE_MB)?);
                Ok((sled::SCHEMA_VERSION, sled::SCHEMA_VERSION))
            }
            Location::Postgres(url) => postgres::migrate(url),
        }
    }

    /// The backend, for what only it can say (its directory, whether it is shared).
    pub fn backend(&self) -> &dyn Backend {
        &*self.backend
    }

    /// The store directory of an embedded store; `None` for a database.
    pub fn directory(&self) -> Option<&Path> {
        self.backend.directory()
    }

    /// The store as people name it, for messages.
    pub fn describe(&self) -> String {
        self.backend.describe()
    }

    /// Puts every write so far on stable storage.
    pub fn flush(&self) -> Result<()> {
        self.backend.flush()
    }

    /// The issuer name (`iss`) of new licenses.
    pub fn issuer(&self) -> Result<String> {
        self.backend
            .setting("issuer")?
            .ok_or_else(|| Error::Store("the store has no issuer".into()))
    }

    // ---- keys -------------------------------------------------------------------------

    fn new_stored_key(
        &self,
        key: &KeyPair,
        status: KeyStatus,
        now: Timestamp,
    ) -> Result<StoredKey> {
        Ok(StoredKey::new(key, status, now, self.sealing_key()?))
    }

    fn put_key(&self, key: &KeyPair, status: KeyStatus, now: Timestamp) -> Result<KeyRecord> {
        let stored = self.new_stored_key(key, status, now)?;
        self.backend.insert_key(&stored)?;
        Ok(stored.record())
    }

    fn stored_key(&self, kid: &str) -> Result<StoredKey> {
        self.backend
            .stored_key(kid)?
            .ok_or_else(|| Error::NotFound {
                kind: "key",
                id: kid.into(),
            })
    }

    /// Every key, oldest first.
    pub fn keys(&self) -> Result<Vec<KeyRecord>> {
        let mut keys: Vec<KeyRecord> = self
            .backend
            .stored_keys()?
            .iter()
            .map(StoredKey::record)
            .collect();
        keys.sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.kid.cmp(&b.kid)));
        Ok(keys)
    }

    /// Adds `key` as a trusted (not signing) key.
    pub fn add_key(&self, key: &KeyPair, now: Timestamp) -> Result<KeyRecord> {
        self.put_key(key, KeyStatus::Trusted, now)
    }

    /// Waits for other key changes of this process to finish.
    fn key_turn(&self) -> std::sync::MutexGuard<'_, ()> {
        // The guarded data is `()`: a panic while holding it leaves nothing inconsistent.
        self.key_changes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Makes `kid` (or, with `None`, a newly generated key) the active key; the previous
    /// active key stays trusted. The backend does it in one atomic step: never an extra
    /// key, and never zero or two active keys.
    pub fn rotate(&self, kid: Option<&str>, now: Timestamp) -> Result<KeyRecord> {
        let _turn = self.key_turn();
        let new_key = match kid {
            Some(kid) => {
                backend::may_activate(kid, self.stored_key(kid)?.status)?;
                None
            }
            None => Some(self.new_stored_key(&KeyPair::generate(), KeyStatus::Active, now)?),
        };
        let new_kid = new_key
            .as_ref()
            .map_or_else(|| kid.unwrap_or_default(), |k| k.kid.as_str())
            .to_owned();
        self.backend.activate_key(new_key.as_ref(), &new_kid)?;
        Ok(self.stored_key(&new_kid)?.record())
    }

    /// Stops trusting `kid`. The active key cannot be retired: rotate first.
    pub fn retire(&self, kid: &str, now: Timestamp) -> Result<KeyRecord> {
        let _turn = self.key_turn();
        Ok(self.backend.retire_key(kid, now)?.record())
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
        self.backend
            .stored_keys()?
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
            .backend
            .stored_keys()?
            .iter()
            .filter(|k| k.status != KeyStatus::Retired)
            .map(StoredKey::public_key)
            .collect::<Result<Vec<PublicKey>>>()?;
        Ok(TrustedKeys::new(keys))
    }

    // ---- key encryption ---------------------------------------------------------------

    fn key_encryption(&self) -> Result<Option<KeyEncryption>> {
        self.backend
            .setting(KEY_ENCRYPTION)?
            .map(|value| {
                serde_json::from_str(&value)
                    .map_err(|err| Error::Store(format!("a record is damaged: {err}")))
            })
            .transpose()
    }

    /// Whether the signing keys are encrypted under a passphrase.
    pub fn keys_encrypted(&self) -> Result<bool> {
        Ok(self.backend.setting(KEY_ENCRYPTION)?.is_some())
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
                    what: format!("store {}", self.describe()),
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
                store: self.describe(),
            })
    }

    fn pair(&self, stored: &StoredKey) -> Result<KeyPair> {
        let sealing = match stored.sealed {
            Some(_) => self.sealing_key()?,
            None => None,
        };
        stored.pair(sealing)
    }

    /// Encrypts every signing key under `passphrase`, leaving no clear copy of a seed in
    /// the backend's files. The store is closed afterwards.
    pub fn encrypt_keys(self, passphrase: &Passphrase) -> Result<usize> {
        if self.keys_encrypted()? {
            return Err(Error::Conflict(format!(
                "the signing keys of store {} are encrypted already",
                self.describe()
            )));
        }
        let encryption = KeyEncryption::generate();
        let sealing = encryption.derive(passphrase)?;
        let keys = self
            .backend
            .stored_keys()?
            .into_iter()
            .map(|mut stored| {
                let pair = stored.pair(None)?;
                stored.set_secret(&pair, Some(&sealing));
                Ok(stored)
            })
            .collect::<Result<Vec<_>>>()?;
        let count = keys.len();
        let settings = serde_json::to_string(&encryption).expect("settings serialize");
        self.backend.replace_key_secrets(&keys, Some(&settings))?;
        Ok(count)
    }

    /// Stores every signing key in clear again (the store must be unlocked). The store is
    /// closed afterwards.
    pub fn decrypt_keys(self) -> Result<usize> {
        let Some(sealing) = self.sealing_key()? else {
            return Err(Error::Conflict(format!(
                "the signing keys of store {} are not encrypted",
                self.describe()
            )));
        };
        let keys = self
            .backend
            .stored_keys()?
            .into_iter()
            .map(|mut stored| {
                let pair = stored.pair(Some(sealing))?;
                stored.set_secret(&pair, None);
                Ok(stored)
            })
            .collect::<Result<Vec<_>>>()?;
        let count = keys.len();
        self.backend.replace_key_secrets(&keys, None)?;
        Ok(count)
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
        self.backend.insert_product(id, name, support_message, now)
    }

    /// Every product, by number.
    pub fn products(&self) -> Result<Vec<Product>> {
        let mut products = self.backend.products()?;
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
            if let Some(product) = self.backend.product_by_number(number)? {
                return Ok(Some(product));
            }
        }
        self.product_by_id(key)
    }

    /// The product with exactly this id.
    pub fn product_by_id(&self, id: &str) -> Result<Option<Product>> {
        self.backend.product_by_id(id)
    }

    // ---- licenses ---------------------------------------------------------------------

    /// Stores a newly issued license and its short key, atomically and durably.
    pub fn insert_license(&self, record: &LicenseRecord) -> Result<()> {
        self.insert_licenses(std::slice::from_ref(record))
    }

    /// Stores many licenses, each atomically with its short key, all or none, refusing any
    /// whose id or short key exists already.
    pub fn insert_licenses(&self, records: &[LicenseRecord]) -> Result<()> {
        self.backend.insert_licenses(records)
    }

    /// The license with this id; a license of a batch that is not committed is absent.
    pub fn license(&self, id: &str) -> Result<Option<LicenseRecord>> {
        self.backend.license(id)
    }

    /// The license whose short key is `key`, looked up among short keys only: what proves a
    /// caller owns a license must never match a license id.
    pub fn license_by_short_key(&self, key: &ShortKey) -> Result<Option<LicenseRecord>> {
        match self.backend.license_id_by_short_key(key.as_str())? {
            Some(id) => self.license(&id),
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
        self.license_by_short_key(&short)?.ok_or_else(not_found)
    }

    /// Licenses matching `filter`, oldest first, without those of batches not committed.
    pub fn licenses(&self, filter: &LicenseFilter) -> Result<Vec<LicenseRecord>> {
        let mut licenses = self.backend.licenses(filter)?;
        // Ids start with their issue time, so their order is the order of issue.
        licenses.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(licenses)
    }

    /// Changes a license's standing. Revocation is final; reinstating lifts a suspension.
    /// A compare-and-set: a change made meanwhile by another process is read again and the
    /// rule applied to it.
    pub fn set_license_status(
        &self,
        reference: &str,
        status: LicenseStatus,
        reason: Option<&str>,
    ) -> Result<LicenseRecord> {
        if reason.is_some_and(|r| r.len() > 1024) {
            return Err(Error::invalid("reason", "must be at most 1024 bytes"));
        }
        let mut record = self.find_license(reference)?;
        loop {
            if record.status == LicenseStatus::Revoked && status != LicenseStatus::Revoked {
                return Err(Error::Conflict(format!(
                    "license {} is revoked; revocation is final",
                    record.id
                )));
            }
            let reason = match status {
                LicenseStatus::Active => None,
                _ => reason.or(record.reason.as_deref()),
            };
            if let Some(updated) =
                self.backend
                    .update_license_status(&record.id, record.status, status, reason)?
            {
                return Ok(updated);
            }
            record = self.find_license(&record.id)?;
        }
    }

    // ---- state ------------------------------------------------------------------------

    /// Whether other processes share the store (see [`Backend::is_shared`]).
    pub fn is_shared(&self) -> bool {
        self.backend.is_shared()
    }

    /// Whether the store is reachable and this process's view of it fresh.
    pub fn health(&self) -> Health {
        self.backend.health()
    }

    /// Changes when keys or a license's standing changed elsewhere (see
    /// [`Backend::change_version`]).
    pub fn change_version(&self) -> u64 {
        self.backend.change_version()
    }
}

impl LicenseState for Store {
    /// One cheap read (the backend's revocation index): this runs on every check. A license
    /// of a batch that was not committed is refused.
    fn revocation(&self, license_id: &str) -> std::result::Result<Option<String>, StateError> {
        self.backend
            .revocation(license_id)
            .map_err(|err| StateError(err.to_string()))
    }

    fn is_activated(&self, license_id: &str, hwid: &str) -> std::result::Result<bool, StateError> {
        self.backend
            .is_activated(license_id, hwid)
            .map_err(|err| StateError(err.to_string()))
    }
}

/// A reference shortened for messages.
fn abbreviate(reference: &str) -> String {
    if reference.len() > 40 {
        let cut: String = reference.chars().take(24).collect();
        format!("{cut}…")
    } else {
        reference.to_owned()
    }
}
