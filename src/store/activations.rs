//! Machine activations: atomic seat accounting.
//!
//! A seat is taken in one sled transaction over `activations` and `seats`, so concurrent
//! activations of one license serialize on its `seats` entry (sled retries the loser) and
//! the count can never pass the limit, whatever the concurrency.

use sled::transaction::ConflictableTransactionError;
use sled::Transactional;

use super::{activation_key, be_u64, from_json, to_json, unwrap_transaction, Activation, Store};
use crate::error::{Error, Result};
use crate::time::Timestamp;

/// The most bytes a hwid, machine or user name may have.
pub const MAX_MACHINE_FIELD: usize = 256;

/// What an activation attempt did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Activated {
    /// The machine holds a seat: `new` tells whether this call took it.
    Granted {
        /// Whether a seat was taken now (false: the machine was already activated).
        new: bool,
        /// Seats in use afterwards.
        used: u64,
    },
    /// Every seat is taken by other machines.
    NoSeatsLeft {
        /// Seats in use.
        used: u64,
    },
}

/// Who is activating.
#[derive(Clone, Copy, Debug)]
pub struct Machine<'a> {
    /// Hardware id.
    pub hwid: &'a str,
    /// Machine name.
    pub machine: Option<&'a str>,
    /// Logged-in user.
    pub user: Option<&'a str>,
}

impl Machine<'_> {
    /// Checks the fields a client sent: bounded, and free of control characters (which
    /// would forge rows and escape sequences in `activation list`), with a non-empty hwid.
    pub fn check(&self) -> Result<()> {
        let fields = [
            ("hwid", Some(self.hwid)),
            ("machine", self.machine),
            ("user", self.user),
        ];
        for (name, value) in fields {
            let Some(value) = value else { continue };
            if value.len() > MAX_MACHINE_FIELD {
                return Err(Error::invalid(
                    name,
                    format!("is longer than {MAX_MACHINE_FIELD} bytes"),
                ));
            }
            if value.chars().any(char::is_control) {
                return Err(Error::invalid(name, "must not contain control characters"));
            }
        }
        if self.hwid.trim().is_empty() {
            return Err(Error::invalid("hwid", "must not be empty"));
        }
        Ok(())
    }
}

impl Store {
    /// Activates `machine` on `license_id`, allowing at most `limit` machines (`None`:
    /// unlimited). Idempotent for a machine that is already activated. Does not flush:
    /// the caller decides how the write becomes durable (see `serve`'s group commit).
    pub fn activate(
        &self,
        license_id: &str,
        machine: Machine<'_>,
        limit: Option<u64>,
        now: Timestamp,
    ) -> Result<Activated> {
        machine.check()?;
        let key = activation_key(license_id, machine.hwid);
        let result = (&self.activations, &self.seats).transaction(|(activations, seats)| {
            let used = seats.get(license_id)?.map(|v| be_u64(&v)).unwrap_or(0);
            if let Some(existing) = activations.get(&key)? {
                let mut record: Activation =
                    from_json(&existing).map_err(ConflictableTransactionError::Abort)?;
                record.last_seen = now;
                record.machine = machine.machine.map(str::to_owned).or(record.machine);
                record.user = machine.user.map(str::to_owned).or(record.user);
                activations.insert(key.as_slice(), to_json(&record))?;
                return Ok(Activated::Granted { new: false, used });
            }
            if limit.is_some_and(|limit| used >= limit) {
                return Ok(Activated::NoSeatsLeft { used });
            }
            let record = Activation {
                license_id: license_id.to_owned(),
                hwid: machine.hwid.to_owned(),
                machine: machine.machine.map(str::to_owned),
                user: machine.user.map(str::to_owned),
                first_seen: now,
                last_seen: now,
            };
            activations.insert(key.as_slice(), to_json(&record))?;
            seats.insert(license_id, &(used + 1).to_be_bytes())?;
            Ok(Activated::Granted {
                new: true,
                used: used + 1,
            })
        });
        unwrap_transaction(result)
    }

    /// Frees the seat of `hwid` on `license_id`. Returns whether it was activated and the
    /// seats in use afterwards. Does not flush.
    pub fn deactivate(&self, license_id: &str, hwid: &str) -> Result<(bool, u64)> {
        let key = activation_key(license_id, hwid);
        let result = (&self.activations, &self.seats).transaction(|(activations, seats)| {
            let used = seats.get(license_id)?.map(|v| be_u64(&v)).unwrap_or(0);
            if activations.remove(key.as_slice())?.is_none() {
                return Ok((false, used));
            }
            let used = used.saturating_sub(1);
            seats.insert(license_id, &used.to_be_bytes())?;
            Ok((true, used))
        });
        unwrap_transaction(result)
    }

    /// Removes an activation and flushes: the CLI's `activation remove`.
    pub fn remove_activation(&self, license_id: &str, hwid: &str) -> Result<bool> {
        let (removed, _) = self.deactivate(license_id, hwid)?;
        self.flush()?;
        Ok(removed)
    }

    /// Seats in use by a license.
    pub fn seats_used(&self, license_id: &str) -> Result<u64> {
        Ok(self.seats.get(license_id)?.map(|v| be_u64(&v)).unwrap_or(0))
    }

    /// Activations of one license, or of all.
    pub fn activations(&self, license_id: Option<&str>) -> Result<Vec<Activation>> {
        let iter = match license_id {
            Some(id) => self.activations.scan_prefix(activation_key(id, "")),
            None => self.activations.iter(),
        };
        iter.values().map(|v| from_json(&v?)).collect()
    }
}
