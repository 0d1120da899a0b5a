//! Group commit: many concurrent writers share one `fsync`.
//!
//! A writer commits its sled transaction, takes a ticket, and waits until a flush that
//! started after the ticket was taken has finished. One thread flushes in a loop; every
//! ticket taken while a flush runs is covered by the next one, so under load one flush
//! acknowledges a whole group of activations instead of each waiting for its own.

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use tokio::sync::watch;

/// Hands out tickets and reports which have been made durable.
#[derive(Clone, Debug)]
pub struct GroupCommit {
    requested: Arc<(Mutex<u64>, Condvar)>,
    flushed: watch::Receiver<u64>,
}

impl GroupCommit {
    /// Starts the flushing thread; `flush` makes every write so far durable.
    pub fn start(flush: impl Fn() -> crate::Result<()> + Send + 'static) -> Self {
        let requested = Arc::new((Mutex::new(0u64), Condvar::new()));
        let (done, flushed) = watch::channel(0u64);
        let shared = Arc::clone(&requested);
        std::thread::Builder::new()
            .name("keyctl-commit".into())
            .spawn(move || flush_loop(&shared, &done, flush))
            .expect("spawn the commit thread");
        GroupCommit { requested, flushed }
    }

    /// Waits until every write this task made before calling is durable.
    pub async fn durable(&self) {
        let ticket = {
            let (lock, wake) = &*self.requested;
            let mut requested = lock.lock().unwrap_or_else(|e| e.into_inner());
            *requested += 1;
            wake.notify_one();
            *requested
        };
        let mut flushed = self.flushed.clone();
        // An error means the commit thread is gone; callers time out rather than
        // acknowledge a write that is not durable.
        let _ = flushed.wait_for(|done| *done >= ticket).await;
    }
}

fn flush_loop(
    requested: &(Mutex<u64>, Condvar),
    done: &watch::Sender<u64>,
    flush: impl Fn() -> crate::Result<()>,
) {
    let (lock, wake) = requested;
    loop {
        let target = {
            let mut requested = lock.lock().unwrap_or_else(|e| e.into_inner());
            while *requested <= *done.borrow() {
                requested = wake.wait(requested).unwrap_or_else(|e| e.into_inner());
            }
            *requested
        };
        match flush() {
            Ok(()) => {
                if done.send(target).is_err() {
                    return;
                }
            }
            Err(err) => {
                // Nothing is acknowledged until a flush succeeds; waiters keep waiting.
                tracing::error!("flushing the store failed: {err}; retrying");
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}
