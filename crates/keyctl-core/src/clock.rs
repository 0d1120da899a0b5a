//! Clock-rollback detection: whether the local clock can be trusted against the signed times
//! a product has seen. A product offline can be fooled by setting its clock back, so that an
//! expired license looks valid again; two signs give it away. A signed artefact (license,
//! machine file, status list) issued more than [`TOLERANCE`] in the future means the clock
//! is behind. And a [`ClockState`], which the caller loads before verifying and stores after,
//! remembers the latest trusted time seen; a clock more than [`TOLERANCE`] before it has been
//! set back.
//!
//! Pure: the caller reads and writes the state (a file, `localStorage`) and passes `now`.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::time::{rfc3339, Timestamp};

/// How far a clock may be behind a signed time before it counts as rolled back: 5 minutes,
/// for clocks that drift or were set by hand, as the request signer's skew allows.
pub const TOLERANCE: i64 = 300;

/// The version of [`ClockState`]'s JSON that this code writes and reads.
pub const STATE_VERSION: u32 = 1;

/// The largest state text read: the JSON is about 50 bytes.
pub const MAX_STATE_LEN: usize = 4096;

/// What a product remembers between checks: the latest time it trusts, the maximum of every
/// `now` and every verified `iat` it has seen. Its JSON is
/// `{"version": 1, "latest_trusted": <Unix seconds>}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockState {
    /// The shape's version, [`STATE_VERSION`].
    pub version: u32,
    /// The latest trusted time, in Unix seconds.
    pub latest_trusted: Timestamp,
}

impl ClockState {
    /// A state that trusts `now` (what a product starts from when it has none).
    pub fn new(now: Timestamp) -> Self {
        ClockState {
            version: STATE_VERSION,
            latest_trusted: now,
        }
    }

    /// Reads a state's JSON; `what` names it in errors (a file name). A corrupt state is an
    /// error, never a fresh start: a fresh start is what someone rolling the clock back would
    /// want.
    pub fn from_json(text: &str, what: &str) -> Result<Self> {
        if text.len() > MAX_STATE_LEN {
            return Err(Error::invalid(
                what,
                format!("a clock state is {MAX_STATE_LEN} bytes at most"),
            ));
        }
        let state: ClockState = serde_json::from_str(text).map_err(|_| {
            Error::invalid(
                what,
                r#"not a clock state ({"version": 1, "latest_trusted": <Unix seconds>})"#,
            )
        })?;
        if state.version != STATE_VERSION {
            return Err(Error::invalid(
                what,
                format!(
                    "clock state version {} is not {STATE_VERSION}; a newer keyctl wrote it",
                    state.version
                ),
            ));
        }
        Ok(state)
    }

    /// The state's JSON, as [`ClockState::from_json`] reads it.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a clock state serializes")
    }
}

/// Whether `now` can be trusted: `Err(reason)` when a verified `iat` lies more than
/// [`TOLERANCE`] after it, or when it lies more than [`TOLERANCE`] before the state's latest
/// trusted time.
pub fn check(
    now: Timestamp,
    verified_iats: &[Timestamp],
    state: Option<&ClockState>,
) -> Result<(), String> {
    if let Some(iat) = verified_iats
        .iter()
        .copied()
        .filter(|iat| *iat > now.saturating_add(TOLERANCE))
        .max()
    {
        return Err(format!(
            "the clock reads {} but a signed artefact was issued at {}: the clock is behind",
            rfc3339(now),
            rfc3339(iat)
        ));
    }
    if let Some(state) = state {
        if now.saturating_add(TOLERANCE) < state.latest_trusted {
            return Err(format!(
                "the clock reads {} but {} was already seen: the clock was set back",
                rfc3339(now),
                rfc3339(state.latest_trusted)
            ));
        }
    }
    Ok(())
}

/// The state to store after a check that found no rollback: the latest of `now`, the old
/// state's time and every verified `iat`.
pub fn advance(
    now: Timestamp,
    verified_iats: &[Timestamp],
    state: Option<&ClockState>,
) -> ClockState {
    let latest = verified_iats
        .iter()
        .copied()
        .chain(state.map(|s| s.latest_trusted))
        .fold(now, Timestamp::max);
    ClockState::new(latest)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Timestamp = 1_795_000_000;

    #[test]
    fn an_artefact_from_more_than_five_minutes_ahead_means_the_clock_is_behind() {
        assert_eq!(check(NOW, &[NOW + TOLERANCE], None), Ok(()));
        assert_eq!(
            check(NOW, &[NOW - 10, NOW + TOLERANCE + 1], None),
            Err(
                "the clock reads 2026-11-18T11:06:40Z but a signed artefact was issued at \
                 2026-11-18T11:11:41Z: the clock is behind"
                    .into()
            )
        );
    }

    #[test]
    fn a_clock_set_back_past_the_state_is_a_rollback() {
        let state = ClockState::new(NOW);
        assert_eq!(check(NOW - TOLERANCE, &[], Some(&state)), Ok(()));
        assert_eq!(
            check(NOW - 3_600, &[], Some(&state)),
            Err(
                "the clock reads 2026-11-18T10:06:40Z but 2026-11-18T11:06:40Z was already \
                 seen: the clock was set back"
                    .into()
            )
        );
    }

    #[test]
    fn the_state_advances_to_the_latest_trusted_time() {
        let state = ClockState::new(NOW);
        assert_eq!(advance(NOW - 100, &[], Some(&state)).latest_trusted, NOW);
        assert_eq!(
            advance(NOW + 5, &[NOW - 5], Some(&state)).latest_trusted,
            NOW + 5
        );
        assert_eq!(
            advance(NOW, &[NOW + 200], Some(&state)).latest_trusted,
            NOW + 200
        );
        assert_eq!(advance(NOW, &[], None), ClockState::new(NOW));
    }

    #[test]
    fn the_state_round_trips_and_corruption_is_an_error() {
        let state = ClockState::new(NOW);
        assert_eq!(
            state.to_json(),
            r#"{"version":1,"latest_trusted":1795000000}"#
        );
        assert_eq!(ClockState::from_json(&state.to_json(), "s").unwrap(), state);
        for bad in [
            "",
            "{}",
            "null",
            r#"{"version":1}"#,
            r#"{"version":1,"latest_trusted":"x"}"#,
        ] {
            assert_eq!(
                ClockState::from_json(bad, "state.json")
                    .unwrap_err()
                    .to_string(),
                r#"state.json: not a clock state ({"version": 1, "latest_trusted": <Unix seconds>})"#,
                "{bad}"
            );
        }
        assert_eq!(
            ClockState::from_json(r#"{"version":2,"latest_trusted":0}"#, "s")
                .unwrap_err()
                .to_string(),
            "s: clock state version 2 is not 1; a newer keyctl wrote it"
        );
        assert!(ClockState::from_json(&" ".repeat(MAX_STATE_LEN + 1), "s").is_err());
    }
}
