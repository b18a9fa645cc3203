//! Version checks for `exec --watch`: where each request's values are, as
//! cheaply as its service says it, never fetching a value. Each service
//! owns its checks (`secretsmanager::versions`, `ssm::versions`); this
//! groups the requests as the fetch does and gathers every failure.

use super::clients::{Clients, Limits, sdk_config};
use super::credentials::Role;
use super::request::{Request, group, shown};
use super::{secretsmanager, ssm};
use crate::error::Error;
use tokio::task::JoinSet;

pub(crate) use super::outcome::Versions;

/// Checks versions again and again with one SDK configuration (one
/// credential cache, one connection pool per client) and one bound on
/// calls in flight.
pub(crate) struct Checker {
    clients: Clients,
    limits: Limits,
}

impl Checker {
    /// With `role` assumed (and renewed) for every check.
    pub(crate) async fn new(
        region: Option<String>,
        limits: Limits,
        role: Option<&Role>,
    ) -> Result<Checker, Error> {
        let config = sdk_config(region, &limits, role, false).await?;
        Ok(Checker {
            clients: Clients::new(config),
            limits,
        })
    }

    /// The versions of everything `requests` select, within `--timeout`.
    /// Any failure fails the check (every failure reported).
    pub(crate) async fn check(&mut self, requests: &[Request]) -> Result<Versions, Error> {
        let total = self.limits.total;
        tokio::time::timeout(total, self.check_all(requests))
            .await
            .map_err(|_| Error::Timeout {
                seconds: total.as_secs_f64(),
            })?
    }

    async fn check_all(&mut self, requests: &[Request]) -> Result<Versions, Error> {
        let default = self.clients.default_region();
        let mut tasks = JoinSet::new();
        for (region, by) in group(requests, default.as_ref()) {
            let shown = shown(region.as_ref());
            if !by.secretsmanager.is_empty() {
                let (client, shown) = (self.clients.get(region.as_ref()), shown.clone());
                tasks.spawn(async move {
                    secretsmanager::versions(&client, &shown, by.secretsmanager).await
                });
            }
            if !by.ssm.is_empty() {
                let client = self.clients.get(region.as_ref());
                tasks.spawn(async move { ssm::versions(&client, &shown, by.ssm).await });
            }
        }
        let mut versions = Versions::new();
        let mut errors = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            for found in joined.expect("version check task panicked") {
                match found {
                    Ok(found) => versions.extend(found),
                    Err(e) => errors.push(e),
                }
            }
        }
        Error::all(errors)?;
        Ok(versions)
    }
}
