//! Secrets Manager: plain ids 20 to a `BatchGetSecretValue` (falling back to
//! `GetSecretValue` one by one where only that is allowed), versioned ids
//! through `GetSecretValue`, wildcards through `ListSecrets`, every page.

use super::Request;
use super::aws_error::{Ctx, Service, from_code, from_sdk};
use super::schedule::Scheduled;
use crate::error::Error;
use crate::secret::Item;
use crate::secret::{Secret, SecretBytes};
use aws_sdk_secretsmanager::primitives::Blob;
use aws_sdk_secretsmanager::types::{Filter, FilterNameStringType, SecretValueEntry};
use tokio::task::JoinSet;

type Client = Scheduled<aws_sdk_secretsmanager::Client>;

/// Ids per `BatchGetSecretValue` call (the API's limit).
pub(super) const BATCH: usize = 20;

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
pub(super) async fn get_one(
    client: &Client,
    request: &Request,
    region: &str,
) -> Result<Vec<Item>, Error> {
    let Request::Secret {
        id,
        version_stage,
        version_id,
    } = request
    else {
        unreachable!("get_one takes secret requests");
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

fn plain(id: &str) -> Request {
    Request::Secret {
        id: id.to_string(),
        version_stage: None,
        version_id: None,
    }
}

/// Up to 20 plain ids in one `BatchGetSecretValue`. Every id gets an outcome:
/// its value, its entry in the reply's `Errors`, or an error of its own.
pub(super) async fn get_batch(client: &Client, ids: Vec<String>, region: &str) -> super::Settled {
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
async fn get_each(client: &Client, ids: Vec<String>, region: &str) -> super::Settled {
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

/// Every secret whose name starts with `prefix`: `ListSecrets` pages of 100
/// names, followed to the last page, and each page's names fetched 20 to a
/// `BatchGetSecretValue` while the next page is listed, so 1,000 secrets take
/// about a dozen round trips instead of fifty.
pub(super) async fn by_prefix(
    client: &Client,
    prefix: &str,
    region: &str,
) -> Result<Vec<Item>, Error> {
    let ctx = Ctx {
        what: format!("secrets `{prefix}*`"),
        id: prefix,
        service: Service::SecretsManager,
        region,
        version: String::new(),
    };
    let filter = Filter::builder()
        .key(FilterNameStringType::Name)
        .values(prefix)
        .build();
    let mut batches: JoinSet<super::Settled> = JoinSet::new();
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
            .await
            .map_err(|e| from_sdk(&e, &ctx))?;
        // The name filter may match more loosely than a prefix: check.
        let names: Vec<String> = out
            .secret_list()
            .iter()
            .filter_map(|e| e.name())
            .filter(|n| n.starts_with(prefix))
            .map(str::to_string)
            .collect();
        for chunk in names.chunks(BATCH) {
            let (client, chunk, region) = (client.clone(), chunk.to_vec(), region.to_string());
            batches.spawn(async move { get_batch(&client, chunk, &region).await });
        }
        match out.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
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
}
