//! Version checks for `exec --watch`: where each request's values are, as
//! cheaply as its service says it, never fetching a value. Each service
//! owns its checks (`secretsmanager::versions`, `ssm::versions`); this
//! groups the requests as the fetch does and gathers every failure. With
//! `--fallback-region`, the checks of a region that has an outage are asked
//! of the replicas as the fetch does (`failover`): the first fallback region
//! whose replicas answer for every secret stands in.

use super::clients::{Clients, Limits, sdk_config};
use super::credentials::Role;
use super::failover::{in_region, is_outage};
use super::outcome::{ABSENT, Found};
use super::request::{Request, group, shown};
use super::secretsmanager::Query;
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
    fallback: Vec<String>,
}

impl Checker {
    /// With `role` assumed (and renewed) for every check.
    pub(crate) async fn new(
        region: Option<String>,
        limits: Limits,
        role: Option<&Role>,
        fallback: Vec<String>,
    ) -> Result<Checker, Error> {
        let config = sdk_config(region, &limits, role, false).await?;
        Ok(Checker {
            clients: Clients::new(config),
            limits,
            fallback,
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
                let (queries, region) = (by.secretsmanager, region.clone());
                tasks.spawn(async move {
                    let found = secretsmanager::versions(&client, &shown, queries.clone()).await;
                    (Some((region, queries)), found)
                });
            }
            if !by.ssm.is_empty() {
                let client = self.clients.get(region.as_ref());
                tasks.spawn(async move { (None, ssm::versions(&client, &shown, by.ssm).await) });
            }
        }
        let mut versions = Versions::new();
        let mut errors = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            let (secrets, mut found) = joined.expect("version check task panicked");
            if let Some((region, queries)) = secrets
                && found.iter().any(|f| f.as_ref().is_err_and(is_outage))
                && let Some(replicas) = self.replica_versions(region.as_ref(), &queries).await
            {
                found = replicas;
            }
            for found in found {
                match found {
                    Ok(found) => versions.extend(found),
                    Err(e) => errors.push(e),
                }
            }
        }
        Error::all(errors)?;
        Ok(versions)
    }

    /// The versions of `queries` (a region's secrets) from the replicas in
    /// the first fallback region where every one answers and exists, keyed
    /// as the secrets' own region would key them; `None` if none does.
    async fn replica_versions(
        &mut self,
        own: Option<&String>,
        queries: &[Query],
    ) -> Option<Vec<Found>> {
        for region in self.fallback.clone() {
            if own == Some(&region) {
                continue;
            }
            let asked: Vec<Query> = queries.iter().map(|q| in_region(q, &region)).collect();
            let client = self.clients.get(Some(&region));
            let found = secretsmanager::versions(&client, &region, asked.clone()).await;
            let answered = found.iter().all(|f| {
                f.as_ref()
                    .is_ok_and(|v| v.iter().all(|(_, version)| version != ABSENT))
            });
            if !answered {
                continue;
            }
            // A rewritten ARN keys its entries as the original one.
            let renames: Vec<(&str, &str)> = queries
                .iter()
                .zip(&asked)
                .filter_map(|(q, a)| Some((a.arn()?, q.arn()?)))
                .filter(|(a, q)| a != q)
                .collect();
            let rename = |key: String| {
                renames
                    .iter()
                    .fold(key, |key, (asked, own)| key.replace(asked, own))
            };
            return Some(
                found
                    .into_iter()
                    .map(|f| f.map(|v| v.into_iter().map(|(k, v)| (rename(k), v)).collect()))
                    .collect(),
            );
        }
        None
    }
}
