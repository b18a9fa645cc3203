//! Fetching: the distinct requests the selectors make, run in parallel
//! (bounded) with one client per service and region — Secrets Manager ids
//! batched 20 to a `BatchGetSecretValue`, SSM names 10 to a `GetParameters`
//! (versioned ones alone),
//! wildcards and paths followed through every page.

mod aws_error;
mod reply_cap;
mod schedule;
mod secretsmanager;
mod ssm;
// What `exec --watch` (Linux only) checks.
#[cfg(target_os = "linux")]
pub(crate) mod versions;

use crate::error::Error;
use crate::secret::Item;
use crate::select::{Selector, Source};
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use schedule::{Scheduled, Scheduler};
use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;
use tokio::task::JoinSet;

/// What one selector needs from AWS; selectors that need the same share it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Request {
    Secret {
        id: String,
        version_stage: Option<String>,
        version_id: Option<String>,
    },
    SecretPrefix {
        prefix: String,
    },
    Parameter {
        name: String,
    },
    ParameterPath {
        path: String,
    },
}

/// Every request's outcome: its items, or why it failed.
pub(crate) type Results = HashMap<Request, Result<Vec<Item>, Error>>;

/// What one API task settles: one or more requests and their outcomes.
pub(crate) type Settled = Vec<(Request, Result<Vec<Item>, Error>)>;

impl Request {
    pub(crate) fn of(selector: &Selector) -> Request {
        match &selector.source {
            Source::Secret {
                id, prefix: true, ..
            } => Request::SecretPrefix { prefix: id.clone() },
            Source::Secret {
                id,
                version_stage,
                version_id,
                ..
            } => Request::Secret {
                id: id.clone(),
                version_stage: version_stage.clone(),
                version_id: version_id.clone(),
            },
            Source::Parameter { name } => Request::Parameter { name: name.clone() },
            Source::ParameterPath { path } => Request::ParameterPath { path: path.clone() },
        }
    }

    /// The region an ARN names, if the request is by ARN.
    pub(crate) fn arn_region(&self) -> Option<String> {
        let (Request::Secret { id, .. } | Request::Parameter { name: id }) = self else {
            return None;
        };
        let mut fields = id.split(':');
        (fields.next() == Some("arn"))
            .then(|| fields.nth(2))
            .flatten()
            .filter(|r| !r.is_empty())
            .map(str::to_string)
    }

    /// True for "does not exist" outcomes that an optional selector may ignore.
    pub(crate) fn is_absence(err: &Error) -> bool {
        matches!(err, Error::NotFound { .. } | Error::NoMatch { .. })
    }
}

/// How long and how often to try.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// The whole fetch, credentials and retries included.
    pub total: Duration,
    pub connect: Duration,
    pub max_attempts: u32,
}

/// Loads the SDK configuration once: credentials, region and endpoint from the
/// default chain, with `region` overriding the chain's region; retries
/// (standard mode: exponential backoff with jitter on throttling, 5xx and
/// dropped connections) and timeouts from `limits`.
pub(crate) async fn load_config(region: Option<String>, limits: &Limits) -> SdkConfig {
    let attempt = limits.total.min(Duration::from_secs(10));
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(limits.max_attempts)
                .with_initial_backoff(Duration::from_millis(200))
                .with_max_backoff(Duration::from_secs(5)),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(limits.connect)
                .operation_attempt_timeout(attempt)
                .operation_timeout(limits.total)
                .build(),
        );
    if let Some(region) = region {
        loader = loader.region(Region::new(region));
    }
    loader.load().await
}

/// Clients per region, sharing the one SDK configuration (and so one
/// credential cache and one connection pool per client) and one
/// [`Scheduler`]. Every client caps the replies it reads at
/// [`reply_cap::REPLY_CAP`].
struct Clients {
    config: SdkConfig,
    scheduler: Scheduler,
    sm: HashMap<Option<String>, Scheduled<aws_sdk_secretsmanager::Client>>,
    ssm: HashMap<Option<String>, Scheduled<aws_sdk_ssm::Client>>,
}

impl Clients {
    fn new(config: SdkConfig) -> Clients {
        Clients {
            config,
            scheduler: Scheduler::new(),
            sm: HashMap::new(),
            ssm: HashMap::new(),
        }
    }

    fn secretsmanager(
        &mut self,
        region: Option<&String>,
    ) -> Scheduled<aws_sdk_secretsmanager::Client> {
        let (config, scheduler) = (&self.config, &self.scheduler);
        self.sm
            .entry(region.cloned())
            .or_insert_with(|| {
                let mut b = aws_sdk_secretsmanager::config::Builder::from(config)
                    .interceptor(reply_cap::CapReplies)
                    .retry_classifier(reply_cap::NoRetryTooLarge);
                if let Some(r) = region {
                    b = b.region(Region::new(r.clone()));
                }
                scheduler.wrap(aws_sdk_secretsmanager::Client::from_conf(b.build()))
            })
            .clone()
    }

    fn ssm(&mut self, region: Option<&String>) -> Scheduled<aws_sdk_ssm::Client> {
        let (config, scheduler) = (&self.config, &self.scheduler);
        self.ssm
            .entry(region.cloned())
            .or_insert_with(|| {
                let mut b = aws_sdk_ssm::config::Builder::from(config)
                    .interceptor(reply_cap::CapReplies)
                    .retry_classifier(reply_cap::NoRetryTooLarge);
                if let Some(r) = region {
                    b = b.region(Region::new(r.clone()));
                }
                scheduler.wrap(aws_sdk_ssm::Client::from_conf(b.build()))
            })
            .clone()
    }
}

/// Runs every request; each gets its own outcome, so one failure hides no other.
// One match over the request kinds reads better than its arms spread apart.
#[allow(clippy::too_many_lines)]
pub(crate) async fn fetch_all(config: &SdkConfig, requests: Vec<Request>) -> Results {
    let default_region = config.region().map(std::string::ToString::to_string);
    let mut clients = Clients::new(config.clone());
    let mut tasks: JoinSet<Settled> = JoinSet::new();
    // Tasks cost nothing while they wait: the bound is on calls, taken by
    // each call (`schedule`), never by a task.
    let mut spawn = |f: std::pin::Pin<Box<dyn Future<Output = _> + Send>>| {
        tasks.spawn(f);
    };

    // Batchable requests, grouped by region.
    let mut secret_ids: HashMap<Option<String>, Vec<String>> = HashMap::new();
    let mut parameter_names: HashMap<Option<String>, Vec<String>> = HashMap::new();
    for request in requests {
        let region = request.arn_region().or_else(|| default_region.clone());
        let shown = region.clone().unwrap_or_else(|| "none configured".into());
        match request {
            Request::Secret {
                ref id,
                version_stage: None,
                version_id: None,
            } => secret_ids.entry(region).or_default().push(id.clone()),
            Request::Secret { .. } => {
                let client = clients.secretsmanager(region.as_ref());
                spawn(Box::pin(async move {
                    let result = secretsmanager::get_one(&client, &request, &shown).await;
                    vec![(request, result)]
                }));
            }
            Request::SecretPrefix { ref prefix } => {
                let client = clients.secretsmanager(region.as_ref());
                let prefix = prefix.clone();
                spawn(Box::pin(async move {
                    let result = secretsmanager::by_prefix(&client, &prefix, &shown).await;
                    vec![(request, result)]
                }));
            }
            Request::Parameter { ref name } if ssm::has_selector(name) => {
                let client = clients.ssm(region.as_ref());
                let name = name.clone();
                spawn(Box::pin(async move {
                    let result = ssm::get_one(&client, &name, &shown).await;
                    vec![(request, result)]
                }));
            }
            Request::Parameter { ref name } => parameter_names
                .entry(region)
                .or_default()
                .push(name.clone()),
            Request::ParameterPath { ref path } => {
                let client = clients.ssm(region.as_ref());
                let path = path.clone();
                spawn(Box::pin(async move {
                    let result = ssm::by_path(&client, &path, &shown).await;
                    vec![(request, result)]
                }));
            }
        }
    }
    for (region, ids) in secret_ids {
        let client = clients.secretsmanager(region.as_ref());
        let shown = region.clone().unwrap_or_else(|| "none configured".into());
        for chunk in ids.chunks(secretsmanager::BATCH) {
            let (client, chunk, shown) = (client.clone(), chunk.to_vec(), shown.clone());
            spawn(Box::pin(async move {
                secretsmanager::get_batch(&client, chunk, &shown).await
            }));
        }
    }
    for (region, names) in parameter_names {
        let client = clients.ssm(region.as_ref());
        let shown = region.clone().unwrap_or_else(|| "none configured".into());
        for chunk in names.chunks(ssm::BATCH) {
            let (client, chunk, shown) = (client.clone(), chunk.to_vec(), shown.clone());
            spawn(Box::pin(async move {
                ssm::get_batch(&client, chunk, &shown).await
            }));
        }
    }

    let mut results = HashMap::new();
    while let Some(joined) = tasks.join_next().await {
        // A panicking task cannot carry a value out: `Secret` prints `***`.
        for (request, result) in joined.expect("fetch task panicked") {
            results.insert(request, result);
        }
    }
    results
}
