//! Signed requests remembered in the store.
//!
//! `keyctl serve` keeps a replay cache in memory. On an embedded store, where it is the only
//! server, it refuses after a start every request dated before the start, and writes here only
//! the requests dated after its own clock (a client clock ahead, within the skew), durably,
//! to put them back into the cache at the next start. On a shared store every accepted
//! request is recorded here, and the record is the authority: a request another replica
//! accepted is a replay. Expired entries are pruned at start and at most once a minute.

use super::Store;
use crate::error::Result;
use crate::time::Timestamp;

/// A remembered request: its hash, its license's hash, and when it goes stale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RememberedRequest {
    /// 64 bits of the request's hash.
    pub request: u64,
    /// 64 bits of its license id's hash.
    pub license: u64,
    /// When it would be stale anyway.
    pub expires: Timestamp,
}

impl Store {
    /// Remembers a request; `false` when it was remembered already (a replay). On sled this
    /// does not flush: the caller waits for the group commit.
    pub fn remember_request(&self, entry: RememberedRequest) -> Result<bool> {
        self.backend.remember_request(entry)
    }

    /// Removes the requests that expired before `now`.
    pub fn forget_requests_before(&self, now: Timestamp) -> Result<()> {
        self.backend.forget_requests_before(now)
    }

    /// The requests still live at `now`.
    pub fn remembered_requests(&self, now: Timestamp) -> Result<Vec<RememberedRequest>> {
        self.backend.remembered_requests(now)
    }
}
