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
//! [`Store::commit_batch`] removes the mark. The backend decides how staged licenses stay
//! hidden (sled mirrors the marks in memory; PostgreSQL stages them in an open transaction)
//! and what a killed run leaves: sled abandons every `staging` batch when it next opens the
//! store, removing its temporary output first; on PostgreSQL the run's transaction rolls back
//! and its mark keeps its ids refused.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};

use super::status::StatusRange;
use super::{LicenseRecord, Store};
use crate::error::{Error, Result};
use crate::license::new_license_id;
use crate::time::Timestamp;

/// `lic_` and the ten characters of a millisecond: the start of every id of one batch.
pub(crate) const PREFIX_LEN: usize = 14;

/// What a store-backed check says of a license of a batch that was not committed.
pub const NEVER_ISSUED: &str = "the license was never issued (its batch did not complete)";

/// A batch that is not committed, as the store records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchMark {
    /// Being staged, or given up.
    pub state: MarkState,
    /// When the batch started.
    pub started: Timestamp,
    /// The temporary output file, removed when the batch is abandoned.
    pub output: Option<PathBuf>,
    /// The status-list indexes the batch reserved for its licenses, recorded before any
    /// license carries one: when the batch is abandoned, the store's status list marks them
    /// revoked, so that a license the batch wrote out before it failed is refused offline
    /// too. `None` for a mark written before status lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ReservedIndexes>,
}

/// A range of status-list indexes, `first..first + count`, as a batch mark records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReservedIndexes {
    /// The first index.
    pub first: u64,
    /// How many.
    pub count: u64,
}

impl ReservedIndexes {
    /// Every index of the range.
    pub fn indexes(&self) -> std::ops::Range<u64> {
        self.first..self.first.saturating_add(self.count)
    }
}

/// Where a batch that is not committed stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MarkState {
    /// Being written, or its run was killed.
    Staging,
    /// Failed: its licenses are gone, its ids stay refused.
    Abandoned,
}

/// A batch being staged: where its licenses go, until it is committed or abandoned.
#[derive(Clone, Debug)]
pub struct StagedBatch {
    prefix: String,
    millis: u64,
    output: Option<PathBuf>,
    status: StatusRange,
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

    /// The status-list indexes reserved for the batch's licenses.
    pub fn status(&self) -> &StatusRange {
        &self.status
    }
}

/// The name of a batch's temporary output file: hidden, and recognisably keyctl's.
fn output_name(batch_id: &str) -> String {
    format!(".keyctl-batch-{batch_id}.tmp")
}

impl Store {
    /// Starts a batch of `licenses` issued at `now`: reserves their status-list indexes,
    /// picks its millisecond, and records it as staging, with the indexes and its temporary
    /// output file in `output_dir` if the output goes to a file. The record is durable
    /// before this returns, so neither the file nor a license with one of the indexes is
    /// ever there unrecorded.
    pub fn begin_batch(
        &self,
        now: Timestamp,
        output_dir: Option<&Path>,
        licenses: u64,
    ) -> Result<StagedBatch> {
        // Reserved first: should the mark never be written, the indexes are merely unused.
        let status = self.reserve_status(licenses)?;
        let second = u64::try_from(now).unwrap_or(0) * 1000;
        // Millisecond 0 is what single issues use; try the others from a random one.
        let first = OsRng.next_u32() % 999;
        for step in 0..999 {
            let millis = second + 1 + u64::from((first + step) % 999);
            let prefix = new_license_id(&mut rand_core::OsRng, millis, 0)[..PREFIX_LEN].to_owned();
            let batch = StagedBatch {
                output: output_dir.map(|dir| dir.join(output_name(&prefix["lic_".len()..]))),
                prefix,
                millis,
                status: status.clone(),
            };
            let mark = BatchMark {
                state: MarkState::Staging,
                started: now,
                output: batch.output.clone(),
                status: Some(ReservedIndexes {
                    first: status.first,
                    count: status.count,
                }),
            };
            if self.backend.begin_batch(&batch.prefix, &mark)? {
                return Ok(batch);
            }
        }
        Err(Error::Conflict(
            "every millisecond of this second already has a batch; run the batch again".into(),
        ))
    }

    /// Writes licenses of `batch` with their short keys and refs, hidden until the batch is
    /// committed. A ref a committed license has is refused (the batch checks its rows first;
    /// this keeps the index right whatever the caller). Ids (the batch's own millisecond,
    /// and 48 random bits) and short keys (125 random bits) are not checked against the store
    /// one by one: a collision is less likely than a disk error, and the checks would read
    /// the store back for every row.
    pub fn stage_licenses(&self, batch: &StagedBatch, records: &[LicenseRecord]) -> Result<()> {
        if let Some(stray) = records.iter().find(|r| !r.id.starts_with(&batch.prefix)) {
            return Err(Error::Store(format!(
                "license {} is not of batch {}",
                stray.id,
                batch.id()
            )));
        }
        self.backend.stage_licenses(&batch.prefix, records)
    }

    /// Makes every license of `batch` visible at once, durably.
    pub fn commit_batch(&self, batch: &StagedBatch) -> Result<()> {
        self.backend.commit_batch(&batch.prefix)
    }

    /// Gives `batch` up: removes its temporary output (which holds secrets), then its
    /// licenses with their short keys and refs, and marks it abandoned, so its ids stay
    /// refused.
    pub fn abandon_batch(&self, batch: &StagedBatch) -> Result<()> {
        if let Some(output) = &batch.output {
            remove_output(output)?;
        }
        self.backend.abandon_batch(&batch.prefix)
    }

    /// The license that `order_ref` was issued for with `product`, if a committed license
    /// has it. Refs of batches that were not committed do not count.
    pub fn issued_ref(&self, product: &str, order_ref: &str) -> Result<Option<String>> {
        self.backend.issued_ref(product, order_ref)
    }
}

/// Removes a batch's temporary output, which holds secrets. Only a file with the name
/// [`output_name`] gives is removed (never what a symlink points to), and a file that is
/// not there is not an error.
pub(crate) fn remove_output(path: &Path) -> Result<()> {
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
