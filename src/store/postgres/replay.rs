//! The replay table, written with group commit (see `group.rs`). Every signed request a
//! replica accepts is recorded before it is answered, and each record would otherwise be a
//! durable commit of its own: the requests that arrive while one insert is in flight are
//! recorded together by the next, in one statement.
//!
//! Each caller is still told exactly whether its request was new: the insert returns the
//! requests it added, and a request that appears twice in one batch is new only the first
//! time.

use std::collections::HashSet;

use deadpool_postgres::Pool;

use super::super::RememberedRequest;
use super::group::{fail_all, Answer};
use super::{bounded, connection, failure, rows};
use crate::error::Result;

/// The most requests one statement records.
pub(super) const MAX_BATCH: usize = 2048;

/// Records a batch: for each request, whether it was new.
pub(super) async fn remember(
    pool: Pool,
    name: String,
    batch: Vec<RememberedRequest>,
) -> Vec<Answer<bool>> {
    match bounded(&name, insert(&pool, &name, &batch)).await {
        Ok(added) => added.into_iter().map(Ok).collect(),
        Err(err) => fail_all(batch.len(), err),
    }
}

/// One statement, committed: records `entries`, and says of each whether it was new.
pub(super) async fn insert(
    pool: &Pool,
    name: &str,
    entries: &[RememberedRequest],
) -> Result<Vec<bool>> {
    // The hashes are 64 bits; bigint holds them as the same bits.
    let requests: Vec<i64> = entries.iter().map(|e| e.request as i64).collect();
    let licenses: Vec<i64> = entries.iter().map(|e| e.license as i64).collect();
    let expires: Vec<i64> = entries.iter().map(|e| e.expires).collect();
    let client = connection(pool, name).await?;
    let added = rows(
        &client,
        "INSERT INTO replay (request, license, expires)
         SELECT * FROM unnest($1::int8[], $2::int8[], $3::int8[])
         ON CONFLICT (request) DO NOTHING
         RETURNING request",
        &[&requests, &licenses, &expires],
    )
    .await
    .map_err(|e| failure(name, e))?;
    let mut added: HashSet<i64> = added.iter().map(|row| row.get(0)).collect();
    // `remove`: of a request twice in the batch, only the first is new.
    Ok(requests.iter().map(|r| added.remove(r)).collect())
}
