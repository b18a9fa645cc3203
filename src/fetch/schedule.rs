//! The one scheduler every AWS call passes through: a client is reachable
//! only as a [`Scheduled`] client, whose [`Scheduled::call`] holds one permit
//! of the run's shared bound for the whole call (its retries included), so
//! at most [`PARALLEL`] calls are in flight whatever path makes them — a
//! batch, its one-by-one fallback, a page, a `--watch` version check.

use std::future::Future;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// API calls in flight at once, across every request and service.
pub(crate) const PARALLEL: usize = 8;

/// The bound one run (one fetch, one version check) shares.
#[derive(Clone)]
pub(crate) struct Scheduler {
    permits: Arc<Semaphore>,
}

impl Scheduler {
    pub(crate) fn new() -> Scheduler {
        Scheduler {
            permits: Arc::new(Semaphore::new(PARALLEL)),
        }
    }

    /// `client`, callable only through this scheduler.
    pub(crate) fn wrap<C>(&self, client: C) -> Scheduled<C> {
        Scheduled {
            client,
            permits: self.permits.clone(),
        }
    }
}

/// A service client whose every call takes a permit first. The client
/// itself is private: there is no way to call AWS around the bound.
#[derive(Clone)]
pub(crate) struct Scheduled<C> {
    client: C,
    permits: Arc<Semaphore>,
}

impl<C> Scheduled<C> {
    /// Runs one call (`f` builds and sends it) holding a permit until its
    /// reply is read whole; never held while waiting on anything else.
    pub(crate) async fn call<'a, F, Fut>(&'a self, f: F) -> Fut::Output
    where
        F: FnOnce(&'a C) -> Fut,
        Fut: Future,
    {
        let _permit = self
            .permits
            .acquire()
            .await
            .expect("the scheduler's semaphore is never closed");
        f(&self.client).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test(flavor = "current_thread")]
    async fn calls_beyond_the_bound_wait_for_a_permit() {
        let now = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let client = Scheduler::new().wrap(());
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..5 * PARALLEL {
            let (client, now, most) = (client.clone(), now.clone(), most.clone());
            tasks.spawn(async move {
                client
                    .call(|()| async {
                        let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(n, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        now.fetch_sub(1, Ordering::SeqCst);
                    })
                    .await;
            });
        }
        while tasks.join_next().await.is_some() {}
        assert_eq!(most.load(Ordering::SeqCst), PARALLEL);
    }
}
