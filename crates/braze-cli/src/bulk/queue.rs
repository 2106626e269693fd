//! The rows waiting between the reader thread and the workers: a bounded queue that
//! wakes each side only when it must.
//!
//! A plain bounded channel wakes the reader for every slot a worker frees, which on a
//! small machine costs a context switch per row. Here the reader, once the queue is full,
//! sleeps until the workers have drained it to half ([`JobQueue::push`]); the workers
//! sleep only when it is empty. Every row is queued as soon as it is read, so a slow
//! input (a pipe) never holds rows back.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard};

use tokio::sync::Notify;

/// A bounded multi-consumer queue fed by one blocking producer.
pub struct JobQueue<T> {
    state: Mutex<State<T>>,
    /// The reader waits here for room.
    room: Condvar,
    /// Workers wait here for items.
    items: Notify,
    capacity: usize,
    refill_at: usize,
}

struct State<T> {
    items: VecDeque<T>,
    /// The reader is done: workers stop when the queue is empty.
    closed: bool,
    /// No worker is left: the reader must not wait for room.
    deserted: bool,
}

impl<T> JobQueue<T> {
    /// A queue holding at most `capacity` items (at least 2).
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(2);
        Self {
            state: Mutex::new(State {
                items: VecDeque::with_capacity(capacity),
                closed: false,
                deserted: false,
            }),
            room: Condvar::new(),
            items: Notify::new(),
            capacity,
            refill_at: capacity / 2,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues an item, waiting (blocking the thread) while the queue is full. Gives the
    /// item back when no worker is left to take it.
    pub fn push(&self, item: T) -> Result<(), T> {
        let mut state = self.lock();
        while state.items.len() >= self.capacity && !state.deserted {
            state = self.room.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        if state.deserted {
            return Err(item);
        }
        state.items.push_back(item);
        drop(state);
        self.items.notify_one();
        Ok(())
    }

    /// No more items will come: workers finish what is queued, then stop.
    pub fn close(&self) {
        self.lock().closed = true;
        self.items.notify_waiters();
    }

    /// The next item; `None` once the queue is closed and empty.
    pub async fn pop(&self) -> Option<T> {
        loop {
            let notified = self.items.notified();
            tokio::pin!(notified);
            // Registered before looking, so a push or close in between is not missed.
            notified.as_mut().enable();
            {
                let mut state = self.lock();
                if let Some(item) = state.items.pop_front() {
                    let left = state.items.len();
                    drop(state);
                    if left == self.refill_at {
                        self.room.notify_one();
                    }
                    return Some(item);
                }
                if state.closed {
                    return None;
                }
            }
            notified.await;
        }
    }

    /// Every worker has gone: the reader stops waiting for room.
    pub fn desert(&self) {
        self.lock().deserted = true;
        self.room.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn items_flow_in_order_and_stop_after_close() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let queue = Arc::new(JobQueue::new(8));
        let producer = {
            let queue = Arc::clone(&queue);
            std::thread::spawn(move || {
                for i in 0..1_000u32 {
                    queue.push(i).unwrap();
                }
                queue.close();
            })
        };
        let consumers: Vec<_> = (0..4)
            .map(|_| {
                let queue = Arc::clone(&queue);
                runtime.spawn(async move {
                    let mut seen = Vec::new();
                    while let Some(i) = queue.pop().await {
                        seen.push(i);
                    }
                    seen
                })
            })
            .collect();
        producer.join().unwrap();
        let mut all: Vec<u32> = runtime.block_on(async {
            let mut all = Vec::new();
            for consumer in consumers {
                let seen = consumer.await.unwrap();
                assert!(
                    seen.windows(2).all(|w| w[0] < w[1]),
                    "each worker sees rows in order"
                );
                all.extend(seen);
            }
            all
        });
        all.sort_unstable();
        assert_eq!(all, (0..1_000).collect::<Vec<_>>());
    }

    #[test]
    fn a_deserted_queue_gives_items_back() {
        let queue = JobQueue::new(2);
        queue.push(1).unwrap();
        queue.push(2).unwrap();
        queue.desert();
        assert_eq!(queue.push(3), Err(3));
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    }

    /// Spawns `n` workers that each take one item and then hold on to it; counts them.
    fn spawn_takers(
        runtime: &tokio::runtime::Runtime,
        queue: &Arc<JobQueue<i32>>,
        n: usize,
    ) -> Arc<AtomicUsize> {
        let taken = Arc::new(AtomicUsize::new(0));
        for _ in 0..n {
            let (queue, taken) = (Arc::clone(queue), Arc::clone(&taken));
            runtime.spawn(async move {
                if queue.pop().await.is_some() {
                    taken.fetch_add(1, Ordering::SeqCst);
                    std::future::pending::<()>().await;
                }
            });
        }
        taken
    }

    /// Waits (at most 10 s) until `taken` reaches `n`, and returns what it reached.
    fn wait_for(taken: &AtomicUsize, n: usize) -> usize {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while taken.load(Ordering::SeqCst) < n && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        taken.load(Ordering::SeqCst)
    }

    #[test]
    fn waiting_workers_each_get_an_item() {
        let runtime = runtime();
        let queue = Arc::new(JobQueue::new(1024));
        let taken = spawn_takers(&runtime, &queue, 4);
        // Give the workers time to start waiting before anything is pushed.
        std::thread::sleep(std::time::Duration::from_millis(50));
        for i in 0..6 {
            queue.push(i).unwrap();
        }
        queue.close();
        assert_eq!(wait_for(&taken, 4), 4);
    }

    #[test]
    fn workers_arriving_late_each_get_an_item() {
        let runtime = runtime();
        let queue = Arc::new(JobQueue::new(1024));
        for i in 0..6 {
            queue.push(i).unwrap();
        }
        queue.close();
        let taken = spawn_takers(&runtime, &queue, 4);
        assert_eq!(wait_for(&taken, 4), 4);
    }
}
