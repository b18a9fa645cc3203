//! SSM Parameter Store, every call it makes: names 10 to a `GetParameters`
//! (a name with a `:VERSION` or `:LABEL` selector alone, through
//! `GetParameter`), paths through every page of a recursive
//! `GetParametersByPath`, `SecureString` values decrypted; and for
//! `exec --watch` the same calls without decryption, reading only each
//! parameter's version. A pinned `NAME:VERSION` cannot move and costs nothing.

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
use crate::secret::{Item, Secret};
use aws_config::{Region, SdkConfig};
use aws_sdk_ssm::config::http::HttpResponse;
use aws_sdk_ssm::error::SdkError;
use aws_sdk_ssm::operation::get_parameters_by_path::GetParametersByPathError;
use aws_sdk_ssm::types::Parameter;
use tokio::task::JoinSet;

type Client = Scheduled<aws_sdk_ssm::Client>;

/// What a selector asks of Parameter Store.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Query {
    /// One parameter by name or ARN, maybe with a `:VERSION` or `:LABEL`.
    Name { name: String },
    /// Every parameter under a path, recursively (stored without the
    /// trailing `/`, `/` itself for the root).
    Path { path: String },
}

impl Query {
    /// The name or ARN a request names, if it names one parameter.
    pub(super) fn arn(&self) -> Option<&str> {
        match self {
            Query::Name { name } => Some(name),
            Query::Path { .. } => None,
        }
    }
}

/// What this module's calls settle: each query and its outcome.
pub(super) type Settled = Vec<(Query, Outcome)>;

impl clients::Client for aws_sdk_ssm::Client {
    /// Parameter Store's standard throughput: 40 a second per region, shared
    /// by `GetParameter`, `GetParameters` and `GetParametersByPath` (higher
    /// throughput is an opt-in setting of the account), per
    /// <https://docs.aws.amazon.com/general/latest/gr/ssm.html>.
    const PER_SECOND: u32 = 40;

    fn build(config: &SdkConfig, region: Option<&str>) -> Self {
        let mut b = aws_sdk_ssm::config::Builder::from(config)
            .interceptor(reply_cap::CapReplies)
            .retry_classifier(reply_cap::NoRetryTooLarge);
        if let Some(r) = region {
            b = b.region(Region::new(r.to_string()));
        }
        Self::from_conf(b.build())
    }
}

/// Runs every query of one region: plain names batched, the rest one task
/// each; the calls themselves wait for the run's bound.
pub(super) async fn fetch(client: &Client, region: &str, queries: Vec<Query>) -> Settled {
    let mut tasks: JoinSet<Settled> = JoinSet::new();
    let mut plain = Vec::new();
    for query in queries {
        let (client, region) = (client.clone(), region.to_string());
        match query {
            Query::Name { ref name } if has_selector(name) => {
                let name = name.clone();
                tasks.spawn(async move {
                    let result = get_one(&client, &name, &region).await;
                    vec![(query, result)]
                });
            }
            Query::Name { name } => plain.push(name),
            Query::Path { ref path } => {
                let path = path.clone();
                tasks.spawn(async move {
                    let result = by_path(&client, &path, &region).await;
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

/// Names per `GetParameters` call (the API's limit).
const BATCH: usize = 10;

fn ctx<'a>(what: String, id: &'a str, region: &'a str) -> Ctx<'a> {
    Ctx::new(Service::Ssm, what, id, region)
}

/// Does parameter `p` answer a request for `name` (a name or ARN, maybe with
/// a `:VERSION` or `:LABEL` selector)?
fn answers(p: &Parameter, name: &str) -> bool {
    let selector = p.selector().unwrap_or("");
    [p.name(), p.arn()].into_iter().flatten().any(|base| {
        name == base || name.strip_prefix(base) == Some(selector) && !selector.is_empty()
    })
}

fn item(p: &Parameter, name: &str) -> Item {
    Item {
        name: p.name().unwrap_or(name).to_string(),
        value: Secret::new(p.value().unwrap_or("")),
        binary: None,
    }
}

/// True when `name` ends in a `:VERSION` or `:LABEL` selector. Such names go
/// through `GetParameter` one by one: a `GetParameters` reply need not say
/// which selector each parameter answers.
fn has_selector(name: &str) -> bool {
    let local = if name.starts_with("arn:") {
        // arn:PARTITION:ssm:REGION:ACCOUNT:parameter/NAME[:SELECTOR]
        name.splitn(6, ':').nth(5).unwrap_or("")
    } else {
        name
    };
    local.contains(':')
}

/// One `GetParameter`, for a name with a version or label selector.
async fn get_one(client: &Client, name: &str, region: &str) -> Outcome {
    let out = client
        .call(|c| c.get_parameter().name(name).with_decryption(true).send())
        .await
        .map_err(|e| from_sdk(&e, &ctx(format!("parameter `{name}`"), name, region)))?;
    let p = out.parameter().ok_or_else(|| Error::Aws {
        what: format!("parameter `{name}`"),
        code: "EmptyReply".into(),
        message: "GetParameter returned no parameter".into(),
    })?;
    Ok(vec![item(p, name)])
}

/// Up to 10 names in one `GetParameters`; each name gets its outcome, and
/// every name in `InvalidParameters` is reported as missing.
async fn get_batch(client: &Client, names: Vec<String>, region: &str) -> Settled {
    let request = |name: &str| Query::Name {
        name: name.to_string(),
    };
    let what = |name: &str| format!("parameter `{name}`");
    let out = match client
        .call(|c| {
            c.get_parameters()
                .set_names(Some(names.clone()))
                .with_decryption(true)
                .send()
        })
        .await
    {
        Ok(out) => out,
        Err(e) => {
            return names
                .iter()
                .map(|n| (request(n), Err(from_sdk(&e, &ctx(what(n), n, region)))))
                .collect();
        }
    };
    names
        .iter()
        .map(|name| {
            let result = if let Some(p) = out.parameters().iter().find(|p| answers(p, name)) {
                Ok(vec![item(p, name)])
            } else if out.invalid_parameters().iter().any(|n| n == name) {
                Err(from_code(
                    "ParameterNotFound",
                    "",
                    &ctx(what(name), name, region),
                ))
            } else {
                Err(Error::Aws {
                    what: what(name),
                    code: "MissingFromBatch".into(),
                    message: "GetParameters returned neither the parameter nor InvalidParameters"
                        .into(),
                })
            };
            (request(name), result)
        })
        .collect()
}

/// Every parameter under `path`, recursively, page by page (`BATCH` a page),
/// decrypted or (for a version check) not.
async fn under_path(
    client: &Client,
    path: &str,
    decrypt: bool,
) -> Result<Vec<Parameter>, SdkError<GetParametersByPathError, HttpResponse>> {
    let mut found = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = client
            .call(|c| {
                c.get_parameters_by_path()
                    .path(path)
                    .recursive(true)
                    .with_decryption(decrypt)
                    .max_results(i32::try_from(BATCH).expect("a small page size"))
                    .set_next_token(token.take())
                    .send()
            })
            .await?;
        found.extend_from_slice(out.parameters());
        match out.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    Ok(found)
}

/// Every parameter under `path`, recursively, following every page.
async fn by_path(client: &Client, path: &str, region: &str) -> Outcome {
    let ctx = ctx(format!("parameters under `{path}`"), path, region);
    let mut items: Vec<Item> = under_path(client, path, true)
        .await
        .map_err(|e| from_sdk(&e, &ctx))?
        .iter()
        .map(|p| item(p, path))
        .collect();
    if items.is_empty() {
        let shown = if path == "/" {
            "/".to_string()
        } else {
            format!("{path}/")
        };
        return Err(Error::NoMatch {
            selector: format!("ssm:{shown}"),
            kind: "parameters",
        });
    }
    items.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(items)
}

/// The versions of what every query of one region selects (`exec --watch`),
/// without decryption: one task per batch of 10 names, labelled name or
/// path, its calls within the run's bound.
#[cfg(target_os = "linux")]
pub(super) async fn versions(client: &Client, region: &str, queries: Vec<Query>) -> Vec<Found> {
    let mut tasks: JoinSet<Found> = JoinSet::new();
    let mut plain = Vec::new();
    for query in queries {
        let (client, region) = (client.clone(), region.to_string());
        match query {
            Query::Name { name } if has_selector(&name) => {
                // `NAME:3` is pinned; `NAME:label` moves with its label.
                let selector = name.rsplit(':').next().unwrap_or("");
                if selector.bytes().all(|b| b.is_ascii_digit()) {
                    continue;
                }
                tasks.spawn(async move { labelled(&client, &name, &region).await });
            }
            Query::Name { name } => plain.push(name),
            Query::Path { path } => {
                tasks.spawn(async move { path_versions(&client, &path, &region).await });
            }
        }
    }
    for chunk in plain.chunks(BATCH) {
        let (client, chunk, region) = (client.clone(), chunk.to_vec(), region.to_string());
        tasks.spawn(async move { parameters(&client, &chunk, &region).await });
    }
    let mut found = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        found.push(joined.expect("version check task panicked"));
    }
    found
}

#[cfg(target_os = "linux")]
const WATCH_ACTIONS: &str =
    "`ssm:GetParameters` on it (`ssm:GetParametersByPath` for a path) to watch it for changes";

/// Up to 10 names in one `GetParameters`, not decrypted: each one's version.
#[cfg(target_os = "linux")]
async fn parameters(client: &Client, names: &[String], region: &str) -> Found {
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
                WATCH_ACTIONS,
            )
        })?;
    Ok(names
        .iter()
        .map(|name| {
            let version = out
                .parameters()
                .iter()
                .find(|p| answers(p, name))
                .map_or_else(|| ABSENT.to_string(), |p| p.version().to_string());
            (format!("parameter `{name}`"), version)
        })
        .collect())
}

/// One `GetParameter` of `NAME:label`, not decrypted: the version the label is on.
#[cfg(target_os = "linux")]
async fn labelled(client: &Client, name: &str, region: &str) -> Found {
    let what = format!("parameter `{name}`");
    let version = match client
        .call(|c| c.get_parameter().name(name).with_decryption(false).send())
        .await
    {
        Ok(out) => out
            .parameter()
            .map_or_else(|| ABSENT.to_string(), |p| p.version().to_string()),
        Err(e) => match from_sdk(&e, &Ctx::new(Service::Ssm, what.clone(), name, region)) {
            err if err.is_absence() => ABSENT.to_string(),
            err => return Err(needs(err, WATCH_ACTIONS)),
        },
    };
    Ok(vec![(what, version)])
}

/// Every page of a recursive `GetParametersByPath`, not decrypted: each
/// parameter's version.
#[cfg(target_os = "linux")]
async fn path_versions(client: &Client, path: &str, region: &str) -> Found {
    let what = format!("parameters under `{path}`");
    let parameters = under_path(client, path, false).await.map_err(|e| {
        needs(
            from_sdk(&e, &Ctx::new(Service::Ssm, what.clone(), path, region)),
            WATCH_ACTIONS,
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
    fn selectors_are_detected_in_names_and_arns() {
        assert!(has_selector("/app/x:3") && has_selector("x:label"));
        assert!(has_selector("arn:aws:ssm:us-east-1:1:parameter/app/x:3"));
        assert!(
            !has_selector("/app/x") && !has_selector("arn:aws:ssm:us-east-1:1:parameter/app/x")
        );
    }

    #[test]
    fn replies_match_names_arns_and_selectors() {
        let p = Parameter::builder()
            .name("/app/x")
            .arn("arn:aws:ssm:us-east-1:1:parameter/app/x")
            .selector(":3")
            .build();
        assert!(answers(&p, "/app/x"));
        assert!(answers(&p, "/app/x:3"));
        assert!(answers(&p, "arn:aws:ssm:us-east-1:1:parameter/app/x:3"));
        assert!(!answers(&p, "/app/x:4"));
        assert!(!answers(&p, "/app/xy"));
    }
}
