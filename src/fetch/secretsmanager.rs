//! Secrets Manager, every call it makes: plain ids 20 to a
//! `BatchGetSecretValue` (falling back to `GetSecretValue` one by one where
//! only that is allowed), versioned ids through `GetSecretValue`, wildcards
//! through every `ListSecrets` page with each page's names batched while the
//! next is listed; and for `exec --watch` the version checks: one
//! `DescribeSecret` per secret (`VersionIdsToStages`), one `ListSecrets` page
//! per 100 wildcard matches, never a value. A pinned version id cannot move
//! and costs nothing.

#[cfg(target_os = "linux")]
use super::aws_error::needs;
use super::aws_error::{Ctx, Service, from_code, from_sdk};
use super::clients;
use super::outcome::Outcome;
#[cfg(target_os = "linux")]
use super::outcome::{ABSENT, Found};
use super::reply_cap;
use super::schedule::Scheduled;
use crate::error::Error;
use crate::secret::Item;
use crate::secret::{Secret, SecretBytes};
use aws_config::{Region, SdkConfig};
use aws_sdk_secretsmanager::config::http::HttpResponse;
use aws_sdk_secretsmanager::error::SdkError;
use aws_sdk_secretsmanager::operation::list_secrets::ListSecretsError;
use aws_sdk_secretsmanager::primitives::Blob;
use aws_sdk_secretsmanager::types::{
    Filter, FilterNameStringType, SecretListEntry, SecretValueEntry,
};
#[cfg(target_os = "linux")]
use std::collections::HashMap;
use tokio::task::JoinSet;

type Client = Scheduled<aws_sdk_secretsmanager::Client>;

/// What a selector asks of Secrets Manager.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Query {
    /// One secret by name or ARN, at a stage or version if given.
    Id {
        id: String,
        version_stage: Option<String>,
        version_id: Option<String>,
    },
    /// Every secret whose name starts with `prefix`.
    Prefix { prefix: String },
}

impl Query {
    /// The name or ARN a request names, if it names one secret.
    pub(super) fn arn(&self) -> Option<&str> {
        match self {
            Query::Id { id, .. } => Some(id),
            Query::Prefix { .. } => None,
        }
    }
}

/// What this module's calls settle: each query and its outcome.
pub(super) type Settled = Vec<(Query, Outcome)>;

impl clients::Client for aws_sdk_secretsmanager::Client {
    /// `BatchGetSecretValue` and `ListSecrets`: 100 a second per region, not
    /// adjustable (`GetSecretValue` and `DescribeSecret`: 10,000), per
    /// <https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_limits.html>.
    /// One pace for all keeps the lowest.
    const PER_SECOND: u32 = 100;

    fn build(config: &SdkConfig, region: Option<&str>) -> Self {
        let mut b = aws_sdk_secretsmanager::config::Builder::from(config)
            .interceptor(reply_cap::CapReplies)
            .retry_classifier(reply_cap::NoRetryTooLarge);
        if let Some(r) = region {
            b = b.region(Region::new(r.to_string()));
        }
        Self::from_conf(b.build())
    }
}

/// Runs every query of one region: plain ids batched, the rest one task
/// each; the calls themselves wait for the run's bound.
pub(super) async fn fetch(client: &Client, region: &str, queries: Vec<Query>) -> Settled {
    let mut tasks: JoinSet<Settled> = JoinSet::new();
    let mut plain = Vec::new();
    for query in queries {
        let (client, region) = (client.clone(), region.to_string());
        match query {
            Query::Id {
                id,
                version_stage: None,
                version_id: None,
            } => plain.push(id),
            Query::Id { .. } => {
                tasks.spawn(async move {
                    let result = get_one(&client, &query, &region).await;
                    vec![(query, result)]
                });
            }
            Query::Prefix { ref prefix } => {
                let prefix = prefix.clone();
                tasks.spawn(async move {
                    let result = by_prefix(&client, &prefix, &region).await;
                    vec![(query, result)]
                });
            }
        }
    }
    for chunk in plain.chunks(BATCH) {
        let (client, chunk, region) = (client.clone(), chunk.to_vec(), region.to_string());
        tasks.spawn(async move { get_batch(&client, chunk, &region).await });
    }
    let mut settled = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        // A panicking task cannot carry a value out: `Secret` prints `***`.
        settled.extend(joined.expect("fetch task panicked"));
    }
    settled
}

/// Ids per `BatchGetSecretValue` call (the API's limit).
const BATCH: usize = 20;

fn ctx<'a>(id: &'a str, region: &'a str, version: String) -> Ctx<'a> {
    Ctx {
        what: format!("secret `{id}`"),
        id,
        service: Service::SecretsManager,
        region,
        version,
    }
}

fn version_note(stage: Option<&String>, version_id: Option<&String>) -> String {
    match (stage, version_id) {
        (None, None) => String::new(),
        (Some(s), None) => format!(" at stage `{s}`"),
        (None, Some(v)) => format!(" at version `{v}`"),
        (Some(s), Some(v)) => format!(" at stage `{s}` and version `{v}`"),
    }
}

/// A fetched value (text or bytes), or an error if it has neither.
fn item(
    id: &str,
    name: Option<&str>,
    text: Option<&str>,
    binary: Option<&Blob>,
) -> Result<Item, Error> {
    let name = name.unwrap_or(id).to_string();
    match (text, binary) {
        (Some(s), _) => Ok(Item {
            name,
            value: Secret::new(s),
            binary: None,
        }),
        (None, Some(bytes)) => Ok(Item {
            name,
            value: Secret::default(),
            binary: Some(SecretBytes::new(bytes.as_ref())),
        }),
        (None, None) => Err(Error::Empty { id: id.to_string() }),
    }
}

/// One `GetSecretValue` (a version stage or id was asked for, or a fallback).
async fn get_one(client: &Client, query: &Query, region: &str) -> Outcome {
    let Query::Id {
        id,
        version_stage,
        version_id,
    } = query
    else {
        unreachable!("get_one takes queries by id");
    };
    let out = client
        .call(|c| {
            c.get_secret_value()
                .secret_id(id)
                .set_version_stage(version_stage.clone())
                .set_version_id(version_id.clone())
                .send()
        })
        .await
        .map_err(|e| {
            from_sdk(
                &e,
                &ctx(
                    id,
                    region,
                    version_note(version_stage.as_ref(), version_id.as_ref()),
                ),
            )
        })?;
    Ok(vec![item(
        id,
        out.name(),
        out.secret_string(),
        out.secret_binary(),
    )?])
}

/// Does this reply entry answer a request for `id` (a name, full or partial ARN)?
fn answers(entry_name: Option<&str>, entry_arn: Option<&str>, id: &str) -> bool {
    entry_name == Some(id)
        || entry_arn == Some(id)
        || (id.starts_with("arn:")
            && entry_arn.is_some_and(|arn| {
                arn.strip_prefix(id)
                    .is_some_and(|rest| rest.len() == 7 && rest.starts_with('-'))
            }))
}

fn plain(id: &str) -> Query {
    Query::Id {
        id: id.to_string(),
        version_stage: None,
        version_id: None,
    }
}

/// Up to 20 plain ids in one `BatchGetSecretValue`. Every id gets an outcome:
/// its value, its entry in the reply's `Errors`, or an error of its own.
async fn get_batch(client: &Client, ids: Vec<String>, region: &str) -> Settled {
    let reply = client
        .call(|c| {
            c.batch_get_secret_value()
                .set_secret_id_list(Some(ids.clone()))
                .send()
        })
        .await;
    let out = match reply {
        Ok(out) => out,
        Err(e) => {
            let first = from_sdk(&e, &ctx(&ids[0], region, String::new()));
            // Policies written for other tools often allow GetSecretValue
            // only: fall back to it rather than fail.
            if matches!(first, Error::AccessDenied { .. }) {
                return get_each(client, ids, region).await;
            }
            return ids
                .iter()
                .map(|id| {
                    (
                        plain(id),
                        Err(from_sdk(&e, &ctx(id, region, String::new()))),
                    )
                })
                .collect();
        }
    };
    let entries: &[SecretValueEntry] = out.secret_values();
    ids.iter()
        .map(|id| {
            let found = entries
                .iter()
                .find(|e| answers(e.name(), e.arn(), id))
                .map(|e| item(id, e.name(), e.secret_string(), e.secret_binary()));
            let failed = out
                .errors()
                .iter()
                .find(|e| e.secret_id() == Some(id.as_str()))
                .map(|e| {
                    from_code(
                        e.error_code().unwrap_or(""),
                        e.message().unwrap_or(""),
                        &ctx(id, region, String::new()),
                    )
                });
            let result = match (found, failed) {
                (Some(item), _) => item.map(|i| vec![i]),
                (None, Some(err)) => Err(err),
                (None, None) => Err(Error::Aws {
                    what: format!("secret `{id}`"),
                    code: "MissingFromBatch".into(),
                    message: "BatchGetSecretValue returned neither its value nor an error".into(),
                }),
            };
            (plain(id), result)
        })
        .collect()
}

/// `GetSecretValue` for each id, in parallel within the run's bound.
async fn get_each(client: &Client, ids: Vec<String>, region: &str) -> Settled {
    let mut tasks = JoinSet::new();
    for id in ids {
        let (client, region) = (client.clone(), region.to_string());
        tasks.spawn(async move {
            let request = plain(&id);
            let result = get_one(&client, &request, &region).await;
            (request, result)
        });
    }
    let mut results = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        results.push(joined.expect("fetch task panicked"));
    }
    results
}

/// Names per `ListSecrets` page (the API's limit).
const LIST_PAGE: i32 = 100;

/// Every `ListSecrets` page of the names that start with `prefix`, followed
/// to the last, each page's matching `(name, entry)` pairs handed to `page`
/// as it arrives (the name filter may match more loosely than a prefix:
/// checked here). The fetch and `--watch`'s check both page this way.
async fn list_by_prefix(
    client: &Client,
    prefix: &str,
    mut page: impl FnMut(Vec<(&str, &SecretListEntry)>),
) -> Result<(), SdkError<ListSecretsError, HttpResponse>> {
    let filter = Filter::builder()
        .key(FilterNameStringType::Name)
        .values(prefix)
        .build();
    let mut token: Option<String> = None;
    loop {
        let out = client
            .call(|c| {
                c.list_secrets()
                    .filters(filter.clone())
                    .max_results(LIST_PAGE)
                    .set_next_token(token.take())
                    .send()
            })
            .await?;
        page(
            out.secret_list()
                .iter()
                .filter_map(|e| Some((e.name().filter(|n| n.starts_with(prefix))?, e)))
                .collect(),
        );
        match out.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => return Ok(()),
        }
    }
}

/// Every secret whose name starts with `prefix`: `ListSecrets` pages of 100
/// names, followed to the last page, and each page's names fetched 20 to a
/// `BatchGetSecretValue` while the next page is listed, so 1,000 secrets take
/// about a dozen round trips instead of fifty.
async fn by_prefix(client: &Client, prefix: &str, region: &str) -> Outcome {
    let ctx = Ctx {
        what: format!("secrets `{prefix}*`"),
        id: prefix,
        service: Service::SecretsManager,
        region,
        version: String::new(),
    };
    let mut batches: JoinSet<Settled> = JoinSet::new();
    list_by_prefix(client, prefix, |page| {
        let names: Vec<String> = page.iter().map(|(name, _)| (*name).to_string()).collect();
        for chunk in names.chunks(BATCH) {
            let (client, chunk, region) = (client.clone(), chunk.to_vec(), region.to_string());
            batches.spawn(async move { get_batch(&client, chunk, &region).await });
        }
    })
    .await
    .map_err(|e| from_sdk(&e, &ctx))?;
    let mut items = Vec::new();
    let mut errors = Vec::new();
    while let Some(joined) = batches.join_next().await {
        for (_, result) in joined.expect("fetch task panicked") {
            match result {
                Ok(found) => items.extend(found),
                Err(e) => errors.push(e),
            }
        }
    }
    Error::all(errors)?;
    if items.is_empty() {
        return Err(Error::NoMatch {
            selector: format!("{prefix}*"),
            kind: "secrets",
        });
    }
    items.sort_by(|a, b| a.name.cmp(&b.name));
    items.dedup_by(|a, b| a.name == b.name);
    Ok(items)
}

/// The versions of what every query of one region selects (`exec --watch`):
/// one check task each, its calls within the run's bound.
#[cfg(target_os = "linux")]
pub(super) async fn versions(client: &Client, region: &str, queries: Vec<Query>) -> Vec<Found> {
    let mut tasks: JoinSet<Found> = JoinSet::new();
    for query in queries {
        let (client, region) = (client.clone(), region.to_string());
        match query {
            // A version id names content that never changes.
            Query::Id {
                version_id: Some(_),
                ..
            } => {}
            Query::Id {
                id, version_stage, ..
            } => {
                tasks.spawn(async move {
                    describe(&client, &id, version_stage.as_deref(), &region).await
                });
            }
            Query::Prefix { prefix } => {
                tasks.spawn(async move { list(&client, &prefix, &region).await });
            }
        }
    }
    let mut found = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        found.push(joined.expect("version check task panicked"));
    }
    found
}

/// The version id holding `stage` among a secret's versions.
#[cfg(target_os = "linux")]
fn at_stage(map: Option<&HashMap<String, Vec<String>>>, stage: &str) -> String {
    map.into_iter()
        .flatten()
        .find(|(_, stages)| stages.iter().any(|s| s == stage))
        .map_or_else(|| ABSENT.to_string(), |(id, _)| id.clone())
}

/// One `DescribeSecret`: the version id at the selected stage.
#[cfg(target_os = "linux")]
async fn describe(client: &Client, id: &str, stage: Option<&str>, region: &str) -> Found {
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
            err if err.is_absence() => ABSENT.to_string(),
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
#[cfg(target_os = "linux")]
async fn list(client: &Client, prefix: &str, region: &str) -> Found {
    let what = format!("secrets `{prefix}*`");
    let mut found = Vec::new();
    list_by_prefix(client, prefix, |page| {
        for (name, entry) in page {
            found.push((
                format!("{what}: `{name}`"),
                at_stage(entry.secret_versions_to_stages(), "AWSCURRENT"),
            ));
        }
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
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_entries_match_names_and_arns() {
        let arn = "arn:aws:secretsmanager:us-east-1:1:secret:app/db-AbCdEf";
        assert!(answers(Some("app/db"), Some(arn), "app/db"));
        assert!(answers(Some("app/db"), Some(arn), arn));
        assert!(answers(
            Some("app/db"),
            Some(arn),
            "arn:aws:secretsmanager:us-east-1:1:secret:app/db"
        ));
        assert!(!answers(
            Some("app/db"),
            Some(arn),
            "arn:aws:secretsmanager:us-east-1:1:secret:app/d"
        ));
        assert!(!answers(Some("app/db2"), None, "app/db"));
    }

    #[cfg(target_os = "linux")]
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
