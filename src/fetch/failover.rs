//! Region failover (`--fallback-region`): a Secrets Manager request whose
//! region had an outage — no answer, a timeout, a 5xx, throttling after the
//! retries — is read from the secret's replica in the first fallback region
//! that answers: by the same name, or by its ARN rewritten to that region.
//! Never after a 4xx: a secret that is missing, denied or scheduled for
//! deletion in its own region is an error, not a reason to read a copy that
//! may be stale or planted. SSM parameters have no replicas and are read
//! from their own region only.

use super::clients::Clients;
use super::request::{Request, Results};
use super::secretsmanager::{self, Query};
use crate::error::Error;
use std::collections::HashMap;

/// The requests read from a replica: where, and why.
pub(crate) type Replicas = HashMap<Request, Replica>;

/// A request read from a replica.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Replica {
    /// The region whose replica gave the values.
    pub(crate) region: String,
    /// The outage of the secret's own region, as its error says it.
    pub(crate) why: String,
}

/// True for failures of a region, not of the request: a reason to read a
/// replica.
pub(crate) fn is_outage(err: &Error) -> bool {
    matches!(
        err,
        Error::Network { .. } | Error::Unavailable { .. } | Error::Throttled { .. }
    )
}

/// `query` as asked of `region`: an ARN names its region, rewritten.
pub(super) fn in_region(query: &Query, region: &str) -> Query {
    match query {
        Query::Id {
            id,
            version_stage,
            version_id,
        } if id.starts_with("arn:") => {
            let mut fields: Vec<&str> = id.splitn(5, ':').collect();
            if fields.len() == 5 {
                fields[3] = region;
            }
            Query::Id {
                id: fields.join(":"),
                version_stage: version_stage.clone(),
                version_id: version_id.clone(),
            }
        }
        other => other.clone(),
    }
}

/// Reads, from the fallback regions in order, every Secrets Manager request
/// of `results` that failed with an outage; replaces its outcome with the
/// replica's values, or with [`Error::NoReplica`] naming every attempt.
pub(super) async fn read_replicas(
    clients: &mut Clients,
    results: &mut Results,
    fallback: &[String],
) -> Replicas {
    let default = clients.default_region();
    // The failed requests, with their own region and what each replica said.
    let mut pending: Vec<(Request, Option<String>, Vec<String>)> = results
        .iter()
        .filter(|(r, outcome)| {
            matches!(r, Request::SecretsManager(_)) && outcome.as_ref().is_err_and(is_outage)
        })
        .map(|(r, _)| {
            (
                r.clone(),
                r.arn_region().or_else(|| default.clone()),
                Vec::new(),
            )
        })
        .collect();
    let mut replicas = Replicas::new();
    for region in fallback {
        let mut asked: HashMap<Query, Vec<usize>> = HashMap::new();
        for (i, (request, own, _)) in pending.iter().enumerate() {
            let Request::SecretsManager(query) = request else {
                continue;
            };
            if own.as_ref() != Some(region) && !replicas.contains_key(request) {
                asked.entry(in_region(query, region)).or_default().push(i);
            }
        }
        if asked.is_empty() {
            continue;
        }
        let client = clients.get(Some(region));
        let queries: Vec<Query> = asked.keys().cloned().collect();
        for (query, outcome) in secretsmanager::fetch(&client, region, queries).await {
            for &i in asked.get(&query).into_iter().flatten() {
                let (request, _, tried) = &mut pending[i];
                match &outcome {
                    Ok(items) => {
                        let primary = results.insert(request.clone(), Ok(items.clone()));
                        let why = match primary {
                            Some(Err(e)) => e.to_string(),
                            _ => String::new(),
                        };
                        let region = region.clone();
                        replicas.insert(request.clone(), Replica { region, why });
                    }
                    Err(e) => tried.push(format!("in {region}, {e}")),
                }
            }
        }
    }
    for (request, _, tried) in pending {
        if replicas.contains_key(&request) || tried.is_empty() {
            continue;
        }
        if let Some(Err(primary)) = results.remove(&request) {
            let error = Error::NoReplica {
                primary: Box::new(primary),
                replicas: tried.join("; "),
            };
            results.insert(request, Err(error));
        }
    }
    replicas
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_are_rewritten_to_the_replica_region_names_kept() {
        let id = |id: &str| Query::Id {
            id: id.into(),
            version_stage: Some("AWSCURRENT".into()),
            version_id: None,
        };
        assert_eq!(
            in_region(
                &id("arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-AbCdEf"),
                "eu-west-1"
            ),
            id("arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/db-AbCdEf")
        );
        assert_eq!(in_region(&id("app/db"), "eu-west-1"), id("app/db"));
    }

    #[test]
    fn only_outages_fail_over() {
        let network = Error::Network {
            what: "secret `a`".into(),
            service: "AWS Secrets Manager",
            reason: "connection refused".into(),
        };
        let missing = Error::NotFound {
            what: "secret `a`".into(),
            code: "ResourceNotFoundException".into(),
            hint: String::new(),
        };
        let denied = Error::AccessDenied {
            what: "secret `a`".into(),
            code: "AccessDeniedException".into(),
            actions: "",
            detail: String::new(),
        };
        assert!(is_outage(&network));
        assert!(!is_outage(&missing));
        assert!(!is_outage(&denied));
        assert!(!is_outage(&Error::ScheduledForDeletion { id: "a".into() }));
    }
}
