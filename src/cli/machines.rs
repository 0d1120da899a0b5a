//! `keyctl machine …`: machine files for products that check offline. `checkout` and
//! `grant` sign on the vendor's side (through a running `keyctl serve` when it holds the
//! store); `request` and `verify` run on the product's side, with the public key alone.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use keyctl_core::machine::{MachineClaims, MachineContext, MachineVerdict};
use keyctl_core::offline;
use keyctl_core::request_code::MachineRequest;
use serde_json::json;

use super::verify::{EvidenceArgs, KeySourceArgs};
use super::{done, emit, read_license_input, Env, LicenseInput};
use crate::control::{Op, Reply};
use crate::error::{Error, Result};
use crate::license::{self, Outcome, ShortKey, Verdict};
use crate::offline::Checkout;
use crate::time::{parse_duration, parse_instant, rfc3339, DayEdge};
use crate::{files, output};

#[derive(Debug, Subcommand)]
pub enum MachineCommand {
    /// Write the signed machine file of an activated machine
    Checkout(CheckoutArgs),
    /// Verify a machine file offline (exit code tells the outcome, as for `verify`)
    Verify(MachineVerifyArgs),
    /// Print the request code of an air-gapped machine (for `machine grant` at the vendor)
    Request(RequestArgs),
    /// Activate an air-gapped machine from its request code and print its machine file
    Grant(GrantArgs),
}

/// Where a signed machine file goes.
#[derive(Debug, Args)]
pub struct FileOutArgs {
    /// The file's life: at least 1h, at most 365d; never beyond the license's expiry
    #[arg(long, value_name = "DURATION", default_value = "30d")]
    ttl: String,
    /// Write the machine file to FILE (mode 0600) instead of stdout
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Overwrite FILE if it exists
    #[arg(long, requires = "out")]
    force: bool,
}

#[derive(Debug, Args)]
pub struct CheckoutArgs {
    /// License id or short key
    license: String,
    /// The machine's hardware id (the file carries only its SHA-256)
    #[arg(long, value_name = "HWID")]
    hwid: String,
    /// Take the machine's seat first (exact, as the server does); else it must hold one
    #[arg(long)]
    activate: bool,
    #[command(flatten)]
    file: FileOutArgs,
}

#[derive(Debug, Args)]
pub struct MachineVerifyArgs {
    /// The machine file, or `-` for stdin
    #[arg(value_name = "FILE|-")]
    file: String,
    /// This machine's hardware id
    #[arg(long, value_name = "HWID")]
    hwid: String,
    /// The product that is checking
    #[arg(long, value_name = "ID")]
    product: String,
    /// The nonce of this machine's request code: the file must answer that request
    #[arg(long, value_name = "NONCE")]
    nonce: Option<String>,
    #[command(flatten)]
    keys: KeySourceArgs,
    #[command(flatten)]
    evidence: EvidenceArgs,
    /// Tolerance for expiry and not-before
    #[arg(long, value_name = "DURATION", default_value = "60s")]
    leeway: String,
    /// Verify as of this time (RFC 3339, a date, or a duration from now) [default: now]
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
}

#[derive(Debug, Args)]
pub struct RequestArgs {
    /// The license: its JWT, @FILE holding it, or its short key
    #[arg(long, value_name = "JWT|@FILE|KEY")]
    license: String,
    /// This machine's hardware id (the code carries only its SHA-256)
    #[arg(long, value_name = "HWID")]
    hwid: String,
    /// The product asking
    #[arg(long, value_name = "ID")]
    product: String,
}

#[derive(Debug, Args)]
pub struct GrantArgs {
    /// The request code the machine printed
    code: String,
    /// Also draw the machine file as a QR code on the terminal
    #[arg(long)]
    qr: bool,
    #[command(flatten)]
    file: FileOutArgs,
}

pub fn run(env: &Env, command: MachineCommand) -> Result<i32> {
    match command {
        MachineCommand::Checkout(args) => {
            let op = Op::MachineCheckout(Checkout {
                license: args.license,
                hwid: args.hwid,
                ttl: parse_duration(&args.file.ttl, "--ttl")?,
                activate: args.activate,
            });
            write_machine_file(env, env.apply(op)?, &args.file, false)?;
        }
        MachineCommand::Grant(args) => {
            let op = Op::MachineGrant {
                code: args.code,
                ttl: parse_duration(&args.file.ttl, "--ttl")?,
            };
            write_machine_file(env, env.apply(op)?, &args.file, args.qr)?;
        }
        MachineCommand::Request(args) => request(env, &args)?,
        MachineCommand::Verify(args) => return verify(env, &args),
    }
    done()
}

/// Writes a machine file where `out` says, or prints it; with `qr`, draws it too.
fn write_machine_file(env: &Env, reply: Reply, out: &FileOutArgs, qr: bool) -> Result<()> {
    let Reply::MachineFile { jwt, claims } = reply else {
        unreachable!("a machine op answered {reply:?}")
    };
    if let Some(path) = &out.out {
        files::write_file(path, format!("{jwt}\n").as_bytes(), 0o600, out.force)?;
    }
    let picture = if qr { Some(qr_code(&jwt)?) } else { None };
    if env.json {
        let mut value = json!({
            "machine_file": if out.out.is_some() { None } else { Some(&jwt) },
            "out": out.out.as_ref().map(|p| p.display().to_string()),
            "machine": claims,
        });
        if let Some(picture) = picture {
            value["qr"] = json!(picture);
        }
        return emit(&output::to_json(&value));
    }
    let mut text = match &out.out {
        Some(path) => format!(
            "wrote machine file {} of license {} to {} (valid until {})\n",
            claims.jti,
            claims.lic,
            path.display(),
            rfc3339(claims.exp)
        ),
        None => format!("{jwt}\n"),
    };
    if let Some(picture) = picture {
        text.push_str(&picture);
    }
    emit(&text)
}

/// The machine file as a QR code of Unicode half blocks, two modules per character.
fn qr_code(jwt: &str) -> Result<String> {
    use qrcode::render::unicode::Dense1x2;
    let code =
        qrcode::QrCode::with_error_correction_level(jwt, qrcode::EcLevel::L).map_err(|err| {
            Error::invalid(
                "--qr",
                format!("the machine file does not fit a QR code ({err})"),
            )
        })?;
    Ok(code
        .render::<Dense1x2>()
        .dark_color(Dense1x2::Light)
        .light_color(Dense1x2::Dark)
        .build()
        + "\n")
}

/// `machine request`: the request code, from the license id in the JWT, or the short key.
fn request(env: &Env, args: &RequestArgs) -> Result<()> {
    let license = match read_license_input(Some(&args.license))? {
        LicenseInput::Text(text) => text,
        _ => {
            return Err(Error::invalid(
                "--license",
                "is not a license JWT, @FILE or short key",
            ))
        }
    };
    let license_id = if license.contains('.') {
        license::decode(&license)
            .map_err(|verdict| Error::invalid("--license", verdict.reason))?
            .claims
            .jti
    } else {
        // The vendor's store finds the license by its short key as well as by its id.
        ShortKey::parse(&license)
            .ok_or_else(|| Error::invalid("--license", "is not a license JWT, @FILE or short key"))?
            .as_str()
            .to_owned()
    };
    let request = MachineRequest::new(&license_id, &args.hwid, &args.product)
        .map_err(|err| Error::invalid("machine request", err.to_string()))?;
    let code = request.encode();
    if env.json {
        emit(&output::to_json(&json!({
            "code": code,
            "license": request.lic,
            "hwid": request.hwid,
            "product": request.product,
            "nonce": request.nonce,
        })))
    } else {
        emit(&format!("{code}\n"))
    }
}

/// `machine verify`: the core's check, with the status list and the clock state.
fn verify(env: &Env, args: &MachineVerifyArgs) -> Result<i32> {
    let now = match &args.at {
        Some(at) => parse_instant(at, env.now, DayEdge::Start, "--at")?,
        None => env.now,
    };
    let keys = if args.keys.given() {
        args.keys.load()?
    } else {
        env.open_store_to_verify()?.trusted_keys()?
    };
    let evidence = args.evidence.load(&keys, now)?;
    let input = if args.file == "-" {
        read_license_input(None)?
    } else {
        read_license_input(Some(&format!("@{}", args.file)))?
    };
    let checked = match input.text() {
        Ok(token) => {
            let ctx = MachineContext {
                hwid: &args.hwid,
                product: &args.product,
                nonce: args.nonce.as_deref(),
                now,
                leeway: parse_duration(&args.leeway, "--leeway")?,
            };
            offline::verify_machine(&token, &keys, &ctx, &evidence.evidence())
        }
        Err(verdict) => offline::Checked {
            verdict: as_machine_verdict(verdict),
            status: None,
            clock: keyctl_core::clock::advance(now, &[], evidence.clock()),
        },
    };
    evidence.store_clock(&checked.clock)?;
    emit(&output::checked_machine(&checked, env.json))?;
    Ok(checked.verdict.outcome.exit_code())
}

/// The `malformed` verdict of input that cannot be a machine file.
fn as_machine_verdict(verdict: Verdict) -> MachineVerdict {
    let reason = verdict.reason.replace("the license", "the machine file");
    Verdict::<MachineClaims>::fail(Outcome::Malformed, reason)
}
