//! Group commit for the replay table. Every signed request a replica accepts is recorded
//! before it is answered, and on PostgreSQL each record is a durable commit: one `fsync` of
//! the write-ahead log per request would bound validations by the disk. So records are
//! written by one task, in batches: the requests that arrive while one insert is in flight
//! are recorded together by the next, in one statement and one commit. Under a light load a
//! batch is one request and nothing waits; under a heavy one, a commit serves many.
//!
//! Each caller is still told exactly whether its request was new: the insert returns the
//! requests it added, and a request that appears twice in one batch is new only the first
//! time.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use deadpool_postgres::Pool;
use tokio::sync::{oneshot, Notify};

use super::super::RememberedRequest;
use super::{bounded, connection, failure, rows};
use crate::error::{Error, Result};

/// The most requests one statement records.
const MAX_BATCH: usize = 2048;

/// What a batch's failure tells each of its callers: the same error, for each.
type Answer = std::result::Result<bool, Arc<Error>>;

/// A request waiting to be recorded, and where its answer goes.
struct Pending {
    entry: RememberedRequest,
    answer: oneshot::Sender<Answer>,
}

/// The queue between the callers and the task that records.
#[derive(Default)]
pub(super) struct ReplayWriter {
    queue: Mutex<Vec<Pending>>,
    wake: Notify,
}

impl ReplayWriter {
    /// Records `entry` with the next batch: whether it was new (`false`: a replay).
    pub(super) async fn remember(&self, entry: RememberedRequest) -> Result<bool> {
        let (answer, told) = oneshot::channel();
        self.queue_lock().push(Pending { entry, answer });
        // Stores a permit when the task is busy, so a request queued now is never missed.
        self.wake.notify_one();
        match told.await {
            Ok(Ok(new)) => Ok(new),
            Ok(Err(err)) => Err(same_error(&err)),
            Err(_) => Err(Error::Store("the replay writer has stopped".into())),
        }
    }

    fn queue_lock(&self) -> std::sync::MutexGuard<'_, Vec<Pending>> {
        // A panic while holding it leaves at worst requests whose callers are told it stopped.
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Records what `writer` queues, batch after batch, for as long as the runtime runs.
pub(super) async fn write(writer: Arc<ReplayWriter>, pool: Pool, name: String) {
    loop {
        writer.wake.notified().await;
        loop {
            let batch: Vec<Pending> = {
                let mut queue = writer.queue_lock();
                let take = queue.len().min(MAX_BATCH);
                queue.drain(..take).collect()
            };
            if batch.is_empty() {
                break;
            }
            let entries: Vec<RememberedRequest> = batch.iter().map(|p| p.entry).collect();
            match bounded(&name, insert(&pool, &name, &entries)).await {
                Ok(added) => {
                    for (pending, new) in batch.into_iter().zip(added) {
                        // A caller that gave up (its own time bound) is not waiting.
                        let _ = pending.answer.send(Ok(new));
                    }
                }
                Err(err) => {
                    let err = Arc::new(err);
                    for pending in batch {
                        let _ = pending.answer.send(Err(Arc::clone(&err)));
                    }
                }
            }
        }
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

/// `err` again, for another caller of the same failed batch.
fn same_error(err: &Error) -> Error {
    match err {
        Error::StoreUnavailable(line) => Error::StoreUnavailable(line.clone()),
        other => Error::Store(other.to_string()),
    }
}
