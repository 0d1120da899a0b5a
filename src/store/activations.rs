//! Machine activations: what a machine may send, and seats taken through the backend's
//! atomic primitive ([`super::Backend::grant_seat`]), exact under any concurrency.

use super::{Activation, Store};
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
    /// unlimited). Idempotent for a machine that is already activated: it keeps its seat
    /// and its first activation time. On sled this does not flush: the caller decides how
    /// the write becomes durable (see `serve`'s group commit); on PostgreSQL it is committed.
    pub fn activate(
        &self,
        license_id: &str,
        machine: Machine<'_>,
        limit: Option<u64>,
        now: Timestamp,
    ) -> Result<Activated> {
        machine.check()?;
        let activation = Activation {
            license_id: license_id.to_owned(),
            hwid: machine.hwid.to_owned(),
            machine: machine.machine.map(str::to_owned),
            user: machine.user.map(str::to_owned),
            first_seen: now,
            last_seen: now,
        };
        self.backend.grant_seat(&activation, limit)
    }

    /// Frees the seat of `hwid` on `license_id`. Returns whether it was activated and the
    /// seats in use afterwards. On sled this does not flush.
    pub fn deactivate(&self, license_id: &str, hwid: &str) -> Result<(bool, u64)> {
        self.backend.release_seat(license_id, hwid)
    }

    /// Removes an activation, durably: the CLI's `activation remove`.
    pub fn remove_activation(&self, license_id: &str, hwid: &str) -> Result<bool> {
        let (removed, _) = self.deactivate(license_id, hwid)?;
        self.flush()?;
        Ok(removed)
    }

    /// Seats in use by a license.
    pub fn seats_used(&self, license_id: &str) -> Result<u64> {
        self.backend.seats_used(license_id)
    }

    /// Activations of one license, or of all.
    pub fn activations(&self, license_id: Option<&str>) -> Result<Vec<Activation>> {
        self.backend.activations(license_id)
    }
}
