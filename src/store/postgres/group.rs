//! Group commit: work that many callers ask for at once, done by one task in batches, so
//! that one statement and one durable commit serve many. On PostgreSQL every commit waits
//! for the write-ahead log to reach the disk; one commit per request bounds a replica by
//! the disk's flush rate, while one per batch lets it grow with the load. The jobs that
//! arrive while one batch is being written form the next: under a light load a batch is one
//! job and nothing waits for company.

use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio::sync::{oneshot, Notify};

use crate::error::{Error, Result};

/// What one job of a batch comes to; a failure shared by a whole batch is shared, not
/// copied, until each caller takes it.
pub(super) type Answer<T> = std::result::Result<T, Arc<Error>>;

/// A job waiting for the next batch, and where its answer goes.
struct Pending<J, T> {
    job: J,
    answer: oneshot::Sender<Answer<T>>,
}

/// The queue between the callers and the task that does their jobs.
pub(super) struct Group<J, T> {
    queue: Mutex<Vec<Pending<J, T>>>,
    wake: Notify,
}

impl<J, T> Default for Group<J, T> {
    fn default() -> Self {
        Group {
            queue: Mutex::default(),
            wake: Notify::new(),
        }
    }
}

impl<J, T> Group<J, T> {
    /// Queues `job` for the next batch and waits for its answer.
    pub(super) async fn submit(&self, job: J) -> Result<T> {
        let (answer, told) = oneshot::channel();
        self.queue_lock().push(Pending { job, answer });
        // Stores a permit when the task is busy, so a job queued now is never missed.
        self.wake.notify_one();
        match told.await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(err)) => Err(same_error(&err)),
            Err(_) => Err(Error::Store("the store's writer has stopped".into())),
        }
    }

    fn queue_lock(&self) -> std::sync::MutexGuard<'_, Vec<Pending<J, T>>> {
        // A panic while holding it leaves at worst jobs whose callers are told it stopped.
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Does the jobs `group` queues, at most `max` to a batch, for as long as the runtime runs:
/// `work` gets a batch and answers each of its jobs, in order.
pub(super) async fn serve<J, T, F, Fut>(group: Arc<Group<J, T>>, max: usize, mut work: F)
where
    F: FnMut(Vec<J>) -> Fut,
    Fut: Future<Output = Vec<Answer<T>>>,
{
    loop {
        group.wake.notified().await;
        loop {
            let batch: Vec<Pending<J, T>> = {
                let mut queue = group.queue_lock();
                let take = queue.len().min(max);
                queue.drain(..take).collect()
            };
            if batch.is_empty() {
                break;
            }
            let (jobs, answers): (Vec<J>, Vec<_>) =
                batch.into_iter().map(|p| (p.job, p.answer)).unzip();
            let count = jobs.len();
            let mut results = work(jobs).await.into_iter();
            for answer in answers {
                let result = results.next().unwrap_or_else(|| {
                    Err(Arc::new(Error::Store(format!(
                        "a batch of {count} was answered short"
                    ))))
                });
                // A caller that gave up (its own time bound) is not waiting.
                let _ = answer.send(result);
            }
        }
    }
}

/// The same answer for every job of a batch.
pub(super) fn for_each<T: Clone>(count: usize, result: Result<T>) -> Vec<Answer<T>> {
    match result {
        Ok(value) => vec![Ok(value); count],
        Err(err) => vec![Err(Arc::new(err)); count],
    }
}

/// `err` again, for another caller of the same failed batch.
fn same_error(err: &Error) -> Error {
    match err {
        Error::StoreUnavailable(line) => Error::StoreUnavailable(line.clone()),
        Error::NotFound { kind, id } => Error::NotFound {
            kind,
            id: id.clone(),
        },
        other => Error::Store(other.to_string()),
    }
}
