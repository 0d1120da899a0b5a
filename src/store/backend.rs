//! The storage seam: the atomic primitives a backend provides, and nothing more.
//!
//! The rules (who may activate, how many seats a license has, that revocation is final,
//! which key signs, what a batch hides) live once, in [`super::Store`]; a backend only
//! stores and retrieves records and offers each compound change as one atomic operation.
//! Two backends implement it: the embedded sled database ([`super::sled`]), one process at
//! a time, and PostgreSQL ([`super::postgres`]), shared by many replicas and CLI runs.
//!
//! The interface is synchronous. The CLI, batch issuance and the control socket are
//! synchronous programs, and sled answers in microseconds from memory. PostgreSQL's client
//! is asynchronous: its backend drives it on a runtime of its own, and `serve` calls a
//! shared backend's primitives from `block_in_place`, so a request waiting on the database
//! holds a thread, never a worker (see `docs/architecture.md`).
//!
//! Every primitive that writes is durable when it returns, except those that say they leave
//! durability to [`Backend::flush`] (sled's group commit); on PostgreSQL every write is
//! committed, with synchronous commit on, before it returns.

use std::path::Path;

use super::{
    Activated, Activation, BatchMark, KeyStatus, LicenseFilter, LicenseRecord, LicenseStatus,
    Product, RememberedRequest, StoredKey,
};
use crate::error::Result;
use crate::time::Timestamp;

/// What a shared backend says of its connection to the database, for `/healthz`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Health {
    /// Reachable, and the view of license standing is fresh.
    Up,
    /// Unreachable, or the view is stale: why, for the log and `/healthz`.
    Down(String),
}

/// Everything a store backend provides. See the module documentation.
pub trait Backend: Send + Sync + std::fmt::Debug {
    /// The store as people name it: a directory, or a database URL without its password.
    fn describe(&self) -> String;

    /// The store directory of an embedded backend (where `serve` puts its control socket);
    /// `None` for a database that other processes reach directly.
    fn directory(&self) -> Option<&Path>;

    /// Whether other processes (replicas, the CLI) use the store at the same time. A shared
    /// store is the authority on replays: every accepted request is recorded in it.
    fn is_shared(&self) -> bool;

    /// Makes every write so far durable.
    fn flush(&self) -> Result<()>;

    /// Whether the database is reachable and this process's view of it is fresh.
    fn health(&self) -> Health;

    /// A number that changes whenever keys, a license's standing, the abandoned batches or
    /// the status URI changed in a way this process did not make itself (another replica,
    /// the CLI). Embedded stores: always 0.
    fn change_version(&self) -> u64;

    /// Marks a store that [`super::Store::init`] has filled as complete: until then it is
    /// refused.
    fn complete_init(&self) -> Result<()>;

    // ---- settings ---------------------------------------------------------------------

    /// A store setting (`issuer`, `created`, `key_encryption`, …).
    fn setting(&self, name: &str) -> Result<Option<String>>;

    /// Sets (`Some`) or removes (`None`) a setting.
    fn set_setting(&self, name: &str, value: Option<&str>) -> Result<()>;

    // ---- keys -------------------------------------------------------------------------

    /// Every signing key as stored.
    fn stored_keys(&self) -> Result<Vec<StoredKey>>;

    /// One signing key.
    fn stored_key(&self, kid: &str) -> Result<Option<StoredKey>>;

    /// Adds a key; a kid already stored is a `Conflict`, never overwritten.
    fn insert_key(&self, key: &StoredKey) -> Result<()>;

    /// Atomically: adds `new_key` if given (a `Conflict` if its kid exists), makes `kid`
    /// active, and demotes the previous active key to trusted. `kid` must exist and must not
    /// be retired (`NotFound` / `Conflict`), checked in the same atomic step.
    fn activate_key(&self, new_key: Option<&StoredKey>, kid: &str) -> Result<()>;

    /// Atomically retires a trusted key; returns the key as it is afterwards. An active key
    /// is a `Conflict`; a retired one is returned unchanged.
    fn retire_key(&self, kid: &str, now: Timestamp) -> Result<StoredKey>;

    /// Replaces the secrets of every key and the `key_encryption` setting together, leaving
    /// no earlier copy of a secret readable in the backend's files. Closes the store.
    fn replace_key_secrets(
        self: Box<Self>,
        keys: &[StoredKey],
        encryption: Option<&str>,
    ) -> Result<()>;

    // ---- products ---------------------------------------------------------------------

    /// Adds a product, giving it the next product number atomically; an existing id is a
    /// `Conflict`.
    fn insert_product(
        &self,
        id: &str,
        name: &str,
        support_message: Option<&str>,
        now: Timestamp,
    ) -> Result<Product>;

    /// Every product.
    fn products(&self) -> Result<Vec<Product>>;

    /// The product with this id.
    fn product_by_id(&self, id: &str) -> Result<Option<Product>>;

    /// The product with this number.
    fn product_by_number(&self, number: u64) -> Result<Option<Product>>;

    // ---- licenses ---------------------------------------------------------------------

    /// Stores licenses (committed, visible), each with its short key and refs, all or none;
    /// an id or short key that exists is a `Conflict`.
    fn insert_licenses(&self, records: &[LicenseRecord]) -> Result<()>;

    /// The license with this id, unless it belongs to a batch that is not committed.
    fn license(&self, id: &str) -> Result<Option<LicenseRecord>>;

    /// The id of the (visible) license with this canonical short key.
    fn license_id_by_short_key(&self, short_key: &str) -> Result<Option<String>>;

    /// Visible licenses matching `filter`, by id.
    fn licenses(&self, filter: &LicenseFilter) -> Result<Vec<LicenseRecord>>;

    /// At most `limit` visible licenses (those [`Backend::licenses`] lists unfiltered) whose
    /// ids come after `after` (from the first with `None`), in the bytewise order of their
    /// ids: a store read a page at a time, in memory bounded by `limit` (`store copy`).
    fn licenses_page(&self, after: Option<&str>, limit: usize) -> Result<Vec<LicenseRecord>>;

    /// How many visible licenses there are, counted without holding them.
    fn license_count(&self) -> Result<u64>;

    /// Compare-and-set of a license's standing: when the license is still `expected`,
    /// sets `status` and `reason` and returns the new record; otherwise returns `None`
    /// (the caller reads again and re-applies its rule).
    fn update_license_status(
        &self,
        id: &str,
        expected: LicenseStatus,
        status: LicenseStatus,
        reason: Option<&str>,
    ) -> Result<Option<LicenseRecord>>;

    /// Why a license may not be used: its revocation text (see
    /// [`super::revocation_text`]), [`super::NEVER_ISSUED`] for a batch that was not
    /// committed, `None` when it may. This runs on every check: backends keep it cheap.
    fn revocation(&self, license_id: &str) -> Result<Option<String>>;

    // ---- status list --------------------------------------------------------------------

    /// Atomically and durably reserves `count` status-list indexes, never handed out before
    /// nor again: returns the first of the range `first..first + count`.
    fn allocate_status_indexes(&self, count: u64) -> Result<u64>;

    /// How many status-list indexes were ever reserved: the list's length.
    fn status_indexes_allocated(&self) -> Result<u64>;

    /// The status-list index and standing of every visible license that is not active and
    /// has an index. Cheap: it reads the licenses whose standing changed, not every license.
    fn inactive_statuses(&self) -> Result<Vec<(u64, LicenseStatus)>>;

    // ---- activations ------------------------------------------------------------------

    /// Atomically gives `activation.hwid` a seat on its license when fewer than `limit`
    /// are taken (`None`: no limit), or renews it (`last_seen`, and the names when given)
    /// when it holds one already. Exact under any concurrency, across processes for a
    /// shared backend. sled leaves durability to [`Backend::flush`].
    fn grant_seat(&self, activation: &Activation, limit: Option<u64>) -> Result<Activated>;

    /// Atomically frees `hwid`'s seat: whether it held one, and the seats in use after.
    /// sled leaves durability to [`Backend::flush`].
    fn release_seat(&self, license_id: &str, hwid: &str) -> Result<(bool, u64)>;

    /// Seats in use by a license.
    fn seats_used(&self, license_id: &str) -> Result<u64>;

    /// Whether `hwid` holds a seat on the license.
    fn is_activated(&self, license_id: &str, hwid: &str) -> Result<bool>;

    /// Activations of one license, or of all.
    fn activations(&self, license_id: Option<&str>) -> Result<Vec<Activation>>;

    /// At most `limit` activations that come after `after` (a license id and a hwid; from
    /// the first with `None`), ordered bytewise by license id, then by hwid: every
    /// activation, as [`Backend::activations`] lists them, a page at a time.
    fn activations_page(
        &self,
        after: Option<(&str, &str)>,
        limit: usize,
    ) -> Result<Vec<Activation>>;

    /// How many activations there are, counted without holding them.
    fn activation_count(&self) -> Result<u64>;

    // ---- replay -----------------------------------------------------------------------

    /// Records a signed request; `false` when it was recorded already (a replay). sled
    /// leaves durability to [`Backend::flush`].
    fn remember_request(&self, entry: RememberedRequest) -> Result<bool>;

    /// Removes requests that expired before `now`.
    fn forget_requests_before(&self, now: Timestamp) -> Result<()>;

    /// The requests still live at `now`.
    fn remembered_requests(&self, now: Timestamp) -> Result<Vec<RememberedRequest>>;

    // ---- batches ----------------------------------------------------------------------

    /// Records `mark` for a new batch whose ids start with `prefix`, durably; `false` when
    /// the prefix is taken (a mark, or a license, has it already).
    fn begin_batch(&self, prefix: &str, mark: &BatchMark) -> Result<bool>;

    /// Writes licenses of the batch, hidden until [`Backend::commit_batch`]. A ref that a
    /// visible license has is a `Conflict`.
    fn stage_licenses(&self, prefix: &str, records: &[LicenseRecord]) -> Result<()>;

    /// Makes the batch's licenses visible together, durably.
    fn commit_batch(&self, prefix: &str) -> Result<()>;

    /// Removes the batch's licenses and keeps its mark as abandoned, so that its ids stay
    /// refused.
    fn abandon_batch(&self, prefix: &str) -> Result<()>;

    /// Every batch mark (for `store copy`).
    fn batch_marks(&self) -> Result<Vec<(String, BatchMark)>>;

    /// The visible license that `order_ref` was issued for with `product`.
    fn issued_ref(&self, product: &str, order_ref: &str) -> Result<Option<String>>;

    // ---- copying ----------------------------------------------------------------------

    /// Adds records copied from another store, keeping what is already here: a record
    /// with the same key is left alone, so a second copy changes nothing, and a call may be
    /// repeated after a failure or a kill.
    ///
    /// Each call is a unit of its own, durable when it returns (sled flushes at its end;
    /// PostgreSQL commits it as one transaction), and may carry any part of a store: `store
    /// copy` imports the small parts (settings, keys, products, batch marks, the status-list
    /// counter) in one call, then the licenses a chunk a call, then the activations a chunk a
    /// call. A license must be imported before, or with, its activations: PostgreSQL counts
    /// the seats of the licenses a call gives activations from every activation they have
    /// then, so an activation whose license is not there yet counts for nothing, and one
    /// license's activations may arrive over several calls.
    fn import(&self, records: &Imported) -> Result<()>;
}

/// Records copied from one store into another by `keyctl store copy`: a part of a store, as
/// one [`Backend::import`] call takes it (empty fields are nothing to add).
#[derive(Debug, Default)]
pub struct Imported {
    /// Settings, by name.
    pub settings: Vec<(String, String)>,
    /// Signing keys, as stored (sealed when the source's keys are encrypted).
    pub keys: Vec<StoredKey>,
    /// Products, with their numbers.
    pub products: Vec<Product>,
    /// Licenses, with their standing.
    pub licenses: Vec<LicenseRecord>,
    /// Activations (seat counts follow from them).
    pub activations: Vec<Activation>,
    /// Batch marks, so that abandoned batches stay refused.
    pub batch_marks: Vec<(String, BatchMark)>,
    /// Status-list indexes reserved: the target reserves at least as many, so that no
    /// index of a copied license is handed out again (0: nothing to reserve).
    pub status_allocated: u64,
}

/// Whether a key of `status` may become the active key.
pub(crate) fn may_activate(kid: &str, status: KeyStatus) -> Result<()> {
    match status {
        KeyStatus::Trusted => Ok(()),
        KeyStatus::Active => Err(crate::error::Error::Conflict(format!(
            "key {kid} is already active"
        ))),
        KeyStatus::Retired => Err(crate::error::Error::Conflict(format!(
            "key {kid} is retired and cannot sign again"
        ))),
    }
}
