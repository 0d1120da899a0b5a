//! Signatures already verified, so a license presented again and again costs one Ed25519
//! check, not one per request.
//!
//! Entries are 16 bytes of SHA-256 of the JWT and 16 bytes of SHA-256 of the kid it verified
//! with (a 128-bit prefix: forging a collision with a verified token is out of reach). Two
//! generations of `capacity` entries each give a bounded, roughly least-recently-used cache
//! that always holds the `capacity` most recent tokens: when the current generation fills,
//! it becomes the previous one and the old previous is dropped; a hit in the previous
//! generation moves back into the current one. About 70 bytes an entry.

use std::collections::HashMap;
use std::mem;
use std::sync::Mutex;

use sha2::{Digest, Sha256};

type Digest16 = [u8; 16];

fn digest16(bytes: &[u8]) -> Digest16 {
    Sha256::digest(bytes)[..16].try_into().expect("16 bytes")
}

/// A bounded set of (JWT, kid) pairs whose signature verified.
#[derive(Debug)]
pub struct VerifiedCache {
    generation_size: usize,
    inner: Mutex<Generations>,
}

#[derive(Debug, Default)]
struct Generations {
    current: HashMap<Digest16, Digest16>,
    previous: HashMap<Digest16, Digest16>,
}

impl VerifiedCache {
    /// A cache that keeps at least the `capacity` most recent tokens, and at most twice that.
    pub fn new(capacity: usize) -> Self {
        VerifiedCache {
            generation_size: capacity.max(1),
            inner: Mutex::new(Generations::default()),
        }
    }

    /// Whether `jwt` verified before with the key `kid`.
    pub fn contains(&self, jwt: &str, kid: &str) -> bool {
        let (token, key) = (digest16(jwt.as_bytes()), digest16(kid.as_bytes()));
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if inner.current.get(&token) == Some(&key) {
            return true;
        }
        if inner.previous.remove(&token) == Some(key) {
            self.put(&mut inner, token, key);
            return true;
        }
        false
    }

    /// Remembers that `jwt` verified with the key `kid`.
    pub fn insert(&self, jwt: &str, kid: &str) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        self.put(
            &mut inner,
            digest16(jwt.as_bytes()),
            digest16(kid.as_bytes()),
        );
    }

    fn put(&self, inner: &mut Generations, token: Digest16, key: Digest16) {
        if inner.current.len() >= self.generation_size {
            inner.previous = mem::take(&mut inner.current);
        }
        inner.current.insert(token, key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_per_key_and_ages_out_the_least_recently_used() {
        let cache = VerifiedCache::new(2);
        cache.insert("a", "k1");
        assert!(cache.contains("a", "k1"));
        assert!(
            !cache.contains("a", "k2"),
            "the same token under another key is not remembered"
        );
        cache.insert("b", "k1");
        cache.insert("c", "k1"); // "a" and "b" move to the previous generation
        assert!(cache.contains("a", "k1")); // and "a" comes back
        cache.insert("d", "k1");
        cache.insert("e", "k1");
        assert!(
            !cache.contains("b", "k1"),
            "b was never used again and aged out"
        );
        assert!(cache.contains("e", "k1"));
    }
}
