//! `--role-arn`: the step assumes its role itself — with the credentials it
//! has (STS `AssumeRole` in moto), or with none under GitHub Actions, with
//! the job's OIDC token from a local stand-in of GitHub's token endpoint
//! (`tests/faults/oidc_server.py`, then `AssumeRoleWithWebIdentity`). A proxy
//! (`tests/faults/sigv4_proxy.py`) records which access key signed each
//! call, and plays STS refusing.

use crate::support::{Helper, Test, moto};

const ROLE: &str = "arn:aws:iam::123456789012:role/reader";
/// The role as messages name it (an ARN's `::` is broken up in messages).
const SHOWN: &str = "`reader` in account 123456789012";
const SUB: &str = "repo:octo-org/app:ref:refs/heads/main";
const BEARER: &str = "request-token-1234";

/// A helper server from tests/faults/ ([`Helper`]); killed when dropped.
pub(crate) struct Server(Helper);

impl std::ops::Deref for Server {
    type Target = Helper;
    fn deref(&self) -> &Helper {
        &self.0
    }
}

impl Server {
    pub(crate) fn start(script: &str, args: &[&str]) -> Server {
        Server(Helper::start(script, args))
    }

    /// The proxy in front of moto, with `args` (`--deny`, `--fail-region`).
    pub(crate) fn proxy(args: &[&str]) -> Server {
        let mut all = vec!["--upstream", moto().endpoint.as_str()];
        all.extend_from_slice(args);
        Server::start("sigv4_proxy.py", &all)
    }

    /// GitHub's token endpoint, handing tokens for [`SUB`] to [`BEARER`].
    pub(crate) fn oidc() -> Server {
        Server::start("oidc_server.py", &["--bearer", BEARER, "--sub", SUB])
    }

    /// `GET /__log`: what the server saw, in order.
    pub(crate) fn log(&self) -> Vec<serde_json::Value> {
        serde_json::from_value(self.get("/__log")).unwrap()
    }

    /// The proxy's log as `(key, call)` pairs, keys of the role's
    /// temporary credentials (moto's start with `ASIA`) shown as `ASIA`.
    pub(crate) fn signers(&self) -> Vec<(String, String)> {
        self.log()
            .iter()
            .map(|e| {
                let key = e["key"].as_str().unwrap();
                let key = if key.starts_with("ASIA") { "ASIA" } else { key };
                (key.to_string(), e["call"].as_str().unwrap().to_string())
            })
            .collect()
    }
}

impl Server {
    /// Each STS call's session name, duration and external id, in order.
    pub(crate) fn sessions(&self) -> Vec<String> {
        self.log()
            .iter()
            .filter(|e| e["service"] == "sts" || e["key"] == "")
            .map(|e| {
                let field = |f: &str| e[f].as_str().unwrap_or("-").to_string();
                format!(
                    "{} {} {}",
                    field("session"),
                    field("duration"),
                    field("external_id")
                )
            })
            .collect()
    }
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_string(), (*b).to_string()))
        .collect()
}

/// A run under GitHub Actions with no AWS credentials at all, and the
/// job's token endpoint at `oidc` if given.
fn in_actions_without_keys(t: Test, oidc: Option<&Server>) -> Test {
    let t = t
        .env("AWS_ACCESS_KEY_ID", "")
        .env("AWS_SECRET_ACCESS_KEY", "")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_REPOSITORY", "octo-org/app")
        .env("GITHUB_RUN_ID", "4242");
    match oidc {
        Some(server) => t
            .env(
                "ACTIONS_ID_TOKEN_REQUEST_URL",
                format!("{}/token?api-version=2.0", server.endpoint),
            )
            .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", BEARER),
        None => t,
    }
}

#[test]
fn the_role_is_assumed_with_the_current_keys_and_signs_every_call() {
    let proxy = Server::proxy(&[]);
    Test::new()
        .secret("s", r#"{"K":"assumed-value"}"#)
        .select("s")
        .args(["--role-arn", ROLE, "-o", "-"])
        .env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .stdout("K='assumed-value'\n")
        .stderr(
            "aws-secrets-env: wrote 1 variable from 1 selector to standard output (dotenv): K\n",
        )
        .run();
    assert_eq!(
        proxy.signers(),
        pairs(&[
            ("test", "AssumeRole"),
            ("ASIA", "secretsmanager.BatchGetSecretValue")
        ])
    );
    assert_eq!(proxy.sessions(), ["aws-secrets-env 900 -"]);
}

#[test]
fn under_actions_without_keys_the_oidc_token_assumes_the_role() {
    let proxy = Server::proxy(&[]);
    let oidc = Server::oidc();
    let t = Test::new()
        .secret("s", r#"{"K":"oidc-value-1"}"#)
        .select("s")
        .args(["--role-arn", ROLE, "--format", "json", "-o", "out.json"])
        .env("AWS_ENDPOINT_URL", &proxy.endpoint);
    let out = in_actions_without_keys(t, Some(&oidc))
        .stdout_contains("::add-mask::oidc-value-1\n")
        .stderr(
            "\n::group::aws-secrets-env\n\
             aws-secrets-env: wrote 1 variable from 1 selector to [dir]/out.json (json): K\n\
             ::endgroup::\n",
        )
        .expect_file("out.json", "{\n  \"K\": \"oidc-value-1\"\n}\n")
        .run()
        .no_leak();
    // GitHub's token was asked for AWS's audience with the request token,
    // exchanged unsigned, and the role's keys signed the read.
    assert_eq!(
        oidc.log(),
        vec![serde_json::json!({"audience": "sts.amazonaws.com", "authorized": true})]
    );
    assert_eq!(
        proxy.signers(),
        pairs(&[
            ("", "AssumeRoleWithWebIdentity"),
            ("ASIA", "secretsmanager.BatchGetSecretValue")
        ])
    );
    assert_eq!(proxy.sessions(), ["octo-org-app@4242 900 -"]);
    // The token and the role's secret key and session token are masked
    // before the values: a JWT (three base64url parts), then two more.
    let masks = out.masks();
    assert!(masks[0].starts_with("eyJ") && masks[0].split('.').count() == 3);
    assert!(masks.len() >= 4, "{masks:?}");
}

#[test]
fn without_id_token_permission_the_message_says_so() {
    let t = Test::new()
        .offline()
        .args(["--secret-id", "s", "--role-arn", ROLE]);
    let message = format!(
        "cannot assume role {SHOWN}: this step has no AWS credentials, and no GitHub OIDC token to exchange for them (ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set): give the job `permissions: id-token: write`, or configure credentials before this step"
    );
    in_actions_without_keys(t, None)
        .status(1)
        .stdout(format!(
            "\n::error title=aws-secrets-env%3A role not assumed::{message}\n"
        ))
        .stderr(format!("aws-secrets-env: error: {message}\n"))
        .expect_no_file("app.env")
        .run();
}

#[test]
fn outside_actions_without_keys_the_message_says_so() {
    Test::new()
        .offline()
        .args(["--secret-id", "s", "--role-arn", ROLE])
        .env("AWS_ACCESS_KEY_ID", "")
        .env("AWS_SECRET_ACCESS_KEY", "")
        .status(1)
        .stderr(format!(
            "aws-secrets-env: error: cannot assume role {SHOWN}: the SDK found no AWS credentials to assume it with; configure credentials (environment, profile, SSO, web identity or an instance role)\n"
        ))
        .run();
}

#[test]
fn a_trust_policy_refusing_the_token_names_its_subject() {
    let proxy = Server::proxy(&["--deny", "AssumeRoleWithWebIdentity"]);
    let oidc = Server::oidc();
    let t = Test::new()
        .args(["--secret-id", "s", "--role-arn", ROLE])
        .env("AWS_ENDPOINT_URL", &proxy.endpoint);
    let message = format!(
        "role {SHOWN} refused GitHub's OIDC token for subject `{SUB}` (AccessDenied): the role's trust policy must allow `sts:AssumeRoleWithWebIdentity` from the OIDC provider `token.actions.githubusercontent.com` with audience `sts.amazonaws.com` and a `token.actions.githubusercontent.com:sub` condition that this subject matches — AWS says: Not authorized to perform sts:AssumeRoleWithWebIdentity"
    );
    in_actions_without_keys(t, Some(&oidc))
        .status(1)
        .stdout_contains(format!(
            "::error title=aws-secrets-env%3A role not assumed::{message}\n"
        ))
        .stderr(format!("aws-secrets-env: error: {message}\n"))
        .expect_no_file("app.env")
        .run();
}

#[test]
fn keys_that_may_not_assume_the_role_are_told_so() {
    let proxy = Server::proxy(&["--deny", "AssumeRole"]);
    Test::new()
        .args(["--secret-id", "s", "--role-arn", ROLE])
        .env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .status(1)
        .stderr(format!(
            "aws-secrets-env: error: the current AWS credentials cannot assume role {SHOWN} (AccessDenied): the role's trust policy must allow them `sts:AssumeRole`, and their own IAM policy must allow `sts:AssumeRole` on the role — AWS says: User: arn:aws:iam: :123456789012:user/ci is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam: :123456789012:role/reader\n"
        ))
        .expect_no_file("app.env")
        .run();
    assert_eq!(proxy.signers(), pairs(&[("test", "AssumeRole")]));
}

#[test]
fn a_refused_request_token_is_named() {
    let oidc = Server::oidc();
    let t = Test::new()
        .offline()
        .args(["--secret-id", "s", "--role-arn", ROLE]);
    let message = "cannot get GitHub's OIDC token from ACTIONS_ID_TOKEN_REQUEST_URL: HTTP 401: the request token (ACTIONS_ID_TOKEN_REQUEST_TOKEN) was refused";
    in_actions_without_keys(t, Some(&oidc))
        .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "wrong")
        .status(1)
        .stdout(format!(
            "\n::error title=aws-secrets-env%3A role not assumed::{message}\n"
        ))
        .stderr(format!("aws-secrets-env: error: {message}\n"))
        .run();
}

#[test]
fn bad_role_options_are_usage_errors() {
    Test::new()
        .args(["--secret-id", "s", "--role-arn", "reader"])
        .status(2)
        .stderr(
            "error: invalid value 'reader' for '--role-arn <ARN>': expected a role ARN: \
             arn:aws:iam::ACCOUNT_ID:role/NAME\n\nFor more information, try '--help'.\n",
        )
        .run();
    Test::new()
        .args(["--secret-id", "s", "--role-arn", ROLE, "--role-session-name", "a b"])
        .status(2)
        .stderr(
            "error: invalid value 'a b' for '--role-session-name <NAME>': expected 2 to 64 characters, \
             each a letter, a digit or one of + = , . @ _ -\n\nFor more information, try '--help'.\n",
        )
        .run();
    Test::new()
        .args(["--secret-id", "s", "--role-duration", "3600"])
        .status(2)
        .stderr(
            "error: the following required arguments were not provided:\n  --role-arn <ARN>\n\n\
             Usage: aws-secrets-env write --secret-id <SELECTOR> --role-arn <ARN> --role-duration <SECONDS>\n\n\
             For more information, try '--help'.\n",
        )
        .run();
}

#[test]
fn exec_assumes_the_role_and_the_command_never_sees_its_keys() {
    let proxy = Server::proxy(&[]);
    let out = Test::exec()
        .secret("s", r#"{"K":"exec-role-value"}"#)
        .select("s")
        .args(["--role-arn", ROLE, "--role-session-name", "deploy-7"])
        .args(["--role-duration", "3600", "--role-external-id", "ext-42"])
        .env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .args([
            "--",
            "sh",
            "-c",
            "printf '%s|%s|%s' \"$K\" \"$AWS_ACCESS_KEY_ID\" \"${AWS_SESSION_TOKEN-unset}\"",
        ])
        .stdout_read_after()
        .stderr("aws-secrets-env: loaded 1 variable from 1 selector; starting `sh`\n")
        .run();
    // The command has the value and the environment's own keys, not the role's.
    assert_eq!(out.stdout, "exec-role-value|test|unset");
    assert_eq!(proxy.sessions(), ["deploy-7 3600 ext-42"]);
    assert_eq!(
        proxy.signers(),
        pairs(&[
            ("test", "AssumeRole"),
            ("ASIA", "secretsmanager.BatchGetSecretValue")
        ])
    );
}
