//! The credentials every AWS call is signed with: the SDK's default chain,
//! or with `--role-arn` the role this step assumes itself — with the chain's
//! credentials (`AssumeRole`), or, where the chain has none and GitHub
//! Actions offers the job's OIDC token, with that token
//! (`AssumeRoleWithWebIdentity`). The role's temporary credentials live in
//! this process only: nothing is exported, written or printed (under
//! Actions the OIDC token and the role's keys are masked all the same), and
//! the SDK's identity cache renews them before they expire, so
//! `exec --watch` keeps working past `--role-duration`.

use super::aws_error::source_chain;
use crate::error::{Error, sanitize};
use crate::github;
use aws_config::SdkConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider, future};
use aws_sdk_sts::config::http::HttpResponse;
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_http_client::{Connector, proxy::ProxyConfig, tls};
use aws_smithy_runtime_api::client::http::{HttpConnector as _, HttpConnectorSettings};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_types::body::SdkBody;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

/// The audience AWS expects in GitHub's OIDC token.
const AUDIENCE: &str = "sts.amazonaws.com";

/// The most read from GitHub's token endpoint (a token is about 1 KiB).
const TOKEN_REPLY_CAP: usize = 64 * 1024;

/// `--role-arn` and the options that go with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Role {
    pub arn: String,
    pub session_name: String,
    pub duration: Duration,
    pub external_id: Option<String>,
}

/// The characters STS allows in a role session name.
pub(crate) fn session_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "+=,.@_-".contains(c)
}

impl Role {
    /// `` `NAME` in account ID ``, for messages: the ARN's `::` would be
    /// broken up where messages are made safe to print.
    pub(crate) fn shown(&self) -> String {
        let mut fields = self.arn.splitn(6, ':').skip(4);
        match (
            fields.next(),
            fields.next().and_then(|r| r.strip_prefix("role/")),
        ) {
            (Some(account), Some(name)) => format!("`{name}` in account {account}"),
            _ => format!("`{}`", self.arn),
        }
    }

    /// The session name when `--role-session-name` is not given: under
    /// GitHub Actions `OWNER-REPO@RUN_ID`, else `aws-secrets-env`.
    pub(crate) fn default_session_name() -> String {
        let var = |name| std::env::var(name).ok().filter(|v: &String| !v.is_empty());
        match (var("GITHUB_REPOSITORY"), var("GITHUB_RUN_ID")) {
            (Some(repo), Some(run)) if github::active() => actions_session_name(&repo, &run),
            _ => "aws-secrets-env".into(),
        }
    }
}

/// `REPO@RUN` in the characters STS allows (others become `-`), at most 64
/// of them: the repository is shortened, never the run id.
fn actions_session_name(repo: &str, run: &str) -> String {
    let clean = |s: &str, most: usize| -> String {
        s.chars()
            .map(|c| if session_char(c) { c } else { '-' })
            .take(most)
            .collect()
    };
    let run = clean(run, 32);
    let repo = clean(repo, 63 - run.len());
    format!("{repo}@{run}")
}

/// The SDK configuration with `role` assumed: its credentials provider
/// replaced by one that assumes the role (and renews it), after assuming it
/// once here so that every failure to do so is reported once, clearly,
/// before any secret is asked for. `masking`: print `::add-mask::` for the
/// OIDC token and the role's secret key and session token.
pub(crate) async fn assume(sdk: SdkConfig, role: &Role, masking: bool) -> Result<SdkConfig, Error> {
    // STS is called in the configured region, or its global endpoint's.
    let sts = if sdk.region().is_some() {
        sdk.clone()
    } else {
        sdk.clone()
            .into_builder()
            .region(aws_config::Region::from_static("us-east-1"))
            .build()
    };
    let chain = sdk
        .credentials_provider()
        .ok_or_else(|| Error::NoBaseCredentials { role: role.shown() })?;
    let first = match chain.provide_credentials().await {
        Ok(base) => {
            // The chain is asked once: its first answer signs the first
            // AssumeRole, later renewals ask it again.
            let base = Primed::new(chain, base);
            let mut builder = AssumeRoleProvider::builder(&role.arn)
                .session_name(&role.session_name)
                .session_length(role.duration)
                .configure(&sts);
            if let Some(id) = &role.external_id {
                builder = builder.external_id(id);
            }
            let provider = builder.build_from_provider(base).await;
            let creds = provider
                .provide_credentials()
                .await
                .map_err(|e| assume_role_error(&e, role))?;
            mask(masking, secret_parts(&creds))?;
            SharedCredentialsProvider::new(Primed::new(provider, creds))
        }
        Err(CredentialsError::CredentialsNotLoaded(_)) => {
            let Some(source) = TokenSource::from_env() else {
                return Err(if github::active() {
                    Error::NoIdToken { role: role.shown() }
                } else {
                    Error::NoBaseCredentials { role: role.shown() }
                });
            };
            if role.external_id.is_some() {
                return Err(Error::ExternalIdWithOidc { role: role.shown() });
            }
            let oidc = GithubOidc {
                sts: aws_sdk_sts::Client::from_conf(
                    aws_sdk_sts::config::Builder::from(&sts).build(),
                ),
                http: connector(&sts),
                role: role.clone(),
                source,
                masking: AtomicBool::new(masking),
            };
            let creds = oidc.assume().await?;
            SharedCredentialsProvider::new(Primed::new(oidc, creds))
        }
        Err(e) => {
            return Err(Error::Credentials {
                what: format!("role {}", role.shown()),
                reason: source_chain_of(&e),
            });
        }
    };
    Ok(sdk.into_builder().credentials_provider(first).build())
}

/// Prints `::add-mask::` for each of `texts` (the OIDC token, the role's
/// secret key and session token) when masking.
fn mask<'a>(masking: bool, texts: impl IntoIterator<Item = &'a str>) -> Result<(), Error> {
    if !masking {
        return Ok(());
    }
    let lines: Vec<String> = texts
        .into_iter()
        .filter(|t| !t.is_empty())
        .map(|text| format!("::add-mask::{}", github::escape_data(text)))
        .collect();
    github::print_commands(&lines).map_err(Error::Stdout)
}

/// The secret parts of credentials.
fn secret_parts(creds: &Credentials) -> impl Iterator<Item = &str> {
    std::iter::once(creds.secret_access_key()).chain(creds.session_token())
}

/// A provider whose first answer is already known: it gives that once,
/// then asks `inner` (the identity cache asks again only near expiry).
#[derive(Debug)]
struct Primed<P> {
    first: Mutex<Option<Credentials>>,
    inner: P,
}

impl<P> Primed<P> {
    fn new(inner: P, first: Credentials) -> Self {
        Primed {
            first: Mutex::new(Some(first)),
            inner,
        }
    }
}

impl<P: ProvideCredentials> ProvideCredentials for Primed<P> {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        let first = self.first.lock().ok().and_then(|mut f| f.take());
        match first {
            Some(creds) => future::ProvideCredentials::ready(Ok(creds)),
            None => self.inner.provide_credentials(),
        }
    }
}

/// The `source()` chain of a credentials error, as text.
fn source_chain_of(err: &CredentialsError) -> String {
    let text = source_chain(err);
    if text == "no detail" {
        sanitize(&err.to_string())
    } else {
        text
    }
}

/// ` — AWS says: MESSAGE`, or nothing.
fn says(message: Option<&str>) -> String {
    match message.map(sanitize) {
        Some(m) if !m.is_empty() => format!(" — AWS says: {m}"),
        _ => String::new(),
    }
}

/// Why `AssumeRole` failed, from the provider's error.
fn assume_role_error(err: &CredentialsError, role: &Role) -> Error {
    use aws_sdk_sts::operation::assume_role::AssumeRoleError;
    let sdk = std::error::Error::source(err)
        .and_then(|s| s.downcast_ref::<SdkError<AssumeRoleError, HttpResponse>>());
    match sdk {
        Some(e @ SdkError::ServiceError(_)) => {
            let code = e.code().unwrap_or("unknown").to_string();
            if code == "AccessDenied" || code == "AccessDeniedException" {
                Error::RoleRefused {
                    role: role.shown(),
                    code,
                    external: if role.external_id.is_some() {
                        " with this external id"
                    } else {
                        ""
                    },
                    detail: says(e.message()),
                }
            } else {
                Error::Aws {
                    what: format!("role {} (sts:AssumeRole)", role.shown()),
                    code,
                    message: sanitize(e.message().unwrap_or("no message")),
                }
            }
        }
        Some(e) => network(role, e),
        None => Error::Credentials {
            what: format!("role {}", role.shown()),
            reason: source_chain_of(err),
        },
    }
}

/// A call to STS that got no answer.
fn network<E: std::error::Error + 'static>(role: &Role, err: &SdkError<E, HttpResponse>) -> Error {
    Error::Network {
        what: format!("role {}", role.shown()),
        service: "AWS STS",
        reason: match err {
            SdkError::TimeoutError(_) => "the request timed out".into(),
            _ => source_chain(err),
        },
    }
}

/// Where GitHub Actions hands out the job's OIDC token.
#[derive(Debug)]
struct TokenSource {
    url: String,
    bearer: String,
}

impl TokenSource {
    /// Both variables, set and not empty (the job has `id-token: write`).
    fn from_env() -> Option<TokenSource> {
        let var = |name| std::env::var(name).ok().filter(|v: &String| !v.is_empty());
        Some(TokenSource {
            url: var("ACTIONS_ID_TOKEN_REQUEST_URL")?,
            bearer: var("ACTIONS_ID_TOKEN_REQUEST_TOKEN")?,
        })
    }

    /// `GET URL&audience=sts.amazonaws.com` with the request token as
    /// bearer; the reply is `{"value": TOKEN}`.
    async fn fetch(&self, http: &Connector) -> Result<String, Error> {
        let fail = |reason: String| Error::OidcToken { reason };
        let join = if self.url.contains('?') { '&' } else { '?' };
        let url = format!("{}{join}audience={AUDIENCE}", self.url);
        let mut request = HttpRequest::get(&url)
            .map_err(|e| fail(format!("not a URL ({})", sanitize(&e.to_string()))))?;
        let headers = request.headers_mut();
        headers.insert("authorization", format!("bearer {}", self.bearer));
        headers.insert("accept", "application/json; api-version=2.0");
        headers.insert(
            "user-agent",
            concat!("aws-secrets-env/", env!("CARGO_PKG_VERSION")),
        );
        let reply = http
            .call(request)
            .await
            .map_err(|e| fail(format!("no answer ({})", source_chain(&e))))?;
        let status = reply.status().as_u16();
        let body = read_capped(reply.into_body()).await.map_err(fail)?;
        if status != 200 {
            // The body is GitHub's text, never the token: its status says enough.
            return Err(fail(if status == 401 || status == 403 {
                format!(
                    "HTTP {status}: the request token (ACTIONS_ID_TOKEN_REQUEST_TOKEN) was refused"
                )
            } else {
                format!("HTTP {status}")
            }));
        }
        let value = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get("value")?.as_str().map(str::to_string))
            .filter(|v| !v.is_empty());
        value.ok_or_else(|| fail("the reply is not a JSON object with a `value` string".into()))
    }
}

/// Reads a reply body, up to [`TOKEN_REPLY_CAP`] bytes.
async fn read_capped(mut body: SdkBody) -> Result<Vec<u8>, String> {
    use http_body::Body as _;
    let mut out = Vec::new();
    loop {
        let frame = std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await;
        match frame {
            None => return Ok(out),
            Some(Err(e)) => {
                return Err(format!(
                    "the reply broke off ({})",
                    sanitize(&e.to_string())
                ));
            }
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    out.extend_from_slice(&data);
                    if out.len() > TOKEN_REPLY_CAP {
                        return Err(format!(
                            "the reply is larger than {TOKEN_REPLY_CAP} bytes, which no token is"
                        ));
                    }
                }
            }
        }
    }
}

/// The SDK's own HTTPS client (rustls), with the SDK configuration's
/// timeouts and the environment's proxy settings.
fn connector(sdk: &SdkConfig) -> Connector {
    let mut settings = HttpConnectorSettings::builder();
    if let Some(timeouts) = sdk.timeout_config() {
        settings
            .set_connect_timeout(timeouts.connect_timeout())
            .set_read_timeout(timeouts.operation_attempt_timeout());
    }
    let mut builder = Connector::builder()
        .connector_settings(settings.build())
        .proxy_config(ProxyConfig::from_env());
    if let Some(sleep) = sdk.sleep_impl() {
        builder = builder.sleep_impl(sleep);
    }
    builder
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::AwsLc,
        ))
        .build()
}

/// The role assumed with GitHub's OIDC token, fetched anew for each
/// renewal (GitHub's tokens last minutes, the job's request token hours).
struct GithubOidc {
    sts: aws_sdk_sts::Client,
    http: Connector,
    role: Role,
    source: TokenSource,
    /// Mask the first token and keys (later ones are printed by nobody and
    /// would interleave with a supervised command's output).
    masking: AtomicBool,
}

impl std::fmt::Debug for GithubOidc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GithubOidc")
            .field("role", &self.role.arn)
            .finish_non_exhaustive()
    }
}

impl GithubOidc {
    async fn assume(&self) -> Result<Credentials, Error> {
        let token = self.source.fetch(&self.http).await?;
        // Masked before anything can go wrong with it.
        let masking = self.masking.swap(false, Ordering::SeqCst);
        mask(masking, [token.as_str()])?;
        let reply = self
            .sts
            .assume_role_with_web_identity()
            .role_arn(&self.role.arn)
            .role_session_name(&self.role.session_name)
            .duration_seconds(self.role.duration.as_secs() as i32)
            .web_identity_token(&token)
            .send()
            .await;
        let reply = match reply {
            Ok(reply) => reply,
            Err(e @ SdkError::ServiceError(_)) => {
                let code = e.code().unwrap_or("unknown").to_string();
                return Err(match code.as_str() {
                    "AccessDenied" | "AccessDeniedException" | "InvalidIdentityToken" => {
                        Error::OidcRefused {
                            role: self.role.shown(),
                            subject: subject(&token),
                            code,
                            detail: says(e.message()),
                        }
                    }
                    _ => Error::Aws {
                        what: format!("role {} (sts:AssumeRoleWithWebIdentity)", self.role.shown()),
                        code,
                        message: sanitize(e.message().unwrap_or("no message")),
                    },
                });
            }
            Err(e) => return Err(network(&self.role, &e)),
        };
        let creds = reply.credentials().ok_or_else(|| Error::Aws {
            what: format!("role {} (sts:AssumeRoleWithWebIdentity)", self.role.shown()),
            code: "NoCredentials".into(),
            message: "the reply holds no credentials".into(),
        })?;
        let creds = Credentials::new(
            creds.access_key_id(),
            creds.secret_access_key(),
            Some(creds.session_token().to_string()),
            SystemTime::try_from(*creds.expiration()).ok(),
            "aws-secrets-env: GitHub OIDC",
        );
        mask(masking, secret_parts(&creds))?;
        Ok(creds)
    }
}

impl ProvideCredentials for GithubOidc {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            self.assume()
                .await
                .map_err(CredentialsError::provider_error)
        })
    }
}

/// The `sub` claim of a JWT (the payload is read, the signature is not
/// checked: this is for the message only), or a note that it has none.
fn subject(token: &str) -> String {
    let claim = token.split('.').nth(1).and_then(|payload| {
        let mut b64: String = payload
            .chars()
            .map(|c| match c {
                '-' => '+',
                '_' => '/',
                c => c,
            })
            .collect();
        while !b64.len().is_multiple_of(4) {
            b64.push('=');
        }
        let bytes = aws_smithy_types::base64::decode(b64).ok()?;
        let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
        claims.get("sub")?.as_str().map(sanitize)
    });
    claim.unwrap_or_else(|| "(unreadable: the token has no `sub` claim)".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_session_names_fit_sts() {
        assert_eq!(
            actions_session_name("octo-org/app", "123"),
            "octo-org-app@123"
        );
        let long = format!("o/{}", "r".repeat(100));
        let name = actions_session_name(&long, "9876543210");
        assert_eq!(name.len(), 64);
        assert!(name.ends_with("@9876543210"), "{name}");
        assert!(name.chars().all(session_char), "{name}");
        assert_eq!(actions_session_name("a/b c", "1"), "a-b-c@1");
    }

    #[test]
    fn subject_is_read_from_the_payload() {
        // {"sub":"repo:o/r:ref:refs/heads/main","aud":"sts.amazonaws.com"}
        let payload = "eyJzdWIiOiJyZXBvOm8vcjpyZWY6cmVmcy9oZWFkcy9tYWluIiwiYXVkIjoic3RzLmFtYXpvbmF3cy5jb20ifQ";
        let token = format!("eyJhbGciOiJub25lIn0.{payload}.sig");
        assert_eq!(subject(&token), "repo:o/r:ref:refs/heads/main");
        assert_eq!(
            subject("not-a-jwt"),
            "(unreadable: the token has no `sub` claim)"
        );
    }
}
