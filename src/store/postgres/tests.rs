//! What only the PostgreSQL backend has: migrations, URL handling, the standing view and
//! its watcher, seats and replays shared by processes, batches that die with their run.
//! The rules common to both backends are tested by the store contract tests.
//!
//! Each test gets a database of its own, created through the server that
//! `KEYCTL_TEST_POSTGRES` names (`scripts/with-postgres.sh` starts one) and dropped after.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand_core::{OsRng, RngCore};

use super::*;
use crate::store::{Location, Store, NEVER_ISSUED, STATUS_URI};

/// A database of its own for one test, dropped with it.
struct TestDb {
    admin: String,
    name: String,
    url: String,
}

impl TestDb {
    /// A fresh database, or `None` (and one line saying so) without a server. CI never skips.
    fn new(test: &str) -> Option<TestDb> {
        let Ok(admin) = std::env::var("KEYCTL_TEST_POSTGRES") else {
            assert!(
                std::env::var_os("CI").is_none(),
                "{test}: KEYCTL_TEST_POSTGRES is not set; CI runs the tests under scripts/with-postgres.sh"
            );
            println!("skipping {test}: no PostgreSQL (run under scripts/with-postgres.sh)");
            return None;
        };
        let name = format!("keyctl_t_{:016x}", OsRng.next_u64());
        admin_sql(&admin, &format!("CREATE DATABASE {name}"));
        Some(TestDb {
            url: with_database(&admin, &name),
            admin,
            name,
        })
    }

    /// SQL run in this database.
    fn sql(&self, sql: &str) {
        admin_sql(&self.url, sql);
    }

    /// A backend on this database that polls every `poll`.
    fn open_polling(&self, poll: Duration) -> PgBackend {
        let target = Target::parse(&self.url).expect("test URL");
        let runtime = runtime(&target.name).expect("runtime");
        PgBackend::start_polling(target, runtime, &OpenOptions::default(), poll).expect("opens")
    }

    /// A new, initialized store's backend.
    fn store(&self) -> Box<dyn Backend> {
        Store::init(
            &Location::Postgres(self.url.clone()),
            "Test",
            None,
            1_700_000_000,
        )
        .expect("init");
        open(&self.url, &OpenOptions::default()).expect("opens")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        admin_sql(
            &self.admin,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
    }
}

/// `url` with its database replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let authority = url.find("://").map_or(0, |i| i + 3);
    let path = url[authority..]
        .find('/')
        .map_or(url.len(), |i| authority + i);
    let query = url[path..].find('?').map_or(url.len(), |i| path + i);
    format!("{}/{name}{}", &url[..path], &url[query..])
}

fn admin_sql(url: &str, sql: &str) {
    try_sql(url, sql).expect(sql);
}

/// Runs `sql` on a thread of its own, so that it works inside an async test too.
fn try_sql(url: &str, sql: &str) -> std::result::Result<(), tokio_postgres::Error> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                runtime.block_on(async {
                    let (client, connection) =
                        tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
                    tokio::spawn(connection);
                    client.batch_execute(sql).await
                })
            })
            .join()
            .expect("the SQL thread")
    })
}

/// A license record the backend can store (it never reads the JWT).
fn license(id: &str, max_activations: Option<i64>) -> LicenseRecord {
    LicenseRecord {
        id: id.to_owned(),
        short_key: format!("K{id}"),
        jwt: format!("jwt.of.{id}"),
        secret: SecretString::new("secret"),
        status: LicenseStatus::Active,
        reason: None,
        created: 1_700_000_000,
        licensee: "Ada".into(),
        products: vec!["app".into(), "tool".into()],
        expires: None,
        max_activations,
        order_ref: None,
        status_idx: None,
    }
}

fn machine(license_id: &str, hwid: &str) -> Activation {
    Activation {
        license_id: license_id.into(),
        hwid: hwid.into(),
        machine: Some("box".into()),
        user: None,
        first_seen: 1_700_000_100,
        last_seen: 1_700_000_100,
    }
}

/// Waits (at most 10 s) until `done` holds; whether it did.
fn eventually(mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    done()
}

#[test]
fn migrations_applied_twice_change_nothing() {
    let Some(db) = TestDb::new("migrations_applied_twice_change_nothing") else {
        return;
    };
    assert_eq!(migrate(&db.url).unwrap(), (0, SCHEMA_VERSION));
    assert_eq!(migrate(&db.url).unwrap(), (SCHEMA_VERSION, SCHEMA_VERSION));
    // Migrated but never initialized: not a store yet, and `init` may still create one.
    let err = open(&db.url, &OpenOptions::default()).unwrap_err();
    assert!(matches!(err, Error::StoreMissing { .. }), "{err}");
    assert!(create(&db.url, &OpenOptions::default()).unwrap().is_some());
}

#[test]
fn a_newer_schema_is_refused_and_left_alone() {
    let Some(db) = TestDb::new("a_newer_schema_is_refused_and_left_alone") else {
        return;
    };
    drop(db.store());
    db.sql("INSERT INTO keyctl_schema_migrations (version) VALUES (99)");
    let err = open(&db.url, &OpenOptions::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "store {} has schema version 99; this keyctl reads version {SCHEMA_VERSION}",
            db.url
        )
    );
    assert!(matches!(migrate(&db.url), Err(Error::SchemaVersion { .. })));
    assert!(matches!(
        create(&db.url, &OpenOptions::default()),
        Err(Error::SchemaVersion { .. })
    ));
}

#[test]
fn an_empty_database_holds_no_store() {
    let Some(db) = TestDb::new("an_empty_database_holds_no_store") else {
        return;
    };
    let err = open(&db.url, &OpenOptions::default()).unwrap_err();
    assert_eq!(err.to_string(), format!("no keyctl store at {}", db.url));
}

#[test]
fn a_password_never_reaches_a_message() {
    // Port 1 on loopback: nothing listens, the connection is refused at once.
    let url = "postgres://app:s3cret@127.0.0.1:1/keyctl";
    let err = open(url, &OpenOptions::default()).unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, Error::StoreUnavailable(_)), "{message}");
    assert!(
        message.starts_with("the store postgres://app:***@127.0.0.1:1/keyctl is unavailable: "),
        "{message}"
    );
    assert!(!format!("{err:?}{}", err.hint().unwrap_or_default()).contains("s3cret"));
    assert_eq!(
        err.hint().as_deref(),
        Some("check that PostgreSQL is running and reachable")
    );
}

#[test]
fn every_sslmode_this_client_knows_is_accepted() {
    // Whatever the mode, an address nothing listens on is unavailable, not refused as a URL:
    // TLS (rustls) is built in. The handshake itself is tested against the test server with
    // its own CA (tests/replicas.rs).
    // libpq's verify-ca and verify-full, which tokio-postgres does not know, are keyctl's
    // require, which verifies.
    for mode in ["disable", "prefer", "require", "verify-ca", "verify-full"] {
        let url = format!("postgres://app@127.0.0.1:1/keyctl?sslmode={mode}");
        assert!(
            matches!(
                open(&url, &OpenOptions::default()),
                Err(Error::StoreUnavailable(_))
            ),
            "{mode}"
        );
    }
}

#[test]
fn an_unknown_sslmode_is_refused_naming_the_store_without_its_password() {
    let url = "postgres://app:s3cret@127.0.0.1:1/keyctl?sslmode=verify-everything";
    let err = open(url, &OpenOptions::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "store postgres://app:***@127.0.0.1:1/keyctl?sslmode=verify-everything: sslmode \
         `verify-everything` is not one keyctl knows; use disable, prefer, require, verify-ca \
         or verify-full"
    );
    assert_eq!(err.exit_code(), crate::error::exit::USAGE);
}

#[test]
fn tcp_user_timeout_reaches_the_client_in_milliseconds() {
    let target = Target::parse("postgres://127.0.0.1:1/keyctl?tcp_user_timeout=3000").unwrap();
    assert_eq!(
        target.config.get_tcp_user_timeout(),
        Some(&Duration::from_secs(3))
    );
    let target = Target::parse("postgres://127.0.0.1:1/keyctl?tcp_user_timeout=0").unwrap();
    assert_eq!(target.config.get_tcp_user_timeout(), None);
}

#[test]
fn a_request_finding_every_pooled_connection_taken_is_unavailable_after_the_pool_wait() {
    let Some(db) = TestDb::new(
        "a_request_finding_every_pooled_connection_taken_is_unavailable_after_the_pool_wait",
    ) else {
        return;
    };
    drop(db.store());
    let target = Target::parse(&db.url).expect("test URL");
    let runtime = runtime(&target.name).expect("runtime");
    let options = OpenOptions {
        pool_size: 1,
        ..OpenOptions::default()
    };
    let backend = PgBackend::start(target, runtime, &options).expect("opens");
    // The pool's one connection, held as a request waiting on the database would hold it.
    let held = backend
        .runtime()
        .block_on(backend.client())
        .expect("a connection");
    let started = Instant::now();
    let err = backend.setting("issuer").unwrap_err();
    let waited = started.elapsed();
    assert_eq!(
        err.to_string(),
        format!(
            "the store {} is unavailable: no connection within 5 s (all 1 in use, or the server \
             does not answer)",
            db.url
        )
    );
    assert!(matches!(err, Error::StoreUnavailable(_)), "{err:?}");
    // The pool's wait ended it, not the operation's longer bound: a full pool never hangs a
    // request, whatever the client does.
    assert!(
        waited >= CONNECT_TIMEOUT - Duration::from_millis(50) && waited < OPERATION_TIMEOUT,
        "{waited:?}"
    );
    // Given back, the connection serves the next request at once.
    drop(held);
    assert_eq!(backend.setting("issuer").unwrap().as_deref(), Some("Test"));
}

/// A store whose license `license_id` has `seats`, and what `hwids` activating on it at
/// once, one thread each, were told.
fn activate_at_once(
    db: &TestDb,
    license_id: &str,
    seats: u64,
    hwids: Vec<String>,
) -> (Arc<dyn Backend>, Vec<Activated>) {
    let backend: Arc<dyn Backend> = Arc::from(db.store());
    let limit = i64::try_from(seats).unwrap();
    backend
        .insert_licenses(&[license(license_id, Some(limit))])
        .unwrap();
    let threads: Vec<_> = hwids
        .into_iter()
        .map(|hwid| {
            let (backend, license_id) = (Arc::clone(&backend), license_id.to_owned());
            std::thread::spawn(move || {
                backend.grant_seat(&machine(&license_id, &hwid), Some(seats))
            })
        })
        .collect();
    let results = threads
        .into_iter()
        .map(|t| t.join().unwrap().unwrap())
        .collect();
    (backend, results)
}

fn newly_granted(results: &[Activated]) -> usize {
    results
        .iter()
        .filter(|r| matches!(r, Activated::Granted { new: true, .. }))
        .count()
}

#[test]
fn seats_are_exact_under_200_concurrent_activations() {
    let Some(db) = TestDb::new("seats_are_exact_under_200_concurrent_activations") else {
        return;
    };
    let hwids = (0..200).map(|n| format!("hw-{n}")).collect();
    let (backend, results) = activate_at_once(&db, "lic_seats", 10, hwids);
    let refused = results
        .iter()
        .filter(|r| **r == Activated::NoSeatsLeft { used: 10 })
        .count();
    assert_eq!((newly_granted(&results), refused), (10, 190));
    assert_eq!(backend.seats_used("lic_seats").unwrap(), 10);
    let held = backend.activations(Some("lic_seats")).unwrap();
    assert_eq!(held.len(), 10);
    // A machine that holds a seat renews it, even on a full license.
    assert_eq!(
        backend
            .grant_seat(&machine("lic_seats", &held[0].hwid), Some(10))
            .unwrap(),
        Activated::Granted {
            new: false,
            used: 10
        }
    );
}

#[test]
fn one_machine_activating_at_once_takes_one_seat() {
    let Some(db) = TestDb::new("one_machine_activating_at_once_takes_one_seat") else {
        return;
    };
    let (backend, results) = activate_at_once(&db, "lic_same", 3, vec!["hw".to_owned(); 50]);
    assert_eq!(newly_granted(&results), 1);
    assert!(results
        .iter()
        .all(|r| matches!(r, Activated::Granted { used: 1, .. })));
    assert_eq!(backend.seats_used("lic_same").unwrap(), 1);
    assert_eq!(backend.release_seat("lic_same", "hw").unwrap(), (true, 0));
    assert_eq!(backend.release_seat("lic_same", "hw").unwrap(), (false, 0));
}

#[test]
fn a_seat_on_a_license_not_stored_is_not_found() {
    let Some(db) = TestDb::new("a_seat_on_a_license_not_stored_is_not_found") else {
        return;
    };
    let backend = db.store();
    let err = backend
        .grant_seat(&machine("lic_none", "hw"), None)
        .unwrap_err();
    assert_eq!(err.to_string(), "license lic_none not found");
}

#[test]
fn a_request_one_process_remembered_is_a_replay_for_another() {
    let Some(db) = TestDb::new("a_request_one_process_remembered_is_a_replay_for_another") else {
        return;
    };
    let (a, b) = (db.store(), open(&db.url, &OpenOptions::default()).unwrap());
    // The high bit set: hashes are stored as the same 64 bits.
    let entry = RememberedRequest {
        request: u64::MAX - 7,
        license: 1 << 63,
        expires: 1_700_000_100,
    };
    assert!(a.remember_request(entry).unwrap());
    assert!(!b.remember_request(entry).unwrap());
    assert_eq!(b.remembered_requests(1_700_000_100).unwrap(), vec![entry]);
    b.forget_requests_before(1_700_000_101).unwrap();
    assert_eq!(a.remembered_requests(0).unwrap(), vec![]);
}

#[test]
fn requests_remembered_at_once_share_commits_yet_each_is_new_exactly_once() {
    let Some(db) = TestDb::new("requests_remembered_at_once_share_commits") else {
        return;
    };
    let backend: Arc<dyn Backend> = Arc::from(db.store());
    // 32 threads present the same 200 requests, each in its own order, so that batches
    // hold the same request more than once and several callers race for each.
    let threads: Vec<_> = (0..32u64)
        .map(|t| {
            let backend = Arc::clone(&backend);
            std::thread::spawn(move || {
                (0..200u64)
                    .map(|n| (n * 7 + t * 13) % 200)
                    .filter(|&request| {
                        let entry = RememberedRequest {
                            request,
                            license: 1,
                            expires: 1_700_000_100,
                        };
                        backend.remember_request(entry).unwrap()
                    })
                    .collect::<Vec<u64>>()
            })
        })
        .collect();
    let mut new: Vec<u64> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    new.sort_unstable();
    assert_eq!(new, (0..200).collect::<Vec<u64>>());
    assert_eq!(backend.remembered_requests(0).unwrap().len(), 200);
    // One batch holding a request twice: new the first time only.
    let pg = db.open_polling(Duration::from_secs(3600));
    let entry = |request| RememberedRequest {
        request,
        license: 2,
        expires: 1_700_000_100,
    };
    let batch = [entry(500), entry(500), entry(501), entry(0)];
    let added = pg.run(replay::insert(&pg.pool, &pg.name, &batch)).unwrap();
    assert_eq!(added, [true, false, true, false]);
}

#[test]
fn seats_granted_together_answer_each_activation_and_a_failing_one_fails_alone() {
    let Some(db) = TestDb::new("seats_granted_together_answer_each") else {
        return;
    };
    drop(db.store());
    let pg = db.open_polling(Duration::from_secs(3600));
    pg.insert_licenses(&[license("lic_a", Some(1)), license("lic_b", None)])
        .unwrap();
    let job = |license_id: &str, hwid: &str, limit: Option<u64>| seats::SeatJob {
        activation: machine(license_id, hwid),
        limit,
    };
    let grant = |jobs| {
        let answers = pg
            .runtime()
            .block_on(seats::grant(pg.pool.clone(), pg.name.clone(), jobs));
        answers
            .into_iter()
            .map(|answer| answer.map_err(|err| err.to_string()))
            .collect::<Vec<_>>()
    };
    let granted = |new, used| Ok(Activated::Granted { new, used });
    // One transaction: each answer as if alone, in the batch's order (granted in license
    // order), the same machine twice renewed, a full license refused, no license not found.
    assert_eq!(
        grant(vec![
            job("lic_b", "hw1", None),
            job("lic_a", "hw1", Some(1)),
            job("lic_a", "hw2", Some(1)),
            job("lic_a", "hw1", Some(1)),
            job("lic_none", "hw1", None),
        ]),
        [
            granted(true, 1),
            granted(true, 1),
            Ok(Activated::NoSeatsLeft { used: 1 }),
            granted(false, 1),
            Err("license lic_none not found".into()),
        ]
    );
    // A statement PostgreSQL refuses (text cannot hold NUL) rolls the batch back; then
    // each is granted alone, and only that one fails.
    let answers = grant(vec![
        job("lic_b", "hw2", None),
        job("lic_b", "bad\0hw", None),
        job("lic_b", "hw3", None),
    ]);
    assert_eq!(
        (&answers[0], &answers[2]),
        (&granted(true, 2), &granted(true, 3))
    );
    assert!(answers[1].is_err(), "{answers:?}");
    assert_eq!(pg.seats_used("lic_b").unwrap(), 3);
}

#[test]
fn what_the_status_list_says_moves_another_process_change_version() {
    let Some(db) = TestDb::new("what_the_status_list_says_moves_another_process_change") else {
        return;
    };
    let writer = db.store();
    let reader = db.store();
    // A staging batch: hidden from checks, and not yet in the list.
    let mark = BatchMark {
        state: MarkState::Staging,
        started: 1_700_000_000,
        output: None,
        status: Some(ReservedIndexes { first: 0, count: 2 }),
    };
    assert!(writer.begin_batch("lic_0000000001", &mark).unwrap());
    assert!(eventually(|| matches!(
        reader.revocation("lic_0000000001abcdef"),
        Ok(Some(text)) if text == NEVER_ISSUED
    )));
    let before = reader.change_version();
    // Abandoned, its indexes are revoked in the list; the URI is what new licenses carry.
    writer.abandon_batch("lic_0000000001").unwrap();
    assert!(eventually(|| reader.change_version() > before));
    let before = reader.change_version();
    writer
        .set_setting(STATUS_URI, Some("https://licenses.example.com/status"))
        .unwrap();
    assert!(eventually(|| reader.change_version() > before));
}

#[test]
fn a_notification_refreshes_another_process_view() {
    let Some(db) = TestDb::new("a_notification_refreshes_another_process_view") else {
        return;
    };
    let writer = db.store();
    writer
        .insert_licenses(&[license("lic_watched", None)])
        .unwrap();
    // The reader never polls: only a notification can tell it of the revocation.
    let reader = db.open_polling(Duration::from_secs(3600));
    assert!(eventually(
        || reader.view.listens.load(Ordering::Acquire) == 1
    ));
    assert_eq!(reader.revocation("lic_watched").unwrap(), None);
    let before = reader.change_version();
    writer
        .update_license_status(
            "lic_watched",
            LicenseStatus::Active,
            LicenseStatus::Revoked,
            Some("chargeback"),
        )
        .unwrap()
        .unwrap();
    assert!(eventually(|| matches!(
        reader.revocation("lic_watched"),
        Ok(Some(text)) if text == "the license is revoked (chargeback)"
    )));
    assert!(eventually(|| reader
        .view
        .notified_refreshes
        .load(Ordering::Acquire)
        >= 1));
    assert!(reader.change_version() > before);
    // The writer sees its own change at once, without waiting for anything.
    assert_eq!(
        writer.revocation("lic_watched").unwrap().as_deref(),
        Some("the license is revoked (chargeback)")
    );
}

#[test]
fn a_stale_view_refuses_checks_until_refreshed() {
    let Some(db) = TestDb::new("a_stale_view_refuses_checks_until_refreshed") else {
        return;
    };
    drop(db.store());
    let backend = db.open_polling(Duration::from_secs(3600));
    assert_eq!(backend.health(), Health::Up);
    backend
        .insert_licenses(&[license("lic_cached", None)])
        .unwrap();
    assert!(backend.license("lic_cached").unwrap().is_some());
    assert!(backend
        .grant_seat(&machine("lic_cached", "hw"), Some(1))
        .is_ok());
    assert!(backend.is_activated("lic_cached", "hw").unwrap());
    backend.view.age_by(Duration::from_secs(5));
    let err = backend.revocation("lic_any").unwrap_err();
    assert!(matches!(err, Error::StoreUnavailable(_)), "{err}");
    // A remembered license is not given out from a stale view either, nor looked up (a
    // partitioned database could hold the query for seconds): refused at once.
    let err = backend.license("lic_cached").unwrap_err();
    assert!(matches!(err, Error::StoreUnavailable(_)), "{err}");
    assert!(
        err.to_string()
            .contains(": license standing not refreshed for "),
        "{err}"
    );
    // Nor a remembered machine, whose deactivation may have been missed.
    let err = backend.is_activated("lic_cached", "hw").unwrap_err();
    assert!(matches!(err, Error::StoreUnavailable(_)), "{err}");
    assert!(matches!(backend.health(), Health::Down(_)));
    // A change of this process refreshes the view, as the watcher's poll would.
    backend
        .insert_key(&StoredKey {
            kid: "kid-1".into(),
            status: KeyStatus::Trusted,
            created: 1,
            retired: None,
            public: None,
            seed: None,
            sealed: Some("sealed".into()),
        })
        .unwrap();
    assert_eq!(backend.revocation("lic_any").unwrap(), None);
    assert_eq!(backend.health(), Health::Up);
}

#[test]
fn an_outage_makes_the_store_unavailable_until_it_returns() {
    let Some(db) = TestDb::new("an_outage_makes_the_store_unavailable_until_it_returns") else {
        return;
    };
    drop(db.store());
    let backend = db.open_polling(view::POLL_EVERY);
    backend
        .insert_licenses(&[license("lic_outage", Some(2))])
        .unwrap();
    // Every connection is made (one opening meanwhile could outlive the outage).
    assert!(eventually(
        || backend.view.listens.load(Ordering::Acquire) == 1
    ));
    // The database goes away: its connections end, and new ones are refused.
    admin_sql(
        &db.admin,
        &format!("ALTER DATABASE {} ALLOW_CONNECTIONS false", db.name),
    );
    admin_sql(
        &db.admin,
        &format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{}'",
            db.name
        ),
    );
    assert!(eventually(|| backend.revocation("lic_outage").is_err()));
    assert!(matches!(backend.health(), Health::Down(_)));
    let err = backend.seats_used("lic_outage").unwrap_err();
    assert!(matches!(err, Error::StoreUnavailable(_)), "{err}");
    let err = backend
        .grant_seat(&machine("lic_outage", "hw"), Some(2))
        .unwrap_err();
    assert!(matches!(err, Error::StoreUnavailable(_)), "{err}");
    // It comes back: the same backend serves again, without being reopened.
    admin_sql(
        &db.admin,
        &format!("ALTER DATABASE {} ALLOW_CONNECTIONS true", db.name),
    );
    assert!(eventually(|| backend.revocation("lic_outage").is_ok()));
    assert_eq!(backend.health(), Health::Up);
    assert!(eventually(|| backend
        .grant_seat(&machine("lic_outage", "hw"), Some(2))
        .is_ok()));
    assert_eq!(backend.seats_used("lic_outage").unwrap(), 1);
}

#[test]
fn a_killed_batch_stays_refused_and_the_next_open_abandons_it() {
    let Some(db) = TestDb::new("a_killed_batch_stays_refused_and_the_next_open_abandons") else {
        return;
    };
    let prefix = "lic_0abcdefghj";
    let id = format!("{prefix}0000000000000000");
    let backend = db.store();
    let mark = BatchMark {
        state: MarkState::Staging,
        started: 1_700_000_000,
        output: None,
        status: Some(ReservedIndexes { first: 7, count: 2 }),
    };
    assert!(backend.begin_batch(prefix, &mark).unwrap());
    assert!(!backend.begin_batch(prefix, &mark).unwrap());
    let mut staged = license(&id, None);
    staged.order_ref = Some("A-1".into());
    backend.stage_licenses(prefix, &[staged]).unwrap();
    // Another process sees nothing of it, and refuses its ids.
    let other = open(&db.url, &OpenOptions::default()).unwrap();
    assert!(other.license(&id).unwrap().is_none());
    assert_eq!(other.issued_ref("app", "A-1").unwrap(), None);
    assert_eq!(
        other.revocation(&id).unwrap().as_deref(),
        Some(NEVER_ISSUED)
    );
    // Opening the store leaves a batch that is running alone: its run holds its lock.
    assert_eq!(
        other.batch_marks().unwrap(),
        vec![(prefix.to_owned(), mark.clone())]
    );
    // The run dies: its connection goes, PostgreSQL rolls the transaction back and frees
    // the lock, and the next open abandons the batch (once the server has seen it go).
    drop(backend);
    let abandoned = BatchMark {
        state: MarkState::Abandoned,
        ..mark
    };
    let mut reopened = open(&db.url, &OpenOptions::default()).unwrap();
    assert!(eventually(|| {
        reopened = open(&db.url, &OpenOptions::default()).unwrap();
        reopened.batch_marks().unwrap() == [(prefix.to_owned(), abandoned.clone())]
    }));
    assert!(reopened.license(&id).unwrap().is_none());
    assert_eq!(
        reopened.revocation(&id).unwrap().as_deref(),
        Some(NEVER_ISSUED)
    );
}

#[test]
fn a_committed_batch_appears_whole_and_its_refs_count() {
    let Some(db) = TestDb::new("a_committed_batch_appears_whole_and_its_refs_count") else {
        return;
    };
    let backend = db.store();
    let mut issued = license("lic_single", None);
    issued.short_key = "KSINGLE".into();
    backend.insert_licenses(&[issued.clone()]).unwrap();
    let prefix = "lic_0abcdefghk";
    let mark = BatchMark {
        state: MarkState::Staging,
        started: 1_700_000_000,
        output: None,
        status: Some(ReservedIndexes { first: 7, count: 2 }),
    };
    assert!(backend.begin_batch(prefix, &mark).unwrap());
    let rows: Vec<LicenseRecord> = (0..3)
        .map(|n| {
            let mut record = license(&format!("{prefix}{n:016}"), None);
            record.order_ref = Some(format!("R-{n}"));
            record
        })
        .collect();
    backend.stage_licenses(prefix, &rows[..2]).unwrap();
    backend.stage_licenses(prefix, &rows[2..]).unwrap();
    backend.commit_batch(prefix).unwrap();
    assert_eq!(backend.batch_marks().unwrap(), vec![]);
    assert_eq!(
        backend.issued_ref("tool", "R-2").unwrap().as_deref(),
        Some(rows[2].id.as_str())
    );
    assert_eq!(backend.revocation(&rows[0].id).unwrap(), None);
    assert_eq!(
        backend.licenses(&LicenseFilter::default()).unwrap().len(),
        4
    );
    // A later batch may not take a ref a committed license holds.
    let prefix = "lic_0abcdefghm";
    assert!(backend.begin_batch(prefix, &mark).unwrap());
    let mut again = license(&format!("{prefix}0000000000000000"), None);
    again.order_ref = Some("R-1".into());
    let err = backend.stage_licenses(prefix, &[again]).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "ref R-1 of product {} was already issued, to license {}",
            "app", rows[1].id
        )
    );
    backend.abandon_batch(prefix).unwrap();
    let abandoned = BatchMark {
        state: MarkState::Abandoned,
        ..mark.clone()
    };
    assert_eq!(
        backend.batch_marks().unwrap(),
        vec![(prefix.to_owned(), abandoned)]
    );
    // A prefix a license has is taken.
    assert!(!backend.begin_batch("lic_single", &mark).unwrap());
    // An id or short key that exists is a conflict, naming the license.
    let err = backend.insert_licenses(&[issued]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "license lic_single or its short key already exists"
    );
}

#[test]
fn a_copy_twice_is_a_copy_once() {
    let Some(db) = TestDb::new("a_copy_twice_is_a_copy_once") else {
        return;
    };
    let backend = db.store();
    let mut revoked = license("lic_copied_2", Some(5));
    revoked.status = LicenseStatus::Revoked;
    revoked.reason = Some("refund".into());
    revoked.order_ref = Some("C-1".into());
    let records = Imported {
        settings: vec![("issuer".into(), "Other".into())],
        keys: vec![],
        products: vec![Product {
            id: "app".into(),
            number: 7,
            name: "App".into(),
            support_message: None,
            created: 5,
        }],
        licenses: vec![license("lic_copied_1", Some(5)), revoked],
        activations: vec![machine("lic_copied_1", "a"), machine("lic_copied_1", "b")],
        batch_marks: vec![],
        status_allocated: 0,
    };
    backend.import(&records).unwrap();
    backend.import(&records).unwrap();
    assert_eq!(backend.setting("issuer").unwrap().as_deref(), Some("Test"));
    assert_eq!(backend.product_by_number(7).unwrap().unwrap().id, "app");
    assert_eq!(backend.seats_used("lic_copied_1").unwrap(), 2);
    assert_eq!(backend.activations(None).unwrap().len(), 2);
    assert_eq!(
        backend.revocation("lic_copied_2").unwrap().as_deref(),
        Some("the license is revoked (refund)")
    );
    assert_eq!(
        backend.issued_ref("tool", "C-1").unwrap().as_deref(),
        Some("lic_copied_2")
    );
}

#[test]
fn the_rules_run_over_postgres() {
    let Some(db) = TestDb::new("the_rules_run_over_postgres") else {
        return;
    };
    let location = Location::Postgres(db.url.clone());
    let (store, created) = Store::init(&location, "Acme", None, 1_700_000_000).unwrap();
    assert!(created);
    let (_, created) = Store::init(&location, "Acme", None, 1_700_000_000).unwrap();
    assert!(!created);
    assert_eq!(store.issuer().unwrap(), "Acme");
    let first = store.active_key_public().unwrap().kid().to_owned();
    let second = store.rotate(None, 1_700_000_001).unwrap();
    assert_eq!(second.status, KeyStatus::Active);
    assert_eq!(store.public_key(&first).unwrap().kid(), first);
    let err = store.retire(&second.kid, 1_700_000_002).unwrap_err();
    assert!(err.to_string().contains("is the active key"), "{err}");
    let retired = store.retire(&first, 1_700_000_002).unwrap();
    assert_eq!(
        (retired.status, retired.retired),
        (KeyStatus::Retired, Some(1_700_000_002))
    );
    assert_eq!(store.retire(&first, 1_700_000_009).unwrap(), retired);
    let err = store.rotate(Some(&first), 1_700_000_003).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("key {first} is retired and cannot sign again")
    );
    let err = store.rotate(Some("nope"), 1_700_000_003).unwrap_err();
    assert_eq!(err.to_string(), "key nope not found");
    assert_eq!(store.trusted_keys().unwrap().iter().count(), 1);
    let app = store.add_product("app", "App", None, 1).unwrap();
    let tool = store
        .add_product("tool", "Tool", Some("mail us"), 1)
        .unwrap();
    assert_eq!((app.number, tool.number), (1, 2));
    let err = store.add_product("app", "App", None, 1).unwrap_err();
    assert_eq!(err.to_string(), "product app already exists");
    assert_eq!(store.product("2").unwrap().unwrap().id, "tool");
    store.insert_license(&license("lic_ruled", None)).unwrap();
    store
        .set_license_status("lic_ruled", LicenseStatus::Suspended, Some("late"))
        .unwrap();
    let revoked = store
        .set_license_status("lic_ruled", LicenseStatus::Revoked, None)
        .unwrap();
    assert_eq!(revoked.reason.as_deref(), Some("late"));
    let err = store
        .set_license_status("lic_ruled", LicenseStatus::Active, None)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "license lic_ruled is revoked; revocation is final"
    );
    assert_eq!(
        store.backend().revocation("lic_ruled").unwrap().as_deref(),
        Some("the license is revoked (late)")
    );
}

/// How `serve` uses the backend: opened and called from `block_in_place` on a worker of
/// another runtime, and dropped on that worker without waiting for its own runtime.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_may_call_it_from_block_in_place_and_drop_it_anywhere() {
    let Some(db) = TestDb::new("serve_may_call_it_from_block_in_place_and_drop_it_anywhere") else {
        return;
    };
    let backend = tokio::task::block_in_place(|| {
        let backend = db.store();
        backend.insert_licenses(&[license("lic_served", Some(1))])?;
        backend.grant_seat(&machine("lic_served", "hw"), Some(1))?;
        Ok::<_, Error>(backend)
    })
    .unwrap();
    let seats = tokio::task::block_in_place(|| backend.seats_used("lic_served")).unwrap();
    assert_eq!(seats, 1);
    drop(backend);
}

#[test]
fn a_sled_store_copies_into_postgres_twice_with_the_same_counts() {
    let Some(db) = TestDb::new("a_sled_store_copies_into_postgres_twice_with_the_same_counts")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let source = Location::Directory(dir.path().join("store"));
    let (sled, _) = Store::init(&source, "Copied", None, 1_700_000_000).unwrap();
    sled.add_product("app", "App", Some("mail us"), 1).unwrap();
    sled.add_product("tool", "Tool", None, 2).unwrap();
    sled.insert_licenses(&[license("lic_c1", Some(2)), license("lic_c2", None)])
        .unwrap();
    let seat = crate::store::Machine {
        hwid: "hw-1",
        machine: Some("box"),
        user: Some("ada"),
    };
    sled.activate("lic_c1", seat, Some(2), 5).unwrap();
    sled.set_license_status("lic_c2", LicenseStatus::Suspended, Some("unpaid"))
        .unwrap();
    let target = Location::Postgres(db.url.clone());
    let first = sled.copy_to(&target).unwrap();
    assert_eq!(first, sled.copy_to(&target).unwrap());
    assert_eq!(
        (
            first.keys,
            first.products,
            first.licenses,
            first.activations
        ),
        (1, 2, 2, 1)
    );
    let copy = Store::open(&target).unwrap();
    assert_eq!(copy.issuer().unwrap(), "Copied");
    assert_eq!(copy.seats_used("lic_c1").unwrap(), 1);
    assert_eq!(copy.product("2").unwrap().unwrap().id, "tool");
    assert_eq!(
        copy.backend().revocation("lic_c2").unwrap().as_deref(),
        Some("the license is suspended (unpaid)")
    );
    assert_eq!(
        copy.active_key_public().unwrap().kid(),
        sled.active_key_public().unwrap().kid()
    );
}

#[test]
fn a_version_1_store_is_refused_until_migrated_and_its_licenses_keep_no_status_index() {
    let Some(db) = TestDb::new("a_version_1_store_is_refused_until_migrated") else {
        return;
    };
    let backend = db.store();
    backend
        .insert_licenses(&[license("lic_before_lists", None)])
        .unwrap();
    drop(backend);
    // The schema as version 1 left it.
    db.sql(
        "DROP TABLE status_list; DROP INDEX licenses_inactive;
         ALTER TABLE licenses DROP COLUMN status_idx;
         ALTER TABLE batches DROP COLUMN status_first, DROP COLUMN status_count;
         DELETE FROM keyctl_schema_migrations WHERE version = 2",
    );
    let err = open(&db.url, &OpenOptions::default()).unwrap_err();
    assert!(
        matches!(
            err,
            Error::SchemaOutdated {
                found: 1,
                expected: 2,
                ..
            }
        ),
        "{err}"
    );
    // Nor is it migrated by `init` or `store copy` finding it there: they would open it.
    assert!(create(&db.url, &OpenOptions::default()).unwrap().is_none());
    assert!(matches!(
        open(&db.url, &OpenOptions::default()),
        Err(Error::SchemaOutdated { found: 1, .. })
    ));
    assert_eq!(migrate(&db.url).unwrap(), (1, 2));
    let backend = open(&db.url, &OpenOptions::default()).unwrap();
    let old = backend.license("lic_before_lists").unwrap().unwrap();
    assert_eq!(old.status_idx, None);
    assert_eq!(backend.allocate_status_indexes(3).unwrap(), 0);
    assert_eq!(backend.status_indexes_allocated().unwrap(), 3);
    backend
        .update_license_status(
            "lic_before_lists",
            LicenseStatus::Active,
            LicenseStatus::Revoked,
            None,
        )
        .unwrap();
    // A license without an index is not in the list.
    assert_eq!(backend.inactive_statuses().unwrap(), []);
}
