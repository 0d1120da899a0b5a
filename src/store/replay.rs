//! Signed requests remembered across restarts.
//!
//! `keyctl serve` keeps its replay cache in memory and, after a start, refuses every signed
//! request dated before the start. That covers every request an earlier run accepted except
//! those dated *after* that run's clock (a client whose clock is ahead, within the skew):
//! those alone are written here, durably, before they are acknowledged, and put back into the
//! cache at the next start. Keys are the cache's 64-bit request hash (u64 BE); values the
//! license hash (u64 BE) and the expiry (i64 BE). Expired entries are pruned at start and,
//! while serving, at most once a minute as new ones are written, so the tree holds only
//! what the skew window keeps live.

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
    /// Remembers a request. Does not flush: the caller waits for the group commit.
    pub fn remember_request(&self, entry: RememberedRequest) -> Result<()> {
        let mut value = [0u8; 16];
        value[..8].copy_from_slice(&entry.license.to_be_bytes());
        value[8..].copy_from_slice(&entry.expires.to_be_bytes());
        self.replay
            .insert(entry.request.to_be_bytes(), value.as_slice())?;
        Ok(())
    }

    /// Removes the requests that expired before `now`.
    pub fn forget_requests_before(&self, now: Timestamp) -> Result<()> {
        self.remembered_requests(now).map(drop)
    }

    /// The requests still live at `now`; expired ones are removed.
    pub fn remembered_requests(&self, now: Timestamp) -> Result<Vec<RememberedRequest>> {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expired_requests_are_forgotten_and_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = Store::init(&dir.path().join("store"), "Vendor", None, 1_000).unwrap();
        let entry = |request, expires| RememberedRequest {
            request,
            license: 7,
            expires,
        };
        store.remember_request(entry(1, 100)).unwrap();
        store.remember_request(entry(2, 300)).unwrap();
        store.forget_requests_before(200).unwrap();
        assert_eq!(store.replay.len(), 1);
        assert_eq!(store.remembered_requests(200).unwrap(), [entry(2, 300)]);
        assert_eq!(store.remembered_requests(301).unwrap(), []);
        assert!(store.replay.is_empty());
    }
}
