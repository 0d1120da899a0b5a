//! Batch issuance in the store: a batch's licenses are staged where no reader sees them and
//! become visible together, in one small write, or not at all.
//!
//! A batch takes a millisecond no other license has: every id it issues starts with `lic_`
//! and that millisecond's ten characters (see [`crate::license::new_license_id`]), its
//! *prefix*. Single issues use whole seconds, and [`Store::begin_batch`] picks a millisecond
//! of the second that no license and no batch has used, so the prefix names exactly the
//! batch's licenses.
//!
//! While a batch is not committed, the `batches` tree holds a [`Mark`] under its prefix:
//! - `staging`: it is being written, or its run was killed. Its licenses, short keys and refs
//!   are in the store, but every reader treats the licenses as absent, and a store-backed
//!   check refuses them. The mark names the temporary output file, which holds secrets.
//! - `abandoned`: the batch failed and its licenses, short keys and refs are gone. The mark
//!   stays, so that a JWT the batch signed (and may have written out before it failed) is
//!   still refused by every store-backed check.
//!
//! [`Store::commit_batch`] removes the mark. [`Store::open`] holds the store's lock, so no
//! batch is running: it abandons every `staging` batch, removing its temporary output first.
//! The marks are few (one per failed batch), and the store mirrors them in memory, so that
//! readers pay one hash lookup, not a read, to tell whether a license is hidden.

use std::collections::HashSet;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::RwLock;

use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};

use super::{from_json, to_json, LicenseRecord, Store};
use crate::error::{Error, Result};
use crate::license::new_license_id;
use crate::time::Timestamp;

/// `lic_` and the ten characters of a millisecond: the start of every id of one batch.
const PREFIX_LEN: usize = 14;

/// What a store-backed check says of a license of a batch that was not committed.
pub const NEVER_ISSUED: &str = "the license was never issued (its batch did not complete)";

/// Licenses removed per pass when a batch is abandoned.
const REMOVE_CHUNK: usize = 1024;

/// A batch that is not committed, as the `batches` tree stores it.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Mark {
    state: MarkState,
    /// When the batch started.
    started: Timestamp,
    /// The temporary output file, removed when the batch is abandoned.
    output: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum MarkState {
    Staging,
    Abandoned,
}

/// The prefixes of the batches that are not committed, mirrored from the `batches` tree.
/// Only the process holding the store's lock changes that tree, so the mirror is exact.
#[derive(Debug, Default)]
pub(super) struct Hidden(RwLock<HashSet<String>>);

impl Hidden {
    fn contains(&self, license_id: &str) -> bool {
        let prefixes = self.0.read().unwrap_or_else(|e| e.into_inner());
        !prefixes.is_empty()
            && license_id
                .get(..PREFIX_LEN)
                .is_some_and(|prefix| prefixes.contains(prefix))
    }

    fn insert(&self, prefix: &str) {
        let mut prefixes = self.0.write().unwrap_or_else(|e| e.into_inner());
        prefixes.insert(prefix.to_owned());
    }

    fn remove(&self, prefix: &str) {
        let mut prefixes = self.0.write().unwrap_or_else(|e| e.into_inner());
        prefixes.remove(prefix);
    }
}

/// A batch being staged: where its licenses go, until it is committed or abandoned.
#[derive(Clone, Debug)]
pub struct StagedBatch {
    prefix: String,
    millis: u64,
    output: Option<PathBuf>,
}

impl StagedBatch {
    /// The batch id: the ten characters of its millisecond, as in its license ids.
    pub fn id(&self) -> &str {
        &self.prefix["lic_".len()..]
    }

    /// The millisecond every license id of the batch carries.
    pub fn millis(&self) -> u64 {
        self.millis
    }

    /// The temporary file the batch's output is written to, when it goes to a file.
    pub fn output(&self) -> Option<&Path> {
        self.output.as_deref()
    }
}

/// The name of a batch's temporary output file: hidden, and recognisably keyctl's.
fn output_name(batch_id: &str) -> String {
    format!(".keyctl-batch-{batch_id}.tmp")
}

/// The `refs` tree key of an order reference: product, NUL, ref.
fn ref_key(product: &str, order_ref: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(product.len() + 1 + order_ref.len());
    key.extend_from_slice(product.as_bytes());
    key.push(0);
    key.extend_from_slice(order_ref.as_bytes());
    key
}

impl Store {
    /// Starts a batch issued at `now`: picks its millisecond, and records it as staging,
    /// with its temporary output file in `output_dir` if the output goes to a file. The
    /// record is flushed before this returns, so the file is never there unrecorded.
    pub fn begin_batch(&self, now: Timestamp, output_dir: Option<&Path>) -> Result<StagedBatch> {
        let second = u64::try_from(now).unwrap_or(0) * 1000;
        // Millisecond 0 is what single issues use; try the others from a random one.
        let first = OsRng.next_u32() % 999;
        for step in 0..999 {
            let millis = second + 1 + u64::from((first + step) % 999);
            let prefix = new_license_id(&mut rand_core::OsRng, millis, 0)[..PREFIX_LEN].to_owned();
            if self.batches.contains_key(&prefix)?
                || self.licenses.scan_prefix(&prefix).next().is_some()
            {
                continue;
            }
            let batch = StagedBatch {
                output: output_dir.map(|dir| dir.join(output_name(&prefix["lic_".len()..]))),
                prefix,
                millis,
            };
            let mark = Mark {
                state: MarkState::Staging,
                started: now,
                output: batch.output.clone(),
            };
            self.hidden.insert(&batch.prefix);
            self.batches.insert(&batch.prefix, to_json(&mark))?;
            self.flush()?;
            return Ok(batch);
        }
        Err(Error::Conflict(
            "every millisecond of this second already has a batch; run the batch again".into(),
        ))
    }

    /// Writes licenses of `batch` with their short keys and refs, unflushed and hidden until
    /// the batch is committed. The licenses are written before their index entries, so an
    /// entry never outlives its license in a crash. A ref a committed license has is refused
    /// (the batch checks its rows first; this keeps the index right whatever the caller).
    /// Ids (the batch's own millisecond, and 48 random bits) and short keys (125 random bits)
    /// are not checked against the store one by one: a collision is less likely than a disk
    /// error, and the checks would read the store back for every row.
    pub fn stage_licenses(&self, batch: &StagedBatch, records: &[LicenseRecord]) -> Result<()> {
        if let Some(stray) = records.iter().find(|r| !r.id.starts_with(&batch.prefix)) {
            return Err(Error::Store(format!(
                "license {} is not of batch {}",
                stray.id,
                batch.id()
            )));
        }
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
                        return Err(Error::Conflict(format!(
                            "ref {order_ref} of product {product} was already issued, to license {id}"
                        )));
                    }
                }
            }
        }
        Ok(())
    }

    /// Makes every license of `batch` visible at once: the staged licenses are flushed, then
    /// the batch's mark is removed and that one small write is flushed.
    pub fn commit_batch(&self, batch: &StagedBatch) -> Result<()> {
        self.flush()?;
        self.batches.remove(&batch.prefix)?;
        self.flush()?;
        self.hidden.remove(&batch.prefix);
        Ok(())
    }

    /// Gives `batch` up: removes its temporary output, then its licenses with their short
    /// keys and refs, and marks it abandoned, so its ids stay refused. If this is cut short,
    /// the next [`Store::open`] finishes it.
    pub fn abandon_batch(&self, batch: &StagedBatch) -> Result<()> {
        self.abandon(&batch.prefix, batch.output.as_deref())
    }

    fn abandon(&self, prefix: &str, output: Option<&Path>) -> Result<()> {
        if let Some(output) = output {
            remove_output(output)?;
        }
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
        let started = self.mark(prefix)?.map_or(0, |mark| mark.started);
        let mark = Mark {
            state: MarkState::Abandoned,
            started,
            output: None,
        };
        self.batches.insert(prefix, to_json(&mark))?;
        self.flush()
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

    fn mark(&self, prefix: &str) -> Result<Option<Mark>> {
        self.batches.get(prefix)?.map(|v| from_json(&v)).transpose()
    }

    /// Loads the marks into memory and abandons every batch a killed run left staging.
    /// Only for a freshly opened store, whose lock says no batch is running.
    pub(super) fn abandon_unfinished_batches(&self) -> Result<()> {
        let mut unfinished = Vec::new();
        for entry in self.batches.iter() {
            let (prefix, value) = entry?;
            let prefix = String::from_utf8_lossy(&prefix).into_owned();
            let mark: Mark = from_json(&value)?;
            self.hidden.insert(&prefix);
            if mark.state == MarkState::Staging {
                unfinished.push((prefix, mark.output));
            }
        }
        for (prefix, output) in &unfinished {
            self.abandon(prefix, output.as_deref())?;
        }
        Ok(())
    }

    /// Whether `license_id` belongs to a batch that is not committed: such a license is
    /// absent for every reader, and refused by store-backed checks.
    pub(super) fn is_hidden(&self, license_id: &str) -> bool {
        self.hidden.contains(license_id)
    }

    /// The license that `order_ref` was issued for with `product`, if a committed license
    /// has it. Refs of batches that were not committed do not count.
    pub fn issued_ref(&self, product: &str, order_ref: &str) -> Result<Option<String>> {
        let Some(id) = self.refs.get(ref_key(product, order_ref))? else {
            return Ok(None);
        };
        let id = String::from_utf8_lossy(&id).into_owned();
        Ok((!self.is_hidden(&id) && self.licenses.contains_key(&id)?).then_some(id))
    }
}

/// Removes a batch's temporary output, which holds secrets. Only a file with the name
/// [`output_name`] gives is removed (never what a symlink points to), and a file that is
/// not there is not an error.
fn remove_output(path: &Path) -> Result<()> {
    let recognised = path
        .file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| name.starts_with(".keyctl-batch-") && name.ends_with(".tmp"));
    if !recognised {
        return Err(Error::Store(format!(
            "a batch records {} as its output, which is not a batch's temporary file",
            path.display()
        )));
    }
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(path, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::license::{IssueRequest, Issuer, LicenseState};

    const NOW: Timestamp = 1_795_000_000;

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

    /// Entries in the license, short key and ref trees.
    fn entries(store: &Store) -> [usize; 3] {
        [
            store.licenses.len(),
            store.short_keys.len(),
            store.refs.len(),
        ]
    }

    #[test]
    fn a_batch_is_hidden_until_committed_and_removed_if_its_run_died() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store");
        let (store, _) = Store::init(&path, "Acme", None, NOW).unwrap();

        let committed = store.begin_batch(NOW, None).unwrap();
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
        let died = store.begin_batch(NOW, Some(dir.path())).unwrap();
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
        assert_eq!(entries(&store), [6, 6, 10]);
        assert_eq!(store.licenses(&Default::default()).unwrap().len(), 2);
        drop(store);

        let store = Store::open(&path).unwrap();
        assert!(!output.exists());
        assert_eq!(entries(&store), [2, 2, 4]);
        let lost_id = lost[0].id.as_str();
        assert!(store.find_license(&lost[0].short_key).is_err());
        assert_eq!(
            store.revocation(lost_id).unwrap().as_deref(),
            Some(NEVER_ISSUED)
        );
        assert_eq!(store.issued_ref("app", "A-0").unwrap().as_deref(), Some(id));
        // Abandoned stays abandoned: its millisecond is never used again.
        let state = store.mark(&died.prefix).unwrap().unwrap().state;
        assert_eq!(state, MarkState::Abandoned);
        drop(store);
        let store = Store::open(&path).unwrap();
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
