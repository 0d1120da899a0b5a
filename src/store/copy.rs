//! `keyctl store copy`: every record of one store into another, losslessly and idempotently.

use serde::Serialize;

use super::backend::{Backend, Imported};
use super::{postgres, sled, LicenseFilter, Location, OpenOptions, Store};
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

/// The settings a copy carries over.
const COPIED_SETTINGS: [&str; 4] = ["issuer", "created", "key_encryption", "status_uri"];

impl Store {
    /// Everything this store holds, for [`Store::copy_to`].
    fn export(&self) -> Result<Imported> {
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
            licenses: self.backend.licenses(&LicenseFilter::default())?,
            activations: self.backend.activations(None)?,
            batch_marks: self.backend.batch_marks()?,
            status_allocated: self.backend.status_indexes_allocated()?,
        })
    }

    /// Copies every record of this store into the store at `target`, creating it if it does
    /// not exist. Records the target has already are kept, so a second copy changes nothing;
    /// a target with another issuer is refused. Afterwards every record of this store is
    /// checked in the target, and the target's counts are returned.
    pub fn copy_to(&self, target: &Location) -> Result<Copied> {
        let records = self.export()?;
        let options = OpenOptions::default();
        let (backend, created): (Box<dyn Backend>, bool) = match target {
            Location::Directory(path) => match sled::SledBackend::create(path)? {
                Some(backend) => (Box::new(backend), true),
                None => (
                    Box::new(sled::SledBackend::open(path, options.cache_mb)?),
                    false,
                ),
            },
            Location::Postgres(url) => match postgres::create(url, &options)? {
                Some(backend) => (backend, true),
                None => (postgres::open(url, &options)?, false),
            },
        };
        let target_store = Store::over(backend);
        if !created {
            let (ours, theirs) = (self.issuer()?, target_store.issuer()?);
            if ours != theirs {
                return Err(Error::Conflict(format!(
                    "store {} has issuer {theirs:?}, not {ours:?}; copy into a new store",
                    target.describe()
                )));
            }
        }
        target_store.backend.import(&records)?;
        if created {
            target_store.backend.complete_init()?;
        }
        target_store.flush()?;
        target_store.check_copy(&records)
    }

    /// Checks that every record of `records` is in this store as it was copied, and counts.
    fn check_copy(&self, records: &Imported) -> Result<Copied> {
        let missing = |what: &str, id: &str| {
            Error::Store(format!(
                "the copy is incomplete: {what} {id} is not in {} as copied",
                self.describe()
            ))
        };
        let keys = self.backend.stored_keys()?;
        for key in &records.keys {
            if !keys
                .iter()
                .any(|k| k.kid == key.kid && k.status == key.status)
            {
                return Err(missing("key", &key.kid));
            }
        }
        for product in &records.products {
            if self.backend.product_by_id(&product.id)?.as_ref() != Some(product) {
                return Err(missing("product", &product.id));
            }
        }
        for license in &records.licenses {
            match self.backend.license(&license.id)? {
                Some(copy)
                    if copy.jwt == license.jwt
                        && copy.status == license.status
                        && copy.reason == license.reason => {}
                _ => return Err(missing("license", &license.id)),
            }
        }
        for activation in &records.activations {
            if !self
                .backend
                .is_activated(&activation.license_id, &activation.hwid)?
            {
                return Err(missing("activation of license", &activation.license_id));
            }
        }
        Ok(Copied {
            keys: keys.len(),
            products: self.backend.products()?.len(),
            licenses: self.backend.licenses(&LicenseFilter::default())?.len(),
            activations: self.backend.activations(None)?.len(),
            batch_marks: self.backend.batch_marks()?.len(),
        })
    }
}
