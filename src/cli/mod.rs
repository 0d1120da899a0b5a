//! The `keyctl` command line: clap definitions, turned into library calls, rendered by
//! [`crate::output`]. Nothing here decides policy; it parses, calls and prints.

mod activations;
mod batch;
mod keys;
mod licenses;
mod machines;
mod meta;
mod products;
mod serve;
mod sign;
mod status_lists;
mod stores;
mod verify;

use std::io::Write;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::error::{exit, Error, Result};
use crate::store::{self, Location, OpenOptions, Store};
use crate::time::Timestamp;

/// Licensing toolkit: Ed25519 keys, JWT licenses, request signing, validation server.
#[derive(Debug, Parser)]
#[command(
    name = "keyctl",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// Store: a directory (embedded sled store), or a postgres://user@host:port/db URL
    /// (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]
    #[arg(long, global = true, env = "KEYCTL_STORE", value_name = "DIR|URL")]
    store: Option<PathBuf>,

    /// Print machine-readable JSON instead of tables
    #[arg(long, global = true)]
    json: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a store with a first signing key
    Init(keys::InitArgs),
    /// Manage signing keys
    #[command(subcommand)]
    Key(keys::KeyCommand),
    /// Manage products
    #[command(subcommand)]
    Product(products::ProductCommand),
    /// Issue and manage licenses
    #[command(subcommand)]
    License(licenses::LicenseCommand),
    /// Verify a license offline (exit code tells the outcome)
    Verify(verify::VerifyArgs),
    /// Sign a request for a license (KEYCTL1-HMAC-SHA256 or MIO4-HMAC-SHA256)
    Sign(sign::SignArgs),
    /// Run the request signer as an HTTP service beside the product
    Signer(sign::SignerArgs),
    /// Check a signed request, then the license itself when keys are available
    VerifyRequest(sign::VerifyRequestArgs),
    /// Run the validation and activation server
    Serve(serve::ServeArgs),
    /// List and remove machine activations
    #[command(subcommand)]
    Activation(activations::ActivationCommand),
    /// Signed machine files for offline products, and air-gapped activation
    #[command(subcommand)]
    Machine(machines::MachineCommand),
    /// The signed status list: license standing for offline products
    #[command(subcommand)]
    StatusList(status_lists::StatusListCommand),
    /// Migrate a store's schema, or copy a store into another
    #[command(subcommand)]
    Store(stores::StoreCommand),
    /// Print shell completions
    Completions(meta::CompletionsArgs),
    /// Print the man page (roff)
    Man,
}

/// What every command may need: where the store is, how to print, and the time.
pub(crate) struct Env {
    store: Option<PathBuf>,
    json: bool,
    now: Timestamp,
}

impl Env {
    /// Where the store is: `--store` / `KEYCTL_STORE` (a directory or a `postgres://` URL),
    /// else the default directory.
    fn store_location(&self) -> Result<Location> {
        let path = self
            .store
            .clone()
            .or_else(store::default_path)
            .ok_or_else(|| {
                Error::invalid(
                    "store",
                    "no --store, no KEYCTL_STORE and no HOME to find the default store",
                )
            })?;
        Ok(match path.to_str() {
            Some(text) => Location::parse(text),
            None => Location::Directory(path),
        })
    }

    /// Opens the store for a command that a running `keyctl serve` does not carry out.
    fn open_store(&self) -> Result<Store> {
        crate::control::open_directly(&self.store_location()?, &OpenOptions::default())
    }

    /// Opens the store for verification, which a running server's JWKS can stand in for.
    fn open_store_to_verify(&self) -> Result<Store> {
        self.open_store().map_err(|err| match err {
            Error::HeldByServer { path, .. } => Error::HeldByServer {
                path,
                hint: "to verify while it runs, use `keyctl verify --jwks` with the server's /.well-known/jwks.json",
            },
            err => err,
        })
    }

    /// Opens the store for a command that signs or adds keys: [`Env::open_store`], then the
    /// passphrase when the signing keys are encrypted.
    fn open_store_unlocked(&self) -> Result<Store> {
        let store = self.open_store()?;
        keys::unlock(&store)?;
        Ok(store)
    }

    /// Opens the store for `keyctl serve`, with the server's smaller page cache.
    fn open_store_for_server(&self, pool_size: usize) -> Result<Store> {
        let options = OpenOptions {
            cache_mb: store::SERVER_CACHE_MB,
            pool_size,
        };
        crate::control::open_directly(&self.store_location()?, &options)
    }

    /// Runs a store-writing command here (asking for the passphrase if it signs), or through
    /// the `keyctl serve` that holds the store.
    fn apply(&self, op: crate::control::Op) -> Result<crate::control::Reply> {
        crate::control::apply(&self.store_location()?, op, self.now, &keys::unlock)
    }
}

/// Parses the command line, runs it and returns the process exit code.
pub fn main() -> i32 {
    // clap would blame an empty variable on `--store`, which the user never typed.
    if std::env::var_os("KEYCTL_STORE").is_some_and(|v| v.is_empty()) {
        report(&Error::invalid(
            "KEYCTL_STORE",
            "is set but empty; unset it, or set it to a store directory",
        ));
        return exit::USAGE;
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return err.exit_code();
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            report(&err);
            err.exit_code()
        }
    }
}

/// Prints an error and its hint to stderr.
pub fn report(err: &Error) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "keyctl: error: {err}");
    if let Some(hint) = err.hint() {
        let _ = writeln!(stderr, "hint: {hint}");
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<i32> {
    let env = Env {
        store: cli.store,
        json: cli.json,
        now: crate::time::now(),
    };
    match cli.command {
        Command::Init(args) => keys::init(&env, args),
        Command::Key(command) => keys::run(&env, command),
        Command::Product(command) => products::run(&env, command),
        Command::License(command) => licenses::run(&env, command),
        Command::Verify(args) => verify::run(&env, args),
        Command::Sign(args) => sign::sign(&env, args),
        Command::Signer(args) => sign::signer(args),
        Command::VerifyRequest(args) => sign::verify_request(&env, args),
        Command::Serve(args) => serve::run(&env, args),
        Command::Activation(command) => activations::run(&env, command),
        Command::Machine(command) => machines::run(&env, command),
        Command::StatusList(command) => status_lists::run(&env, command),
        Command::Store(command) => stores::run(&env, command),
        Command::Completions(args) => meta::completions(args),
        Command::Man => meta::man(),
    }
}

/// Writes to stdout. A closed pipe (`keyctl … | head`) is not an error: the reader has
/// what it wanted, and the exit code must still tell the command's outcome.
pub(crate) fn emit(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(|source| Error::Stream {
            what: "stdout",
            source,
        }),
    }
}

/// Standard warning printed next to an otherwise successful result.
pub(crate) fn warn(message: &str) {
    let _ = writeln!(std::io::stderr().lock(), "keyctl: warning: {message}");
}

/// The most of a license argument, file or stdin that is read: 8 KiB is the JWT limit, so
/// anything larger is malformed whatever follows.
const MAX_LICENSE_INPUT: usize = 1024 * 1024;

/// A `LICENSE|-|@FILE` argument as read.
pub(crate) enum LicenseInput {
    /// The text, surrounding whitespace removed.
    Text(String),
    /// Not UTF-8.
    NotText,
    /// Larger than [`MAX_LICENSE_INPUT`].
    TooLarge,
}

impl LicenseInput {
    /// The text, or the `malformed` verdict a verifier gives input that cannot be a license.
    pub(crate) fn text(self) -> std::result::Result<String, crate::license::Verdict> {
        use crate::license::{Outcome, Verdict, MAX_JWT_LEN};
        match self {
            LicenseInput::Text(text) => Ok(text),
            LicenseInput::NotText => Err(Verdict::fail(Outcome::Malformed, "the license is not UTF-8 text")),
            LicenseInput::TooLarge => Err(Verdict::fail(
                Outcome::Malformed,
                format!("the license is larger than {MAX_LICENSE_INPUT} bytes; the limit is {MAX_JWT_LEN}"),
            )),
        }
    }
}

/// Reads a `LICENSE|-|@FILE` argument (absent means stdin), never more than
/// [`MAX_LICENSE_INPUT`] bytes.
pub(crate) fn read_license_input(arg: Option<&str>) -> Result<LicenseInput> {
    let bytes = match arg {
        None | Some("-") => crate::files::read_at_most(
            std::io::stdin().lock(),
            MAX_LICENSE_INPUT,
            "standard input",
        )?,
        Some(arg) if arg.starts_with('@') => {
            let path = PathBuf::from(&arg[1..]);
            let file = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
            crate::files::read_at_most(file, MAX_LICENSE_INPUT, &path.display().to_string())?
        }
        Some(arg) => arg.as_bytes().to_vec(),
    };
    if bytes.len() > MAX_LICENSE_INPUT {
        return Ok(LicenseInput::TooLarge);
    }
    Ok(match String::from_utf8(bytes) {
        Ok(text) => LicenseInput::Text(text.trim().to_owned()),
        Err(_) => LicenseInput::NotText,
    })
}

/// `Ok(exit::OK)`, for commands whose only outcome is success.
pub(crate) fn done() -> Result<i32> {
    Ok(exit::OK)
}
