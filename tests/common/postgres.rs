//! A fresh PostgreSQL database per test, on the server `scripts/with-postgres.sh` starts
//! (`KEYCTL_TEST_POSTGRES`), and stopping and starting that server
//! (`KEYCTL_TEST_POSTGRES_CTL`) while no other test is using it.
//!
//! Tests share the server through a lock file beside the control script: each database holds
//! it shared, and [`test_database_alone`] holds it exclusively, so stopping the server never
//! pulls it from under another test, whether tests run as threads (cargo test) or processes
//! (nextest).

use std::fs::File;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};

use rand_core::{OsRng, RngCore};

/// The server's URL, a superuser on its `postgres` database.
const SERVER_URL: &str = "KEYCTL_TEST_POSTGRES";
/// The script that stops and starts the server.
const SERVER_CTL: &str = "KEYCTL_TEST_POSTGRES_CTL";

/// Whether a test of this process holds the server alone, the one condition to stop it.
static ALONE: AtomicBool = AtomicBool::new(false);
/// Whether [`postgres_ctl`] left the server down, for the test's end to bring it back up.
static STOPPED: AtomicBool = AtomicBool::new(false);

/// A database of its own for one test, dropped (with any connection still open) when it goes.
pub struct TestDatabase {
    name: String,
    url: String,
    server_url: String,
    alone: bool,
    /// The lock that keeps the server up for this test; released when the file closes.
    _hold: Option<File>,
}

impl TestDatabase {
    /// The database's name, `keyctl_t_` and 16 random hex digits.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its URL, for `keyctl --store`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The server's `postgres` database, to look at this one from outside.
    pub fn server_url(&self) -> &str {
        &self.server_url
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if self.alone {
            // A test that failed with the server down must not leave it so for the others.
            if STOPPED.swap(false, Ordering::SeqCst) {
                let _ = ctl_command("start").output();
            }
            ALONE.store(false, Ordering::SeqCst);
        }
        let drop_it = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        // Best effort: a panic here, while a failed test unwinds, would abort every test.
        let _ = psql_command(&self.server_url, &drop_it).output();
    }
}

/// A fresh database on the test server, shared with other tests' databases.
///
/// Without a server (`KEYCTL_TEST_POSTGRES` unset), prints `skipping <test>: …` and returns
/// `None`; under CI (`CI` set) it panics instead: CI never skips.
pub fn test_database() -> Option<TestDatabase> {
    create(false)
}

/// A fresh database on a server no other test uses meanwhile, so that this test may stop and
/// start it with [`postgres_ctl`]. Waits for the tests using the server to end. A test holding
/// another [`TestDatabase`] must not ask for this one: it would wait for itself.
pub fn test_database_alone() -> Option<TestDatabase> {
    create(true)
}

/// Stops (`stop`: a clean shutdown; `kill`: an immediate one, as in a crash) or starts (`start`)
/// the test server, keeping its data and port; returns once it is done. Only while the test
/// holds a [`test_database_alone`].
pub fn postgres_ctl(action: &str) {
    assert!(
        ALONE.load(Ordering::SeqCst),
        "postgres_ctl({action}) needs the server to itself: take test_database_alone() first"
    );
    let out = ctl_command(action)
        .output()
        .unwrap_or_else(|e| panic!("could not run ${SERVER_CTL}: {e}"));
    assert!(
        out.status.success(),
        "${SERVER_CTL} {action} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    STOPPED.store(action != "start", Ordering::SeqCst);
}

/// Runs `sql` with `psql` on the database at `url`: its output, unaligned, without headers.
pub fn psql(url: &str, sql: &str) -> Output {
    psql_command(url, sql)
        .output()
        .unwrap_or_else(|e| panic!("this test needs `psql` on PATH and could not run it: {e}"))
}

/// [`psql`], which must succeed; its standard output.
#[track_caller]
pub fn psql_ok(url: &str, sql: &str) -> String {
    let out = psql(url, sql);
    assert!(
        out.status.success(),
        "psql {sql:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("psql prints UTF-8")
}

fn create(alone: bool) -> Option<TestDatabase> {
    let Some(server_url) = std::env::var(SERVER_URL).ok().filter(|url| !url.is_empty()) else {
        let test = std::thread::current()
            .name()
            .unwrap_or("this test")
            .to_owned();
        if std::env::var_os("CI").is_some_and(|ci| !ci.is_empty()) {
            panic!("{test}: {SERVER_URL} is not set, and CI never skips: run the tests under scripts/with-postgres.sh");
        }
        // Past the test harness's capture, which would hide the line of a passing test.
        let _ = writeln!(
            std::io::stderr(),
            "skipping {test}: no PostgreSQL (run under scripts/with-postgres.sh)"
        );
        return None;
    };
    let hold = hold_server(alone);
    if alone {
        ALONE.store(true, Ordering::SeqCst);
    }
    let name = format!("keyctl_t_{:016x}", OsRng.next_u64());
    psql_ok(&server_url, &format!("CREATE DATABASE {name}"));
    Some(TestDatabase {
        url: with_database(&server_url, &name),
        name,
        server_url,
        alone,
        _hold: hold,
    })
}

/// Locks the server for this test: shared, or `alone`. A server of the developer's own (no
/// control script) cannot be stopped by the tests, so it needs no lock.
fn hold_server(alone: bool) -> Option<File> {
    let ctl = std::env::var_os(SERVER_CTL)?;
    let path = Path::new(&ctl).with_file_name("tests.lock");
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("could not open {}: {e}", path.display()));
    let locked = if alone {
        file.lock()
    } else {
        file.lock_shared()
    };
    locked.unwrap_or_else(|e| panic!("could not lock {}: {e}", path.display()));
    Some(file)
}

fn ctl_command(action: &str) -> Command {
    let ctl = std::env::var_os(SERVER_CTL).unwrap_or_else(|| {
        panic!("{SERVER_CTL} is not set: only the server of scripts/with-postgres.sh can be stopped by a test")
    });
    let mut cmd = Command::new(ctl);
    cmd.arg(action);
    cmd
}

fn psql_command(url: &str, sql: &str) -> Command {
    let mut cmd = Command::new("psql");
    // No ~/.psqlrc, no password prompt, stop at the first error, messages in English.
    cmd.args([
        "-X",
        "-w",
        "-q",
        "-A",
        "-t",
        "-v",
        "ON_ERROR_STOP=1",
        "-d",
        url,
        "-c",
        sql,
    ])
    .env("LC_ALL", "C");
    cmd
}

/// `url` with its database (the path) replaced by `name`, keeping user, password, host, port
/// and parameters.
fn with_database(url: &str, name: &str) -> String {
    let (base, parameters) = match url.split_once('?') {
        Some((base, parameters)) => (base, Some(parameters)),
        None => (url, None),
    };
    let authority = base.find("://").map_or(0, |scheme| scheme + 3);
    let path = base[authority..]
        .find('/')
        .map_or(base.len(), |slash| authority + slash);
    let mut with = format!("{}/{name}", &base[..path]);
    if let Some(parameters) = parameters {
        with.push('?');
        with.push_str(parameters);
    }
    with
}
