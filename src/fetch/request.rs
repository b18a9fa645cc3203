//! The one request vocabulary: what a selector needs from AWS, as the query
//! of the service that answers it; selectors that need the same share it.
//! Requests are grouped here, once, by region and service for the fetch and
//! the `--watch` version check alike.

use super::secretsmanager;
use super::ssm;
use crate::error::Error;
use crate::secret::Item;
use crate::select::{Selector, Source};
use std::collections::{BTreeMap, HashMap};

/// A request: the query of one service.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Request {
    SecretsManager(secretsmanager::Query),
    Ssm(ssm::Query),
}

/// Every request's outcome: its items, or why it failed.
pub(crate) type Results = HashMap<Request, Result<Vec<Item>, Error>>;

impl Request {
    pub(crate) fn of(selector: &Selector) -> Request {
        match &selector.source {
            Source::Secret {
                id, prefix: true, ..
            } => Request::SecretsManager(secretsmanager::Query::Prefix { prefix: id.clone() }),
            Source::Secret {
                id,
                version_stage,
                version_id,
                ..
            } => Request::SecretsManager(secretsmanager::Query::Id {
                id: id.clone(),
                version_stage: version_stage.clone(),
                version_id: version_id.clone(),
            }),
            Source::Parameter { name } => Request::Ssm(ssm::Query::Name { name: name.clone() }),
            Source::ParameterPath { path } => Request::Ssm(ssm::Query::Path { path: path.clone() }),
        }
    }

    /// The region an ARN names, if the request is by ARN.
    pub(crate) fn arn_region(&self) -> Option<String> {
        let id = match self {
            Request::SecretsManager(q) => q.arn(),
            Request::Ssm(q) => q.arn(),
        }?;
        let mut fields = id.split(':');
        (fields.next() == Some("arn"))
            .then(|| fields.nth(2))
            .flatten()
            .filter(|r| !r.is_empty())
            .map(str::to_string)
    }
}

/// One region's requests, by service.
#[derive(Default)]
pub(super) struct ByService {
    pub(super) secretsmanager: Vec<secretsmanager::Query>,
    pub(super) ssm: Vec<ssm::Query>,
}

/// Requests by region (an ARN's own, else `default`), then by service.
pub(super) fn group<'a>(
    requests: impl IntoIterator<Item = &'a Request>,
    default: Option<&String>,
) -> BTreeMap<Option<String>, ByService> {
    let mut groups: BTreeMap<Option<String>, ByService> = BTreeMap::new();
    for request in requests {
        let region = request.arn_region().or_else(|| default.cloned());
        let group = groups.entry(region).or_default();
        match request {
            Request::SecretsManager(q) => group.secretsmanager.push(q.clone()),
            Request::Ssm(q) => group.ssm.push(q.clone()),
        }
    }
    groups
}

/// A region as error messages show it.
pub(super) fn shown(region: Option<&String>) -> String {
    region.cloned().unwrap_or_else(|| "none configured".into())
}
