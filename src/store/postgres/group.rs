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
/// `work` gets a batch and answers each of its jobs, in order. Jobs whose caller has given
/// up (its own time bound passed, say while the database was down) are dropped, not done.
/// Each batch runs as a task of its own, so that a batch that panics fails its callers
/// rather than stopping every later batch.
pub(super) async fn serve<J, T, F, Fut>(group: Arc<Group<J, T>>, max: usize, mut work: F)
where
    F: FnMut(Vec<J>) -> Fut,
    Fut: Future<Output = Vec<Answer<T>>> + Send + 'static,
    T: Send + 'static,
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
            let (jobs, answers): (Vec<J>, Vec<_>) = batch
                .into_iter()
                .filter(|p| !p.answer.is_closed())
                .map(|p| (p.job, p.answer))
                .unzip();
            if jobs.is_empty() {
                continue;
            }
            let count = jobs.len();
            let results = match tokio::spawn(work(jobs)).await {
                Ok(results) => results,
                Err(failed) => fail_all(
                    count,
                    Error::Store(format!("a batch of {count} failed: {failed}")),
                ),
            };
            let mut results = results.into_iter();
            for answer in answers {
                let result = results.next().unwrap_or_else(|| {
                    Err(Arc::new(Error::Store(format!(
                        "a batch of {count} was answered short"
                    ))))
                });
                // A caller that gave up meanwhile is not waiting.
                let _ = answer.send(result);
            }
        }
    }
}

/// The same failure for every job of a batch of `count`.
pub(super) fn fail_all<T>(count: usize, err: Error) -> Vec<Answer<T>> {
    let err = Arc::new(err);
    (0..count).map(|_| Err(Arc::clone(&err))).collect()
}

/// `err` again, for another caller of the same failed batch.
fn same_error(err: &Error) -> Error {
    match err {
        Error::StoreUnavailable(line) => Error::StoreUnavailable(line.clone()),
        Error::Store(line) => Error::Store(line.clone()),
        Error::NotFound { kind, id } => Error::NotFound {
            kind,
            id: id.clone(),
        },
        other => Error::Store(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A group whose task doubles each job, and panics on a batch holding 13.
    fn doubling() -> Arc<Group<u32, u32>> {
        let group: Arc<Group<u32, u32>> = Arc::default();
        tokio::spawn(serve(Arc::clone(&group), 4, |jobs: Vec<u32>| async move {
            assert!(!jobs.contains(&13), "a batch the work cannot do");
            jobs.into_iter().map(|job| Ok(job * 2)).collect()
        }));
        group
    }

    #[tokio::test]
    async fn every_caller_gets_its_own_answer_and_a_failed_batch_fails_only_its_callers() {
        let group = doubling();
        let callers: Vec<_> = (0..10u32)
            .map(|job| {
                let group = Arc::clone(&group);
                tokio::spawn(async move { group.submit(job).await.unwrap() })
            })
            .collect();
        for (job, caller) in (0..10u32).zip(callers) {
            assert_eq!(caller.await.unwrap(), job * 2);
        }
        let err = group.submit(13).await.unwrap_err();
        assert!(
            err.to_string()
                .starts_with("store: a batch of 1 failed: task "),
            "{err}"
        );
        // The task goes on with the next batch.
        assert_eq!(group.submit(21).await.unwrap(), 42);
    }

    #[tokio::test]
    async fn a_job_whose_caller_gave_up_is_not_done() {
        let done: Arc<Mutex<Vec<u32>>> = Arc::default();
        let group: Arc<Group<u32, u32>> = Arc::default();
        // Queued before the task runs: the caller that gave up is already gone.
        let given_up =
            tokio::time::timeout(std::time::Duration::from_millis(1), group.submit(1)).await;
        assert!(given_up.is_err());
        let seen = Arc::clone(&done);
        tokio::spawn(serve(Arc::clone(&group), 4, move |jobs: Vec<u32>| {
            seen.lock().unwrap().extend(&jobs);
            async move { jobs.into_iter().map(Ok).collect() }
        }));
        assert_eq!(group.submit(2).await.unwrap(), 2);
        assert_eq!(*done.lock().unwrap(), [2]);
    }
}
