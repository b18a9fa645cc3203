//! AWS errors into ours, by error code and message only: an SDK error's
//! context can hold the raw response, which for these APIs holds the secret.

use super::reply_cap::too_large;
use crate::error::{Error, sanitize};
use aws_sdk_secretsmanager::config::http::HttpResponse;
use aws_sdk_secretsmanager::error::{ProvideErrorMetadata, SdkError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Service {
    SecretsManager,
    Ssm,
}

/// What an error is about, for its message.
pub(super) struct Ctx<'a> {
    /// "secret `ID`", "parameter `NAME`"…
    pub what: String,
    /// The bare id, for advice such as restore-secret.
    pub id: &'a str,
    pub service: Service,
    pub region: &'a str,
    /// " at stage `X`" or empty.
    pub version: String,
}

impl<'a> Ctx<'a> {
    /// The context of a request that names no version.
    pub(super) fn new(service: Service, what: String, id: &'a str, region: &'a str) -> Self {
        Ctx {
            what,
            id,
            service,
            region,
            version: String::new(),
        }
    }

    fn not_found_hint(&self) -> String {
        match self.service {
            Service::SecretsManager => format!(
                "check the name or ARN, the region ({}) and the version stage or id{}",
                self.region, self.version
            ),
            // `ssm:/app/prod` is one parameter; a path ends with `/`.
            Service::Ssm if self.id.starts_with('/') && !self.id.contains(':') => format!(
                "check the name or path, the region ({}) and the version or label; to load \
                 every parameter under the path, end it with `/` (`ssm:{}/`)",
                self.region, self.id
            ),
            Service::Ssm => format!(
                "check the name or path, the region ({}) and the version or label",
                self.region
            ),
        }
    }

    fn actions(&self) -> &'static str {
        match self.service {
            Service::SecretsManager => {
                "`secretsmanager:GetSecretValue` on it (plus `secretsmanager:BatchGetSecretValue`, and `secretsmanager:ListSecrets` for wildcards), and `kms:Decrypt` on its key if that is a customer managed KMS key"
            }
            Service::Ssm => {
                "`ssm:GetParameters` on it (`ssm:GetParametersByPath` for a path), and `kms:Decrypt` on the key of SecureString parameters under a customer managed KMS key"
            }
        }
    }

    fn service_name(&self) -> &'static str {
        match self.service {
            Service::SecretsManager => "AWS Secrets Manager",
            Service::Ssm => "AWS Systems Manager Parameter Store",
        }
    }
}

fn says(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(" — AWS says: {message}")
    }
}

/// Maps an error code and message (from a reply or a batch's `Errors` list).
pub(super) fn from_code(code: &str, message: &str, ctx: &Ctx) -> Error {
    let message = sanitize(message);
    let code = code.to_string();
    match code.as_str() {
        "ResourceNotFoundException"
        | "ParameterNotFound"
        | "ParameterVersionNotFound"
        | "ParameterVersionLabelNotFound" => Error::NotFound {
            what: ctx.what.clone(),
            code,
            hint: ctx.not_found_hint(),
        },
        "AccessDeniedException"
        | "AccessDenied"
        | "UnrecognizedClientException"
        | "InvalidSignatureException"
        | "ExpiredTokenException"
        | "InvalidClientTokenId" => Error::AccessDenied {
            what: ctx.what.clone(),
            code,
            actions: ctx.actions(),
            detail: says(&message),
        },
        "DecryptionFailure"
        | "InvalidKeyId"
        | "KMSAccessDeniedException"
        | "KMSDisabledException" => Error::Decryption {
            what: ctx.what.clone(),
            code,
            detail: says(&message),
        },
        // AWS says "marked for deletion"; moto says "marked deleted".
        "InvalidRequestException"
            if message.contains("marked for deletion") || message.contains("marked deleted") =>
        {
            Error::ScheduledForDeletion {
                id: ctx.id.to_string(),
            }
        }
        "ThrottlingException"
        | "Throttling"
        | "TooManyRequestsException"
        | "RequestLimitExceeded"
        | "TooManyUpdates" => Error::Throttled {
            what: ctx.what.clone(),
            code,
        },
        "" => Error::Aws {
            what: ctx.what.clone(),
            code: "unknown".into(),
            message: if message.is_empty() {
                "no error code in the reply".into()
            } else {
                message
            },
        },
        _ => Error::Aws {
            what: ctx.what.clone(),
            code,
            message,
        },
    }
}

/// A reply without an AWS error code, by its HTTP status.
fn from_status(status: u16, ctx: &Ctx) -> Error {
    let code = format!("HTTP {status}, no AWS error code in the reply");
    match status {
        401 | 403 => Error::AccessDenied {
            what: ctx.what.clone(),
            code,
            actions: ctx.actions(),
            detail: String::new(),
        },
        429 => Error::Throttled {
            what: ctx.what.clone(),
            code,
        },
        _ => Error::Aws {
            what: ctx.what.clone(),
            code: format!("HTTP {status}"),
            message: "no AWS error code in the reply".into(),
        },
    }
}

/// Maps an SDK error by its kind, code and message.
pub(super) fn from_sdk<E>(err: &SdkError<E, HttpResponse>, ctx: &Ctx) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let what = ctx.what.clone();
    let service = ctx.service_name();
    // A reply cut off at the cap (reply_cap.rs): the call and the cap.
    if let (SdkError::ResponseError(_), Some(cut)) = (err, too_large(err)) {
        return Error::ReplyTooLarge {
            what,
            service,
            operation: cut.operation.clone(),
            limit: cut.limit,
        };
    }
    match err {
        SdkError::ServiceError(service_err) => match err.code() {
            // A 5xx: the service failed on its side (an outage, for
            // `--fallback-region`), whatever its code says.
            code if service_err.raw().status().is_server_error() => Error::Unavailable {
                what,
                service,
                status: service_err.raw().status().as_u16(),
                code: code
                    .filter(|c| !c.is_empty())
                    .unwrap_or("no AWS error code")
                    .to_string(),
                detail: says(&sanitize(err.message().unwrap_or(""))),
            },
            Some(code) if !code.is_empty() => from_code(code, err.message().unwrap_or(""), ctx),
            // No AWS error code (a proxy's page, moto's IAM mode): the HTTP
            // status is all there is, never the body.
            _ => from_status(service_err.raw().status().as_u16(), ctx),
        },
        SdkError::TimeoutError(_) => Error::Network {
            what,
            service,
            reason: "the request timed out".into(),
        },
        SdkError::DispatchFailure(failure) => {
            let mut reason = if failure.is_timeout() {
                "the connection timed out".to_string()
            } else {
                source_chain(err)
            };
            // rustls trusts the system's CA bundle: a scratch image without
            // one fails every TLS handshake with this.
            if reason.contains("invalid peer certificate") {
                reason.push_str(
                    "; is a CA bundle installed? (a scratch image needs /etc/ssl/certs/ca-certificates.crt)",
                );
            }
            // The credential chain fails inside dispatch as an `other` error.
            if failure.is_user() || reason.contains("credential") {
                Error::Credentials { what, reason }
            } else {
                Error::Network {
                    what,
                    service,
                    reason,
                }
            }
        }
        SdkError::ConstructionFailure(_) => Error::Credentials {
            what,
            reason: source_chain(err),
        },
        // The raw response of a reply that could not be parsed may hold the
        // secret: report only that it happened.
        SdkError::ResponseError(_) => Error::Network {
            what,
            service,
            reason: "the reply could not be parsed".into(),
        },
        _ => Error::Network {
            what,
            service,
            reason: "unknown SDK failure".into(),
        },
    }
}

/// The `source()` chain of a non-service error, joined with `: `. Only
/// transport and credential errors reach here, which never hold a reply body.
/// An access denied names the permission a `--watch` version check needs.
#[cfg(target_os = "linux")]
pub(super) fn needs(err: Error, actions: &'static str) -> Error {
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

pub(super) fn source_chain(err: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
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

    fn ctx(service: Service) -> Ctx<'static> {
        Ctx {
            what: "secret `app`".into(),
            id: "app",
            service,
            region: "eu-west-1",
            version: " at stage `AWSPREVIOUS`".into(),
        }
    }

    #[test]
    fn codes_map_to_advice() {
        let sm = ctx(Service::SecretsManager);
        let e = from_code("ResourceNotFoundException", "", &sm);
        assert!(
            e.to_string().contains("at stage `AWSPREVIOUS`") && e.to_string().contains("eu-west-1"),
            "{e}"
        );
        let e = from_code("AccessDeniedException", "not\nauthorized", &sm);
        let text = e.to_string();
        assert!(
            text.contains("secretsmanager:GetSecretValue") && text.contains("kms:Decrypt"),
            "{text}"
        );
        assert!(text.contains("AWS says: not authorized"));
        let e = from_code(
            "InvalidRequestException",
            "You can't perform this operation on the secret because it was marked for deletion.",
            &sm,
        );
        assert!(matches!(e, Error::ScheduledForDeletion { .. }));
        assert!(matches!(
            from_code("ThrottlingException", "Rate exceeded", &sm),
            Error::Throttled { .. }
        ));
        assert!(
            from_code("DecryptionFailure", "", &sm)
                .to_string()
                .contains("kms:Decrypt")
        );
        let e = from_code("AccessDeniedException", "", &ctx(Service::Ssm));
        assert!(e.to_string().contains("ssm:GetParameters"));
        let e = from_code("", "", &sm);
        assert_eq!(
            e.to_string(),
            "secret `app`: AWS error unknown: no error code in the reply"
        );
    }
}
