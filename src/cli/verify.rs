//! `keyctl verify`: offline verification with the spec's exit codes, and the key and
//! context arguments `verify-request` shares.

use std::path::PathBuf;

use clap::Args;

use super::{emit, read_license_input, Env};
use crate::batch::verify::Defaults;
use crate::error::{Error, Result};
use crate::keys::{PublicKey, TrustedKeys};
use crate::license::{self, Context, LicenseState, Verdict};
use crate::store::Store;
use crate::time::{parse_duration, parse_instant, DayEdge, Timestamp};
use crate::{files, output};
use keyctl_core::clock::ClockState;
use keyctl_core::offline::{self, Evidence};
use keyctl_core::status_list::{self, StatusListError, VerifiedStatusList};

/// The largest key or JWKS file keyctl reads.
const MAX_KEY_FILE: usize = 1024 * 1024;

/// Where trusted keys come from when not from the store.
#[derive(Debug, Args)]
pub struct KeySourceArgs {
    /// Trust this public key (SPKI PEM or JWK); skips the store (repeatable)
    #[arg(long = "public-key", value_name = "FILE")]
    public_keys: Vec<PathBuf>,
    /// Trust the Ed25519 keys of this JWKS; skips the store (repeatable)
    #[arg(long = "jwks", value_name = "FILE")]
    jwks: Vec<PathBuf>,
}

impl KeySourceArgs {
    /// Whether keys were given on the command line.
    pub fn given(&self) -> bool {
        !self.public_keys.is_empty() || !self.jwks.is_empty()
    }

    /// Reads every key file.
    pub fn load(&self) -> Result<TrustedKeys> {
        let mut keys = Vec::new();
        for path in &self.public_keys {
            let what = path.display().to_string();
            let mut parsed = PublicKey::parse_any(&files::read_text(path, MAX_KEY_FILE)?, &what)?;
            if parsed.len() != 1 {
                return Err(Error::invalid(
                    what,
                    "holds several keys; pass it with --jwks",
                ));
            }
            keys.append(&mut parsed);
        }
        for path in &self.jwks {
            let what = path.display().to_string();
            let value: serde_json::Value =
                serde_json::from_str(&files::read_text(path, MAX_KEY_FILE)?)
                    .map_err(|_| Error::invalid(&what, "is not JSON"))?;
            keys.extend(PublicKey::from_jwks(&value, &what)?);
        }
        Ok(TrustedKeys::new(keys))
    }
}

/// Offline evidence: a signed status list and a clock state file.
#[derive(Debug, Args)]
pub struct EvidenceArgs {
    /// Check the license's standing in this signed status list (`keyctl status-list publish`,
    /// or GET /v1/status-list); a list that cannot answer is status_unknown (10)
    #[arg(long, value_name = "FILE")]
    status_list: Option<PathBuf>,
    /// Detect a clock set back: the latest trusted time is read from FILE (a fresh start when
    /// it is missing) and written back (mode 0600); a rollback is clock_rollback (11)
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
}

/// The evidence of [`EvidenceArgs`], read and judged.
pub struct LoadedEvidence {
    status_list: Option<std::result::Result<VerifiedStatusList, StatusListError>>,
    clock: Option<ClockState>,
    state_file: Option<PathBuf>,
}

impl EvidenceArgs {
    /// Whether any evidence was asked for.
    pub fn given(&self) -> bool {
        self.status_list.is_some() || self.state.is_some()
    }

    /// Reads the status list (verified with `keys` at `now`: a list that does not verify is
    /// kept as the reason it cannot answer) and the clock state (none when the file is
    /// missing; a corrupt one is an error naming it).
    pub fn load(&self, keys: &TrustedKeys, now: Timestamp) -> Result<LoadedEvidence> {
        let status_list = self
            .status_list
            .as_deref()
            .map(|path| {
                let token = files::read_text(path, status_list::MAX_TOKEN_LEN)?;
                Ok::<_, Error>(status_list::verify(&token, keys, now))
            })
            .transpose()?;
        let clock = match &self.state {
            None => None,
            Some(path) => match std::fs::read(path) {
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
                Err(err) => return Err(Error::io(path, err)),
                Ok(bytes) => {
                    let what = path.display().to_string();
                    let text = String::from_utf8(bytes).map_err(|_| {
                        Error::invalid(&what, "is not a clock state (not UTF-8 text)")
                    })?;
                    Some(
                        ClockState::from_json(&text, &what).map_err(|err| match err {
                            keyctl_core::Error::InvalidInput { what, reason } => {
                                Error::InvalidInput {
                                    what,
                                    reason: format!(
                                "{reason}; remove the file only if you trust this machine's clock"
                            ),
                                }
                            }
                            err => err.into(),
                        })?,
                    )
                }
            },
        };
        Ok(LoadedEvidence {
            status_list,
            clock,
            state_file: self.state.clone(),
        })
    }
}

impl LoadedEvidence {
    /// The clock state read, if any.
    pub fn clock(&self) -> Option<&ClockState> {
        self.clock.as_ref()
    }

    /// The evidence as the core takes it.
    pub fn evidence(&self) -> Evidence<'_> {
        Evidence {
            status_list: self.status_list.as_ref(),
            clock: self.clock.as_ref(),
        }
    }

    /// Writes the new clock state, atomically with mode 0600, when a state file was given.
    pub fn store_clock(&self, clock: &ClockState) -> Result<()> {
        match &self.state_file {
            Some(path) => files::write_file(path, clock.to_json().as_bytes(), 0o600, true),
            None => Ok(()),
        }
    }
}

/// The context a license is checked in, besides the product.
#[derive(Debug, Args)]
pub struct ContextArgs {
    /// The host a web product runs on (omit for native use)
    #[arg(long, value_name = "HOST")]
    domain: Option<String>,
    /// Tolerance for expiry and not-before
    #[arg(long, value_name = "DURATION", default_value = "60s")]
    leeway: String,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The license JWT, `-` for stdin, or @FILE [default: stdin]
    #[arg(value_name = "LICENSE|-|@FILE")]
    license: Option<String>,
    #[command(flatten)]
    keys: KeySourceArgs,
    /// The product that is checking (with --batch: for lines that name none)
    #[arg(long, value_name = "ID", required_unless_present = "batch")]
    product: Option<String>,
    #[command(flatten)]
    context: ContextArgs,
    /// A machine id that must be activated (needs the store)
    #[arg(long, value_name = "HWID", conflicts_with = "batch")]
    machine: Option<String>,
    /// Verify many licenses: one JWT, or one JSON object {license, product, domain}, per line
    #[arg(long, value_name = "FILE|-", conflicts_with = "license")]
    batch: Option<String>,
    /// Verify as of this time (RFC 3339, a date, or a duration from now) [default: now]
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
    #[command(flatten)]
    evidence: EvidenceArgs,
}

pub fn run(env: &Env, args: VerifyArgs) -> Result<i32> {
    let now = match &args.at {
        Some(at) => parse_instant(at, env.now, DayEdge::Start, "--at")?,
        None => env.now,
    };
    if args.keys.given() && args.machine.is_some() {
        return Err(Error::invalid(
            "--machine",
            "needs the store's activations; drop --public-key/--jwks",
        ));
    }
    // With explicit keys the store is never opened: the fast path for CI.
    let (keys, store) = if args.keys.given() {
        (args.keys.load()?, None)
    } else {
        let store = env.open_store_to_verify()?;
        (store.trusted_keys()?, Some(store))
    };
    if args.batch.is_some() && args.evidence.state.is_some() {
        return Err(Error::invalid(
            "--batch",
            "does not take --state: a clock state is one product machine's; \
             give --state when verifying one license",
        ));
    }
    if let Some(batch) = &args.batch {
        let defaults = Defaults {
            product: args.product.clone(),
            domain: args.context.domain.clone(),
            now,
            leeway: parse_duration(&args.context.leeway, "--leeway")?,
            status_list: args.evidence.load(&keys, now)?.status_list,
        };
        return super::batch::verify(batch, &keys, &defaults, store.as_ref());
    }
    if args.evidence.given() {
        let evidence = args.evidence.load(&keys, now)?;
        let token = read_license_input(args.license.as_deref())?.text();
        let checked = match token {
            Ok(token) => {
                let ctx = Context {
                    product: args.product.as_deref().unwrap_or_default(),
                    domain: args.context.domain.as_deref(),
                    machine: args.machine.as_deref(),
                    now,
                    leeway: parse_duration(&args.context.leeway, "--leeway")?,
                };
                let state = store.as_ref().map(|s| s as &dyn LicenseState);
                offline::verify_license(&token, &keys, &ctx, state, &evidence.evidence())
            }
            Err(verdict) => offline::Checked {
                verdict,
                status: None,
                clock: keyctl_core::clock::advance(now, &[], evidence.clock()),
            },
        };
        evidence.store_clock(&checked.clock)?;
        emit(&output::checked_license(
            &checked,
            store.is_some(),
            env.json,
        ))?;
        return Ok(checked.verdict.outcome.exit_code());
    }
    let verdict = match read_license_input(args.license.as_deref())?.text() {
        Ok(token) => {
            let checker = LicenseCheck {
                keys: &keys,
                store: store.as_ref(),
                product: args.product.as_deref().unwrap_or_default(),
                context: &args.context,
            };
            checker.verify(&token, args.machine.as_deref(), now)?
        }
        Err(verdict) => verdict,
    };
    emit(&output::verdict(&verdict, store.is_some(), env.json))?;
    Ok(verdict.outcome.exit_code())
}

/// Everything needed to verify a license from the command line.
pub struct LicenseCheck<'a> {
    pub keys: &'a TrustedKeys,
    pub store: Option<&'a Store>,
    pub product: &'a str,
    pub context: &'a ContextArgs,
}

impl LicenseCheck<'_> {
    /// Verifies `token` as of `now`.
    pub fn verify(&self, token: &str, machine: Option<&str>, now: Timestamp) -> Result<Verdict> {
        let ctx = Context {
            product: self.product,
            domain: self.context.domain.as_deref(),
            machine,
            now,
            leeway: parse_duration(&self.context.leeway, "--leeway")?,
        };
        Ok(license::verify(
            token,
            self.keys,
            &ctx,
            self.store.map(|s| s as &dyn LicenseState),
        ))
    }
}
