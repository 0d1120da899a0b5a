//! `keyctl init` and `keyctl key …`.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;

use super::{done, emit, warn, Env};
use crate::control::{Op, Reply};
use crate::error::Result;
use crate::keys::KeyPair;
use crate::store::{KeyRecord, KeyStatus, Store};
use crate::{files, output};

/// The largest key file keyctl reads.
const MAX_KEY_FILE: usize = 64 * 1024;

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The vendor name put in every license's `iss` claim [default: keyctl]
    #[arg(long)]
    issuer: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Generate a new key, trusted but not yet signing (activate it with `key rotate KID`)
    Generate,
    /// List keys
    List,
    /// Make a new key (or the trusted key KID) the active signing key; older keys stay trusted
    Rotate {
        /// A trusted key to activate instead of generating one
        #[arg(allow_hyphen_values = true)]
        kid: Option<String>,
    },
    /// Stop trusting a key: licenses it signed no longer verify
    Retire {
        /// The key id
        #[arg(allow_hyphen_values = true)]
        kid: String,
    },
    /// Import a PKCS#8 PEM Ed25519 private key as a trusted key
    Import {
        /// The PEM file
        file: PathBuf,
    },
    /// Export a key (default: the active key) as PEM, JWK or JWKS
    Export(ExportArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    /// SPKI public key, or PKCS#8 v1 private key with --private
    Pem,
    /// One JWK (RFC 8037)
    Jwk,
    /// A JWKS of the key, or of every trusted key when no KID is given
    Jwks,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The key id [default: the active key; for jwks, every trusted key]
    #[arg(allow_hyphen_values = true)]
    kid: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value = "pem")]
    format: ExportFormat,
    /// Export the private key (written 0600 when --out is given)
    #[arg(long)]
    private: bool,
    /// Write to FILE instead of stdout
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Overwrite FILE if it exists
    #[arg(long, requires = "out")]
    force: bool,
}

pub fn init(env: &Env, args: InitArgs) -> Result<i32> {
    let path = env.store_path()?;
    let (store, created) = Store::init(&path, args.issuer.as_deref().unwrap_or("keyctl"), env.now)?;
    if let Some(asked) = args
        .issuer
        .as_deref()
        .filter(|asked| !created && *asked != store.issuer().unwrap_or_default())
    {
        warn(&format!(
            "the store's issuer stays {:?}; --issuer {asked:?} applies only to a new store",
            store.issuer()?
        ));
    }
    let active = store
        .keys()?
        .into_iter()
        .find(|k| k.status == KeyStatus::Active);
    let kid = active.map(|k| k.kid).unwrap_or_default();
    if env.json {
        let value = json!({
            "store": path.display().to_string(),
            "created": created,
            "issuer": store.issuer()?,
            "kid": kid,
        });
        emit(&output::to_json(&value))?;
    } else if created {
        emit(&format!(
            "created store {} (issuer {}, active key {kid})\n",
            path.display(),
            store.issuer()?
        ))?;
    } else {
        emit(&format!(
            "store {} exists already; nothing changed\n",
            path.display()
        ))?;
    }
    done()
}

pub fn run(env: &Env, command: KeyCommand) -> Result<i32> {
    match command {
        // Rotation and retirement also work while `keyctl serve` holds the store.
        KeyCommand::Rotate { kid } => emit(&output::key(
            &key_reply(env.apply(Op::RotateKey { kid })?),
            env.json,
        ))?,
        KeyCommand::Retire { kid } => emit(&output::key(
            &key_reply(env.apply(Op::RetireKey { kid })?),
            env.json,
        ))?,
        KeyCommand::Generate => {
            let store = env.open_store()?;
            emit(&output::key(
                &store.add_key(&KeyPair::generate(), env.now)?,
                env.json,
            ))?;
        }
        KeyCommand::List => {
            let Reply::Keys(keys) = env.apply(Op::ListKeys)? else {
                unreachable!("a key list")
            };
            emit(&output::keys(&keys, env.json))?;
        }
        KeyCommand::Import { file } => {
            let pem = zeroize::Zeroizing::new(files::read_text(&file, MAX_KEY_FILE)?);
            let pair = KeyPair::from_pkcs8_pem(&pem, &file.display().to_string())?;
            emit(&output::key(
                &env.open_store()?.add_key(&pair, env.now)?,
                env.json,
            ))?;
        }
        KeyCommand::Export(args) => export(&env.open_store()?, args)?,
    }
    done()
}

fn key_reply(reply: Reply) -> KeyRecord {
    match reply {
        Reply::Key(key) => key,
        other => unreachable!("a key op answered {other:?}"),
    }
}

fn export(store: &Store, args: ExportArgs) -> Result<()> {
    let pairs = match (&args.kid, args.format) {
        (Some(kid), _) => vec![store.key_pair(kid)?],
        (None, ExportFormat::Jwks) => store
            .trusted_keys()?
            .iter()
            .map(|k| store.key_pair(k.kid()))
            .collect::<Result<Vec<_>>>()?,
        (None, _) => vec![store.active_key()?],
    };
    let text = zeroize::Zeroizing::new(match args.format {
        ExportFormat::Pem if args.private => pairs[0].to_pkcs8_pem().to_string(),
        ExportFormat::Pem => pairs[0].public().to_spki_pem(),
        ExportFormat::Jwk => output::to_json(&jwk(&pairs[0], args.private)),
        ExportFormat::Jwks => output::to_json(&json!({
            "keys": pairs.iter().map(|p| jwk(p, args.private)).collect::<Vec<_>>()
        })),
    });
    match &args.out {
        Some(path) => {
            let mode = if args.private {
                files::SECRET_MODE
            } else {
                files::PUBLIC_MODE
            };
            files::write_file(path, text.as_bytes(), mode, args.force)
        }
        None => emit(&text),
    }
}

fn jwk(pair: &KeyPair, private: bool) -> serde_json::Value {
    if private {
        pair.to_private_jwk()
    } else {
        pair.public().to_jwk()
    }
}
