//! Version checks for `exec --watch`: where each request's values are, as
//! cheaply as the services say it, never fetching a value. Secrets Manager:
//! one `DescribeSecret` per secret (`VersionIdsToStages`), one `ListSecrets`
//! page per 100 wildcard matches; SSM: one `GetParameters` per 10 names, one
//! `GetParameter` per labelled name, one `GetParametersByPath` page per 10
//! parameters under a path — all without decryption. A pinned version id or
//! SSM version number cannot move and costs nothing.

use super::aws_error::{Ctx, Service, from_sdk};
use super::schedule::Scheduled;
use super::{Clients, Limits, Request, load_config, ssm};
use crate::error::Error;
use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::pin::Pin;
use tokio::task::JoinSet;

/// Where the selected values are: `WHAT → VERSION`, one entry per secret or
/// parameter (each match of a wildcard or path its own), so a moved version
/// and an added or removed match both change the map. `absent` marks a
/// secret or parameter that does not exist (an optional selector's).
pub(crate) type Versions = BTreeMap<String, String>;

const ABSENT: &str = "absent";

/// What one check task settles.
type Found = Result<Vec<(String, String)>, Error>;

/// Checks versions again and again with one SDK configuration (one
/// credential cache, one connection pool per client).
pub(crate) struct Checker {
    clients: Clients,
    limits: Limits,
}

impl Checker {
    pub(crate) async fn new(region: Option<String>, limits: Limits) -> Checker {
        let config = load_config(region, &limits).await;
        Checker {
            clients: Clients::new(config),
            limits,
        }
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
        let default_region = self
            .clients
            .config
            .region()
            .map(std::string::ToString::to_string);
        let mut tasks: JoinSet<Found> = JoinSet::new();
        // The bound is taken by each call (`schedule`), never by a task.
        let mut spawn = |f: Pin<Box<dyn Future<Output = Found> + Send>>| {
            tasks.spawn(f);
        };
        let mut names: HashMap<Option<String>, Vec<String>> = HashMap::new();
        for request in requests {
            let region = request.arn_region().or_else(|| default_region.clone());
            let shown = region.clone().unwrap_or_else(|| "none configured".into());
            match request {
                // A version id names content that never changes.
                Request::Secret {
                    version_id: Some(_),
                    ..
                } => {}
                Request::Secret {
                    id, version_stage, ..
                } => {
                    let client = self.clients.secretsmanager(region.as_ref());
                    let (id, stage) = (id.clone(), version_stage.clone());
                    spawn(Box::pin(async move {
                        describe(&client, &id, stage.as_deref(), &shown).await
                    }));
                }
                Request::SecretPrefix { prefix } => {
                    let client = self.clients.secretsmanager(region.as_ref());
                    let prefix = prefix.clone();
                    spawn(Box::pin(
                        async move { list(&client, &prefix, &shown).await },
                    ));
                }
                Request::Parameter { name } if ssm::has_selector(name) => {
                    // `NAME:3` is pinned; `NAME:label` moves with its label.
                    let selector = name.rsplit(':').next().unwrap_or("");
                    if selector.bytes().all(|b| b.is_ascii_digit()) {
                        continue;
                    }
                    let client = self.clients.ssm(region.as_ref());
                    let name = name.clone();
                    spawn(Box::pin(
                        async move { labelled(&client, &name, &shown).await },
                    ));
                }
                Request::Parameter { name } => names.entry(region).or_default().push(name.clone()),
                Request::ParameterPath { path } => {
                    let client = self.clients.ssm(region.as_ref());
                    let path = path.clone();
                    spawn(Box::pin(async move {
                        path_versions(&client, &path, &shown).await
                    }));
                }
            }
        }
        for (region, names) in names {
            let client = self.clients.ssm(region.as_ref());
            let shown = region.unwrap_or_else(|| "none configured".into());
            for chunk in names.chunks(ssm::BATCH) {
                let (client, chunk, shown) = (client.clone(), chunk.to_vec(), shown.clone());
                spawn(Box::pin(async move {
                    parameters(&client, &chunk, &shown).await
                }));
            }
        }
        let mut versions = Versions::new();
        let mut errors = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            match joined.expect("version check task panicked") {
                Ok(found) => versions.extend(found),
                Err(e) => errors.push(e),
            }
        }
        Error::all(errors)?;
        Ok(versions)
    }
}

/// An access denied names the permission the check needs.
fn needs(err: Error, actions: &'static str) -> Error {
    match err {
        Error::AccessDenied {
            what, code, detail, ..
        } => Error::AccessDenied {
            what,
            code,
            actions,
            detail,
        },
        other => other,
    }
}

/// The version id holding `stage` among a secret's versions.
fn at_stage(map: Option<&HashMap<String, Vec<String>>>, stage: &str) -> String {
    map.into_iter()
        .flatten()
        .find(|(_, stages)| stages.iter().any(|s| s == stage))
        .map_or_else(|| ABSENT.to_string(), |(id, _)| id.clone())
}

/// One `DescribeSecret`: the version id at the selected stage.
async fn describe(
    client: &Scheduled<aws_sdk_secretsmanager::Client>,
    id: &str,
    stage: Option<&str>,
    region: &str,
) -> Found {
    let stage = stage.unwrap_or("AWSCURRENT");
    let what = format!("secret `{id}` at stage `{stage}`");
    let version = match client
        .call(|c| c.describe_secret().secret_id(id).send())
        .await
    {
        Ok(out) => at_stage(out.version_ids_to_stages(), stage),
        Err(e) => match from_sdk(
            &e,
            &Ctx::new(
                Service::SecretsManager,
                format!("secret `{id}`"),
                id,
                region,
            ),
        ) {
            err if Request::is_absence(&err) => ABSENT.to_string(),
            err => {
                return Err(needs(
                    err,
                    "`secretsmanager:DescribeSecret` on it to watch it for changes",
                ));
            }
        },
    };
    Ok(vec![(what, version)])
}

/// Every `ListSecrets` page of a wildcard: each match's current version.
/// (`ListSecrets` is eventually consistent: AWS may show a change a few
/// minutes late.)
async fn list(
    client: &Scheduled<aws_sdk_secretsmanager::Client>,
    prefix: &str,
    region: &str,
) -> Found {
    let filter = aws_sdk_secretsmanager::types::Filter::builder()
        .key(aws_sdk_secretsmanager::types::FilterNameStringType::Name)
        .values(prefix)
        .build();
    let what = format!("secrets `{prefix}*`");
    let mut found = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = client
            .call(|c| {
                c.list_secrets()
                    .filters(filter.clone())
                    .max_results(100)
                    .set_next_token(token.take())
                    .send()
            })
            .await
            .map_err(|e| {
                needs(
                    from_sdk(
                        &e,
                        &Ctx::new(Service::SecretsManager, what.clone(), prefix, region),
                    ),
                    "`secretsmanager:ListSecrets` to watch a wildcard for changes",
                )
            })?;
        for entry in out.secret_list() {
            if let Some(name) = entry.name().filter(|n| n.starts_with(prefix)) {
                found.push((
                    format!("{what}: `{name}`"),
                    at_stage(entry.secret_versions_to_stages(), "AWSCURRENT"),
                ));
            }
        }
        match out.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    Ok(found)
}

const SSM_ACTIONS: &str =
    "`ssm:GetParameters` on it (`ssm:GetParametersByPath` for a path) to watch it for changes";

/// Up to 10 names in one `GetParameters`, not decrypted: each one's version.
async fn parameters(client: &ssm::Client, names: &[String], region: &str) -> Found {
    let out = client
        .call(|c| {
            c.get_parameters()
                .set_names(Some(names.to_vec()))
                .with_decryption(false)
                .send()
        })
        .await
        .map_err(|e| {
            let what = format!("parameter `{}`", names[0]);
            needs(
                from_sdk(&e, &Ctx::new(Service::Ssm, what, &names[0], region)),
                SSM_ACTIONS,
            )
        })?;
    Ok(names
        .iter()
        .map(|name| {
            let version = out
                .parameters()
                .iter()
                .find(|p| ssm::answers(p, name))
                .map_or_else(|| ABSENT.to_string(), |p| p.version().to_string());
            (format!("parameter `{name}`"), version)
        })
        .collect())
}

/// One `GetParameter` of `NAME:label`, not decrypted: the version the label is on.
async fn labelled(client: &ssm::Client, name: &str, region: &str) -> Found {
    let what = format!("parameter `{name}`");
    let version = match client
        .call(|c| c.get_parameter().name(name).with_decryption(false).send())
        .await
    {
        Ok(out) => out
            .parameter()
            .map_or_else(|| ABSENT.to_string(), |p| p.version().to_string()),
        Err(e) => match from_sdk(&e, &Ctx::new(Service::Ssm, what.clone(), name, region)) {
            err if Request::is_absence(&err) => ABSENT.to_string(),
            err => return Err(needs(err, SSM_ACTIONS)),
        },
    };
    Ok(vec![(what, version)])
}

/// Every page of a recursive `GetParametersByPath`, not decrypted: each
/// parameter's version.
async fn path_versions(client: &ssm::Client, path: &str, region: &str) -> Found {
    let what = format!("parameters under `{path}`");
    let parameters = ssm::under_path(client, path, false).await.map_err(|e| {
        needs(
            from_sdk(&e, &Ctx::new(Service::Ssm, what.clone(), path, region)),
            SSM_ACTIONS,
        )
    })?;
    Ok(parameters
        .iter()
        .map(|p| {
            let name = p.name().unwrap_or("");
            (format!("{what}: `{name}`"), p.version().to_string())
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_at_a_stage_or_absent() {
        let mut map = HashMap::new();
        map.insert("v1".to_string(), vec!["AWSPREVIOUS".to_string()]);
        map.insert(
            "v2".to_string(),
            vec!["AWSCURRENT".to_string(), "blue".to_string()],
        );
        assert_eq!(at_stage(Some(&map), "AWSCURRENT"), "v2");
        assert_eq!(at_stage(Some(&map), "blue"), "v2");
        assert_eq!(at_stage(Some(&map), "AWSPREVIOUS"), "v1");
        assert_eq!(at_stage(Some(&map), "AWSPENDING"), ABSENT);
        assert_eq!(at_stage(None, "AWSCURRENT"), ABSENT);
    }
}
