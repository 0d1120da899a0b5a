//! `keyctl store copy`: every record of one store into another, losslessly and idempotently,
//! in memory bounded by the chunk size rather than by the store's size.
//!
//! The small parts (settings, keys, products, batch marks, the status-list counter) go in
//! one [`Backend::import`]; then the licenses, [`COPY_CHUNK`] at a time in id order, then the
//! activations likewise (a license before its activations). Each chunk is read from the
//! source after the last key copied (keyset pagination, never an offset), imported, and
//! checked at once in the target by reading the target in the same order from the same
//! key. Nothing holds every license or activation: the counts at the end are counted.
//!
//! A target the copy makes carries the [`UNFINISHED_COPY`] setting, naming the source, until
//! its last chunk is in: every other command refuses it (as it refuses a store whose `init`
//! was cut short), and the next copy into it of a store with the same issuer finishes it.
//! Since every import keeps what is there, finishing is copying again.

use std::ops::ControlFlow;

use serde::Serialize;

use super::backend::{Backend, Imported};
use super::{postgres, sled, Activation, LicenseRecord, Location, OpenOptions, Store};
use crate::error::{Error, Result};

/// What a copy holds, counted in the target after the copy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Copied {
    /// Signing keys.
    pub keys: usize,
    /// Products.
    pub products: usize,
    /// Licenses, with their standing.
    pub licenses: usize,
    /// Activations.
    pub activations: usize,
    /// Marks of batches that were not committed.
    pub batch_marks: usize,
}

/// What a copy has written into its target so far, told after each chunk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CopyProgress {
    /// Licenses imported and checked.
    pub licenses: usize,
    /// Activations imported and checked.
    pub activations: usize,
}

/// Licenses, or activations, a copy reads, writes and checks at a time. A license is about
/// 1 KB in memory, and a chunk is held at most three times over (the page read, PostgreSQL's
/// statement columns, the target's page that checks it): some 15 MB, and a copy between two
/// databases stays at 42 MB whatever their size (docs/performance.md).
pub const COPY_CHUNK: usize = 5000;

/// The setting that marks a store a copy is making, until it is complete: the source, as
/// people name it. See the module documentation.
pub(super) const UNFINISHED_COPY: &str = "unfinished_copy";

/// The settings a copy carries over.
const COPIED_SETTINGS: [&str; 4] = ["issuer", "created", "key_encryption", "status_uri"];

/// The store a copy writes into.
struct Target {
    store: Store,
    /// Whether it is a complete store (one found there); else this copy makes it, or
    /// finishes what an earlier copy began.
    complete: bool,
}

impl Store {
    /// Copies every record of this store into the store at `target`, creating it if it does
    /// not exist, [`COPY_CHUNK`] records at a time. Records the target has already are kept,
    /// so a second copy changes nothing; a target with another issuer is refused, and a
    /// target an interrupted copy left is finished. Every chunk is checked in the target
    /// once written, and the target's counts are returned.
    pub fn copy_to(&self, target: &Location) -> Result<Copied> {
        match self.copy_in_chunks(target, COPY_CHUNK, |_| ControlFlow::Continue(()))? {
            Some(copied) => Ok(copied),
            None => Err(Error::Store("the copy stopped before its end".into())),
        }
    }

    /// [`Store::copy_to`], `chunk` licenses or activations at a time, calling `after_chunk`
    /// once each chunk is written, durably, and checked. When it answers `Break` the copy
    /// stops there and returns `None`, leaving the target as a copy killed at that point
    /// leaves it: refused by every command until a copy finishes it.
    pub fn copy_in_chunks(
        &self,
        target: &Location,
        chunk: usize,
        mut after_chunk: impl FnMut(CopyProgress) -> ControlFlow<()>,
    ) -> Result<Option<Copied>> {
        let chunk = chunk.max(1);
        let target = self.copy_target(target)?;
        let small = self.small_parts()?;
        target.store.backend.import(&small)?;
        target.store.check_small_parts(&small)?;
        let mut progress = CopyProgress::default();
        let copied_licenses = self.copy_pages::<LicenseRecord>(&target.store, chunk, |n| {
            progress.licenses += n;
            after_chunk(progress)
        })?;
        if copied_licenses.is_break() {
            return Ok(None);
        }
        let copied_activations = self.copy_pages::<Activation>(&target.store, chunk, |n| {
            progress.activations += n;
            after_chunk(progress)
        })?;
        if copied_activations.is_break() {
            return Ok(None);
        }
        let backend = &target.store.backend;
        if !target.complete {
            backend.complete_init()?;
        }
        // Removed once the store is complete: a kill in between leaves a complete store
        // with the setting, which nothing reads then, and the next copy removes it.
        if backend.setting(UNFINISHED_COPY)?.is_some() {
            backend.set_setting(UNFINISHED_COPY, None)?;
        }
        target.store.flush()?;
        target.store.counts().map(Some)
    }

    /// Opens the store at `location` for a copy of this store, or makes it. A complete
    /// store must have this store's issuer; so must an unfinished copy, which this copy
    /// finishes.
    fn copy_target(&self, location: &Location) -> Result<Target> {
        let options = OpenOptions::default();
        let (backend, made, complete): (Box<dyn Backend>, bool, bool) = match location {
            Location::Directory(path) => match sled::SledBackend::create(path)? {
                Some(backend) => (Box::new(backend), true, false),
                None => {
                    let (backend, complete) =
                        sled::SledBackend::open_copy_target(path, options.cache_mb)?;
                    (Box::new(backend), false, complete)
                }
            },
            Location::Postgres(url) => match postgres::create(url, &options)? {
                Some(backend) => (backend, true, false),
                None => {
                    let (backend, complete) = postgres::open_copy_target(url, &options)?;
                    (backend, false, complete)
                }
            },
        };
        let store = Store::over(backend);
        if !made {
            // An unfinished copy killed before its settings were written has no issuer yet.
            let ours = self.issuer()?;
            match store.backend.setting("issuer")? {
                Some(theirs) if theirs != ours => {
                    return Err(Error::Conflict(format!(
                        "store {} has issuer {theirs:?}, not {ours:?}; copy into a new store",
                        location.describe()
                    )))
                }
                Some(_) => {}
                None if complete => {
                    return Err(Error::Store(format!(
                        "store {} has no issuer",
                        location.describe()
                    )))
                }
                None => {}
            }
        }
        if !complete {
            // Before anything else is written, so that a kill at any later point leaves a
            // store every command refuses and the next copy finishes.
            store
                .backend
                .set_setting(UNFINISHED_COPY, Some(&self.describe()))?;
        }
        Ok(Target { store, complete })
    }

    /// Everything but the licenses and the activations: a few records.
    fn small_parts(&self) -> Result<Imported> {
        let mut settings = Vec::new();
        for name in COPIED_SETTINGS {
            if let Some(value) = self.backend.setting(name)? {
                settings.push((name.to_owned(), value));
            }
        }
        Ok(Imported {
            settings,
            keys: self.backend.stored_keys()?,
            products: self.backend.products()?,
            batch_marks: self.backend.batch_marks()?,
            status_allocated: self.backend.status_indexes_allocated()?,
            ..Imported::default()
        })
    }

    /// Copies every record of kind `R` into `target`, `chunk` at a time in key order: reads
    /// a page of this store after the last key copied, imports it, checks it in the target,
    /// and tells `after_chunk` how many it copied.
    fn copy_pages<R: Paged>(
        &self,
        target: &Store,
        chunk: usize,
        mut after_chunk: impl FnMut(usize) -> ControlFlow<()>,
    ) -> Result<ControlFlow<()>> {
        let mut after: Option<R::Key> = None;
        loop {
            let page = R::page(&*self.backend, after.as_ref(), chunk)?;
            let Some(last) = page.last().map(R::key) else {
                return Ok(ControlFlow::Continue(()));
            };
            let records = R::imported(page);
            target.backend.import(&records)?;
            let page = R::of(&records);
            target.check_page(page, after.as_ref(), chunk)?;
            if after_chunk(page.len()).is_break() {
                return Ok(ControlFlow::Break(()));
            }
            after = Some(last);
        }
    }

    /// Checks that every record of `copied`, a page of the source read after `after`, is in
    /// this store as copied: reads this store's records in the same order from the same
    /// key, `chunk` at a time, stepping over those the source did not have.
    fn check_page<R: Paged>(
        &self,
        copied: &[R],
        after: Option<&R::Key>,
        chunk: usize,
    ) -> Result<()> {
        let mut wanted = copied.iter().peekable();
        let mut after = after.cloned();
        while let Some(&first) = wanted.peek() {
            let found = R::page(&*self.backend, after.as_ref(), chunk)?;
            let Some(last) = found.last() else {
                return Err(self.not_copied(first));
            };
            for record in &found {
                let Some(&next) = wanted.peek() else {
                    break;
                };
                match next.key().cmp(&record.key()) {
                    // Passed over: this store does not have it.
                    std::cmp::Ordering::Less => return Err(self.not_copied(next)),
                    std::cmp::Ordering::Equal if next.same(record) => {
                        wanted.next();
                    }
                    std::cmp::Ordering::Equal => return Err(self.not_copied(next)),
                    // A record of this store's own, not copied.
                    std::cmp::Ordering::Greater => {}
                }
            }
            after = Some(last.key());
        }
        Ok(())
    }

    /// Checks that every key and product of `records` is in this store as copied.
    fn check_small_parts(&self, records: &Imported) -> Result<()> {
        let keys = self.backend.stored_keys()?;
        for key in &records.keys {
            if !keys
                .iter()
                .any(|k| k.kid == key.kid && k.status == key.status)
            {
                return Err(self.incomplete("key", &key.kid));
            }
        }
        for product in &records.products {
            if self.backend.product_by_id(&product.id)?.as_ref() != Some(product) {
                return Err(self.incomplete("product", &product.id));
            }
        }
        Ok(())
    }

    fn not_copied<R: Paged>(&self, record: &R) -> Error {
        self.incomplete(R::WHAT, record.id())
    }

    fn incomplete(&self, what: &str, id: &str) -> Error {
        Error::Store(format!(
            "the copy is incomplete: {what} {id} is not in {} as copied",
            self.describe()
        ))
    }

    /// What this store holds, counted: the licenses and activations without reading them.
    fn counts(&self) -> Result<Copied> {
        let count = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        Ok(Copied {
            keys: self.backend.stored_keys()?.len(),
            products: self.backend.products()?.len(),
            licenses: count(self.backend.license_count()?),
            activations: count(self.backend.activation_count()?),
            batch_marks: self.backend.batch_marks()?.len(),
        })
    }
}

/// A kind of record a copy moves a page at a time: licenses, then activations.
trait Paged: Sized {
    /// What orders the records, bytewise, on both backends.
    type Key: Ord + Clone;
    /// The record, in messages.
    const WHAT: &'static str;

    fn key(&self) -> Self::Key;
    /// The id of the record, in messages.
    fn id(&self) -> &str;
    /// Whether `copy` is this record as the copy must keep it.
    fn same(&self, copy: &Self) -> bool;
    /// At most `limit` records of `backend` after `after`, in key order.
    fn page(backend: &dyn Backend, after: Option<&Self::Key>, limit: usize) -> Result<Vec<Self>>;
    /// `page` as one import's records, and back.
    fn imported(page: Vec<Self>) -> Imported;
    fn of(records: &Imported) -> &[Self];
}

impl Paged for LicenseRecord {
    type Key = String;
    const WHAT: &'static str = "license";

    fn key(&self) -> String {
        self.id.clone()
    }

    fn id(&self) -> &str {
        &self.id
    }

    /// The token and the standing; the rest is derived from the token or never changes.
    fn same(&self, copy: &Self) -> bool {
        copy.jwt == self.jwt && copy.status == self.status && copy.reason == self.reason
    }

    fn page(backend: &dyn Backend, after: Option<&String>, limit: usize) -> Result<Vec<Self>> {
        backend.licenses_page(after.map(String::as_str), limit)
    }

    fn imported(licenses: Vec<Self>) -> Imported {
        Imported {
            licenses,
            ..Imported::default()
        }
    }

    fn of(records: &Imported) -> &[Self] {
        &records.licenses
    }
}

impl Paged for Activation {
    type Key = (String, String);
    const WHAT: &'static str = "activation of license";

    fn key(&self) -> (String, String) {
        (self.license_id.clone(), self.hwid.clone())
    }

    fn id(&self) -> &str {
        &self.license_id
    }

    /// The machine holds its seat (its names and times may have been renewed since).
    fn same(&self, _copy: &Self) -> bool {
        true
    }

    fn page(
        backend: &dyn Backend,
        after: Option<&(String, String)>,
        limit: usize,
    ) -> Result<Vec<Self>> {
        backend.activations_page(after.map(|(id, hwid)| (id.as_str(), hwid.as_str())), limit)
    }

    fn imported(activations: Vec<Self>) -> Imported {
        Imported {
            activations,
            ..Imported::default()
        }
    }

    fn of(records: &Imported) -> &[Self] {
        &records.activations
    }
}
