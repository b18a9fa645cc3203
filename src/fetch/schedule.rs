//! The one scheduler every AWS call passes through: a client is reachable
//! only as a [`Scheduled`] client, whose [`Scheduled::call`] holds one permit
//! of the run's shared bound for the whole call (its retries included), so
//! at most [`PARALLEL`] calls are in flight whatever path makes them — a
//! batch, its one-by-one fallback, a page, a `--watch` version check — and
//! starts calls to one service in one region no faster than the service's
//! documented request rate (its [`Pace`]).
//!
//! The STS calls of `--role-arn` are the credential provider's, not a
//! client's: the first (with GitHub's token request before it) runs alone,
//! before any other call (`credentials::assume`), and each renewal runs
//! inside the call that needed fresh keys, while that call holds its permit,
//! so they never raise the number in flight either.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::time::Instant;

/// API calls in flight at once, across every request and service. At a
/// distant endpoint every new connection costs 2 round trips before its
/// first call, so the first calls each take 3 RTT; with calls started at
/// Secrets Manager's 100 a second, 24 keeps the pace going while they are
/// out, and 1,000 secret ids (50 batches) take about 1.3× the floor at
/// 200 ms (16: 1.54×, 8: 1.76×; BENCHMARKS.md, run 6). It also bounds what a
/// hostile endpoint can make us hold to 24 replies of at most
/// `reply_cap::REPLY_CAP` each.
pub(crate) const PARALLEL: usize = 24;

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

    /// `client`, callable only through this scheduler, its calls started at
    /// most `per_second` a second.
    pub(crate) fn wrap<C>(&self, client: C, per_second: u32) -> Scheduled<C> {
        Scheduled {
            client,
            permits: self.permits.clone(),
            pace: Arc::new(Pace::new(per_second)),
        }
    }
}

/// Call starts spaced evenly at a rate: the next free start time, taken in
/// turn, so a burst of calls never exceeds the rate even for an instant.
pub(crate) struct Pace {
    interval: Duration,
    next: Mutex<Option<Instant>>,
}

impl Pace {
    fn new(per_second: u32) -> Pace {
        Pace {
            interval: Duration::from_secs(1) / per_second.max(1),
            next: Mutex::new(None),
        }
    }

    /// Waits for this call's start time.
    async fn start(&self) {
        let at = {
            let mut next = self.next.lock().expect("no panic while the pace is held");
            let now = Instant::now();
            let at = next.map_or(now, |n| n.max(now));
            *next = Some(at + self.interval);
            at
        };
        tokio::time::sleep_until(at).await;
    }
}

/// A service client whose every call takes a permit first. The client
/// itself is private: there is no way to call AWS around the bound.
#[derive(Clone)]
pub(crate) struct Scheduled<C> {
    client: C,
    permits: Arc<Semaphore>,
    pace: Arc<Pace>,
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
        self.pace.start().await;
        f(&self.client).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(flavor = "current_thread")]
    async fn calls_beyond_the_bound_wait_for_a_permit() {
        let now = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let client = Scheduler::new().wrap((), 1_000_000);
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

    #[tokio::test(flavor = "current_thread")]
    async fn calls_start_no_faster_than_the_pace() {
        let begun = Instant::now();
        let client = Scheduler::new().wrap((), 40);
        let starts = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..10 {
            let (client, starts) = (client.clone(), starts.clone());
            tasks.spawn(async move {
                client
                    .call(|()| async { starts.lock().unwrap().push(Instant::now()) })
                    .await;
            });
        }
        while tasks.join_next().await.is_some() {}
        let mut starts = starts.lock().unwrap().clone();
        starts.sort();
        // The i-th call's start time is 25 ms × i after the first's, which
        // is no earlier than `begun`; a loaded machine only starts later.
        for (i, start) in (0u32..).zip(&starts) {
            assert!(*start - begun >= Duration::from_millis(25) * i, "{i}");
        }
    }
}
