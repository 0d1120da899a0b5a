//! Bulk issuance and bulk verification for release pipelines: streamed input with bounded
//! lines and memory, work spread over every core, results in input order.

pub mod issue;
pub mod rows;
pub mod verify;

/// How far along a batch is, for a progress bar the library never draws itself.
pub trait Progress: Sync {
    /// `rows` more rows are done.
    fn advance(&self, rows: u64);
}

/// Progress that goes nowhere.
pub struct Silent;

impl Progress for Silent {
    fn advance(&self, _: u64) {}
}

/// The worker threads to use: one per core.
pub fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Runs `work` over `items` split into one contiguous slice per thread, and returns the
/// results in the items' order.
pub(crate) fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    work: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    if items.is_empty() {
        return Vec::new();
    }
    let per_thread = items.len().div_ceil(threads.max(1));
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(per_thread)
            .map(|slice| scope.spawn(|| slice.iter().map(&work).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("batch worker panicked"))
            .collect()
    })
}
