//! The replay cache: signed requests already accepted within the skew window.
//!
//! An entry is 8 bytes of SHA-256 over `(license id, datetime, signature)`, filed under its
//! expiry second (the datetime plus the skew, after which the request is stale anyway), so
//! expired entries leave whole seconds at a time. About 50-70 bytes per entry in all. A
//! false match needs a 64-bit collision among live entries and only refuses a request,
//! never admits one.
//!
//! The cache is bounded twice. In all, full of live entries, it refuses new requests (fail
//! closed) rather than admitting them unchecked: it sustains about `capacity / max_skew`
//! fresh validations per second. And per license: one license may hold at most
//! `per_license` entries, so a licensee (who holds a valid secret and can sign as fast as
//! they like) can never fill the cache and lock every other customer out.
//!
//! Requests are remembered only once their license has verified (the server checks
//! [`ReplayCache::seen`] first and calls [`ReplayCache::admit`] last), so junk tokens
//! carrying an attacker's own id and secret take no room at all.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use crate::time::Timestamp;

/// What the cache says of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// First time seen: now remembered.
    Fresh,
    /// Seen before within the window.
    Replayed,
    /// The cache is full; the request cannot be checked.
    Full,
    /// This license holds its whole share of the cache.
    LicenseFull,
}

/// A signed request's identity in the cache: 64 bits of SHA-256 over its license id,
/// datetime and signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RequestKey {
    /// The request.
    pub request: u64,
    /// Its license, for the per-license share.
    pub license: u64,
}

impl RequestKey {
    /// The key of a signed request.
    pub fn of(license_id: &str, datetime: &str, signature: &str) -> Self {
        let mut hash = Sha256::new();
        for part in [license_id, datetime, signature] {
            hash.update(part.as_bytes());
            hash.update([0]);
        }
        let request = u64::from_le_bytes(hash.finalize()[..8].try_into().expect("8 bytes"));
        let license = Sha256::digest(license_id.as_bytes());
        RequestKey {
            request,
            license: u64::from_le_bytes(license[..8].try_into().expect("8 bytes")),
        }
    }
}

/// A bounded set of recently accepted requests.
#[derive(Debug)]
pub struct ReplayCache {
    capacity: usize,
    per_license: u32,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Request → its license.
    seen: HashMap<u64, u64>,
    /// License → live entries.
    per_license: HashMap<u64, u32>,
    by_expiry: BTreeMap<Timestamp, Vec<u64>>,
}

impl Inner {
    /// Forgets every entry that expired before `now`.
    fn expire(&mut self, now: Timestamp) {
        while let Some(entry) = self.by_expiry.first_entry() {
            if *entry.key() >= now {
                break;
            }
            for old in entry.remove() {
                let Some(license) = self.seen.remove(&old) else {
                    continue;
                };
                if let Some(count) = self.per_license.get_mut(&license) {
                    *count -= 1;
                    if *count == 0 {
                        self.per_license.remove(&license);
                    }
                }
            }
        }
    }

    fn insert(&mut self, key: RequestKey, expires: Timestamp) {
        self.seen.insert(key.request, key.license);
        *self.per_license.entry(key.license).or_default() += 1;
        self.by_expiry.entry(expires).or_default().push(key.request);
    }
}

impl ReplayCache {
    /// A cache of at most `capacity` requests, and at most `per_license` of one license.
    pub fn new(capacity: usize, per_license: usize) -> Self {
        ReplayCache {
            capacity,
            per_license: u32::try_from(per_license.max(1)).unwrap_or(u32::MAX),
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Whether `key` was already admitted and has not expired. Remembers nothing.
    pub fn seen(&self, key: RequestKey, now: Timestamp) -> bool {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.expire(now);
        inner.seen.contains_key(&key.request)
    }

    /// Admits a request once; `expires` is when it would be stale anyway.
    pub fn admit(&self, key: RequestKey, expires: Timestamp, now: Timestamp) -> Admission {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.expire(now);
        if inner.seen.contains_key(&key.request) {
            return Admission::Replayed;
        }
        if inner.per_license.get(&key.license).copied().unwrap_or(0) >= self.per_license {
            return Admission::LicenseFull;
        }
        if inner.seen.len() >= self.capacity {
            return Admission::Full;
        }
        inner.insert(key, expires);
        Admission::Fresh
    }

    /// Puts back requests remembered on disk by an earlier run (see `serve`'s start), without
    /// the bounds: they were admitted within them.
    pub fn restore(&self, entries: impl IntoIterator<Item = (RequestKey, Timestamp)>) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        for (key, expires) in entries {
            if !inner.seen.contains_key(&key.request) {
                inner.insert(key, expires);
            }
        }
    }

    /// Requests remembered now.
    pub fn len(&self) -> usize {
        self.inner.lock().map(|i| i.seen.len()).unwrap_or(0)
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(license: &str, datetime: &str) -> RequestKey {
        RequestKey::of(license, datetime, "s")
    }

    #[test]
    fn admits_once_expires_and_fails_closed_when_full() {
        let cache = ReplayCache::new(2, 10);
        assert_eq!(cache.admit(key("l", "t1"), 100, 0), Admission::Fresh);
        assert!(cache.seen(key("l", "t1"), 50));
        assert_eq!(cache.admit(key("l", "t1"), 100, 50), Admission::Replayed);
        assert_eq!(cache.admit(key("m", "t2"), 100, 50), Admission::Fresh);
        assert_eq!(cache.admit(key("n", "t3"), 100, 50), Admission::Full);
        // Once the first two expire, there is room again and the old request is forgotten
        // (it would be stale by then anyway).
        assert!(!cache.seen(key("l", "t1"), 101));
        assert_eq!(cache.admit(key("n", "t3"), 300, 101), Admission::Fresh);
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn one_license_cannot_take_more_than_its_share() {
        let cache = ReplayCache::new(100, 3);
        for t in ["t1", "t2", "t3"] {
            assert_eq!(cache.admit(key("greedy", t), 100, 0), Admission::Fresh);
        }
        assert_eq!(
            cache.admit(key("greedy", "t4"), 100, 0),
            Admission::LicenseFull
        );
        // Other licenses are untouched by it.
        assert_eq!(cache.admit(key("other", "t1"), 100, 0), Admission::Fresh);
        // The share frees up as the license's entries expire.
        assert_eq!(cache.admit(key("greedy", "t4"), 200, 101), Admission::Fresh);
    }

    #[test]
    fn restored_entries_are_replays() {
        let cache = ReplayCache::new(10, 10);
        cache.restore([(key("l", "t1"), 100)]);
        assert_eq!(cache.admit(key("l", "t1"), 100, 50), Admission::Replayed);
    }
}
