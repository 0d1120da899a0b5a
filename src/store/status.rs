//! The store's status list: where each license's standing is published for products that
//! check it offline. Indexes are reserved through the backend's atomic primitive and never
//! reused; the list is built from the licenses that are not active, never from every record.

use keyctl_core::status_list::{Status, StatusList, StatusReference};

use super::batches::MarkState;
use super::{LicenseStatus, ReservedIndexes, Store};
use crate::error::Result;

/// The setting holding the list's URI (the `uri` of every license's `status` claim).
pub const STATUS_URI: &str = "status_uri";

/// The URI licenses refer to when none was set: the server's endpoint, relative to it.
pub const DEFAULT_STATUS_URI: &str = "/v1/status-list";

/// A range of status-list indexes reserved for licenses about to be issued.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusRange {
    /// The first index of the range.
    pub first: u64,
    /// How many indexes.
    pub count: u64,
    /// The list's URI.
    pub uri: String,
}

impl StatusRange {
    /// The reference of the `n`-th license of the range (`n < count`).
    pub fn reference(&self, n: u64) -> StatusReference {
        debug_assert!(
            n < self.count,
            "index {n} outside a range of {}",
            self.count
        );
        StatusReference {
            idx: self.first + n,
            uri: self.uri.clone(),
        }
    }
}

impl Store {
    /// The URI licenses issued now refer to: the `status_uri` setting, else
    /// [`DEFAULT_STATUS_URI`].
    pub fn status_uri(&self) -> Result<String> {
        Ok(self
            .backend
            .setting(STATUS_URI)?
            .unwrap_or_else(|| DEFAULT_STATUS_URI.to_owned()))
    }

    /// Sets the URI that licenses issued from now on refer to; licenses issued before keep
    /// theirs.
    pub fn set_status_uri(&self, uri: &str) -> Result<()> {
        StatusReference {
            idx: 0,
            uri: uri.to_owned(),
        }
        .validate()?;
        self.backend.set_setting(STATUS_URI, Some(uri))
    }

    /// Reserves `count` indexes, atomically and durably, for licenses about to be issued.
    pub fn reserve_status(&self, count: u64) -> Result<StatusRange> {
        let uri = self.status_uri()?;
        let first = self.backend.allocate_status_indexes(count)?;
        let range = StatusRange { first, count, uri };
        if count > 0 {
            range.reference(count - 1).validate()?;
        }
        Ok(range)
    }

    /// The list as it stands: one entry per index ever reserved, the licenses that are not
    /// active marked revoked or suspended, and every index of an abandoned batch revoked
    /// (its licenses were never issued, yet some may have been written out).
    pub fn status_list(&self) -> Result<StatusList> {
        let len = self.backend.status_indexes_allocated()?;
        let never_issued: Vec<ReservedIndexes> = self
            .backend
            .batch_marks()?
            .into_iter()
            .filter(|(_, mark)| mark.state == MarkState::Abandoned)
            .filter_map(|(_, mark)| mark.status)
            .collect();
        let inactive = self
            .backend
            .inactive_statuses()?
            .into_iter()
            .map(|(idx, status)| {
                let status = match status {
                    LicenseStatus::Active => Status::Valid,
                    LicenseStatus::Revoked => Status::Revoked,
                    LicenseStatus::Suspended => Status::Suspended,
                };
                (idx, status)
            });
        let abandoned = never_issued
            .iter()
            .flat_map(ReservedIndexes::indexes)
            .filter(|&idx| idx < len)
            .map(|idx| (idx, Status::Revoked));
        Ok(StatusList::build(len, inactive.chain(abandoned))?)
    }
}
