//! `keyctl store …`: the store itself, whichever backend holds it.

use clap::Subcommand;
use serde_json::json;

use super::{done, emit, Env};
use crate::error::{Error, Result};
use crate::output;
use crate::store::{Location, OpenOptions, Store};

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Bring a PostgreSQL store's schema up to this release (an embedded store needs nothing)
    Migrate,
    /// Copy every record of one store into another (created if absent); safe to run twice
    Copy {
        /// The store to copy from: a directory or a postgres:// URL [default: --store]
        #[arg(long, value_name = "DIR|URL")]
        from: Option<String>,
        /// The store to copy into: a directory or a postgres:// URL
        #[arg(long, value_name = "DIR|URL")]
        to: String,
    },
}

pub fn run(env: &Env, command: StoreCommand) -> Result<i32> {
    match command {
        StoreCommand::Migrate => {
            let location = env.store_location()?;
            let (before, after) = Store::migrate(&location)?;
            let store = location.describe();
            if env.json {
                emit(&output::to_json(&json!({
                    "store": store,
                    "schema_version_before": before,
                    "schema_version": after,
                })))?;
            } else if matches!(location, Location::Directory(_)) {
                // Said outright: an operator running it on a directory may think it did
                // something, or that a sled store has migrations to run.
                emit(&format!(
                    "store {store} is at schema version {after}; nothing to migrate (a sled store \
                     is read as it is; only PostgreSQL stores are migrated)\n"
                ))?;
            } else if before == after {
                emit(&format!(
                    "store {store} is at schema version {after}; nothing to migrate\n"
                ))?;
            } else {
                emit(&format!(
                    "migrated store {store} from schema version {before} to {after}\n"
                ))?;
            }
        }
        StoreCommand::Copy { from, to } => {
            let from = match from {
                Some(from) => Location::parse(&from),
                None => env.store_location()?,
            };
            let to = Location::parse(&to);
            // Caught before opening either: a sled store would be "in use by another keyctl
            // process" (this one), and a database would be copied into itself for nothing.
            if from.is_same(&to) {
                return Err(Error::invalid(
                    "store copy --to",
                    format!(
                        "{} is the store copied from; name another store to copy into",
                        to.describe()
                    ),
                ));
            }
            let source = crate::control::open_directly(&from, &OpenOptions::default())?;
            let copied = source.copy_to(&to)?;
            if env.json {
                emit(&output::to_json(&json!({
                    "from": from.describe(),
                    "to": to.describe(),
                    "copied": copied,
                })))?;
            } else {
                emit(&format!(
                    "copied {} into {}: {} keys, {} products, {} licenses, {} activations, {} unfinished batches; every record checked\n",
                    from.describe(),
                    to.describe(),
                    copied.keys,
                    copied.products,
                    copied.licenses,
                    copied.activations,
                    copied.batch_marks,
                ))?;
            }
        }
    }
    done()
}
