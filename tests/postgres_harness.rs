//! The throwaway PostgreSQL server of `scripts/with-postgres.sh` and the helpers of
//! `common::postgres` that the PostgreSQL store's tests stand on.

use crate::common::postgres::{postgres_ctl, psql, psql_ok, test_database, test_database_alone};

/// How many databases of `name` the server has.
fn databases_named(server_url: &str, name: &str) -> String {
    psql_ok(
        server_url,
        &format!("SELECT count(*) FROM pg_database WHERE datname = '{name}'"),
    )
}

#[test]
fn a_test_database_is_fresh_writable_and_dropped_after_the_test() {
    let Some(db) = test_database() else { return };
    let (name, server_url) = (db.name().to_owned(), db.server_url().to_owned());
    assert!(name.starts_with("keyctl_t_"), "{name}");
    assert_eq!(
        psql_ok(db.url(), "SELECT current_database()"),
        format!("{name}\n")
    );
    assert_eq!(
        psql_ok(
            db.url(),
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        ),
        "0\n"
    );

    psql_ok(
        db.url(),
        "CREATE TABLE note (text text); INSERT INTO note VALUES ('kept')",
    );
    assert_eq!(psql_ok(db.url(), "SELECT text FROM note"), "kept\n");
    assert_eq!(databases_named(&server_url, &name), "1\n");

    drop(db);
    assert_eq!(databases_named(&server_url, &name), "0\n");
}

#[test]
fn the_server_refuses_connections_while_stopped_and_keeps_its_data_across_restarts() {
    let Some(db) = test_database_alone() else {
        return;
    };
    psql_ok(
        db.url(),
        "CREATE TABLE note (text text); INSERT INTO note VALUES ('kept')",
    );

    postgres_ctl("stop");
    let refused = psql(db.url(), "SELECT 1");
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("Connection refused"), "{stderr}");

    postgres_ctl("start");
    assert_eq!(psql_ok(db.url(), "SELECT text FROM note"), "kept\n");

    // An immediate shutdown, as in a crash: the committed row survives recovery.
    postgres_ctl("kill");
    assert!(!psql(db.url(), "SELECT 1").status.success());
    postgres_ctl("start");
    assert_eq!(psql_ok(db.url(), "SELECT text FROM note"), "kept\n");
}
