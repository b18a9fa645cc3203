//! Fetching: the distinct requests the selectors make, grouped by region and
//! service, each service running every call of its own (`secretsmanager`,
//! `ssm`: batches, fallbacks, pages, `--watch` version checks), every call
//! through the one scheduler (`schedule`) that bounds calls in flight.
//! A new service is one file beside these two, plus a `Request` variant.

mod aws_error;
mod clients;
pub(crate) mod credentials;
mod failover;
mod outcome;
mod reply_cap;
mod request;
mod schedule;
mod secretsmanager;
mod ssm;
// What `exec --watch` (Linux only) checks.
#[cfg(target_os = "linux")]
pub(crate) mod versions;

pub(crate) use clients::{Limits, load_config};
pub(crate) use failover::Replicas;
pub(crate) use request::{Request, Results};

use aws_config::SdkConfig;
use clients::Clients;
use request::{group, shown};
use tokio::task::JoinSet;

/// Runs every request; each gets its own outcome, so one failure hides no
/// other. Secrets Manager requests whose region had an outage are then read
/// from their replicas in the `fallback` regions (`failover`), which the
/// returned map names.
pub(crate) async fn fetch_all(
    config: &SdkConfig,
    requests: Vec<Request>,
    fallback: &[String],
) -> (Results, Replicas) {
    let mut clients = Clients::new(config.clone());
    let default = clients.default_region();
    let mut tasks: JoinSet<Vec<(Request, outcome::Outcome)>> = JoinSet::new();
    for (region, by) in group(&requests, default.as_ref()) {
        let shown = shown(region.as_ref());
        if !by.secretsmanager.is_empty() {
            let (client, shown) = (clients.get(region.as_ref()), shown.clone());
            tasks.spawn(async move {
                let settled = secretsmanager::fetch(&client, &shown, by.secretsmanager).await;
                settled
                    .into_iter()
                    .map(|(q, r)| (Request::SecretsManager(q), r))
                    .collect()
            });
        }
        if !by.ssm.is_empty() {
            let client = clients.get(region.as_ref());
            tasks.spawn(async move {
                let settled = ssm::fetch(&client, &shown, by.ssm).await;
                settled
                    .into_iter()
                    .map(|(q, r)| (Request::Ssm(q), r))
                    .collect()
            });
        }
    }
    let mut results = Results::new();
    while let Some(joined) = tasks.join_next().await {
        // A panicking task cannot carry a value out: `Secret` prints `***`.
        results.extend(joined.expect("fetch task panicked"));
    }
    let replicas = if fallback.is_empty() {
        Replicas::new()
    } else {
        failover::read_replicas(&mut clients, &mut results, fallback).await
    };
    (results, replicas)
}
