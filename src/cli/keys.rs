//! `keyctl init` and `keyctl key …`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;
use zeroize::Zeroizing;

use super::{done, emit, warn, Env};
use crate::control::{Op, Reply};
use crate::error::{Error, Result};
use crate::keys::KeyPair;
use crate::passphrase::Passphrase;
use crate::store::{KeyRecord, KeyStatus, Store};
use crate::{files, output};

/// The largest key file keyctl reads.
const MAX_KEY_FILE: usize = 64 * 1024;
/// The environment variable naming the file that holds the store's passphrase.
pub(crate) const PASSPHRASE_FILE_VAR: &str = "KEYCTL_PASSPHRASE_FILE";
/// The most of a passphrase file keyctl reads.
const MAX_PASSPHRASE_FILE: usize = 4096;

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The vendor name put in every license's `iss` claim [default: keyctl]
    #[arg(long)]
    issuer: Option<String>,
    /// Encrypt the signing keys under a passphrase (from KEYCTL_PASSPHRASE_FILE, else asked)
    #[arg(long)]
    encrypt: bool,
    /// The status list URI licenses refer to (an https:// URL, or a path on the server)
    /// [default: /v1/status-list]
    #[arg(long, value_name = "URL")]
    status_uri: Option<String>,
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
    /// Import a PKCS#8 PEM Ed25519 private key (plain or encrypted) as a trusted key
    Import {
        /// The PEM file
        file: PathBuf,
        /// The passphrase of an encrypted PEM file is in FILE [default: asked on the terminal]
        #[arg(long, value_name = "FILE")]
        passphrase_file: Option<PathBuf>,
    },
    /// Export a key (default: the active key) as PEM, JWK or JWKS
    Export(ExportArgs),
    /// Encrypt the store's signing keys under a passphrase (from KEYCTL_PASSPHRASE_FILE, else asked)
    Encrypt,
    /// Store the signing keys in clear again (needs the passphrase)
    Decrypt,
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
    /// Encrypt the private key PEM under a passphrase (asked on the terminal unless --passphrase-file)
    #[arg(long, requires = "private")]
    encrypt: bool,
    /// Encrypt the private key PEM under the passphrase in FILE (implies --encrypt)
    #[arg(long, value_name = "FILE", requires = "private")]
    passphrase_file: Option<PathBuf>,
}

pub fn init(env: &Env, args: InitArgs) -> Result<i32> {
    let location = env.store_location()?;
    if let Some(uri) = &args.status_uri {
        keyctl_core::status_list::StatusReference {
            idx: 0,
            uri: uri.clone(),
        }
        .validate()?;
    }
    let passphrase = if args.encrypt && !Store::exists(&location) {
        Some(store_passphrase(&location.describe(), Ask::New)?.ok_or_else(|| {
            Error::invalid(
                "--encrypt",
                format!("no passphrase: set {PASSPHRASE_FILE_VAR} to a file holding it, or run keyctl init on a terminal to be asked"),
            )
        })?)
    } else {
        None
    };
    let (store, created) = Store::init(
        &location,
        args.issuer.as_deref().unwrap_or("keyctl"),
        passphrase.as_ref(),
        env.now,
    )?;
    match &args.status_uri {
        Some(uri) if created => store.set_status_uri(uri)?,
        Some(_) => warn("the store's status list URI stays as it was; --status-uri applies only to a new store (use `keyctl status-list uri URL`)"),
        None => {}
    }
    let encrypted = store.keys_encrypted()?;
    if args.encrypt && !encrypted {
        warn("the store's signing keys stay in clear; --encrypt applies only to a new store (use `keyctl key encrypt`)");
    }
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
            "store": location.describe(),
            "created": created,
            "encrypted": encrypted,
            "issuer": store.issuer()?,
            "kid": kid,
        });
        emit(&output::to_json(&value))?;
    } else if created {
        emit(&format!(
            "created store {} (issuer {}, active key {kid}{})\n",
            location.describe(),
            store.issuer()?,
            if encrypted { "; keys encrypted" } else { "" }
        ))?;
    } else {
        emit(&format!(
            "store {} exists already; nothing changed\n",
            location.describe()
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
            let store = env.open_store_unlocked()?;
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
        KeyCommand::Import {
            file,
            passphrase_file,
        } => {
            let pem = Zeroizing::new(files::read_text(&file, MAX_KEY_FILE)?);
            let what = file.display().to_string();
            let pair = if pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
                let passphrase = file_passphrase(passphrase_file.as_deref(), &what, Ask::Existing)?;
                crate::keyfile::pair_from_encrypted_pkcs8_pem(&pem, &passphrase, &what)?
            } else {
                KeyPair::from_pkcs8_pem(&pem, &what)?
            };
            emit(&output::key(
                &env.open_store_unlocked()?.add_key(&pair, env.now)?,
                env.json,
            ))?;
        }
        KeyCommand::Export(args) => export(env, args)?,
        KeyCommand::Encrypt => {
            let store = env.open_store()?;
            let path = store.describe();
            if store.keys_encrypted()? {
                return Err(Error::Conflict(format!(
                    "the signing keys of store {path} are encrypted already"
                )));
            }
            let passphrase = store_passphrase(&path, Ask::New)?.ok_or_else(|| Error::invalid(
                "key encrypt",
                format!("no passphrase: set {PASSPHRASE_FILE_VAR} to a file holding it, or run the command on a terminal to be asked"),
            ))?;
            let count = store.encrypt_keys(&passphrase)?;
            emit(&encryption_report(&path, count, true, env.json))?;
        }
        KeyCommand::Decrypt => {
            let store = env.open_store_unlocked()?;
            let path = store.describe();
            let count = store.decrypt_keys()?;
            emit(&encryption_report(&path, count, false, env.json))?;
        }
    }
    done()
}

/// What `key encrypt` / `key decrypt` print.
fn encryption_report(store: &str, keys: usize, encrypted: bool, json: bool) -> String {
    if json {
        return output::to_json(&json!({
            "encrypted": encrypted,
            "keys": keys,
            "store": store,
        }));
    }
    format!(
        "{} {keys} signing {} of store {store}\n",
        if encrypted { "encrypted" } else { "decrypted" },
        if keys == 1 { "key" } else { "keys" },
    )
}

/// Whether a passphrase is asked for something that exists, or chosen (and so typed twice).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ask {
    Existing,
    New,
}

/// Reads a passphrase file: at most 4 KiB, one line, a trailing newline ignored.
fn passphrase_from_file(path: &Path) -> Result<Passphrase> {
    let what = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let bytes = Zeroizing::new(files::read_bounded(file, MAX_PASSPHRASE_FILE, &what)?);
    Passphrase::from_file_contents(bytes, &what)
}

/// Asks on the terminal without echo (twice for a new passphrase); `None` when standard
/// input is not a terminal.
fn prompt(question: &str, ask: Ask) -> Result<Option<Passphrase>> {
    if !std::io::stdin().is_terminal() {
        return Ok(None);
    }
    let read = |question: &str| {
        rpassword::prompt_password(question)
            .map(Zeroizing::new)
            .map_err(|source| Error::Stream {
                what: "the terminal",
                source,
            })
    };
    let first = read(question)?;
    if ask == Ask::New && *read("the same passphrase again: ")? != *first {
        return Err(Error::invalid("passphrase", "the two passphrases differ"));
    }
    Passphrase::new(first, "passphrase").map(Some)
}

/// The store's passphrase: the file `KEYCTL_PASSPHRASE_FILE` names, else asked on the
/// terminal; `None` when there is neither.
fn store_passphrase(store: &str, ask: Ask) -> Result<Option<Passphrase>> {
    if let Some(file) = std::env::var_os(PASSPHRASE_FILE_VAR).filter(|v| !v.is_empty()) {
        return passphrase_from_file(Path::new(&file)).map(Some);
    }
    let question = match ask {
        Ask::Existing => format!("passphrase of the signing keys of {store}: "),
        Ask::New => format!("new passphrase for the signing keys of {store}: "),
    };
    prompt(&question, ask)
}

/// The passphrase of a key file: from `--passphrase-file`, else asked on the terminal.
fn file_passphrase(file: Option<&Path>, what: &str, ask: Ask) -> Result<Passphrase> {
    if let Some(file) = file {
        return passphrase_from_file(file);
    }
    prompt(&format!("passphrase for {what}: "), ask)?.ok_or_else(|| {
        Error::invalid(
            "--passphrase-file",
            format!("{what} needs a passphrase: give --passphrase-file FILE, or run the command on a terminal to be asked"),
        )
    })
}

/// Unlocks `store` if its signing keys are encrypted, for a command that signs or adds keys.
pub(crate) fn unlock(store: &Store) -> Result<()> {
    if !store.keys_encrypted()? {
        return Ok(());
    }
    match store_passphrase(&store.describe(), Ask::Existing)? {
        Some(passphrase) => store.unlock(&passphrase),
        None => Err(Error::KeysLocked {
            store: store.describe(),
        }),
    }
}

/// Unlocks the store of `keyctl serve` once, at start. Without a passphrase the server
/// still verifies and activates; only what signs (issuing and rotating through the control
/// socket) fails, and the operator is told so now.
pub(crate) fn unlock_for_server(store: &Store) -> Result<()> {
    match unlock(store) {
        Err(Error::KeysLocked { .. }) => {
            warn(&format!("the signing keys are encrypted and no passphrase was given ({PASSPHRASE_FILE_VAR}): this server verifies and activates, but cannot issue licenses, rotate keys, or sign machine files and status lists"));
            Ok(())
        }
        other => other,
    }
}

fn key_reply(reply: Reply) -> KeyRecord {
    match reply {
        Reply::Key(key) => key,
        other => unreachable!("a key op answered {other:?}"),
    }
}

fn export(env: &Env, args: ExportArgs) -> Result<()> {
    let encrypt = args.encrypt || args.passphrase_file.is_some();
    if encrypt && !matches!(args.format, ExportFormat::Pem) {
        return Err(Error::invalid(
            "--encrypt",
            "applies to --format pem only: an encrypted PKCS#8 PEM file is what keyctl writes",
        ));
    }
    let text = if args.private {
        Zeroizing::new(export_private(env, &args, encrypt)?)
    } else {
        Zeroizing::new(export_public(&env.open_store()?, &args)?)
    };
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

/// The public key(s) `args` asks for; never needs the passphrase.
fn export_public(store: &Store, args: &ExportArgs) -> Result<String> {
    let keys = match (&args.kid, args.format) {
        (Some(kid), _) => vec![store.public_key(kid)?],
        (None, ExportFormat::Jwks) => store.trusted_keys()?.iter().cloned().collect(),
        (None, _) => vec![store.active_key_public()?],
    };
    Ok(match args.format {
        ExportFormat::Pem => keys[0].to_spki_pem(),
        ExportFormat::Jwk => output::to_json(&keys[0].to_jwk()),
        ExportFormat::Jwks => output::to_json(&crate::keys::jwks(&keys)),
    })
}

/// The private key(s) `args` asks for, PEM encrypted when `encrypt`.
fn export_private(env: &Env, args: &ExportArgs, encrypt: bool) -> Result<String> {
    // The file's passphrase first: a mistyped confirmation fails before the store is
    // opened and, if its keys are encrypted, unlocked (which takes a while).
    let file_passphrase = if encrypt {
        Some(file_passphrase(
            args.passphrase_file.as_deref(),
            "the exported key",
            Ask::New,
        )?)
    } else {
        None
    };
    let store = env.open_store_unlocked()?;
    let pairs = match (&args.kid, args.format) {
        (Some(kid), _) => vec![store.key_pair(kid)?],
        (None, ExportFormat::Jwks) => store
            .trusted_keys()?
            .iter()
            .map(|k| store.key_pair(k.kid()))
            .collect::<Result<Vec<_>>>()?,
        (None, _) => vec![store.active_key()?],
    };
    Ok(match (args.format, file_passphrase) {
        (ExportFormat::Pem, Some(passphrase)) => {
            crate::keyfile::encrypted_pkcs8_pem(&pairs[0], &passphrase).to_string()
        }
        (ExportFormat::Pem, None) => pairs[0].to_pkcs8_pem().to_string(),
        (ExportFormat::Jwk, _) => output::to_json(&pairs[0].to_private_jwk()),
        (ExportFormat::Jwks, _) => output::to_json(&json!({
            "keys": pairs.iter().map(KeyPair::to_private_jwk).collect::<Vec<_>>()
        })),
    })
}
