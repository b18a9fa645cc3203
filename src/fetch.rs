//! Fetching: one Secrets Manager client per region, every selector's
//! `GetSecretValue` in parallel (bounded), AWS errors mapped by code — never by
//! dumping the raw response, which would carry the secret.

use crate::error::{Error, sanitize};
use crate::secret::Secret;
use crate::select::Selector;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::error::{ProvideErrorMetadata, SdkError};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// Requests in flight at once.
const PARALLEL: usize = 8;

/// A secret as Secrets Manager returned it.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The secret's friendly name, as AWS reports it.
    pub name: String,
    pub value: Secret,
}

/// What one request asks for; selectors that ask the same share one request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Request {
    pub id: String,
    pub version_stage: Option<String>,
    pub version_id: Option<String>,
}

impl Request {
    pub fn of(selector: &Selector) -> Request {
        Request {
            id: selector.id.clone(),
            version_stage: selector.version_stage.clone(),
            version_id: selector.version_id.clone(),
        }
    }

    fn version_note(&self) -> String {
        match (&self.version_stage, &self.version_id) {
            (None, None) => String::new(),
            (Some(stage), None) => format!(" at stage `{stage}`"),
            (None, Some(id)) => format!(" at version `{id}`"),
            (Some(stage), Some(id)) => format!(" at stage `{stage}` and version `{id}`"),
        }
    }

    /// The region named by an ARN id, if any.
    fn arn_region(&self) -> Option<&str> {
        let mut fields = self.id.split(':');
        (fields.next() == Some("arn"))
            .then(|| fields.nth(2))
            .flatten()
            .filter(|r| !r.is_empty())
    }
}

/// Loads the SDK configuration once: credentials, region and endpoint from the
/// default chain, with `region` overriding the chain's region.
pub async fn load_config(region: Option<String>) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(region) = region {
        loader = loader.region(Region::new(region));
    }
    loader.load().await
}

/// Fetches every request in parallel. Each request gets its own result, so
/// one failure does not hide another.
pub async fn fetch_all(
    config: &SdkConfig,
    requests: Vec<Request>,
) -> HashMap<Request, Result<Fetched, Error>> {
    let default_region = config.region().map(|r| r.to_string());
    let mut clients: HashMap<Option<String>, Client> = HashMap::new();
    let limit = Arc::new(Semaphore::new(PARALLEL));
    let mut tasks = JoinSet::new();
    for request in requests {
        // An ARN in another region is fetched from its own region, as ECS does.
        let region = request
            .arn_region()
            .map(str::to_string)
            .or(default_region.clone());
        let client = clients
            .entry(region.clone())
            .or_insert_with(|| {
                let mut builder = aws_sdk_secretsmanager::config::Builder::from(config);
                if let Some(region) = &region {
                    builder = builder.region(Region::new(region.clone()));
                }
                Client::from_conf(builder.build())
            })
            .clone();
        let limit = limit.clone();
        let region = region.unwrap_or_else(|| "none configured".into());
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let result = get_secret_value(&client, &request, &region).await;
            (request, result)
        });
    }
    let mut results = HashMap::new();
    while let Some(joined) = tasks.join_next().await {
        // A panicking task cannot carry a value out: panics print only `***`.
        let (request, result) = joined.expect("fetch task panicked");
        results.insert(request, result);
    }
    results
}

async fn get_secret_value(
    client: &Client,
    request: &Request,
    region: &str,
) -> Result<Fetched, Error> {
    let output = client
        .get_secret_value()
        .secret_id(&request.id)
        .set_version_stage(request.version_stage.clone())
        .set_version_id(request.version_id.clone())
        .send()
        .await
        .map_err(|e| map_sdk_error(e, request, region))?;
    let name = output.name().unwrap_or(&request.id).to_string();
    match (output.secret_string(), output.secret_binary()) {
        (Some(s), _) => Ok(Fetched {
            name,
            value: Secret::new(s),
        }),
        (None, Some(_)) => Err(Error::Binary {
            id: request.id.clone(),
        }),
        (None, None) => Err(Error::Empty {
            id: request.id.clone(),
        }),
    }
}

/// Turns an SDK error into one of ours using only its code, message and kind.
fn map_sdk_error<E, R>(err: SdkError<E, R>, request: &Request, region: &str) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let id = request.id.clone();
    match &err {
        SdkError::ServiceError(_) => {
            let code = err.code().unwrap_or("").to_string();
            let message = sanitize(err.message().unwrap_or(""));
            from_code(id, code, message, request, region)
        }
        SdkError::TimeoutError(_) => Error::Network {
            id,
            reason: "the request timed out".into(),
        },
        SdkError::DispatchFailure(failure) => {
            let reason = if failure.is_timeout() {
                "the connection timed out".to_string()
            } else {
                source_chain(&err)
            };
            // The credential chain fails inside dispatch as an `other` error.
            if failure.is_user() || reason.contains("credential") {
                Error::Credentials { id, reason }
            } else {
                Error::Network { id, reason }
            }
        }
        SdkError::ConstructionFailure(_) => Error::Credentials {
            id,
            reason: source_chain(&err),
        },
        // The raw response of a reply that could not be parsed may hold the
        // secret: report only that it happened.
        SdkError::ResponseError(_) => Error::Network {
            id,
            reason: "the reply could not be parsed".into(),
        },
        _ => Error::Network {
            id,
            reason: "unknown SDK failure".into(),
        },
    }
}

/// Maps a Secrets Manager error code to a variant with advice.
pub fn from_code(
    id: String,
    code: String,
    message: String,
    request: &Request,
    region: &str,
) -> Error {
    match code.as_str() {
        "ResourceNotFoundException" => Error::NotFound {
            id,
            region: region.to_string(),
            version: request.version_note(),
        },
        "AccessDeniedException"
        | "AccessDenied"
        | "UnrecognizedClientException"
        | "InvalidSignatureException"
        | "ExpiredTokenException" => Error::AccessDenied {
            id,
            detail: if message.is_empty() {
                String::new()
            } else {
                format!(" — AWS says: {message}")
            },
            code,
        },
        "DecryptionFailure" => Error::Decryption {
            id,
            detail: if message.is_empty() {
                String::new()
            } else {
                format!(" — AWS says: {message}")
            },
        },
        // AWS says "marked for deletion"; moto says "marked deleted".
        "InvalidRequestException"
            if message.contains("marked for deletion") || message.contains("marked deleted") =>
        {
            Error::ScheduledForDeletion { id }
        }
        "ThrottlingException"
        | "Throttling"
        | "TooManyRequestsException"
        | "RequestLimitExceeded" => Error::Throttled { id, code },
        "" => Error::Aws {
            id,
            code: "unknown".into(),
            message: if message.is_empty() {
                "no error code in the reply".into()
            } else {
                message
            },
        },
        _ => Error::Aws { id, code, message },
    }
}

/// The `source()` chain of a non-service error, joined with `: `. Only
/// transport and credential errors reach here, which never hold a reply body.
fn source_chain(err: &dyn std::error::Error) -> String {
    let mut parts = Vec::new();
    let mut next = err.source();
    while let Some(e) = next {
        let text = sanitize(&e.to_string());
        if !text.is_empty() && parts.last() != Some(&text) {
            parts.push(text);
        }
        next = e.source();
    }
    if parts.is_empty() {
        "no detail".into()
    } else {
        parts.join(": ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(id: &str) -> Request {
        Request {
            id: id.into(),
            version_stage: Some("AWSPREVIOUS".into()),
            version_id: None,
        }
    }

    #[test]
    fn codes_map_to_advice() {
        let r = req("app");
        let e = from_code(
            "app".into(),
            "ResourceNotFoundException".into(),
            String::new(),
            &r,
            "eu-west-1",
        );
        assert!(
            e.to_string().contains("at stage `AWSPREVIOUS`") && e.to_string().contains("eu-west-1"),
            "{e}"
        );
        let e = from_code(
            "app".into(),
            "AccessDeniedException".into(),
            "not authorized".into(),
            &r,
            "x",
        );
        assert!(
            e.to_string().contains("secretsmanager:GetSecretValue")
                && e.to_string().contains("kms:Decrypt")
        );
        let e = from_code(
            "app".into(),
            "InvalidRequestException".into(),
            "You can't perform this operation on the secret because it was marked for deletion."
                .into(),
            &r,
            "x",
        );
        assert!(matches!(e, Error::ScheduledForDeletion { .. }));
        let e = from_code(
            "app".into(),
            "ThrottlingException".into(),
            "Rate exceeded".into(),
            &r,
            "x",
        );
        assert!(matches!(e, Error::Throttled { .. }));
        let e = from_code(
            "app".into(),
            "DecryptionFailure".into(),
            String::new(),
            &r,
            "x",
        );
        assert!(e.to_string().contains("kms:Decrypt"));
    }

    #[test]
    fn region_comes_from_arns() {
        assert_eq!(
            req("arn:aws:secretsmanager:ap-south-1:1:secret:x").arn_region(),
            Some("ap-south-1")
        );
        assert_eq!(req("plain/name").arn_region(), None);
    }
}
