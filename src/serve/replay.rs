//! The replay cache: signed requests already accepted within the skew window.
//!
//! An entry is 8 bytes of SHA-256 over `(license id, datetime, signature)`, filed under its
//! expiry second (the datetime plus the skew, after which the request is stale anyway), so
//! expired entries leave whole seconds at a time. About 20-40 bytes per entry in all. A
//! false match needs a 64-bit collision among live entries and only refuses a request,
//! never admits one. The cache is bounded: full of live entries, it refuses new requests
//! (fail closed) rather than admitting them unchecked. It sustains about
//! `capacity / max_skew` fresh validations per second.

use std::collections::{BTreeMap, HashSet};
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
}

/// A bounded set of recently accepted requests.
#[derive(Debug)]
pub struct ReplayCache {
    capacity: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    seen: HashSet<u64>,
    by_expiry: BTreeMap<Timestamp, Vec<u64>>,
}

impl ReplayCache {
    /// A cache of at most `capacity` requests.
    pub fn new(capacity: usize) -> Self {
        ReplayCache {
            capacity,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Admits a request once; `expires` is when it would be stale anyway.
    pub fn admit(
        &self,
        license_id: &str,
        datetime: &str,
        signature: &str,
        expires: Timestamp,
        now: Timestamp,
    ) -> Admission {
        let mut hash = Sha256::new();
        for part in [license_id, datetime, signature] {
            hash.update(part.as_bytes());
            hash.update([0]);
        }
        let key = u64::from_le_bytes(hash.finalize()[..8].try_into().expect("8 bytes"));
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        while let Some(entry) = inner.by_expiry.first_entry() {
            if *entry.key() >= now {
                break;
            }
            for old in entry.remove() {
                inner.seen.remove(&old);
            }
        }
        if inner.seen.contains(&key) {
            return Admission::Replayed;
        }
        if inner.seen.len() >= self.capacity {
            return Admission::Full;
        }
        inner.seen.insert(key);
        inner.by_expiry.entry(expires).or_default().push(key);
        Admission::Fresh
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

    #[test]
    fn admits_once_expires_and_fails_closed_when_full() {
        let cache = ReplayCache::new(2);
        assert_eq!(cache.admit("l", "t1", "s", 100, 0), Admission::Fresh);
        assert_eq!(cache.admit("l", "t1", "s", 100, 50), Admission::Replayed);
        assert_eq!(cache.admit("l", "t2", "s", 100, 50), Admission::Fresh);
        assert_eq!(cache.admit("l", "t3", "s", 100, 50), Admission::Full);
        // Once the first two expire, there is room again and the old request is forgotten
        // (it would be stale by then anyway).
        assert_eq!(cache.admit("l", "t3", "s", 300, 101), Admission::Fresh);
        assert_eq!(cache.len(), 1);
    }
}
