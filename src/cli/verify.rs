//! `keyctl verify`: offline verification with the spec's exit codes.

use std::path::PathBuf;

use clap::Args;

use super::{emit, read_license_input, Env};
use crate::error::{Error, Result};
use crate::keys::{PublicKey, TrustedKeys};
use crate::license::{self, Context, LicenseState, Outcome, Verdict};
use crate::time::{parse_duration, parse_instant, DayEdge};
use crate::{files, output};

/// The largest key or JWKS file keyctl reads.
const MAX_KEY_FILE: usize = 1024 * 1024;

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The license JWT, `-` for stdin, or @FILE [default: stdin]
    #[arg(value_name = "LICENSE|-|@FILE")]
    license: Option<String>,
    /// Trust this public key (SPKI PEM or JWK); skips the store (repeatable)
    #[arg(long = "public-key", value_name = "FILE")]
    public_keys: Vec<PathBuf>,
    /// Trust the Ed25519 keys of this JWKS; skips the store (repeatable)
    #[arg(long = "jwks", value_name = "FILE")]
    jwks: Vec<PathBuf>,
    /// The product that is checking
    #[arg(long, value_name = "ID")]
    product: String,
    /// The host a web product runs on (omit for native use)
    #[arg(long, value_name = "HOST")]
    domain: Option<String>,
    /// A machine id that must be activated (needs the store)
    #[arg(long, value_name = "HWID")]
    machine: Option<String>,
    /// Verify as of this time (RFC 3339, a date, or a duration from now) [default: now]
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
    /// Tolerance for expiry and not-before
    #[arg(long, value_name = "DURATION", default_value = "60s")]
    leeway: String,
}

pub fn run(env: &Env, args: VerifyArgs) -> Result<i32> {
    let now = args.at.as_deref().map(|t| parse_instant(t, env.now, DayEdge::Start, "--at")).transpose()?;
    let leeway = parse_duration(&args.leeway, "--leeway")?;
    let offline = !args.public_keys.is_empty() || !args.jwks.is_empty();
    if offline && args.machine.is_some() {
        return Err(Error::invalid("--machine", "needs the store's activations; drop --public-key/--jwks"));
    }
    // With explicit keys the store is never opened: the fast path for CI.
    let (keys, store) = if offline {
        (trusted_keys_from_files(&args)?, None)
    } else {
        let store = env.open_store()?;
        (store.trusted_keys()?, Some(store))
    };
    let input = read_license_input(args.license.as_deref())?;
    let ctx = Context {
        product: &args.product,
        domain: args.domain.as_deref(),
        machine: args.machine.as_deref(),
        now: now.unwrap_or(env.now),
        leeway,
    };
    let verdict = match std::str::from_utf8(&input) {
        Ok(token) => license::verify(token.trim(), &keys, &ctx, store.as_ref().map(|s| s as &dyn LicenseState)),
        Err(_) => Verdict::fail(Outcome::Malformed, "the license is not UTF-8 text"),
    };
    emit(&output::verdict(&verdict, env.json))?;
    Ok(verdict.outcome.exit_code())
}

fn trusted_keys_from_files(args: &VerifyArgs) -> Result<TrustedKeys> {
    let mut keys = Vec::new();
    for path in &args.public_keys {
        let what = path.display().to_string();
        let text = files::read_text(path, MAX_KEY_FILE)?;
        let mut parsed = PublicKey::parse_any(&text, &what)?;
        if parsed.len() != 1 {
            return Err(Error::invalid(what, "holds several keys; pass it with --jwks"));
        }
        keys.append(&mut parsed);
    }
    for path in &args.jwks {
        let what = path.display().to_string();
        let text = files::read_text(path, MAX_KEY_FILE)?;
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|_| Error::invalid(&what, "is not JSON"))?;
        keys.extend(PublicKey::from_jwks(&value, &what)?);
    }
    Ok(TrustedKeys::new(keys))
}
