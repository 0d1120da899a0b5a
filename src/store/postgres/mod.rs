//! The PostgreSQL backend: one database shared by many `keyctl serve` replicas and CLI runs.
//!
//! Not built yet: this placeholder refuses every `postgres://` store with one clear line.

use super::backend::Backend;
use super::OpenOptions;
use crate::error::{Error, Result};

/// Creates the schema in the database at `url` and returns the empty store for
/// [`super::Store::init`] to fill; `None` when a store is already there.
pub fn create(url: &str, options: &OpenOptions) -> Result<Option<Box<dyn Backend>>> {
    let _ = (url, options);
    Err(Error::Store(
        "PostgreSQL stores are not supported by this build".into(),
    ))
}

/// Applies the migrations this build knows: the schema versions before and after.
pub fn migrate(url: &str) -> Result<(u32, u32)> {
    let _ = url;
    Err(Error::Store(
        "PostgreSQL stores are not supported by this build".into(),
    ))
}

/// Opens the existing store in the database at `url`.
pub fn open(url: &str, options: &OpenOptions) -> Result<Box<dyn Backend>> {
    let _ = (url, options);
    Err(Error::Store(
        "PostgreSQL stores are not supported by this build".into(),
    ))
}
