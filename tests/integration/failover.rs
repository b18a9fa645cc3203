//! `--fallback-region`: a secret whose region has an outage is read from its
//! replica (moto's `AddReplicaRegions`) in the next fallback region; never
//! after a 4xx answer. `tests/faults/sigv4_proxy.py` fails every request
//! signed for one region, with a 500 or a `ResourceNotFoundException`, and
//! records which region each call was signed for.

use crate::role::Server;
use crate::support::{Test, moto};
use aws_sdk_secretsmanager::types::ReplicaRegionType;

/// Creates `name` in us-east-1 with a replica in us-west-2; returns its ARN.
pub(crate) fn replicated(name: &str, value: &str) -> String {
    let moto = moto();
    let out = moto
        .block_on(
            moto.client()
                .create_secret()
                .name(name)
                .secret_string(value)
                .add_replica_regions(ReplicaRegionType::builder().region("us-west-2").build())
                .send(),
        )
        .unwrap_or_else(|e| panic!("create_secret {name}: {e:?}"));
    out.arn().unwrap().to_string()
}

/// The proxy's log as `REGION CALL ANSWER` lines.
fn calls(proxy: &Server) -> Vec<String> {
    proxy
        .log()
        .iter()
        .map(|e| {
            format!(
                "{} {} {}",
                e["region"].as_str().unwrap(),
                e["call"].as_str().unwrap(),
                e["answer"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn an_outage_of_the_secrets_region_reads_the_replica_and_says_so() {
    let proxy = Server::proxy(&["--fail-region", "us-east-1", "--fail-with", "error500"]);
    let mut t = Test::new();
    replicated(&t.name("db"), r#"{"PASSWORD":"from-the-replica"}"#);
    t.remember("from-the-replica");
    let summary = t.path("summary.md");
    t.select("db")
        .args(["--fallback-region", "us-west-2", "--max-attempts", "2", "-o", "-"])
        .env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .env("GITHUB_STEP_SUMMARY", summary.display().to_string())
        .stdout("PASSWORD='from-the-replica'\n")
        .stderr(
            "aws-secrets-env: warning: secret `[test]-db`: AWS Secrets Manager failed on its side (HTTP 500, InternalServiceError) and retries ran out — AWS says: internal error; read its replica in us-west-2 instead\n\
             aws-secrets-env: wrote 1 variable from 1 selector to standard output (dotenv): PASSWORD\n",
        )
        .run();
    assert_eq!(
        calls(&proxy),
        [
            "us-east-1 secretsmanager.BatchGetSecretValue error500",
            "us-east-1 secretsmanager.BatchGetSecretValue error500",
            "us-west-2 secretsmanager.BatchGetSecretValue passed",
        ]
    );
}

#[test]
fn the_job_summary_names_the_replicas_region() {
    let proxy = Server::proxy(&["--fail-region", "us-east-1"]);
    let mut t = Test::new();
    replicated(&t.name("db"), r#"{"USER":"replica-user-1"}"#);
    t.remember("replica-user-1");
    let summary = t.path("summary.md");
    let out = t
        .select("db")
        .args([
            "--fallback-region",
            "eu-west-1,us-west-2",
            "--max-attempts",
            "1",
        ])
        .env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", summary.display().to_string())
        // stdout: the masks.
        .stdout_read_after()
        .stderr(
            "aws-secrets-env: warning: secret `[test]-db`: AWS Secrets Manager failed on its side \
             (HTTP 500, InternalServiceError) and retries ran out — AWS says: internal error; read its \
             replica in us-west-2 instead\n\
             \n::group::aws-secrets-env\n\
             aws-secrets-env: wrote 1 variable from 1 selector to [dir]/app.env (dotenv): USER\n\
             ::endgroup::\n",
        )
        .run()
        .no_leak();
    let row = format!(
        "| `USER` | secret \\`{}\\` key \\`USER\\` \\(replica in us\\-west\\-2\\) |",
        out.test.name("db").replace('-', "\\-")
    );
    let summary = std::fs::read_to_string(summary).unwrap();
    assert!(summary.lines().any(|l| l == row), "{summary}");
    // eu-west-1 has no replica: asked, then us-west-2.
    assert_eq!(
        calls(&proxy),
        [
            "us-east-1 secretsmanager.BatchGetSecretValue error500",
            "eu-west-1 secretsmanager.BatchGetSecretValue passed",
            "us-west-2 secretsmanager.BatchGetSecretValue passed",
        ]
    );
}

#[test]
fn a_missing_secret_is_an_error_not_a_reason_to_read_a_replica() {
    let proxy = Server::proxy(&["--fail-region", "us-east-1", "--fail-with", "notfound"]);
    let t = Test::new();
    replicated(&t.name("db"), r#"{"PASSWORD":"never-read-1"}"#);
    t.select("db")
        .args(["--fallback-region", "us-west-2"])
        .env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .status(1)
        .stderr(
            "aws-secrets-env: error: secret `[test]-db` not found (ResourceNotFoundException): check the name or ARN, the region (us-east-1) and the version stage or id\n",
        )
        .expect_no_file("app.env")
        .run();
    assert_eq!(
        calls(&proxy),
        ["us-east-1 secretsmanager.BatchGetSecretValue notfound"]
    );
}

#[test]
fn an_arn_is_rewritten_to_the_replicas_region() {
    let proxy = Server::proxy(&["--fail-region", "us-east-1"]);
    let t = Test::new();
    let arn = replicated(&t.name("db"), "by-arn-replica-1");
    let shown = arn.replace(&t.name(""), "[test]-");
    t.args(["--secret-id", &format!("V,{arn}")])
        .args(["--fallback-region", "us-west-2", "--max-attempts", "1", "-o", "-"])
        .env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .stdout("V='by-arn-replica-1'\n")
        .stderr(format!(
            "aws-secrets-env: warning: secret `{shown}`: AWS Secrets Manager failed on its side (HTTP 500, InternalServiceError) and retries ran out — AWS says: internal error; read its replica in us-west-2 instead\n\
             aws-secrets-env: wrote 1 variable from 1 selector to standard output (dotenv): V\n",
        ))
        .run();
    assert_eq!(
        calls(&proxy),
        [
            "us-east-1 secretsmanager.BatchGetSecretValue error500",
            "us-west-2 secretsmanager.BatchGetSecretValue passed",
        ]
    );
}

#[test]
fn without_a_replica_both_failures_are_named() {
    let proxy = Server::proxy(&["--fail-region", "us-east-1"]);
    let t = Test::new().secret("db", r#"{"K":"unreplicated-1"}"#);
    t.select("db")
        .args(["--fallback-region", "us-west-2", "--max-attempts", "1"])
        .env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .status(1)
        .stderr(
            "aws-secrets-env: error: secret `[test]-db`: AWS Secrets Manager failed on its side (HTTP 500, InternalServiceError) and retries ran out — AWS says: internal error; no replica could be read instead: in us-west-2, secret `[test]-db` not found (ResourceNotFoundException): check the name or ARN, the region (us-west-2) and the version stage or id\n",
        )
        .expect_no_file("app.env")
        .run();
}

#[test]
fn a_bad_fallback_region_is_a_usage_error() {
    Test::new()
        .args(["--secret-id", "s", "--fallback-region", "us-west-2,Mars"])
        .status(2)
        .stderr(
            "error: invalid value 'Mars' for '--fallback-region <REGION>': expected an AWS region name \
             such as eu-west-1\n\nFor more information, try '--help'.\n",
        )
        .run();
}
