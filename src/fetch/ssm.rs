//! SSM Parameter Store: names 10 to a `GetParameters`, paths through every
//! page of a recursive `GetParametersByPath`; `SecureString` values decrypted.

use super::Request;
use super::aws_error::{Ctx, Service, from_code, from_sdk};
use super::schedule::Scheduled;
use crate::error::Error;
use crate::secret::{Item, Secret};
use aws_sdk_ssm::config::http::HttpResponse;
use aws_sdk_ssm::error::SdkError;
use aws_sdk_ssm::operation::get_parameters_by_path::GetParametersByPathError;
use aws_sdk_ssm::types::Parameter;

pub(super) type Client = Scheduled<aws_sdk_ssm::Client>;

/// Names per `GetParameters` call (the API's limit).
pub(super) const BATCH: usize = 10;

fn ctx<'a>(what: String, id: &'a str, region: &'a str) -> Ctx<'a> {
    Ctx::new(Service::Ssm, what, id, region)
}

/// Does parameter `p` answer a request for `name` (a name or ARN, maybe with
/// a `:VERSION` or `:LABEL` selector)?
pub(super) fn answers(p: &Parameter, name: &str) -> bool {
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
pub(super) fn has_selector(name: &str) -> bool {
    let local = if name.starts_with("arn:") {
        // arn:PARTITION:ssm:REGION:ACCOUNT:parameter/NAME[:SELECTOR]
        name.splitn(6, ':').nth(5).unwrap_or("")
    } else {
        name
    };
    local.contains(':')
}

/// One `GetParameter`, for a name with a version or label selector.
pub(super) async fn get_one(client: &Client, name: &str, region: &str) -> Result<Vec<Item>, Error> {
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
pub(super) async fn get_batch(client: &Client, names: Vec<String>, region: &str) -> super::Settled {
    let request = |name: &str| Request::Parameter {
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
pub(super) async fn under_path(
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
pub(super) async fn by_path(client: &Client, path: &str, region: &str) -> Result<Vec<Item>, Error> {
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
