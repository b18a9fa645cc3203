//! The SDK configuration, loaded once, and the service clients built from it:
//! one per service and region, each reachable only through the run's one
//! [`Scheduler`]. A service makes its client known by implementing
//! [`Client`] next to its calls.

use super::credentials;
use super::schedule::{Scheduled, Scheduler};
use crate::error::Error;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::time::Duration;

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

/// [`load_config`], then the role assumed if one is asked for
/// ([`credentials::assume`]; `masking` masks its keys).
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub(crate) async fn sdk_config(
    region: Option<String>,
    limits: &Limits,
    role: Option<&credentials::Role>,
    masking: bool,
) -> Result<SdkConfig, Error> {
    let sdk = load_config(region, limits).await;
    match role {
        // Boxed: the SDK's STS futures are large.
        Some(role) => Box::pin(credentials::assume(sdk, role, masking)).await,
        None => Ok(sdk),
    }
}

/// A service's SDK client. `build` must cap the replies it reads
/// (`reply_cap::CapReplies` and `reply_cap::NoRetryTooLarge`).
pub(crate) trait Client: Clone + Send + Sync + 'static {
    /// Calls a second this service takes from one account in one region
    /// without throttling, by its documented quota for the calls we make.
    const PER_SECOND: u32;

    /// A client from the shared configuration, in `region` if given.
    fn build(config: &SdkConfig, region: Option<&str>) -> Self;
}

/// Clients per service and region, sharing the one SDK configuration (one
/// credential cache; one connection pool per client) and one [`Scheduler`].
pub(crate) struct Clients {
    config: SdkConfig,
    scheduler: Scheduler,
    built: HashMap<(TypeId, Option<String>), Box<dyn Any + Send + Sync>>,
}

impl Clients {
    pub(crate) fn new(config: SdkConfig) -> Clients {
        Clients {
            config,
            scheduler: Scheduler::new(),
            built: HashMap::new(),
        }
    }

    /// The configured region, where a request names none of its own.
    pub(crate) fn default_region(&self) -> Option<String> {
        self.config.region().map(ToString::to_string)
    }

    /// Service `C`'s client for `region` (the configured one if `None`).
    pub(crate) fn get<C: Client>(&mut self, region: Option<&String>) -> Scheduled<C> {
        let config = &self.config;
        let client = self
            .built
            .entry((TypeId::of::<C>(), region.cloned()))
            .or_insert_with(|| Box::new(C::build(config, region.map(String::as_str))))
            .downcast_ref::<C>()
            .expect("a client is stored under its own type")
            .clone();
        self.scheduler.wrap(client, C::PER_SECOND)
    }
}
