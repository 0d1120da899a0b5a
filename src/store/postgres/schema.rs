//! The schema's versions: SQL files embedded in the binary, applied in order, each in a
//! transaction, and recorded in `keyctl_schema_migrations`.
//!
//! Hand-written rather than a migration crate: applying numbered files under a lock is a
//! few lines, and refinery or sqlx's migrator would bring a proc-macro crate and its
//! dependencies into a build that is slow already.

use tokio_postgres::Client;

/// The migrations, in order: version `n` is the `n`-th file.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_status_list.sql"),
];

/// The schema version this build reads and writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// The advisory lock migrations hold, so that two processes migrating at once take turns:
/// "keyctl" in ASCII, then 1.
const MIGRATION_LOCK: i64 = 0x6b65_7963_746c_0001;

/// The schema version the database has (0: none).
pub(super) async fn version(client: &Client) -> Result<u32, tokio_postgres::Error> {
    let row = client
        .query_one(
            "SELECT to_regclass('keyctl_schema_migrations') IS NOT NULL",
            &[],
        )
        .await?;
    if !row.get::<_, bool>(0) {
        return Ok(0);
    }
    let row = client
        .query_one(
            "SELECT coalesce(max(version), 0) FROM keyctl_schema_migrations",
            &[],
        )
        .await?;
    Ok(u32::try_from(row.get::<_, i32>(0)).unwrap_or(0))
}

/// Applies the migrations the database lacks, each in its own transaction under
/// [`MIGRATION_LOCK`]: a migration another process applied meanwhile is skipped. Returns the
/// version before and after. A database newer than this build is left alone: the caller
/// checks [`version`] first.
pub(super) async fn migrate(client: &mut Client) -> Result<(u32, u32), tokio_postgres::Error> {
    let before = version(client).await?;
    for (index, sql) in MIGRATIONS.iter().enumerate() {
        let number = i32::try_from(index + 1).expect("few migrations");
        let transaction = client.transaction().await?;
        transaction
            .execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await?;
        transaction
            .batch_execute(
                "CREATE TABLE IF NOT EXISTS keyctl_schema_migrations (
                     version    int PRIMARY KEY,
                     applied_at timestamptz NOT NULL DEFAULT now()
                 )",
            )
            .await?;
        let applied = transaction
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM keyctl_schema_migrations WHERE version = $1)",
                &[&number],
            )
            .await?;
        if !applied.get::<_, bool>(0) {
            transaction.batch_execute(sql).await?;
            transaction
                .execute(
                    "INSERT INTO keyctl_schema_migrations (version) VALUES ($1)",
                    &[&number],
                )
                .await?;
        }
        transaction.commit().await?;
    }
    Ok((before, version(client).await?))
}
