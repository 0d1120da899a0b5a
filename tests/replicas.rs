//! `keyctl serve` as several replicas on one PostgreSQL store (the real server that
//! `scripts/with-postgres.sh` starts), and the CLI administering that store while they run:
//! exact seats, replays refused across replicas, changes seen everywhere within a second, no
//! acknowledged activation lost to a SIGKILL, and a database outage answered with `503` and
//! recovered from without a restart.

use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use keyctl::store::{CopyProgress, LicenseFilter, Location, Machine, Store, COPY_CHUNK};
use serde_json::{json, Value};

use crate::common::postgres::{postgres_ctl, test_database, test_database_alone, TestDatabase};
use crate::common::{Issued, Run, Sandbox, ISSUER};
use crate::net::Server;

/// A PostgreSQL store with products `app` and `web`, and the sandbox that runs keyctl on it.
fn database_store(database: &TestDatabase) -> Sandbox {
    let sandbox = Sandbox::on_database(database.url());
    sandbox
        .run(["init", "--issuer", ISSUER])
        .expect(0, &created_line(&sandbox, database), "");
    sandbox.add_product("app");
    sandbox.add_product("web");
    sandbox
}

/// A test database holding a store with `app` and `web` and one license for `app` (issued
/// with `args`); `None` without a server.
fn licensed_database(args: &[&str]) -> Option<(TestDatabase, Sandbox, Issued)> {
    let database = test_database()?;
    let sandbox = database_store(&database);
    let issued = sandbox.issue_app(args);
    Some((database, sandbox, issued))
}

fn created_line(sandbox: &Sandbox, database: &TestDatabase) -> String {
    let kid = sandbox.run(["key", "list", "--json"]).json()[0]["kid"]
        .as_str()
        .unwrap()
        .to_owned();
    format!(
        "created store {} (issuer {ISSUER}, active key {kid})\n",
        database.url()
    )
}

/// `count` replicas of `keyctl serve` on the sandbox's store.
fn replicas(sandbox: &Sandbox, count: usize, extra: &[&str]) -> Vec<Server> {
    (0..count).map(|_| Server::serve(sandbox, extra)).collect()
}

/// The KEYCTL1 datetime `offset` seconds from now.
fn datetime(offset: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::seconds(offset))
        .format("%Y%m%dT%H%M%SZ")
        .to_string()
}

/// The compatibility API's check of machine `hwid` of product `app`.
fn check_path(key: &str, hwid: &str) -> String {
    format!("/api/check?token={key}&machine=box&user=ann&hwid={hwid}&app_id=app")
}

fn activation(issued: &Issued, hwid: &str) -> Value {
    json!({"key": issued.short_key, "product": "app", "hwid": hwid})
}

/// Hardware ids `keyctl activation list` shows for the store.
fn activated(sandbox: &Sandbox) -> Vec<String> {
    let listed = sandbox.run(["activation", "list", "--json"]).json();
    let mut hwids: Vec<String> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["hwid"].as_str().unwrap().to_owned())
        .collect();
    hwids.sort();
    hwids
}

/// Polls `check` every 20 ms until it holds, for at most `limit`; the time it took.
fn within(limit: Duration, mut check: impl FnMut() -> bool) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() <= limit {
        if check() {
            return Some(start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

/// Whether `check` holds within a second of now: the bound replicas promise for a change to
/// reach them. The observation itself takes time (a round of requests to every replica, on
/// a machine the whole test suite shares), so one round, timed, is allowed on top: a change
/// that arrived in time is not failed for being seen late.
fn within_a_second(mut check: impl FnMut() -> bool) -> Option<Duration> {
    let started = Instant::now();
    if check() {
        return Some(started.elapsed());
    }
    let round = started.elapsed();
    within(Duration::from_secs(1) + round, check).map(|took| took + round)
}

#[test]
fn init_migrate_and_every_command_work_on_a_database_store() {
    let Some(database) = test_database() else {
        return;
    };
    let sandbox = database_store(&database);
    sandbox.run(["init", "--issuer", ISSUER]).expect(
        0,
        &format!("store {} exists already; nothing changed\n", database.url()),
        "",
    );
    let migrated = sandbox.run(["store", "migrate", "--json"]).json();
    assert_eq!(
        migrated["schema_version"],
        migrated["schema_version_before"]
    );
    let issued = sandbox.issue_app(&["--activations", "2"]);
    let shown = sandbox
        .run(["license", "show", &issued.short_key, "--json"])
        .json();
    assert_eq!(shown["id"], issued.id.as_str());
    sandbox
        .run(["license", "suspend", &issued.id, "--reason", "unpaid"])
        .success();
    sandbox
        .run(["verify", &issued.jwt, "--product", "app"])
        .expect(
            8,
            &format!(
                "revoked: {}: the license is suspended (unpaid)\n",
                issued.id
            ),
            "",
        );
    sandbox.run(["license", "reinstate", &issued.id]).success();
    sandbox
        .run(["verify", &issued.jwt, "--product", "app"])
        .success();
    sandbox.run(["key", "rotate"]).success();
    assert_eq!(sandbox.key_count(), 2);
}

#[test]
fn three_replicas_grant_exactly_the_seats_a_license_has() {
    let Some((database, sandbox, issued)) = licensed_database(&["--activations", "10"]) else {
        return;
    };
    let servers = replicas(&sandbox, 3, &[]);
    let answers: Vec<(u16, Value)> = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..200)
            .map(|i| {
                let server = &servers[i % 3];
                let body = activation(&issued, &format!("machine-{i:03}"));
                scope.spawn(move || {
                    let reply = server.post_json("/v1/activate", &body);
                    (reply.status, reply.json())
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    let granted = answers.iter().filter(|(status, _)| *status == 200).count();
    let refused = answers
        .iter()
        .filter(|(status, body)| *status == 409 && body["code"] == "no_activations_left")
        .count();
    assert_eq!((granted, refused), (10, 190), "{answers:?}");
    assert_eq!(activated(&sandbox).len(), 10);
    let rows = crate::common::postgres::psql_ok(database.url(), "SELECT count(*) FROM activations");
    assert_eq!(rows.trim(), "10");
}

#[test]
fn a_request_accepted_by_one_replica_is_a_replay_on_another() {
    let Some((_database, sandbox, issued)) = licensed_database(&[]) else {
        return;
    };
    let servers = replicas(&sandbox, 2, &[]);
    let t = datetime(0);
    let signature = sandbox.sign(&issued, &t, &[])["signature"].clone();
    let body =
        json!({"license": issued.jwt, "datetime": t, "signature": signature, "product": "app"});
    let first = servers[0].post_json("/v1/validate", &body);
    assert_eq!(
        (first.status, first.json()["valid"].clone()),
        (200, json!(true))
    );
    servers[1].post_json("/v1/validate", &body).expect(
        409,
        json!({"valid": false, "code": "replayed_request", "error": "this signed request was already used"}),
    );
    // Signed machine requests too.
    let hwid = "h-1";
    let t = datetime(1);
    let extra = ["--for", "activate", "--product", "app", "--hwid", hwid];
    let signature = sandbox.sign(&issued, &t, &extra)["signature"].clone();
    let body = json!({"license": issued.jwt, "datetime": t, "signature": signature, "product": "app", "hwid": hwid});
    assert_eq!(servers[1].post_json("/v1/activate", &body).status, 200);
    assert_eq!(
        servers[0].post_json("/v1/activate", &body).json()["code"],
        "replayed_request"
    );
}

#[test]
fn a_deactivation_revocation_or_rotation_made_anywhere_reaches_every_replica_within_a_second() {
    let Some((_database, sandbox, issued)) = licensed_database(&[]) else {
        return;
    };
    let servers = replicas(&sandbox, 3, &[]);
    // What every replica answers `/api/check` of machine `h`: 201 activated, 404 not.
    let all_check = |status: u16| {
        servers
            .iter()
            .all(|server| server.get(&check_path(&issued.short_key, "h")).status == status)
    };
    assert_eq!(
        servers[0]
            .post_json("/v1/activate", &activation(&issued, "h"))
            .status,
        200
    );
    assert!(all_check(201));
    // Deactivated through one replica: no replica still takes the machine as activated
    // (each has seen it activated, and may remember so).
    assert_eq!(
        servers[0]
            .post_json("/v1/deactivate", &activation(&issued, "h"))
            .status,
        200
    );
    let took = within_a_second(|| all_check(404));
    assert!(
        took.is_some(),
        "a replica still takes the deactivated machine"
    );
    assert_eq!(
        servers[1]
            .post_json("/v1/activate", &activation(&issued, "h"))
            .status,
        200
    );
    assert!(all_check(201));
    // Revoked through the CLI on the database, while the replicas run.
    sandbox
        .run(["license", "revoke", &issued.id, "--reason", "refund"])
        .success();
    let took = within_a_second(|| all_check(404));
    assert!(
        took.is_some(),
        "a replica still accepts the revoked license"
    );
    // A license signed by a key rotated in meanwhile verifies everywhere, too.
    sandbox.run(["key", "rotate"]).success();
    let fresh = sandbox.issue_app(&[]);
    let took = within_a_second(|| {
        servers.iter().all(|server| {
            let reply = server.post_json(
                "/v1/activate",
                &activation(&fresh, &format!("h-{}", server.addr)),
            );
            reply.status == 200
        })
    });
    assert!(took.is_some(), "a replica does not trust the new key");
}

#[test]
fn a_replica_killed_mid_stream_loses_no_acknowledged_activation() {
    let Some((_database, sandbox, issued)) = licensed_database(&[]) else {
        return;
    };
    let victim = Server::serve(&sandbox, &[]);
    let addr = victim.addr.clone();
    let acknowledged: Vec<String> = std::thread::scope(|scope| {
        let senders: Vec<_> = (0..8)
            .map(|worker| {
                let addr = addr.clone();
                let issued = &issued;
                scope.spawn(move || {
                    let mut acknowledged = Vec::new();
                    for n in 0.. {
                        let hwid = format!("w{worker}-{n:05}");
                        let body = activation(issued, &hwid).to_string();
                        let headers = [("Content-Type", "application/json")];
                        let Some(reply) = crate::net::try_request(
                            &addr,
                            "POST",
                            "/v1/activate",
                            &headers,
                            body.as_bytes(),
                        ) else {
                            break;
                        };
                        if reply.status == 200 {
                            acknowledged.push(hwid);
                        }
                    }
                    acknowledged
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(700));
        assert_eq!(victim.stop("-KILL"), None);
        senders
            .into_iter()
            .flat_map(|t| t.join().unwrap())
            .collect()
    });
    assert!(
        acknowledged.len() > 10,
        "too few activations before the kill"
    );
    let stored = activated(&sandbox);
    let lost: Vec<_> = acknowledged
        .iter()
        .filter(|hwid| stored.binary_search(hwid).is_err())
        .collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
}

#[test]
fn a_database_outage_is_503_and_the_server_recovers_by_itself() {
    let Some(database) = test_database_alone() else {
        return;
    };
    let sandbox = database_store(&database);
    let issued = sandbox.issue_app(&[]);
    let server = Server::serve(&sandbox, &["--request-timeout", "10s"]);
    assert_eq!(
        server
            .post_json("/v1/activate", &activation(&issued, "h0"))
            .status,
        200
    );
    postgres_ctl("stop");
    let unavailable =
        json!({"code": "store_unavailable", "error": "the store is unavailable; retry shortly"});
    server
        .post_json("/v1/activate", &activation(&issued, "h1"))
        .expect(503, unavailable.clone());
    let check = server.get(&check_path(&issued.short_key, "h0"));
    assert_eq!(
        (check.status, check.json()["code"].clone()),
        (503, json!("store_unavailable"))
    );
    server
        .get("/healthz")
        .expect(503, json!({"status": "unavailable", "store": "down"}));
    postgres_ctl("start");
    let back = within(Duration::from_secs(30), || {
        server
            .post_json("/v1/activate", &activation(&issued, "h1"))
            .status
            == 200
    });
    assert!(back.is_some(), "the server did not recover");
    server
        .get("/healthz")
        .expect(200, json!({"status": "ok", "store": "up"}));
    assert_eq!(activated(&sandbox), ["h0", "h1"]);
}

#[test]
fn a_sled_store_copied_into_the_database_and_back_keeps_every_record() {
    let Some(database) = test_database() else {
        return;
    };
    let sled = Sandbox::with_products();
    sled.run(["key", "rotate"]).success();
    let active = sled.issue_app(&["--activations", "3"]);
    let revoked = sled.issue_app(&[]);
    let suspended = sled.issue(&["--licensee", "bob", "--product", "web"]);
    sled.run(["license", "revoke", &revoked.id, "--reason", "refund"])
        .success();
    sled.run(["license", "suspend", &suspended.id]).success();
    let server = Server::serve(&sled, &[]);
    for hwid in ["a", "b"] {
        assert_eq!(
            server
                .post_json("/v1/activate", &activation(&active, hwid))
                .status,
            200
        );
    }
    drop(server);
    let copied =
        |from: &Sandbox, to: &str| from.run(["store", "copy", "--to", to, "--json"]).json();
    let counts =
        json!({"keys": 2, "products": 2, "licenses": 3, "activations": 2, "batch_marks": 0});
    let first = copied(&sled, database.url());
    assert_eq!(first["copied"], counts);
    // Twice: nothing changes.
    assert_eq!(copied(&sled, database.url())["copied"], counts);

    let pg = Sandbox::on_database(database.url());
    let listing = |sandbox: &Sandbox| sandbox.run(["license", "list", "--json"]).json();
    assert_eq!(listing(&pg), listing(&sled));
    assert_eq!(activated(&pg), ["a", "b"]);
    for (issued, product, code) in [
        (&active, "app", 0),
        (&revoked, "app", 8),
        (&suspended, "web", 8),
    ] {
        let run = pg.run(["verify", &issued.jwt, "--product", product]);
        assert_eq!(run.code, code, "{run:?}");
    }
    // And back into a new directory.
    let back = Sandbox::new();
    let target = back.store_str();
    assert_eq!(copied(&pg, &target)["copied"], counts);
    assert_eq!(listing(&back), listing(&sled));
    assert_eq!(
        back.run(["key", "list", "--json"]).json(),
        sled.run(["key", "list", "--json"]).json()
    );
}

/// The test database's URL reaching the server by `host` (its certificate names `localhost`
/// only), with `sslmode`.
fn over_tls(database: &TestDatabase, host: &str, sslmode: &str) -> String {
    let url = database.url().replacen("127.0.0.1", host, 1);
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}sslmode={sslmode}")
}

/// `keyctl ARGS` on `sandbox` trusting the roots of the PEM file `roots` (`PGSSLROOTCERT`),
/// else the Mozilla roots built in.
fn run_trusting(sandbox: &Sandbox, roots: Option<&str>, args: &[&str]) -> Run {
    let mut command = sandbox.keyctl();
    command.env_remove("PGSSLROOTCERT");
    if let Some(roots) = roots {
        command.env("PGSSLROOTCERT", roots);
    }
    Run::of(command.args(args))
}

/// Asserts that the server has a TLS session open, as it says itself.
#[track_caller]
fn assert_some_session_encrypted(database: &TestDatabase) {
    let ssl = crate::common::postgres::psql_ok(
        database.server_url(),
        "SELECT count(*) FROM pg_stat_ssl WHERE ssl",
    );
    assert_ne!(ssl.trim(), "0");
}

/// A test database, a sandbox reaching it as `localhost` with `sslmode`, and the CA that
/// signed the server's certificate; `None` without a server.
fn over_tls_as_localhost(sslmode: &str) -> Option<(TestDatabase, Sandbox, String)> {
    let database = test_database()?;
    let sandbox = Sandbox::on_database(&over_tls(&database, "localhost", sslmode));
    let ca = std::env::var("KEYCTL_TEST_POSTGRES_CA").expect("with-postgres.sh sets the CA");
    Some((database, sandbox, ca))
}

#[test]
fn sslmode_require_encrypts_and_verifies_the_server_certificate() {
    let Some((database, sandbox, ca)) = over_tls_as_localhost("require") else {
        return;
    };
    let init = |roots: Option<&str>| {
        run_trusting(&sandbox, roots, &["init", "--issuer", ISSUER, "--json"])
    };
    // Not signed by a root the binary trusts: no connection, and no store made.
    let refused = init(None);
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(
        refused.stderr.contains("is not trusted: ")
            && refused
                .stderr
                .contains("invalid peer certificate: UnknownIssuer"),
        "{}",
        refused.stderr
    );
    // With the test CA, over TLS: the session is encrypted, as the server itself says.
    let created = init(Some(&ca)).json();
    assert_eq!(created["created"], true);
    assert_some_session_encrypted(&database);
    // The default, prefer, encrypts without checking the certificate, as libpq does.
    let preferred = Sandbox::on_database(database.url());
    let listed = run_trusting(&preferred, None, &["key", "list", "--json"]);
    assert_eq!(listed.code, 0, "{listed:?}");
    // A name the certificate does not cover: see the next test, for every verifying mode.
}

#[test]
fn libpq_sslmode_verify_full_and_verify_ca_verify_as_require_does() {
    // verify-full against the test CA: a store is made, over TLS.
    let Some((database, sandbox, ca)) = over_tls_as_localhost("verify-full") else {
        return;
    };
    let created = run_trusting(&sandbox, Some(&ca), &["init", "--issuer", ISSUER, "--json"]);
    assert_eq!(created.json()["created"], true, "{created:?}");
    assert_some_session_encrypted(&database);
    let listed = run_trusting(&sandbox, Some(&ca), &["key", "list", "--json"]);
    assert_eq!(listed.json().as_array().map(Vec::len), Some(1));
    // The certificate names localhost only: the same server by its address is refused by
    // every verifying mode alike, verify-ca included (stricter than libpq's, which checks the
    // chain only).
    let by_address = |mode: &str| {
        let url = over_tls(&database, "127.0.0.1", mode);
        let run = run_trusting(&Sandbox::on_database(&url), Some(&ca), &["key", "list"]);
        let expected = format!(
            "keyctl: error: the store {url} is not trusted: error performing TLS handshake: \
             invalid peer certificate: certificate not valid for name \"127.0.0.1\"; certificate \
             is only valid for DnsName(\"localhost\")\n\
             hint: trust the CA that signed the server's certificate (sslrootcert=FILE in the \
             URL, or PGSSLROOTCERT), and name the host as the certificate does\n"
        );
        run.fails(1, &expected);
    };
    for mode in ["require", "verify-ca", "verify-full"] {
        by_address(mode);
    }
}

#[test]
fn sslrootcert_in_the_url_names_the_roots_before_pgsslrootcert() {
    let Some(database) = test_database() else {
        return;
    };
    let ca = std::env::var("KEYCTL_TEST_POSTGRES_CA").expect("with-postgres.sh sets the CA");
    let url = over_tls(&database, "localhost", "verify-full");
    let with_roots = |roots: &str| format!("{url}&sslrootcert={roots}");
    // The URL's file is trusted, whatever PGSSLROOTCERT says.
    let sandbox = Sandbox::on_database(&with_roots(&ca));
    let elsewhere = sandbox.write("other.pem", "not a certificate\n");
    let created = run_trusting(&sandbox, Some(&elsewhere), &["init", "--json"]);
    assert_eq!(created.json()["created"], true, "{created:?}");
    assert_some_session_encrypted(&database);
    // `system`: the built-in roots, which do not include the test CA, even when
    // PGSSLROOTCERT names it.
    let system = with_roots("system");
    run_trusting(&Sandbox::on_database(&system), Some(&ca), &["key", "list"]).fails(
        1,
        &format!(
            "keyctl: error: the store {system} is not trusted: error performing TLS handshake: \
             invalid peer certificate: UnknownIssuer\n\
             hint: trust the CA that signed the server's certificate (sslrootcert=FILE in the \
             URL, or PGSSLROOTCERT), and name the host as the certificate does\n"
        ),
    );
    // A file that cannot be read is named, with what to do.
    let missing = sandbox.path("missing.pem");
    let unreadable = with_roots(&missing);
    run_trusting(&Sandbox::on_database(&unreadable), None, &["key", "list"]).error(
        2,
        &format!(
            "sslrootcert: cannot read {missing}: No such file or directory (os error 2); set it \
             to a PEM file of the certificate authorities to trust for store {unreadable}, or \
             `system` to trust the built-in roots"
        ),
    );
}

#[test]
fn a_roots_file_that_cannot_be_read_is_one_line_naming_it_and_what_to_do() {
    // Refused before any connection is tried: no server needed.
    let url = "postgres://app:s3cret@127.0.0.1:1/keyctl?sslmode=verify-full";
    let sandbox = Sandbox::on_database(url);
    let missing = sandbox.path("missing.pem");
    let directory = sandbox.root().display().to_string();
    for (roots, why) in [
        (&missing, "No such file or directory (os error 2)"),
        (&directory, "Is a directory (os error 21)"),
    ] {
        run_trusting(&sandbox, Some(roots), &["key", "list"]).error(
            2,
            &format!(
                "PGSSLROOTCERT: cannot read {roots}: {why}; set it to a PEM file of the \
                 certificate authorities to trust for store \
                 postgres://app:***@127.0.0.1:1/keyctl?sslmode=verify-full, or unset it to trust \
                 the built-in roots"
            ),
        );
    }
}

#[test]
fn a_copy_into_a_store_of_another_issuer_or_into_itself_is_refused_and_changes_nothing() {
    let Some(database) = test_database() else {
        return;
    };
    let pg = Sandbox::on_database(database.url());
    pg.run(["init", "--issuer", "Other Corp"]).success();
    pg.add_product("tool");
    let sled = Sandbox::with_products();
    sled.issue_app(&[]);
    let contents = |sandbox: &Sandbox| {
        ["key", "product", "license"].map(|what| sandbox.run([what, "list", "--json"]).json())
    };
    let (pg_before, sled_before) = (contents(&pg), contents(&sled));
    sled.run(["store", "copy", "--to", database.url()]).error(
        1,
        &format!(
            "store {} has issuer \"Other Corp\", not \"{ISSUER}\"; copy into a new store",
            database.url()
        ),
    );
    pg.run(["store", "copy", "--to", &sled.store_str()]).error(
        1,
        &format!(
            "store {} has issuer \"{ISSUER}\", not \"Other Corp\"; copy into a new store",
            sled.store_str()
        ),
    );
    pg.run(["store", "copy", "--to", database.url()]).error(
        2,
        &format!(
            "store copy --to: {} is the store copied from; name another store to copy into",
            database.url()
        ),
    );
    assert_eq!(contents(&pg), pg_before);
    assert_eq!(contents(&sled), sled_before);
}

/// `keyctl license issue --batch` of `count` licenses for `app` on `sandbox`.
fn issue_many(sandbox: &Sandbox, count: usize) {
    let mut csv = String::from("licensee,products\n");
    for i in 0..count {
        csv.push_str(&format!("user{i}@example.com,app\n"));
    }
    let rows = sandbox.write("rows.csv", csv);
    let out = sandbox.path("issued.jsonl");
    let run = sandbox.run(["license", "issue", "--batch", &rows, "--out", &out]);
    assert!(
        run.code == 0
            && run
                .stderr
                .starts_with(&format!("keyctl: issued {count} licenses in ")),
        "{run:?}"
    );
}

/// Activates machines `hwids` on each of the first `licenses` licenses (by id) of the sled
/// store of `sandbox`, through the library: thousands of activations in a second.
fn activate_many(sandbox: &Sandbox, licenses: usize, hwids: &[&str]) {
    let store = Store::open(&Location::Directory(sandbox.store())).unwrap();
    let listed = store.licenses(&LicenseFilter::default()).unwrap();
    for license in &listed[..licenses] {
        for &hwid in hwids {
            let machine = Machine {
                hwid,
                machine: Some("box"),
                user: None,
            };
            store
                .activate(&license.id, machine, None, 1_795_000_000)
                .unwrap();
        }
    }
    store.flush().unwrap();
}

/// What the database at `url` holds, as a digest of every license and activation row, and
/// how many licenses hold three seats, and all seats.
fn database_digest(url: &str) -> String {
    crate::common::postgres::psql_ok(
        url,
        "SELECT (SELECT md5(string_agg(l::text, ',' ORDER BY id)) FROM licenses l),
                (SELECT md5(string_agg(a::text, ',' ORDER BY license_id, hwid)) FROM activations a),
                (SELECT count(*) FROM licenses WHERE seats = 3),
                (SELECT sum(seats) FROM licenses)",
    )
}

#[test]
fn a_copy_of_more_than_a_chunk_carries_every_license_and_activation_both_ways() {
    let Some(database) = test_database() else {
        return;
    };
    // Two chunks and part of a third of licenses; three machines on each of 2 001 licenses
    // (6 003 activations), so that the first chunk of activations ends between the second
    // and third machine of one license.
    let licenses = 2 * COPY_CHUNK + 2_000;
    let sled = Sandbox::with_products();
    issue_many(&sled, licenses);
    activate_many(&sled, 2_001, &["a", "b", "c"]);
    let counts = json!({"keys": 1, "products": 2, "licenses": 12_000, "activations": 6_003,
                        "batch_marks": 0});
    let copied =
        |from: &Sandbox, to: &str| from.run(["store", "copy", "--to", to, "--json"]).json();

    assert_eq!(copied(&sled, database.url())["copied"], counts);
    let digest = database_digest(database.url());
    // Every seat counted, those of the license split between two chunks too.
    assert!(digest.ends_with("|2001|6003\n"), "{digest}");
    // Twice: nothing changes.
    assert_eq!(copied(&sled, database.url())["copied"], counts);
    assert_eq!(database_digest(database.url()), digest);

    let pg = Sandbox::on_database(database.url());
    let back = Sandbox::new();
    assert_eq!(copied(&pg, &back.store_str())["copied"], counts);
    let listing = |sandbox: &Sandbox, what: &str| sandbox.run([what, "list", "--json"]).json();
    for what in ["license", "activation"] {
        let listed = listing(&sled, what);
        assert_eq!(listing(&pg, what), listed, "{what}");
        assert_eq!(listing(&back, what), listed, "{what}");
    }
    assert_eq!(
        listing(&back, "activation").as_array().unwrap().len(),
        6_003
    );
}

#[test]
fn a_copy_stopped_midway_is_refused_until_the_next_copy_finishes_it() {
    let Some(database) = test_database() else {
        return;
    };
    let sled = Sandbox::with_products();
    issue_many(&sled, 5);
    activate_many(&sled, 2, &["a", "b"]);
    let source = sled.store_str();
    let into_database = (
        Sandbox::on_database(database.url()),
        database.url().to_owned(),
    );
    let into_directory = Sandbox::new();
    let directory = into_directory.store_str();
    for (target, to) in [into_database, (into_directory, directory)] {
        // What a copy killed after its first chunk of two licenses leaves (each chunk is
        // durable once written): the library's copy stopped there.
        let mut told = Vec::new();
        let stopped = Store::open(&Location::Directory(sled.store()))
            .unwrap()
            .copy_in_chunks(&Location::parse(&to), 2, |progress| {
                told.push(progress);
                ControlFlow::Break(())
            })
            .unwrap();
        let first = CopyProgress {
            licenses: 2,
            activations: 0,
        };
        assert_eq!((stopped, told), (None, vec![first]));

        // Every other command refuses it, `init` too, and a copy of another issuer's store.
        let refusal = format!(
            "keyctl: error: store {to} is an unfinished copy of {source}\n\
             hint: run `keyctl store copy --from {source} --to {to}` again to finish it\n"
        );
        for args in [
            &["license", "list"][..],
            &["key", "list"],
            &["init", "--issuer", ISSUER],
        ] {
            target.run(args).fails(1, &refusal);
        }
        let other = Sandbox::new();
        other.run(["init", "--issuer", "Other Corp"]).success();
        other.run(["store", "copy", "--to", &to]).error(
            1,
            &format!(
                "store {to} has issuer \"{ISSUER}\", not \"Other Corp\"; copy into a new store"
            ),
        );

        // The next copy finishes it, and the store is whole.
        sled.run(["store", "copy", "--to", &to]).expect(
            0,
            &format!(
                "copied {source} into {to}: 1 keys, 2 products, 5 licenses, 4 activations, 0 \
                 unfinished batches; every record checked\n"
            ),
            "",
        );
        for what in ["key", "product", "license", "activation"] {
            let list = [what, "list", "--json"];
            assert_eq!(target.run(list).json(), sled.run(list).json(), "{what}");
        }
    }
    let settings = crate::common::postgres::psql_ok(
        database.url(),
        "SELECT string_agg(name, ' ' ORDER BY name) FROM settings",
    );
    assert_eq!(settings, "created initialized issuer\n");
}
