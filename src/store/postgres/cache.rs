//! What a replica remembers of the database between requests, so that a check usually
//! costs no round trip: only what cannot change, or what the change feed invalidates.
//!
//! - Products: never edited nor removed once added.
//! - Short key → license id, and a license's record: a visible license is never removed,
//!   and its JWT, secret and limits never change. Its standing does: a cached record is
//!   given out with the status and reason of the standing view (see `view.rs`), and only
//!   while that view is fresh.
//! - Machines known to be activated: a deactivation moves its license's change number, so
//!   the view's next refresh (within a second, at once in this process) forgets every
//!   machine of that license. A machine is remembered only if no refresh applied changes
//!   between the read that found it and the remembering, so a deactivation committed
//!   meanwhile cannot be papered over.
//!
//! Each map is bounded: at [`MAX_ENTRIES`] it is emptied and fills again from the database.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;

use super::super::{LicenseRecord, Product};

/// The most entries one map holds before it is emptied.
pub(super) const MAX_ENTRIES: usize = 1_000_000;

/// See the module documentation.
#[derive(Default)]
pub(super) struct Cache {
    products: RwLock<HashMap<String, Product>>,
    product_numbers: RwLock<HashMap<u64, String>>,
    short_keys: RwLock<HashMap<String, String>>,
    licenses: RwLock<HashMap<String, LicenseRecord>>,
    /// License id → hardware ids known to be activated.
    activated: RwLock<HashMap<String, HashSet<String>>>,
    /// How many activated machines `activated` holds.
    activated_count: AtomicU64,
    /// Bumped by every refresh that applied a license change (see the module documentation).
    generation: AtomicU64,
}

/// Inserts into a bounded map, emptying it first when full.
fn bounded_insert<K: std::hash::Hash + Eq, V>(map: &RwLock<HashMap<K, V>>, key: K, value: V) {
    let mut map = map.write().unwrap_or_else(|e| e.into_inner());
    if map.len() >= MAX_ENTRIES {
        map.clear();
    }
    map.insert(key, value);
}

impl Cache {
    pub(super) fn product(&self, id: &str) -> Option<Product> {
        let products = self.products.read().unwrap_or_else(|e| e.into_inner());
        products.get(id).cloned()
    }

    pub(super) fn product_by_number(&self, number: u64) -> Option<Product> {
        let id = {
            let numbers = self
                .product_numbers
                .read()
                .unwrap_or_else(|e| e.into_inner());
            numbers.get(&number)?.clone()
        };
        self.product(&id)
    }

    pub(super) fn remember_product(&self, product: &Product) {
        bounded_insert(&self.products, product.id.clone(), product.clone());
        bounded_insert(&self.product_numbers, product.number, product.id.clone());
    }

    pub(super) fn license_id(&self, short_key: &str) -> Option<String> {
        let keys = self.short_keys.read().unwrap_or_else(|e| e.into_inner());
        keys.get(short_key).cloned()
    }

    /// The record as cached: its standing is the caller's to fill in.
    pub(super) fn license(&self, id: &str) -> Option<LicenseRecord> {
        let licenses = self.licenses.read().unwrap_or_else(|e| e.into_inner());
        licenses.get(id).cloned()
    }

    pub(super) fn remember_license(&self, record: &LicenseRecord) {
        bounded_insert(
            &self.short_keys,
            record.short_key.clone(),
            record.id.clone(),
        );
        bounded_insert(&self.licenses, record.id.clone(), record.clone());
    }

    /// The refresh generation, to pass to [`Cache::remember_activated`].
    pub(super) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    pub(super) fn is_activated(&self, license_id: &str, hwid: &str) -> bool {
        let activated = self.activated.read().unwrap_or_else(|e| e.into_inner());
        activated
            .get(license_id)
            .is_some_and(|machines| machines.contains(hwid))
    }

    /// Remembers that `hwid` is activated on `license_id`, as read at `generation`; not if
    /// a refresh applied changes since.
    pub(super) fn remember_activated(&self, license_id: &str, hwid: &str, generation: u64) {
        let mut activated = self.activated.write().unwrap_or_else(|e| e.into_inner());
        if self.generation() != generation {
            return;
        }
        if self.activated_count.load(Ordering::Relaxed) >= MAX_ENTRIES as u64 {
            activated.clear();
            self.activated_count.store(0, Ordering::Relaxed);
        }
        if activated
            .entry(license_id.to_owned())
            .or_default()
            .insert(hwid.to_owned())
        {
            self.activated_count.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A refresh is about to apply changes to `license_ids`: forgets their machines, and
    /// moves the generation so that reads made before cannot remember them again.
    pub(super) fn changed<'a>(&self, license_ids: impl IntoIterator<Item = &'a str>) {
        let mut activated = self.activated.write().unwrap_or_else(|e| e.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        for id in license_ids {
            if let Some(machines) = activated.remove(id) {
                self.activated_count
                    .fetch_sub(machines.len() as u64, Ordering::Relaxed);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_machine_read_before_a_change_is_not_remembered_after_it() {
        let cache = Cache::default();
        let before = cache.generation();
        cache.remember_activated("lic_a", "h1", before);
        assert!(cache.is_activated("lic_a", "h1"));
        // A deactivation of lic_a is applied while another read of h2 was in flight.
        let in_flight = cache.generation();
        cache.changed(["lic_a"]);
        assert!(!cache.is_activated("lic_a", "h1"));
        cache.remember_activated("lic_a", "h2", in_flight);
        assert!(!cache.is_activated("lic_a", "h2"));
        cache.remember_activated("lic_a", "h2", cache.generation());
        assert!(cache.is_activated("lic_a", "h2"));
    }
}
