//! `keyctl sign`, `keyctl signer` and `keyctl verify-request`: the request signer
//! (`signer-protocol.md`) from the command line.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use super::verify::{ContextArgs, KeySourceArgs, LicenseCheck};
use super::{emit, read_license_input, warn, Env};
use crate::error::{Error, Result};
use crate::license::{Outcome, Verdict};
use crate::signer::service::{self, SignerConfig};
use crate::signer::{self, Scheme, SignedRequest, SignerSecrets};
use crate::time::{parse_duration, parse_instant, DayEdge};
use crate::{files, http, output};

/// The largest secret file keyctl reads (a map may hold many licenses).
const MAX_SECRET_FILE: usize = 4 * 1024 * 1024;
/// The environment variable that may hold a signer secret.
const SECRET_ENV: &str = "KEYCTL_SIGNER_SECRET";

/// Where a signer secret comes from: --secret-file, --secret or KEYCTL_SIGNER_SECRET.
#[derive(Debug, Args)]
pub struct SecretArgs {
    /// File holding the signer secret, or a JSON map of license id to secret
    #[arg(long, value_name = "FILE")]
    secret_file: Option<PathBuf>,
    /// The secret itself (leaks into shell history: prefer --secret-file or KEYCTL_SIGNER_SECRET)
    #[arg(long, value_name = "SECRET", conflicts_with = "secret_file")]
    secret: Option<String>,
}

impl SecretArgs {
    /// Where the secret comes from, for messages.
    fn source(&self) -> String {
        match (&self.secret_file, &self.secret) {
            (Some(path), _) => path.display().to_string(),
            (None, Some(_)) => "--secret".into(),
            (None, None) => SECRET_ENV.into(),
        }
    }

    /// The secrets given on the command line or in the environment, if any.
    fn load(&self) -> Result<Option<SignerSecrets>> {
        if let Some(path) = &self.secret_file {
            let text = zeroize::Zeroizing::new(files::read_text(path, MAX_SECRET_FILE)?);
            return SignerSecrets::parse(&text, &path.display().to_string()).map(Some);
        }
        if let Some(secret) = &self.secret {
            warn("--secret leaks into shell history and process listings; prefer --secret-file or KEYCTL_SIGNER_SECRET");
            return SignerSecrets::parse(secret, "--secret").map(Some);
        }
        match std::env::var(SECRET_ENV) {
            Ok(secret) if !secret.is_empty() => SignerSecrets::parse(&secret, SECRET_ENV).map(Some),
            _ => Ok(None),
        }
    }
}

#[derive(Debug, Args)]
pub struct SignArgs {
    /// The license JWT, `-` for stdin, or @FILE [default: stdin]
    #[arg(value_name = "LICENSE|-|@FILE")]
    license: Option<String>,
    #[command(flatten)]
    secret: SecretArgs,
    /// Sign for this datetime instead of now (YYYYMMDDTHHMMSSZ; for mio also the ISO forms)
    #[arg(long, value_name = "T")]
    datetime: Option<String>,
    /// Signature scheme
    #[arg(long, value_enum, default_value = "keyctl1")]
    scheme: SchemeArg,
    #[command(flatten)]
    machine: MachineRequestArgs,
}

/// `--scheme`.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum SchemeArg {
    /// `KEYCTL1-HMAC-SHA256`: date-scoped derived keys over the license's hash
    #[value(name = "keyctl1")]
    Keyctl1,
    /// `MIO4-HMAC-SHA256`: one HMAC over the datetime and the license (Media-IO products)
    #[value(name = "mio")]
    Mio4,
}

impl From<SchemeArg> for Scheme {
    fn from(arg: SchemeArg) -> Self {
        match arg {
            SchemeArg::Keyctl1 => Scheme::Keyctl1,
            SchemeArg::Mio4 => Scheme::Mio4,
        }
    }
}

/// A machine request the signature also covers (`POST /v1/activate`, `/v1/deactivate`).
#[derive(Debug, Args)]
pub struct MachineRequestArgs {
    /// Sign a machine request for this route: the signature covers the fields below too
    #[arg(long = "for", value_enum, value_name = "ROUTE", requires_all = ["product", "hwid"])]
    route: Option<RouteArg>,
    /// The product activating (with --for)
    #[arg(long, value_name = "ID", requires = "route")]
    product: Option<String>,
    /// The machine's hardware id (with --for)
    #[arg(long, value_name = "HWID", requires = "route")]
    hwid: Option<String>,
    /// The machine's name, as the request will send it (with --for)
    #[arg(long, value_name = "NAME", requires = "route")]
    machine: Option<String>,
    /// The logged-in user, as the request will send it (with --for)
    #[arg(long, value_name = "NAME", requires = "route")]
    user: Option<String>,
    /// The host, as the request will send it (with --for)
    #[arg(long, value_name = "HOST", requires = "route")]
    domain: Option<String>,
}

/// `--for`.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum RouteArg {
    /// `POST /v1/activate`
    Activate,
    /// `POST /v1/deactivate`
    Deactivate,
    /// `POST /v1/machines/checkout`
    Checkout,
}

impl MachineRequestArgs {
    fn request(&self) -> Option<signer::MachineRequest<'_>> {
        let route = match self.route? {
            RouteArg::Activate => signer::MachineRoute::Activate,
            RouteArg::Deactivate => signer::MachineRoute::Deactivate,
            RouteArg::Checkout => signer::MachineRoute::Checkout,
        };
        Some(signer::MachineRequest {
            route,
            product: self.product.as_deref().unwrap_or_default(),
            hwid: self.hwid.as_deref().unwrap_or_default(),
            machine: self.machine.as_deref(),
            user: self.user.as_deref(),
            domain: self.domain.as_deref(),
        })
    }
}

pub fn sign(env: &Env, args: SignArgs) -> Result<i32> {
    let secrets = args.secret.load()?.ok_or_else(|| {
        Error::invalid(
            "secret",
            format!("no signer secret: pass --secret-file FILE or set {SECRET_ENV}"),
        )
    })?;
    let license = license_text(args.license.as_deref())?;
    let datetime = args
        .datetime
        .unwrap_or_else(|| signer::format_datetime(env.now));
    let id = signer::license_id(signer::trim_license(&license));
    let secret = secrets.for_license(id.as_deref()).ok_or_else(|| {
        Error::invalid(
            args.secret.source(),
            format!(
                "holds no secret for license {}",
                id.as_deref().unwrap_or("(no license id)")
            ),
        )
    })?;
    let sig = match args.machine.request() {
        Some(_) if Scheme::from(args.scheme) != Scheme::Keyctl1 => {
            return Err(Error::invalid(
                "--for",
                "machine requests are signed with KEYCTL1 only; drop --scheme mio",
            ))
        }
        Some(request) => {
            signer::sign_machine_request(secret.expose(), &datetime, &license, &request)
        }
        None => signer::sign(args.scheme.into(), secret.expose(), &datetime, &license),
    }
    .map_err(|err| Error::invalid("sign", err.to_string()))?;
    if env.json {
        let value = json!({
            "algorithm": sig.scheme.algorithm(),
            "license_id": sig.license_id,
            "datetime": sig.datetime,
            "signature": sig.signature,
        });
        emit(&output::to_json(&value))?;
    } else {
        emit(&format!(
            "datetime   {}\nsignature  {}\n",
            sig.datetime, sig.signature
        ))?;
    }
    Ok(0)
}

fn license_text(arg: Option<&str>) -> Result<String> {
    read_license_input(arg)?
        .text()
        .map_err(|verdict| Error::invalid("license", verdict.reason))
}

#[derive(Debug, Args)]
pub struct SignerArgs {
    /// Address to listen on
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8787")]
    listen: SocketAddr,
    /// File holding the signer secret, or a JSON map of license id to secret
    #[arg(long, value_name = "FILE")]
    secret_file: PathBuf,
    /// An origin allowed to call the signer from a browser (repeatable; `*` for any)
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    allow_origins: Vec<String>,
    /// Also answer requests without an Origin header (native products, scripts)
    #[arg(long)]
    allow_no_origin: bool,
    /// A host name clients may address the signer by (repeatable) [default: the listen address and localhost]
    #[arg(long = "allow-host", value_name = "NAME")]
    allow_hosts: Vec<String>,
    /// How far a Media-IO x-datetime may be from this clock
    #[arg(long, value_name = "DURATION", default_value = "300s")]
    max_skew: String,
}

pub fn signer(args: SignerArgs) -> Result<i32> {
    let what = args.secret_file.display().to_string();
    let text = zeroize::Zeroizing::new(files::read_text(&args.secret_file, MAX_SECRET_FILE)?);
    let config = SignerConfig {
        secrets: SignerSecrets::parse(&text, &what)?,
        allowed_origins: args.allow_origins,
        allow_no_origin: args.allow_no_origin,
        allowed_hosts: if args.allow_hosts.is_empty() {
            service::default_hosts(args.listen)
        } else {
            args.allow_hosts
                .iter()
                .map(|h| h.to_ascii_lowercase())
                .collect()
        },
        max_skew: parse_duration(&args.max_skew, "--max-skew")?,
        clock: crate::time::now,
    };
    http::init_logging();
    http::block_on(async move {
        let listener = http::bind(args.listen).await?;
        announce("signer", &listener);
        service::run(listener, config, service::default_limits()).await;
        Ok(0)
    })
}

/// Tells the operator (and tests using port 0) where the server listens.
pub(crate) fn announce(name: &str, listener: &tokio::net::TcpListener) {
    if let Ok(addr) = listener.local_addr() {
        eprintln!("keyctl {name}: listening on http://{addr}");
    }
}

#[derive(Debug, Args)]
pub struct VerifyRequestArgs {
    /// The license JWT, `-` for stdin, or @FILE [default: stdin]
    #[arg(value_name = "LICENSE|-|@FILE")]
    license: Option<String>,
    /// The request datetime, as sent
    #[arg(long, value_name = "T")]
    datetime: String,
    /// The request signature, lowercase hex
    #[arg(long, value_name = "HEX")]
    signature: String,
    /// Signature scheme
    #[arg(long, value_enum, default_value = "keyctl1")]
    scheme: SchemeArg,
    #[command(flatten)]
    secret: SecretArgs,
    /// Allowed difference between the request datetime and now
    #[arg(long, value_name = "DURATION", default_value = "300s")]
    max_skew: String,
    /// Check as of this time (YYYYMMDDTHHMMSSZ, RFC 3339 or a date) [default: now]
    #[arg(long, value_name = "T")]
    now: Option<String>,
    #[command(flatten)]
    keys: KeySourceArgs,
    /// The product that is checking (required when the license is verified too)
    #[arg(long, value_name = "ID")]
    product: Option<String>,
    #[command(flatten)]
    context: ContextArgs,
}

pub fn verify_request(env: &Env, args: VerifyRequestArgs) -> Result<i32> {
    let now = match &args.now {
        Some(t) => match signer::parse_datetime(t) {
            Some(t) => t,
            None => parse_instant(t, env.now, DayEdge::Start, "--now")?,
        },
        None => env.now,
    };
    let max_skew = parse_duration(&args.max_skew, "--max-skew")?;
    let explicit_secrets = args.secret.load()?;
    // The store serves for the secret when none is given, and for trusted keys when none
    // are given and it exists; without keys only the request is checked (and the output says so).
    let store = match (&explicit_secrets, args.keys.given()) {
        (None, _) => Some(env.open_store_to_verify()?),
        (Some(_), true) => None,
        (Some(_), false) => match env.open_store_to_verify() {
            Ok(store) => Some(store),
            Err(Error::StoreMissing { .. }) => None,
            Err(err) => return Err(err),
        },
    };
    let keys = match (&store, args.keys.given()) {
        (_, true) => Some(args.keys.load()?),
        (Some(store), false) => Some(store.trusted_keys()?),
        (None, false) => None,
    };
    if keys.is_some() && args.product.is_none() {
        return Err(Error::invalid(
            "--product",
            "is required when the license is verified too",
        ));
    }
    let license = match read_license_input(args.license.as_deref())?.text() {
        Ok(license) => license,
        Err(verdict) => return finish(env, verdict, store.is_some()),
    };
    let request = SignedRequest {
        scheme: args.scheme.into(),
        license: &license,
        datetime: &args.datetime,
        signature: &args.signature,
    };
    let checked = signer::verify_request(&request, now, max_skew, |id| match &explicit_secrets {
        Some(secrets) => secrets.for_license(id).cloned(),
        None => id
            .and_then(|id| store.as_ref()?.license(id).ok().flatten())
            .map(|record| record.secret),
    });
    if let Err(verdict) = checked {
        return finish(env, verdict, store.is_some());
    }
    let verdict = match (&keys, &args.product) {
        (Some(keys), Some(product)) => {
            let check = LicenseCheck {
                keys,
                store: store.as_ref(),
                product,
                context: &args.context,
            };
            check.verify(&license, None, now)?
        }
        _ => Verdict {
            outcome: Outcome::Valid,
            reason: String::new(),
            claims: None,
        },
    };
    finish(env, verdict, store.is_some())
}

fn finish(env: &Env, verdict: Verdict, revocation_checked: bool) -> Result<i32> {
    let text = if verdict.is_valid() && verdict.claims.is_none() && !env.json {
        "valid: the request signature verifies (license not checked: no trusted keys)\n".to_owned()
    } else {
        output::verdict(&verdict, revocation_checked, env.json)
    };
    emit(&text)?;
    Ok(verdict.outcome.exit_code())
}
