//! The PostgreSQL backend: one database shared by many `keyctl serve` replicas and CLI runs.
//!
//! The [`Backend`] interface is synchronous; the client (tokio-postgres, pooled by
//! deadpool-postgres) is not. [`PgBackend`] owns a small tokio runtime of its own (one
//! worker, thread `keyctl-pg`) and runs each primitive with `block_on` on the calling
//! thread. `serve` calls it from `block_in_place`. Every wait is bounded (the pool's
//! timeouts, and `OPERATION_TIMEOUT` around a primitive), so a database that is down gives
//! [`Error::StoreUnavailable`] within a request's timeout, never a hang.
//!
//! What makes it exact across replicas:
//! - Seats: one statement locks the license row, renews the machine's activation or else
//!   raises the row's `seats` counter only while it is under the limit, re-checked on the
//!   newest row version, and feeds the activation's insert from that update (see
//!   `GRANT_SEAT`). Nothing is read in Rust and then written.
//! - Replays: a table keyed by the request's hash; the insert that adds a row is the one
//!   replica that accepts the request.
//! - Standing: every replica keeps the revocation texts in memory and refreshes them within
//!   a second of a change (see `view.rs`).
//!
//! Batches are staged in a transaction held open on a connection of their own until the
//! commit, which also deletes the batch's mark: the licenses appear together. A killed run's
//! transaction is rolled back by PostgreSQL when its connection drops; its `staging` mark
//! stays, so every store-backed check keeps refusing the ids of JWTs it may have written
//! out ([`super::NEVER_ISSUED`]).
//!
//! Every write is committed before it returns, with synchronous commit on.

mod cache;
mod group;
mod libpq;
mod replay;
mod schema;
mod seats;
#[cfg(test)]
mod tests;
mod tls;
mod view;

pub use schema::SCHEMA_VERSION;

use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use deadpool_postgres::{
    GenericClient, Manager, ManagerConfig, Object, Pool, PoolError, RecyclingMethod, Runtime,
};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

use super::backend::{Backend, Health, Imported};
use super::batches::{remove_output, MarkState, ReservedIndexes};
use super::copy::UNFINISHED_COPY;
use super::location::redact_password;
use super::sled::{active_not_retired, key_exists, ref_taken};
use super::{
    Activated, Activation, BatchMark, KeyStatus, LicenseFilter, LicenseRecord, LicenseStatus,
    OpenOptions, Product, RememberedRequest, StoredKey,
};
use crate::error::{Error, Result};
use crate::secret::SecretString;
use crate::time::Timestamp;
use group::Group;
use seats::SeatJob;
use view::View;

/// How long a connection may take to open, and a request may wait for a free one.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest a primitive may take (batches and copies excepted), so that a database that
/// stops answering fails the request instead of holding it.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(10);
/// The advisory lock every change of standing or of keys holds until it commits, so that
/// change numbers become visible in order (see [`view`]): "keyctl" in ASCII, then 2.
const CHANGE_LOCK: i64 = 0x6b65_7963_746c_0002;
/// The advisory lock product inserts hold while they pick the next number.
const PRODUCT_LOCK: i64 = 0x6b65_7963_746c_0003;
/// With the hash of its prefix, the advisory lock a running batch holds in its staging
/// transaction ("kctb"; two-key locks are a space apart from the one-key locks above): a
/// `staging` mark whose lock is free belongs to a run that died.
const BATCH_LOCK_CLASS: i32 = 0x6b63_7462;
/// Rows per statement when many licenses are written at once.
const ROWS_PER_STATEMENT: usize = 5000;
/// The setting [`Backend::complete_init`] writes: a store without it is not complete.
const INITIALIZED: &str = "initialized";

/// Creates the schema in the database at `url` and returns the empty store for
/// [`super::Store::init`] to fill; `None` when a store is already there.
pub fn create(url: &str, options: &OpenOptions) -> Result<Option<Box<dyn Backend>>> {
    let target = Target::parse(url)?;
    let runtime = runtime(&target.name)?;
    let fresh = runtime.block_on(bounded(&target.name, async {
        let mut client = target.connect().await?;
        let found = target.check_not_newer(&client).await?;
        // A store that is there is left as it is, its schema too: `init` and `store copy`
        // then open it, and an outdated one asks for `store migrate` rather than being
        // migrated by a command that was about to refuse it.
        if found > 0
            && has_issuer(&client)
                .await
                .map_err(|e| failure(&target.name, e))?
        {
            return Ok(false);
        }
        schema::migrate(&mut client)
            .await
            .map_err(|e| failure(&target.name, e))?;
        let issuer = has_issuer(&client)
            .await
            .map_err(|e| failure(&target.name, e))?;
        Ok(!issuer)
    }));
    match fresh {
        Ok(true) => Ok(Some(Box::new(PgBackend::start(target, runtime, options)?))),
        other => {
            runtime.shutdown_background();
            other.map(|_| None)
        }
    }
}

/// Opens the existing store in the database at `url`. A schema this build does not have
/// yet, or has no more, is refused, and so is a store whose making did not finish: an
/// unfinished copy with [`Error::UnfinishedCopy`], what an interrupted `init` left as no
/// store.
pub fn open(url: &str, options: &OpenOptions) -> Result<Box<dyn Backend>> {
    open_as(url, options, false).map(|(backend, _)| backend)
}

/// [`open`] for `store copy`, which also takes the store an earlier copy began and did not
/// finish, to finish it: the store, and whether it is complete.
pub fn open_copy_target(url: &str, options: &OpenOptions) -> Result<(Box<dyn Backend>, bool)> {
    open_as(url, options, true)
}

/// Opens the store at `url`, complete or (`unfinished_copy`) an unfinished copy: whether it
/// is complete.
fn open_as(
    url: &str,
    options: &OpenOptions,
    unfinished_copy: bool,
) -> Result<(Box<dyn Backend>, bool)> {
    let target = Target::parse(url)?;
    let runtime = runtime(&target.name)?;
    let checked = runtime.block_on(bounded(&target.name, async {
        let client = target.connect().await?;
        let found = target.check_not_newer(&client).await?;
        if found == 0 {
            return Err(target.missing());
        }
        if found < SCHEMA_VERSION {
            return Err(Error::SchemaOutdated {
                store: target.name.clone(),
                found,
                expected: SCHEMA_VERSION,
            });
        }
        let setting = async |name: &str| {
            client
                .query_opt("SELECT value FROM settings WHERE name = $1", &[&name])
                .await
                .map(|row| row.map(|row| row.get::<_, String>(0)))
                .map_err(|e| failure(&target.name, e))
        };
        if setting(INITIALIZED).await?.is_some() {
            return Ok(true);
        }
        match setting(UNFINISHED_COPY).await? {
            Some(_) if unfinished_copy => Ok(false),
            Some(from) => Err(Error::UnfinishedCopy {
                store: target.name.clone(),
                from,
            }),
            None => Err(target.missing()),
        }
    }));
    match checked {
        Ok(complete) => {
            let backend = PgBackend::start(target, runtime, options)?;
            backend.abandon_dead_batches()?;
            Ok((Box::new(backend), complete))
        }
        Err(err) => {
            // Not dropped: dropping a runtime inside another one (serve's) panics.
            runtime.shutdown_background();
            Err(err)
        }
    }
}

/// Whether the database holds a store's issuer: a store was made there.
async fn has_issuer(
    client: &tokio_postgres::Client,
) -> std::result::Result<bool, tokio_postgres::Error> {
    let issuer = client
        .query_opt("SELECT 1 FROM settings WHERE name = 'issuer'", &[])
        .await?;
    Ok(issuer.is_some())
}

/// Brings the schema of the database at `url` to this build's version (`keyctl store
/// migrate`): the version before and after. A newer schema is refused and left alone.
pub fn migrate(url: &str) -> Result<(u32, u32)> {
    let target = Target::parse(url)?;
    let runtime = runtime(&target.name)?;
    let result = runtime.block_on(async {
        let mut client = target.connect().await?;
        target.check_not_newer(&client).await?;
        schema::migrate(&mut client)
            .await
            .map_err(|e| failure(&target.name, e))
    });
    runtime.shutdown_background();
    result
}

/// A database named by a URL: its connection settings, and its name without the password.
struct Target {
    config: tokio_postgres::Config,
    name: String,
    /// Used when `sslmode` asks for TLS (`prefer`, `require`).
    tls: tls::Connector,
}

impl Target {
    /// Parses `url`, and prepares TLS for it.
    fn parse(url: &str) -> Result<Target> {
        let name = redact_password(url);
        let parameters =
            libpq::take(url).map_err(|reason| Error::invalid(format!("store {name}"), reason))?;
        let mut config = tokio_postgres::Config::from_str(&parameters.url).map_err(|err| {
            Error::invalid(
                format!("store {name}"),
                format!("not a PostgreSQL URL: {err}"),
            )
        })?;
        if let Some(mode) = parameters.ssl_mode {
            config.ssl_mode(mode);
        }
        if let Some(timeout) = parameters.tcp_user_timeout {
            config.tcp_user_timeout(timeout);
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("keyctl");
        }
        // `prefer` asks for TLS and goes on without it when the server refuses; `require`
        // (which libpq's `verify-ca` and `verify-full` became) fails then; `disable` never asks.
        let verify = config.get_ssl_mode() == tokio_postgres::config::SslMode::Require;
        let tls = tls::connector(&name, verify, parameters.ssl_root_cert.as_ref())?;
        Ok(Target { config, name, tls })
    }

    /// One connection outside the pool, driven on the current runtime.
    async fn connect(&self) -> Result<tokio_postgres::Client> {
        let (client, connection) = self
            .config
            .connect(self.tls.clone())
            .await
            .map_err(|e| not_connected(&self.name, e))?;
        tokio::spawn(connection);
        Ok(client)
    }

    /// The database's schema version, refused when newer than this build's.
    async fn check_not_newer(&self, client: &tokio_postgres::Client) -> Result<u32> {
        let found = schema::version(client)
            .await
            .map_err(|e| failure(&self.name, e))?;
        if found > SCHEMA_VERSION {
            return Err(Error::SchemaVersion {
                path: PathBuf::from(&self.name),
                found: found.to_string(),
                expected: SCHEMA_VERSION,
            });
        }
        Ok(found)
    }

    fn missing(&self) -> Error {
        Error::StoreMissing {
            path: PathBuf::from(&self.name),
        }
    }
}

/// The runtime a backend drives its client on.
fn runtime(name: &str) -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("keyctl-pg")
        .enable_all()
        .build()
        .map_err(|err| Error::Store(format!("{name}: cannot start the client's runtime: {err}")))
}

/// `work`, or [`Error::StoreUnavailable`] when it takes longer than [`OPERATION_TIMEOUT`].
async fn bounded<T>(name: &str, work: impl Future<Output = Result<T>>) -> Result<T> {
    tokio::time::timeout(OPERATION_TIMEOUT, work)
        .await
        .unwrap_or_else(|_| {
            Err(Error::store_unavailable(
                name,
                format!("no answer within {} s", OPERATION_TIMEOUT.as_secs()),
            ))
        })
}

/// A connection from `pool`, of the store named `name`, within the pool's wait.
async fn connection(pool: &Pool, name: &str) -> Result<Object> {
    pool.get().await.map_err(|err| match err {
        PoolError::Backend(err) => not_connected(name, err),
        PoolError::Timeout(_) => Error::store_unavailable(
            name,
            format!(
                "no connection within {} s (all {} in use, or the server does not answer)",
                CONNECT_TIMEOUT.as_secs(),
                pool.status().max_size
            ),
        ),
        other => Error::store_unavailable(name, other),
    })
}

/// A client error as the crate's: the connection's failures make the store unavailable;
/// what the database refused is a store error.
fn failure(name: &str, err: tokio_postgres::Error) -> Error {
    match err.as_db_error() {
        Some(db) if is_unavailability(db.code()) => Error::store_unavailable(name, db.message()),
        Some(db) => Error::Store(format!("{name}: {}", db.message())),
        None => Error::store_unavailable(name, err),
    }
}

/// A connection that could not be made: whatever the server said, the store cannot be
/// used for now.
fn not_connected(name: &str, err: tokio_postgres::Error) -> Error {
    match err.as_db_error() {
        Some(db) => Error::store_unavailable(name, db.message()),
        None if certificate_refused(&err) => Error::StoreNotTrusted(format!(
            "the store {name} is not trusted: {}",
            with_causes(&err)
        )),
        None => Error::store_unavailable(name, with_causes(&err)),
    }
}

/// Whether `err` comes from a server certificate that did not verify: not a passing outage
/// but a setting to mend.
fn certificate_refused(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(err);
    while let Some(next) = cause {
        let tls = next.downcast_ref::<rustls::Error>().or_else(|| {
            next.downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        });
        if matches!(tls, Some(rustls::Error::InvalidCertificate(_))) {
            return true;
        }
        cause = next.source();
    }
    false
}

/// `err` and what caused it, as one line: "error performing TLS handshake" alone does not
/// say that the certificate was not trusted.
fn with_causes(err: &dyn std::error::Error) -> String {
    let mut line = err.to_string();
    let mut cause = err.source();
    while let Some(next) = cause {
        let text = next.to_string();
        if !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        cause = next.source();
    }
    line
}

/// Connection exceptions, shutdowns, too many connections, authentication, a missing
/// database: the store cannot be used, for now.
fn is_unavailability(code: &SqlState) -> bool {
    let code = code.code();
    ["08", "53", "57P", "28", "3D"]
        .iter()
        .any(|class| code.starts_with(class))
}

fn is_unique_violation(err: &tokio_postgres::Error) -> bool {
    err.code() == Some(&SqlState::UNIQUE_VIOLATION)
}

/// An open PostgreSQL store. See the module documentation.
pub struct PgBackend {
    name: String,
    /// `None` only while dropping: the runtime is shut down without waiting.
    runtime: Option<tokio::runtime::Runtime>,
    pool: Pool,
    view: Arc<View>,
    /// The connection of each batch being staged, its transaction open.
    staging: Mutex<HashMap<String, Object>>,
    /// Records accepted requests, many to a commit (see `replay.rs`).
    replay: Arc<Group<RememberedRequest, bool>>,
    /// Grants seats, many to a commit (see `seats.rs`).
    seats: Arc<Group<SeatJob, Activated>>,
}

impl std::fmt::Debug for PgBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgBackend")
            .field("store", &self.name)
            .finish_non_exhaustive()
    }
}

impl Drop for PgBackend {
    /// Without waiting for the runtime's tasks (the watcher never ends), and without
    /// panicking when dropped inside another runtime, as `serve` may.
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// A read of one connection's `query`, with the statement prepared once per connection.
async fn rows(
    db: &impl GenericClient,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> std::result::Result<Vec<Row>, tokio_postgres::Error> {
    let statement = db.prepare_cached(sql).await?;
    db.query(&statement, params).await
}

/// Like [`rows`], for a statement whose row count is what matters.
async fn execute(
    db: &impl GenericClient,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> std::result::Result<u64, tokio_postgres::Error> {
    let statement = db.prepare_cached(sql).await?;
    db.execute(&statement, params).await
}

/// Starts a change of standing or keys in `transaction`: takes [`CHANGE_LOCK`] and
/// notifies the replicas (delivered at commit).
async fn begin_change(db: &impl GenericClient) -> std::result::Result<(), tokio_postgres::Error> {
    execute(
        db,
        "SELECT pg_advisory_xact_lock($1), pg_notify('keyctl_changes', '')",
        &[&CHANGE_LOCK],
    )
    .await
    .map(drop)
}

impl PgBackend {
    /// The backend over `target`: its pool, its view loaded, and the watcher started.
    fn start(
        target: Target,
        runtime: tokio::runtime::Runtime,
        options: &OpenOptions,
    ) -> Result<PgBackend> {
        PgBackend::start_polling(target, runtime, options, view::POLL_EVERY)
    }

    fn start_polling(
        target: Target,
        runtime: tokio::runtime::Runtime,
        options: &OpenOptions,
        poll: Duration,
    ) -> Result<PgBackend> {
        let manager = Manager::from_config(
            target.config.clone(),
            target.tls.clone(),
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(options.pool_size.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(CONNECT_TIMEOUT))
            .create_timeout(Some(CONNECT_TIMEOUT))
            .recycle_timeout(Some(CONNECT_TIMEOUT))
            .build()
            .map_err(|err| Error::Store(format!("{}: {err}", target.name)))?;
        let backend = PgBackend {
            name: target.name,
            runtime: Some(runtime),
            pool,
            view: Arc::new(View::new()),
            staging: Mutex::default(),
            replay: Arc::default(),
            seats: Arc::default(),
        };
        backend.run(async { backend.refresh(&backend.client().await?).await })?;
        backend.serve_group(&backend.replay, replay::MAX_BATCH, replay::remember);
        backend.serve_group(&backend.seats, seats::MAX_BATCH, seats::grant);
        backend.runtime().spawn(view::watch(
            Arc::clone(&backend.view),
            target.config,
            target.tls,
            poll,
        ));
        Ok(backend)
    }

    /// Starts the task that does the jobs queued in `group`, at most `max` to a batch, with
    /// `work` (given the pool and the store's name).
    fn serve_group<J, T, F, Fut>(&self, group: &Arc<Group<J, T>>, max: usize, work: F)
    where
        J: Send + 'static,
        T: Send + 'static,
        F: Fn(Pool, String, Vec<J>) -> Fut + Send + 'static,
        Fut: Future<Output = Vec<group::Answer<T>>> + Send + 'static,
    {
        let (pool, name) = (self.pool.clone(), self.name.clone());
        self.runtime()
            .spawn(group::serve(Arc::clone(group), max, move |batch| {
                work(pool.clone(), name.clone(), batch)
            }));
    }

    fn runtime(&self) -> &tokio::runtime::Runtime {
        self.runtime.as_ref().expect("the runtime lives until drop")
    }

    /// Runs `work` on this thread, bounded by [`OPERATION_TIMEOUT`].
    fn run<T>(&self, work: impl Future<Output = Result<T>>) -> Result<T> {
        self.run_long(bounded(&self.name, work))
    }

    /// Runs `work` on this thread without a time bound (batches, copies). On a worker of
    /// `serve`'s runtime it runs inside `block_in_place`, which hands the worker's other
    /// tasks to another thread while this one waits on the database: a runtime may not
    /// block on another inside its own workers, and a request waiting on PostgreSQL must not
    /// stall the requests that do not.
    fn run_long<T>(&self, work: impl Future<Output = Result<T>>) -> Result<T> {
        match tokio::runtime::Handle::try_current() {
            Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
                tokio::task::block_in_place(|| self.runtime().block_on(work))
            }
            _ => self.runtime().block_on(work),
        }
    }

    /// The product whose `column` is `value`, read from the database and remembered.
    fn read_product(&self, column: &str, value: &(dyn ToSql + Sync)) -> Result<Option<Product>> {
        let product = self.run(async {
            let sql = format!("SELECT {PRODUCT_COLUMNS} FROM products WHERE {column} = $1");
            Ok(self
                .query(&sql, &[value])
                .await?
                .first()
                .map(product_from_row))
        })?;
        if let Some(product) = &product {
            self.view.cache.remember_product(product);
        }
        Ok(product)
    }

    /// A pooled connection.
    async fn client(&self) -> Result<Object> {
        connection(&self.pool, &self.name).await
    }

    fn fail(&self, err: tokio_postgres::Error) -> Error {
        failure(&self.name, err)
    }

    /// Reloads the view on `client`: after a change of this process, so that it reads its
    /// own writes at once.
    async fn refresh(&self, client: &Object) -> Result<()> {
        self.view.refresh(client).await.map_err(|e| self.fail(e))
    }

    /// Rows of `sql` on a pooled connection.
    async fn query(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>> {
        let client = self.client().await?;
        rows(&client, sql, params).await.map_err(|e| self.fail(e))
    }

    /// Runs a change of standing or keys: `work` in a transaction that holds
    /// [`CHANGE_LOCK`] and notifies the replicas, then the view reloaded.
    async fn change<T, F>(&self, work: F) -> Result<T>
    where
        F: for<'t> AsyncFnOnce(&'t deadpool_postgres::Transaction<'t>) -> Result<T>,
    {
        let mut client = self.client().await?;
        let transaction = client.transaction().await.map_err(|e| self.fail(e))?;
        begin_change(&transaction).await.map_err(|e| self.fail(e))?;
        let value = work(&transaction).await?;
        transaction.commit().await.map_err(|e| self.fail(e))?;
        self.refresh_after_commit(&client).await;
        Ok(value)
    }

    /// Takes the connection staging `prefix`, opening its transaction on first use.
    async fn staging_connection(&self, prefix: &str) -> Result<Object> {
        let held = self.staging_lock().remove(prefix);
        match held {
            Some(client) => Ok(client),
            None => {
                let client = self.client().await?;
                client
                    .batch_execute("BEGIN")
                    .await
                    .map_err(|e| self.fail(e))?;
                Ok(client)
            }
        }
    }

    fn staging_lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Object>> {
        // A panic while holding it leaves at worst a connection that rolls back on drop.
        self.staging.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Reloads the view after a commit of this process, so that it reads its own writes at
    /// once. Best effort: the change is committed whatever happens here, and a view that
    /// cannot be refreshed goes stale and refuses checks on its own.
    async fn refresh_after_commit(&self, client: &Object) {
        let _ = self.view.refresh(client).await;
    }

    /// One statement that writes a batch mark (`sql`, ending in `RETURNING 1`) and notifies
    /// the replicas, which reload the marks whole: whether it wrote.
    async fn write_mark(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<bool> {
        let client = self.client().await?;
        let sql = format!(
            "WITH written AS ({sql})
             SELECT (SELECT count(*) FROM written), pg_notify('keyctl_changes', '')"
        );
        let written = rows(&client, &sql, params)
            .await
            .map_err(|e| self.fail(e))?;
        let written = written.first().is_some_and(|row| row.get::<_, i64>(0) > 0);
        self.refresh_after_commit(&client).await;
        Ok(written)
    }
}

// ---- rows ---------------------------------------------------------------------------

const KEY_COLUMNS: &str = "kid, status, created, retired, public, seed, sealed";

fn key_from_row(row: &Row) -> Result<StoredKey> {
    let status = match row.get::<_, &str>(1) {
        "active" => KeyStatus::Active,
        "trusted" => KeyStatus::Trusted,
        "retired" => KeyStatus::Retired,
        other => return Err(damaged("key", other)),
    };
    Ok(StoredKey {
        kid: row.get(0),
        status,
        created: row.get(2),
        retired: row.get(3),
        public: row.get(4),
        seed: row.get::<_, Option<String>>(5).map(SecretString::new),
        sealed: row.get(6),
    })
}

const PRODUCT_COLUMNS: &str = "id, number, name, support_message, created";

fn product_from_row(row: &Row) -> Product {
    Product {
        id: row.get(0),
        number: u64::try_from(row.get::<_, i64>(1)).unwrap_or(0),
        name: row.get(2),
        support_message: row.get(3),
        created: row.get(4),
    }
}

const LICENSE_COLUMNS: &str =
    "id, short_key, jwt, secret, status, reason, created, licensee, products, expires, max_activations, ref, status_idx";

/// A license status as stored.
pub(super) fn parse_license_status(status: &str) -> Option<LicenseStatus> {
    match status {
        "active" => Some(LicenseStatus::Active),
        "suspended" => Some(LicenseStatus::Suspended),
        "revoked" => Some(LicenseStatus::Revoked),
        _ => None,
    }
}

fn license_from_row(row: &Row) -> Result<LicenseRecord> {
    let status: &str = row.get(4);
    Ok(LicenseRecord {
        id: row.get(0),
        short_key: row.get(1),
        jwt: row.get(2),
        secret: SecretString::new(row.get::<_, String>(3)),
        status: parse_license_status(status).ok_or_else(|| damaged("license status", status))?,
        reason: row.get(5),
        created: row.get(6),
        licensee: row.get(7),
        products: row.get(8),
        expires: row.get(9),
        max_activations: row.get(10),
        order_ref: row.get(11),
        status_idx: row
            .get::<_, Option<i64>>(12)
            .map(|idx| u64::try_from(idx).unwrap_or(0)),
    })
}

const ACTIVATION_COLUMNS: &str = "license_id, hwid, machine, \"user\", first_seen, last_seen";

fn activation_from_row(row: &Row) -> Activation {
    Activation {
        license_id: row.get(0),
        hwid: row.get(1),
        machine: row.get(2),
        user: row.get(3),
        first_seen: row.get(4),
        last_seen: row.get(5),
    }
}

fn mark_from_row(row: &Row) -> Result<(String, BatchMark)> {
    let state = match row.get::<_, &str>(1) {
        "staging" => MarkState::Staging,
        "abandoned" => MarkState::Abandoned,
        other => return Err(damaged("batch mark", other)),
    };
    let status = match (row.get::<_, Option<i64>>(4), row.get::<_, Option<i64>>(5)) {
        (Some(first), Some(count)) => Some(ReservedIndexes {
            first: u64::try_from(first).map_err(|_| damaged("batch mark", "status_first"))?,
            count: u64::try_from(count).map_err(|_| damaged("batch mark", "status_count"))?,
        }),
        _ => None,
    };
    let mark = BatchMark {
        state,
        started: row.get(2),
        output: row.get::<_, Option<String>>(3).map(PathBuf::from),
        status,
    };
    Ok((row.get(0), mark))
}

/// A mark's status-list range as its two columns.
fn mark_indexes(mark: &BatchMark) -> (Option<i64>, Option<i64>) {
    let column = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    match mark.status {
        Some(range) => (Some(column(range.first)), Some(column(range.count))),
        None => (None, None),
    }
}

fn mark_state(state: MarkState) -> &'static str {
    match state {
        MarkState::Staging => "staging",
        MarkState::Abandoned => "abandoned",
    }
}

fn damaged(what: &str, value: &str) -> Error {
    let value: String = value.chars().take(32).collect();
    Error::Store(format!("a record is damaged: {what} {value:?}"))
}

/// Inserts licenses, [`ROWS_PER_STATEMENT`] at a time. A license that is not active takes a
/// change number (the caller holds [`CHANGE_LOCK`]); active ones carry 0. `tolerant`: rows
/// whose id or short key exist are skipped (a copy); otherwise they fail the statement.
async fn insert_license_rows(
    db: &impl GenericClient,
    records: &[LicenseRecord],
    tolerant: bool,
) -> std::result::Result<(), tokio_postgres::Error> {
    let sql = format!(
        "INSERT INTO licenses ({LICENSE_COLUMNS}, change_seq)
         SELECT id, short_key, jwt, secret, status, reason, created, licensee,
                string_to_array(products, ','), expires, max_activations, ref, status_idx,
                CASE WHEN status = 'active' THEN 0 ELSE nextval('keyctl_change_seq') END
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                     $7::int8[], $8::text[], $9::text[], $10::int8[], $11::int8[], $12::text[],
                     $13::int8[])
              AS r(id, short_key, jwt, secret, status, reason, created, licensee, products,
                   expires, max_activations, ref, status_idx)
         {}",
        if tolerant {
            "ON CONFLICT DO NOTHING"
        } else {
            ""
        }
    );
    for chunk in records.chunks(ROWS_PER_STATEMENT) {
        let column = |f: fn(&LicenseRecord) -> String| chunk.iter().map(f).collect::<Vec<_>>();
        let ids = column(|r| r.id.clone());
        let short_keys = column(|r| r.short_key.clone());
        let jwts = column(|r| r.jwt.clone());
        let secrets = column(|r| r.secret.expose().to_owned());
        let statuses = column(|r| r.status.as_str().to_owned());
        // Product ids never hold a comma (`check_product_id`).
        let products = column(|r| r.products.join(","));
        let licensees = column(|r| r.licensee.clone());
        let reasons: Vec<Option<&str>> = chunk.iter().map(|r| r.reason.as_deref()).collect();
        let created: Vec<i64> = chunk.iter().map(|r| r.created).collect();
        let expires: Vec<Option<i64>> = chunk.iter().map(|r| r.expires).collect();
        let max: Vec<Option<i64>> = chunk.iter().map(|r| r.max_activations).collect();
        let refs: Vec<Option<&str>> = chunk.iter().map(|r| r.order_ref.as_deref()).collect();
        let status_idx: Vec<Option<i64>> = chunk
            .iter()
            .map(|r| {
                r.status_idx
                    .map(|idx| i64::try_from(idx).unwrap_or(i64::MAX))
            })
            .collect();
        execute(
            db,
            &sql,
            &[
                &ids,
                &short_keys,
                &jwts,
                &secrets,
                &statuses,
                &reasons,
                &created,
                &licensees,
                &products,
                &expires,
                &max,
                &refs,
                &status_idx,
            ],
        )
        .await?;
    }
    Ok(())
}

/// The (product, ref, license id) rows of `records`' order references, in their order.
fn ref_rows(records: &[LicenseRecord]) -> (Vec<&str>, Vec<&str>, Vec<&str>) {
    let mut columns: (Vec<&str>, Vec<&str>, Vec<&str>) = Default::default();
    let mut seen: HashMap<(&str, &str), usize> = HashMap::new();
    for record in records {
        let Some(order_ref) = &record.order_ref else {
            continue;
        };
        for product in &record.products {
            match seen.get(&(product.as_str(), order_ref.as_str())) {
                // The last row of a ref wins, as on sled.
                Some(&row) => columns.2[row] = &record.id,
                None => {
                    seen.insert((product, order_ref), columns.0.len());
                    columns.0.push(product);
                    columns.1.push(order_ref);
                    columns.2.push(&record.id);
                }
            }
        }
    }
    columns
}

/// Frees a seat in one statement: the activation's delete feeds the counter's update.
const RELEASE_SEAT: &str = "
WITH released AS (
    DELETE FROM activations WHERE license_id = $1 AND hwid = $2 RETURNING license_id
), counted AS (
    UPDATE licenses SET seats = greatest(seats - 1, 0), change_seq = nextval('keyctl_change_seq')
    WHERE id = $1 AND EXISTS (SELECT 1 FROM released)
    RETURNING seats
)
SELECT EXISTS (SELECT 1 FROM released),
       coalesce((SELECT seats FROM counted), (SELECT seats FROM licenses WHERE id = $1), 0)";

fn count(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

impl Backend for PgBackend {
    fn describe(&self) -> String {
        self.name.clone()
    }

    fn directory(&self) -> Option<&Path> {
        None
    }

    fn is_shared(&self) -> bool {
        true
    }

    /// Every write is committed before it returns: nothing to do.
    fn flush(&self) -> Result<()> {
        Ok(())
    }

    /// The view must be fresh, and the database must answer now: a load balancer asks
    /// this to stop sending requests to a replica that would answer `503`.
    fn health(&self) -> Health {
        if let Err(why) = self.view.check_fresh() {
            return Health::Down(why);
        }
        match self.run(async { self.query("SELECT 1", &[]).await.map(drop) }) {
            Ok(()) => Health::Up,
            Err(err) => Health::Down(err.to_string()),
        }
    }

    fn change_version(&self) -> u64 {
        self.view.version()
    }

    fn complete_init(&self) -> Result<()> {
        self.set_setting(INITIALIZED, Some("1"))
    }

    fn setting(&self, name: &str) -> Result<Option<String>> {
        self.run(async {
            let rows = self
                .query("SELECT value FROM settings WHERE name = $1", &[&name])
                .await?;
            Ok(rows.first().map(|row| row.get(0)))
        })
    }

    fn set_setting(&self, name: &str, value: Option<&str>) -> Result<()> {
        self.run(async {
            match value {
                Some(value) => {
                    self.query(
                        "INSERT INTO settings (name, value) VALUES ($1, $2)
                     ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value",
                        &[&name, &value],
                    )
                    .await?
                }
                None => {
                    self.query("DELETE FROM settings WHERE name = $1", &[&name])
                        .await?
                }
            };
            Ok(())
        })
    }

    fn stored_keys(&self) -> Result<Vec<StoredKey>> {
        self.run(async {
            let sql = format!("SELECT {KEY_COLUMNS} FROM keys ORDER BY kid");
            self.query(&sql, &[])
                .await?
                .iter()
                .map(key_from_row)
                .collect()
        })
    }

    fn stored_key(&self, kid: &str) -> Result<Option<StoredKey>> {
        self.run(async {
            let sql = format!("SELECT {KEY_COLUMNS} FROM keys WHERE kid = $1");
            self.query(&sql, &[&kid])
                .await?
                .first()
                .map(key_from_row)
                .transpose()
        })
    }

    fn insert_key(&self, key: &StoredKey) -> Result<()> {
        self.run(self.change(async |tx| {
            let inserted = insert_key_row(tx, key).await.map_err(|e| self.fail(e))?;
            match inserted {
                true => Ok(()),
                false => Err(key_exists(&key.kid)),
            }
        }))
    }

    /// One transaction: the keys are locked, checked, and the active one changed.
    fn activate_key(&self, new_key: Option<&StoredKey>, kid: &str) -> Result<()> {
        self.run(self.change(async |tx| {
            let sql = format!("SELECT {KEY_COLUMNS} FROM keys WHERE kid = $1 FOR UPDATE");
            let found = rows(tx, &sql, &[&kid]).await.map_err(|e| self.fail(e))?;
            match (new_key, found.first()) {
                (Some(new_key), Some(_)) => return Err(key_exists(&new_key.kid)),
                (Some(new_key), None) => {
                    insert_key_row(tx, new_key)
                        .await
                        .map_err(|e| self.fail(e))?;
                }
                (None, None) => {
                    return Err(Error::NotFound {
                        kind: "key",
                        id: kid.into(),
                    })
                }
                (None, Some(row)) => super::backend::may_activate(kid, key_from_row(row)?.status)?,
            }
            execute(
                tx,
                "UPDATE keys
                 SET status = CASE WHEN kid = $1 THEN 'active' ELSE 'trusted' END,
                     change_seq = nextval('keyctl_change_seq')
                 WHERE kid = $1 OR status = 'active'",
                &[&kid],
            )
            .await
            .map_err(|e| self.fail(e))?;
            Ok(())
        }))
    }

    /// One conditional update; when it changes nothing, the key says why.
    fn retire_key(&self, kid: &str, now: Timestamp) -> Result<StoredKey> {
        self.run(self.change(async |tx| {
            let sql = format!(
                "UPDATE keys SET status = 'retired', retired = $2,
                     change_seq = nextval('keyctl_change_seq')
                 WHERE kid = $1 AND status = 'trusted'
                 RETURNING {KEY_COLUMNS}"
            );
            let retired = rows(tx, &sql, &[&kid, &now])
                .await
                .map_err(|e| self.fail(e))?;
            if let Some(row) = retired.first() {
                return key_from_row(row);
            }
            let sql = format!("SELECT {KEY_COLUMNS} FROM keys WHERE kid = $1");
            let found = rows(tx, &sql, &[&kid]).await.map_err(|e| self.fail(e))?;
            let key = found.first().map(key_from_row).transpose()?;
            match key {
                None => Err(Error::NotFound {
                    kind: "key",
                    id: kid.into(),
                }),
                Some(key) if key.status == KeyStatus::Active => Err(active_not_retired(kid)),
                Some(key) => Ok(key),
            }
        }))
    }

    /// One transaction over every key and the setting. PostgreSQL keeps the old rows as
    /// dead tuples until a vacuum, so one runs after the commit; what it cannot reach (the
    /// write-ahead log until it is recycled, and any backup or replica's copy of it) is the
    /// operator's to manage (`docs/operations.md`, "Encrypting the signing keys").
    fn replace_key_secrets(
        self: Box<Self>,
        keys: &[StoredKey],
        encryption: Option<&str>,
    ) -> Result<()> {
        self.run_long(async {
            self.change(async |tx| {
                for key in keys {
                    execute(
                        tx,
                        "UPDATE keys SET public = $2, seed = $3, sealed = $4,
                             change_seq = nextval('keyctl_change_seq')
                         WHERE kid = $1",
                        &[
                            &key.kid,
                            &key.public,
                            &key.seed.as_ref().map(SecretString::expose),
                            &key.sealed,
                        ],
                    )
                    .await
                    .map_err(|e| self.fail(e))?;
                }
                let sql = match encryption {
                    Some(_) => {
                        "INSERT INTO settings (name, value) VALUES ('key_encryption', $1)
                         ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value"
                    }
                    None => {
                        "DELETE FROM settings WHERE name = 'key_encryption' AND $1::text IS NULL"
                    }
                };
                execute(tx, sql, &[&encryption])
                    .await
                    .map_err(|e| self.fail(e))?;
                Ok(())
            })
            .await?;
            // Best effort: the table's owner may vacuum it, another role may not; the
            // change is committed either way.
            let client = self.client().await?;
            let _ = client.batch_execute("VACUUM keys").await;
            Ok(())
        })
    }

    /// The next number is picked under `PRODUCT_LOCK`, in the insert's transaction.
    fn insert_product(
        &self,
        id: &str,
        name: &str,
        support_message: Option<&str>,
        now: Timestamp,
    ) -> Result<Product> {
        self.run(async {
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(|e| self.fail(e))?;
            execute(&tx, "SELECT pg_advisory_xact_lock($1)", &[&PRODUCT_LOCK])
                .await
                .map_err(|e| self.fail(e))?;
            let sql = format!(
                "INSERT INTO products ({PRODUCT_COLUMNS})
                 SELECT $1, coalesce(max(number), 0) + 1, $2, $3, $4 FROM products
                 ON CONFLICT (id) DO NOTHING
                 RETURNING {PRODUCT_COLUMNS}"
            );
            let inserted = rows(&tx, &sql, &[&id, &name, &support_message, &now])
                .await
                .map_err(|e| self.fail(e))?;
            let Some(row) = inserted.first() else {
                return Err(Error::Conflict(format!("product {id} already exists")));
            };
            let product = product_from_row(row);
            tx.commit().await.map_err(|e| self.fail(e))?;
            Ok(product)
        })
    }

    fn products(&self) -> Result<Vec<Product>> {
        self.run(async {
            let sql = format!("SELECT {PRODUCT_COLUMNS} FROM products ORDER BY number");
            Ok(self
                .query(&sql, &[])
                .await?
                .iter()
                .map(product_from_row)
                .collect())
        })
    }

    /// Products never change once added: remembered (see `cache.rs`).
    fn product_by_id(&self, id: &str) -> Result<Option<Product>> {
        match self.view.cache.product(id) {
            Some(product) => Ok(Some(product)),
            None => self.read_product("id", &id),
        }
    }

    fn product_by_number(&self, number: u64) -> Result<Option<Product>> {
        if let Some(product) = self.view.cache.product_by_number(number) {
            return Ok(Some(product));
        }
        match i64::try_from(number) {
            Ok(number) => self.read_product("number", &number),
            Err(_) => Ok(None),
        }
    }

    /// One transaction; a license that is not active (a copy) takes a change number.
    fn insert_licenses(&self, records: &[LicenseRecord]) -> Result<()> {
        let changes_standing = records.iter().any(|r| r.status != LicenseStatus::Active);
        self.run_long(async {
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(|e| self.fail(e))?;
            if changes_standing {
                begin_change(&tx).await.map_err(|e| self.fail(e))?;
            }
            match insert_license_rows(&tx, records, false).await {
                Ok(()) => {}
                Err(err) if is_unique_violation(&err) => {
                    drop(tx);
                    return Err(self.existing_license(&client, records).await);
                }
                Err(err) => return Err(self.fail(err)),
            }
            tx.commit().await.map_err(|e| self.fail(e))?;
            if changes_standing {
                self.refresh_after_commit(&client).await;
            }
            Ok(())
        })
    }

    /// From memory while the view is fresh, with the view's standing (see `cache.rs`).
    fn license(&self, id: &str) -> Result<Option<LicenseRecord>> {
        if let Some(record) = self.view.cache.license(id) {
            // A stale view means the database has not answered for 2 s: say so now rather
            // than wait for a query to time out (a partition can hold it for 10 s).
            return self
                .view
                .with_standing(record)
                .map(Some)
                .map_err(|why| Error::store_unavailable(&self.name, why));
        }
        let record = self.run(async {
            let sql = format!("SELECT {LICENSE_COLUMNS} FROM licenses WHERE id = $1");
            self.query(&sql, &[&id])
                .await?
                .first()
                .map(license_from_row)
                .transpose()
        })?;
        if let Some(record) = &record {
            self.view.cache.remember_license(record);
        }
        Ok(record)
    }

    /// A short key names the same license for ever: remembered.
    fn license_id_by_short_key(&self, short_key: &str) -> Result<Option<String>> {
        if let Some(id) = self.view.cache.license_id(short_key) {
            return Ok(Some(id));
        }
        self.run(async {
            let rows = self
                .query(
                    "SELECT id FROM licenses WHERE short_key = $1",
                    &[&short_key],
                )
                .await?;
            Ok(rows.first().map(|row| row.get(0)))
        })
    }

    fn licenses(&self, filter: &LicenseFilter) -> Result<Vec<LicenseRecord>> {
        let status = filter.status.map(LicenseStatus::as_str);
        self.run_long(async {
            let sql = format!(
                "SELECT {LICENSE_COLUMNS} FROM licenses
                 WHERE ($1::text IS NULL OR $1 = ANY (products))
                   AND ($2::text IS NULL OR status = $2)
                 ORDER BY id"
            );
            self.query(&sql, &[&filter.product, &status])
                .await?
                .iter()
                .map(license_from_row)
                .collect()
        })
    }

    /// Keyset pagination on the primary key: `id > $1` (every id is after the empty one),
    /// bytewise since the column is `COLLATE "C"`.
    fn licenses_page(&self, after: Option<&str>, limit: usize) -> Result<Vec<LicenseRecord>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let after = after.unwrap_or_default();
        self.run_long(async {
            let sql = format!(
                "SELECT {LICENSE_COLUMNS} FROM licenses WHERE id > $1 ORDER BY id LIMIT $2"
            );
            self.query(&sql, &[&after, &limit])
                .await?
                .iter()
                .map(license_from_row)
                .collect()
        })
    }

    fn license_count(&self) -> Result<u64> {
        self.run_long(async {
            let rows = self.query("SELECT count(*) FROM licenses", &[]).await?;
            Ok(rows.first().map_or(0, |row| count(row.get(0))))
        })
    }

    fn update_license_status(
        &self,
        id: &str,
        expected: LicenseStatus,
        status: LicenseStatus,
        reason: Option<&str>,
    ) -> Result<Option<LicenseRecord>> {
        self.run(self.change(async |tx| {
            let sql = format!(
                "UPDATE licenses SET status = $3, reason = $4,
                     change_seq = nextval('keyctl_change_seq')
                 WHERE id = $1 AND status = $2
                 RETURNING {LICENSE_COLUMNS}"
            );
            let params: [&(dyn ToSql + Sync); 4] =
                [&id, &expected.as_str(), &status.as_str(), &reason];
            rows(tx, &sql, &params)
                .await
                .map_err(|e| self.fail(e))?
                .first()
                .map(license_from_row)
                .transpose()
        }))
    }

    /// From memory (see `view.rs`); refused when the view is stale.
    fn revocation(&self, license_id: &str) -> Result<Option<String>> {
        self.view
            .revocation(license_id)
            .map_err(|why| Error::store_unavailable(&self.name, why))
    }

    /// One conditional UPDATE of the `status_list` row, committed before it returns.
    fn allocate_status_indexes(&self, wanted: u64) -> Result<u64> {
        let wanted = i64::try_from(wanted)
            .map_err(|_| Error::invalid("status list", "too many indexes at once"))?;
        self.run(async {
            let rows = self
                .query(
                    "UPDATE status_list SET allocated = allocated + $1
                     WHERE allocated <= 9223372036854775807 - $1
                     RETURNING allocated - $1",
                    &[&wanted],
                )
                .await?;
            let first: i64 = rows
                .first()
                .map(|row| row.get(0))
                .ok_or_else(|| Error::Store("the status list has no index left".into()))?;
            Ok(count(first))
        })
    }

    fn status_indexes_allocated(&self) -> Result<u64> {
        self.run(async {
            let rows = self.query("SELECT allocated FROM status_list", &[]).await?;
            Ok(rows.first().map_or(0, |row| count(row.get(0))))
        })
    }

    /// An index-only read of the partial index `licenses_inactive`.
    fn inactive_statuses(&self) -> Result<Vec<(u64, LicenseStatus)>> {
        self.run_long(async {
            self.query(
                "SELECT status_idx, status FROM licenses
                 WHERE status <> 'active' AND status_idx IS NOT NULL",
                &[],
            )
            .await?
            .iter()
            .map(|row| {
                let status: &str = row.get(1);
                let status = parse_license_status(status)
                    .ok_or_else(|| damaged("license status", status))?;
                Ok((count(row.get(0)), status))
            })
            .collect()
        })
    }

    /// One statement per activation, several to a commit (see `seats.rs`).
    fn grant_seat(&self, activation: &Activation, limit: Option<u64>) -> Result<Activated> {
        self.run(self.seats.submit(SeatJob {
            activation: activation.clone(),
            limit,
        }))
    }

    /// `RELEASE_SEAT`: one statement.
    /// A change (see [`PgBackend::change`]): the license takes a change number, so that
    /// every replica forgets that the machine was activated.
    fn release_seat(&self, license_id: &str, hwid: &str) -> Result<(bool, u64)> {
        self.run(self.change(async |tx| {
            let rows = rows(tx, RELEASE_SEAT, &[&license_id, &hwid])
                .await
                .map_err(|e| self.fail(e))?;
            let row = rows.first().expect("one row");
            Ok((row.get(0), count(row.get(1))))
        }))
    }

    fn seats_used(&self, license_id: &str) -> Result<u64> {
        self.run(async {
            let rows = self
                .query("SELECT seats FROM licenses WHERE id = $1", &[&license_id])
                .await?;
            Ok(rows.first().map_or(0, |row| count(row.get(0))))
        })
    }

    /// From memory when this replica saw the machine activated and no deactivation came
    /// since (see `cache.rs`).
    fn is_activated(&self, license_id: &str, hwid: &str) -> Result<bool> {
        // Refused at once from a stale view, as a cached license is.
        if self
            .view
            .activated(license_id, hwid)
            .map_err(|why| Error::store_unavailable(&self.name, why))?
        {
            return Ok(true);
        }
        let generation = self.view.cache.generation();
        let activated = self.run(async {
            let rows = self
                .query(
                    "SELECT 1 FROM activations WHERE license_id = $1 AND hwid = $2",
                    &[&license_id, &hwid],
                )
                .await?;
            Ok(!rows.is_empty())
        })?;
        if activated {
            self.view
                .cache
                .remember_activated(license_id, hwid, generation);
        }
        Ok(activated)
    }

    fn activations(&self, license_id: Option<&str>) -> Result<Vec<Activation>> {
        self.run_long(async {
            let sql = format!(
                "SELECT {ACTIVATION_COLUMNS} FROM activations
                 WHERE $1::text IS NULL OR license_id = $1
                 ORDER BY license_id, hwid"
            );
            Ok(self
                .query(&sql, &[&license_id])
                .await?
                .iter()
                .map(activation_from_row)
                .collect())
        })
    }

    /// Keyset pagination on the primary key (license id, hwid). The hwid is compared and
    /// ordered bytewise (`COLLATE "C"`, as sled orders it) whatever the database's
    /// collation: the index gives the license ids in order, and a sort orders the few
    /// activations of each.
    fn activations_page(
        &self,
        after: Option<(&str, &str)>,
        limit: usize,
    ) -> Result<Vec<Activation>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let (license_id, hwid) = after.unwrap_or_default();
        self.run_long(async {
            let sql = format!(
                "SELECT {ACTIVATION_COLUMNS} FROM activations
                 WHERE license_id >= $1 AND (license_id > $1 OR hwid COLLATE \"C\" > $2)
                 ORDER BY license_id, hwid COLLATE \"C\"
                 LIMIT $3"
            );
            Ok(self
                .query(&sql, &[&license_id, &hwid, &limit])
                .await?
                .iter()
                .map(activation_from_row)
                .collect())
        })
    }

    fn activation_count(&self) -> Result<u64> {
        self.run_long(async {
            let rows = self.query("SELECT count(*) FROM activations", &[]).await?;
            Ok(rows.first().map_or(0, |row| count(row.get(0))))
        })
    }

    /// The row's insert decides: of two replicas given the same request, one adds it. The
    /// requests of concurrent callers share a statement and its commit (see `replay.rs`).
    fn remember_request(&self, entry: RememberedRequest) -> Result<bool> {
        self.run(self.replay.submit(entry))
    }

    fn forget_requests_before(&self, now: Timestamp) -> Result<()> {
        self.run_long(async {
            self.query("DELETE FROM replay WHERE expires < $1", &[&now])
                .await
                .map(drop)
        })
    }

    fn remembered_requests(&self, now: Timestamp) -> Result<Vec<RememberedRequest>> {
        self.run_long(async {
            let rows = self
                .query(
                    "SELECT request, license, expires FROM replay WHERE expires >= $1",
                    &[&now],
                )
                .await?;
            Ok(rows
                .iter()
                .map(|row| RememberedRequest {
                    request: row.get::<_, i64>(0) as u64,
                    license: row.get::<_, i64>(1) as u64,
                    expires: row.get(2),
                })
                .collect())
        })
    }

    /// Opens the batch's staging transaction and takes the batch's lock in it, then writes
    /// the mark in one statement, committed, unless the prefix has one or a license has it.
    /// The lock goes with the transaction (commit, abandon, or the run's death), so a mark
    /// is never `staging` without its lock while the run lives. Ids compare bytewise and
    /// their characters sort below `~`, so the range is exactly the ids with the prefix,
    /// read from the primary key's index even in a generic plan (which `LIKE $1 || '%'`
    /// would not be).
    fn begin_batch(&self, prefix: &str, mark: &BatchMark) -> Result<bool> {
        let output = mark.output.as_ref().map(|p| p.display().to_string());
        let (first, count) = mark_indexes(mark);
        self.run(async {
            // A connection of its own: a prefix already staging keeps its transaction.
            let client = self.client().await?;
            // Taken or not at once: a batch holding it has the prefix already.
            let lock = "SELECT pg_try_advisory_xact_lock($1, hashtext($2))";
            let locked = async {
                client.batch_execute("BEGIN").await?;
                let row = rows(&client, lock, &[&BATCH_LOCK_CLASS, &prefix]).await?;
                Ok(row.first().is_some_and(|row| row.get::<_, bool>(0)))
            };
            let written = match locked.await {
                Ok(true) => {
                    self.write_mark(
                        "INSERT INTO batches
                             (prefix, state, started, output, status_first, status_count)
                         SELECT $1, $2, $3, $4, $5, $6
                         WHERE NOT EXISTS
                             (SELECT 1 FROM licenses WHERE id >= $1 AND id < $1 || '~')
                         ON CONFLICT (prefix) DO NOTHING
                         RETURNING 1",
                        &[
                            &prefix,
                            &mark_state(mark.state),
                            &mark.started,
                            &output,
                            &first,
                            &count,
                        ],
                    )
                    .await
                }
                Ok(false) => Ok(false),
                Err(err) => Err(self.fail(err)),
            };
            if let Ok(true) = written {
                self.staging_lock().insert(prefix.to_owned(), client);
            } else {
                let _ = client.batch_execute("ROLLBACK").await;
            }
            written
        })
    }

    /// In the batch's open transaction. A ref a visible license holds is left alone by the
    /// insert, which then names its holder.
    fn stage_licenses(&self, prefix: &str, records: &[LicenseRecord]) -> Result<()> {
        self.run_long(async {
            let client = self.staging_connection(prefix).await?;
            let staged = self.stage_on(&client, prefix, records).await;
            // Kept even after a failure: the abandon rolls it back.
            self.staging_lock().insert(prefix.to_owned(), client);
            staged
        })
    }

    /// The mark goes in the batch's transaction, so the licenses appear as it goes.
    fn commit_batch(&self, prefix: &str) -> Result<()> {
        self.run_long(async {
            let client = self.staging_connection(prefix).await?;
            let committed = async {
                execute(&client, "DELETE FROM batches WHERE prefix = $1", &[&prefix]).await?;
                execute(&client, "SELECT pg_notify('keyctl_changes', '')", &[]).await?;
                client.batch_execute("COMMIT").await
            }
            .await;
            if let Err(err) = committed {
                // The transaction is lost with its connection; the mark keeps the ids refused.
                let _ = client.batch_execute("ROLLBACK").await;
                return Err(self.fail(err));
            }
            self.refresh_after_commit(&client).await;
            Ok(())
        })
    }

    /// Rolls the staged licenses back and keeps the mark, abandoned.
    fn abandon_batch(&self, prefix: &str) -> Result<()> {
        self.run_long(async {
            let held = self.staging_lock().remove(prefix);
            if let Some(client) = held {
                // Best effort: when the connection is gone, PostgreSQL rolled back already.
                let _ = client.batch_execute("ROLLBACK").await;
            }
            self.write_mark(
                "INSERT INTO batches (prefix, state, started, output)
                 VALUES ($1, 'abandoned', 0, NULL)
                 ON CONFLICT (prefix) DO UPDATE SET state = 'abandoned', output = NULL
                 RETURNING 1",
                &[&prefix],
            )
            .await
            .map(drop)
        })
    }

    fn batch_marks(&self) -> Result<Vec<(String, BatchMark)>> {
        self.run(async {
            self.query(
                "SELECT prefix, state, started, output, status_first, status_count
                 FROM batches ORDER BY prefix",
                &[],
            )
            .await?
            .iter()
            .map(mark_from_row)
            .collect()
        })
    }

    fn issued_ref(&self, product: &str, order_ref: &str) -> Result<Option<String>> {
        self.run(async {
            let rows = self
                .query(
                    "SELECT license_id FROM refs WHERE product = $1 AND ref = $2",
                    &[&product, &order_ref],
                )
                .await?;
            Ok(rows.first().map(|row| row.get(0)))
        })
    }

    /// One transaction; every insert skips what is there, and the seat counters of the
    /// licenses given activations are counted again from all their activations, so that a
    /// license whose activations come in two calls ends with all its seats.
    fn import(&self, records: &Imported) -> Result<()> {
        self.run_long(async {
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(|e| self.fail(e))?;
            self.import_in(&tx, records)
                .await
                .map_err(|e| self.fail(e))?;
            tx.commit().await.map_err(|e| self.fail(e))?;
            self.refresh_after_commit(&client).await;
            Ok(())
        })
    }
}

/// Inserts a key with a change number; `false` when its kid exists.
async fn insert_key_row(
    db: &impl GenericClient,
    key: &StoredKey,
) -> std::result::Result<bool, tokio_postgres::Error> {
    let inserted = execute(
        db,
        "INSERT INTO keys (kid, status, created, retired, public, seed, sealed, change_seq)
         VALUES ($1, $2, $3, $4, $5, $6, $7, nextval('keyctl_change_seq'))
         ON CONFLICT (kid) DO NOTHING",
        &[
            &key.kid,
            &key.status.as_str(),
            &key.created,
            &key.retired,
            &key.public,
            &key.seed.as_ref().map(SecretString::expose),
            &key.sealed,
        ],
    )
    .await?;
    Ok(inserted == 1)
}

impl PgBackend {
    /// Abandons every `staging` batch whose run died (its lock is free), as opening a sled
    /// store does: removes its temporary output, if it is on this machine, and marks it
    /// abandoned, so that the status list revokes its indexes. A batch still running holds
    /// its lock and is left alone.
    fn abandon_dead_batches(&self) -> Result<()> {
        self.run(async {
            let staging = self
                .query(
                    "SELECT prefix, output FROM batches WHERE state = 'staging'",
                    &[],
                )
                .await?;
            for row in &staging {
                let (prefix, output): (&str, Option<&str>) = (row.get(0), row.get(1));
                let mut client = self.client().await?;
                let tx = client.transaction().await.map_err(|e| self.fail(e))?;
                let free = rows(
                    &tx,
                    "SELECT pg_try_advisory_xact_lock($1, hashtext($2))",
                    &[&BATCH_LOCK_CLASS, &prefix],
                )
                .await
                .map_err(|e| self.fail(e))?
                .first()
                .is_some_and(|row| row.get::<_, bool>(0));
                if !free {
                    continue;
                }
                if let Some(output) = output {
                    remove_output(Path::new(output))?;
                }
                execute(
                    &tx,
                    "UPDATE batches SET state = 'abandoned', output = NULL
                     WHERE prefix = $1 AND state = 'staging'",
                    &[&prefix],
                )
                .await
                .map_err(|e| self.fail(e))?;
                execute(&tx, "SELECT pg_notify('keyctl_changes', '')", &[])
                    .await
                    .map_err(|e| self.fail(e))?;
                tx.commit().await.map_err(|e| self.fail(e))?;
                self.refresh_after_commit(&client).await;
            }
            Ok(())
        })
    }

    /// A `Conflict` naming a license of `records` whose id or short key is stored.
    async fn existing_license(&self, client: &Object, records: &[LicenseRecord]) -> Error {
        let ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
        let keys: Vec<&str> = records.iter().map(|r| r.short_key.as_str()).collect();
        let found = rows(
            client,
            "SELECT id, short_key FROM licenses WHERE id = ANY ($1) OR short_key = ANY ($2)
             LIMIT 1",
            &[&ids, &keys],
        )
        .await;
        let id = match found.as_deref() {
            Ok([row, ..]) => {
                let (id, key): (&str, &str) = (row.get(0), row.get(1));
                records
                    .iter()
                    .find(|r| r.id == id || r.short_key == key)
                    .map_or(id.to_owned(), |r| r.id.clone())
            }
            // Gone meanwhile, or the database failed: name the first.
            _ => records.first().map(|r| r.id.clone()).unwrap_or_default(),
        };
        Error::Conflict(format!("license {id} or its short key already exists"))
    }

    /// Stages `records` with their refs on `client`, whose transaction is open.
    async fn stage_on(
        &self,
        client: &Object,
        prefix: &str,
        records: &[LicenseRecord],
    ) -> Result<()> {
        insert_license_rows(client, records, false)
            .await
            .map_err(|e| self.fail(e))?;
        let (products, order_refs, ids) = ref_rows(records);
        if products.is_empty() {
            return Ok(());
        }
        // A ref held by a license of this batch is taken over (the last row wins, as on
        // sled); one held by a visible license is left, and reported.
        let written = rows(
            client,
            "INSERT INTO refs (product, ref, license_id)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
             ON CONFLICT (product, ref) DO UPDATE SET license_id = EXCLUDED.license_id
                 WHERE starts_with(refs.license_id, $4)
             RETURNING product, ref",
            &[&products, &order_refs, &ids, &prefix],
        )
        .await
        .map_err(|e| self.fail(e))?;
        if written.len() == products.len() {
            return Ok(());
        }
        let written: std::collections::HashSet<(String, String)> =
            written.iter().map(|row| (row.get(0), row.get(1))).collect();
        for (product, order_ref) in products.iter().zip(&order_refs) {
            if written.contains(&((*product).to_owned(), (*order_ref).to_owned())) {
                continue;
            }
            let holder = rows(
                client,
                "SELECT license_id FROM refs WHERE product = $1 AND ref = $2",
                &[product, order_ref],
            )
            .await
            .map_err(|e| self.fail(e))?;
            let holder: String = holder.first().map(|row| row.get(0)).unwrap_or_default();
            return Err(ref_taken(order_ref, product, &holder));
        }
        Ok(())
    }

    async fn import_in(
        &self,
        tx: &deadpool_postgres::Transaction<'_>,
        records: &Imported,
    ) -> std::result::Result<(), tokio_postgres::Error> {
        begin_change(tx).await?;
        for (name, value) in &records.settings {
            execute(
                tx,
                "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[name, value],
            )
            .await?;
        }
        for key in &records.keys {
            insert_key_row(tx, key).await?;
        }
        for product in &records.products {
            let number = i64::try_from(product.number).unwrap_or(i64::MAX);
            let sql = format!(
                "INSERT INTO products ({PRODUCT_COLUMNS}) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT DO NOTHING"
            );
            execute(
                tx,
                &sql,
                &[
                    &product.id,
                    &number,
                    &product.name,
                    &product.support_message,
                    &product.created,
                ],
            )
            .await?;
        }
        for (prefix, mark) in &records.batch_marks {
            let output = mark.output.as_ref().map(|p| p.display().to_string());
            let (first, count) = mark_indexes(mark);
            execute(
                tx,
                "INSERT INTO batches (prefix, state, started, output, status_first, status_count)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT DO NOTHING",
                &[
                    prefix,
                    &mark_state(mark.state),
                    &mark.started,
                    &output,
                    &first,
                    &count,
                ],
            )
            .await?;
        }
        insert_license_rows(tx, &records.licenses, true).await?;
        let allocated = i64::try_from(records.status_allocated).unwrap_or(i64::MAX);
        execute(
            tx,
            "UPDATE status_list SET allocated = greatest(allocated, $1)",
            &[&allocated],
        )
        .await?;
        let (products, order_refs, ids) = ref_rows(&records.licenses);
        execute(
            tx,
            "INSERT INTO refs (product, ref, license_id)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
             ON CONFLICT DO NOTHING",
            &[&products, &order_refs, &ids],
        )
        .await?;
        for chunk in records.activations.chunks(ROWS_PER_STATEMENT) {
            let ids: Vec<&str> = chunk.iter().map(|a| a.license_id.as_str()).collect();
            let hwids: Vec<&str> = chunk.iter().map(|a| a.hwid.as_str()).collect();
            let machines: Vec<Option<&str>> = chunk.iter().map(|a| a.machine.as_deref()).collect();
            let users: Vec<Option<&str>> = chunk.iter().map(|a| a.user.as_deref()).collect();
            let first: Vec<i64> = chunk.iter().map(|a| a.first_seen).collect();
            let last: Vec<i64> = chunk.iter().map(|a| a.last_seen).collect();
            let sql = format!(
                "INSERT INTO activations ({ACTIVATION_COLUMNS})
                 SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],
                                      $5::int8[], $6::int8[])
                 ON CONFLICT DO NOTHING"
            );
            execute(tx, &sql, &[&ids, &hwids, &machines, &users, &first, &last]).await?;
        }
        let ids: Vec<&str> = records
            .activations
            .iter()
            .map(|a| a.license_id.as_str())
            .collect();
        execute(
            tx,
            "UPDATE licenses l
             SET seats = (SELECT count(*) FROM activations a WHERE a.license_id = l.id)
             WHERE l.id = ANY ($1)",
            &[&ids],
        )
        .await?;
        Ok(())
    }
}
