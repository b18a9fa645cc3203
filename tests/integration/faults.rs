//! Faults injected for real: a proxy on 127.0.0.1 in front of moto answers
//! the first N requests with throttling, a 500, a dropped connection, silence,
//! a hostile error message or a body without end
//! (`tests/faults/fault_proxy.py`), then passes through. Each run must end in success or a clear, bounded failure.

use crate::support::{Proxy, Test, moto};
use std::io::Read as _;
use std::process::Stdio;
use std::time::{Duration, Instant};

fn through(proxy: &Proxy, t: Test) -> Test {
    t.env("AWS_ENDPOINT_URL", &proxy.endpoint)
}

/// The bound on AWS calls in flight that README and CHANGELOG promise.
const IN_FLIGHT: u64 = 24;

#[test]
fn a_denied_batch_falls_back_one_by_one_within_the_bound() {
    // BatchGetSecretValue is an account-level action that an SCP, a VPC
    // endpoint policy or a resource-scoped grant denies silently; each batch
    // of 20 then falls back to one GetSecretValue per id. Every call is held
    // 300 ms at the proxy, so unbounded calls would all overlap there.
    let n = 60;
    let mut t = Test::new();
    for i in 0..n {
        t = t.secret(
            &format!("s{i:02}"),
            &format!(r#"{{"K{i:02}":"fallback-value-{i:02}"}}"#),
        );
    }
    let proxy = Proxy::start_with(
        "message",
        1000,
        &["--only", "BatchGetSecretValue", "--delay-ms", "300"].map(String::from),
    );
    let mut t = through(&proxy, t).args(["--mask", "never"]);
    for i in 0..n {
        t = t.select(&format!("s{i:02}"));
    }
    let mut expected = String::new();
    for i in 0..n {
        use std::fmt::Write as _;
        writeln!(expected, "K{i:02}='fallback-value-{i:02}'").unwrap();
    }
    let names: Vec<String> = (0..n).map(|i| format!("K{i:02}")).collect();
    t.expect_file("app.env", expected)
        .stderr(format!(
            "aws-secrets-env: wrote {n} variables from {n} selectors to [dir]/app.env (dotenv): {}\n",
            names.join(", ")
        ))
        .run();
    let stats = proxy.stats();
    let calls: Vec<&str> = stats["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    let count = |call: &str| calls.iter().filter(|c| **c == call).count();
    assert_eq!(
        count("F:secretsmanager.BatchGetSecretValue"),
        3,
        "{calls:?}"
    );
    assert_eq!(count("secretsmanager.GetSecretValue"), n, "{calls:?}");
    assert_eq!(calls.len(), 3 + n, "{calls:?}");
    let most = stats["max_in_flight"].as_u64().unwrap();
    assert!(
        (1..=IN_FLIGHT).contains(&most),
        "{most} calls in flight at once, against a bound of {IN_FLIGHT}"
    );
}

#[test]
fn transient_faults_are_retried_to_success() {
    for mode in ["throttle", "error500", "drop"] {
        let t = Test::new().secret("s", r#"{"K":"survives-faults"}"#);
        let proxy = Proxy::start(mode, 2, None);
        through(&proxy, t.select("s"))
            .args(["--max-attempts", "5"])
            .stderr(
                "aws-secrets-env: wrote 1 variable from 1 selector to [dir]/app.env (dotenv): K\n",
            )
            .expect_file("app.env", "K='survives-faults'\n")
            .run();
    }
}

#[test]
fn ssm_pages_survive_throttling_too() {
    let t = Test::new();
    for i in 0..12 {
        moto().put_parameter(
            &t.parameter(&format!("/cfg/P{i:02}")),
            &format!("v{i}"),
            "String",
        );
    }
    let proxy = Proxy::start("throttle", 2, None);
    through(&proxy, t.select("ssm:/cfg/"))
        .args(["--format", "json", "-o", "-"])
        .stdout("{\n  \"P00\": \"v0\",\n  \"P01\": \"v1\",\n  \"P02\": \"v2\",\n  \"P03\": \"v3\",\n  \"P04\": \"v4\",\n  \"P05\": \"v5\",\n  \"P06\": \"v6\",\n  \"P07\": \"v7\",\n  \"P08\": \"v8\",\n  \"P09\": \"v9\",\n  \"P10\": \"v10\",\n  \"P11\": \"v11\"\n}\n")
        .stderr(
            "aws-secrets-env: wrote 12 variables from 1 selector to standard output (json): P00, P01, P02, P03, P04, P05, P06, P07, P08, P09, P10, P11\n",
        )
        .run();
}

#[test]
fn persistent_throttling_fails_clearly_and_in_bounded_time() {
    let t = Test::new().secret("s", r#"{"K":"v"}"#);
    let id = t.name("s");
    let proxy = Proxy::start("throttle", 1000, None);
    let started = Instant::now();
    through(&proxy, t.args(["--secret-id", &id, "--max-attempts", "3"]))
        .status(1)
        .stderr("aws-secrets-env: error: secret `[test]-s`: AWS throttled the request (ThrottlingException) and retries ran out; run again later or select fewer at once\n")
        .expect_no_file("app.env")
        .run();
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    let proxy = Proxy::start("error500", 1000, None);
    through(
        &proxy,
        Test::new().args(["--secret-id", &id, "--max-attempts", "2"]),
    )
    .status(1)
    .stderr(format!(
        "aws-secrets-env: error: secret `{id}`: AWS Secrets Manager failed on its side (HTTP 500, InternalServiceError) and retries ran out — AWS says: internal error\n"
    ))
    .expect_no_file("app.env")
    .run();
}

#[test]
fn a_silent_server_is_bounded_by_the_timeout() {
    let t = Test::new().secret("s", r#"{"K":"v"}"#);
    let id = t.name("s");
    let proxy = Proxy::start("hang", 1000, None);
    let started = Instant::now();
    through(&proxy, t.args(["--secret-id", &id, "--timeout", "3"]))
        .status(1)
        .stderr("aws-secrets-env: error: AWS did not answer within 3 s (--timeout); check the network, the region and AWS_ENDPOINT_URL, or raise --timeout\n")
        .expect_no_file("app.env")
        .run();
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_hostile_aws_message_cannot_become_a_workflow_command() {
    // The message's line breaks become spaces and its `::` is broken up.
    const DENIED: &str = "access denied to secret `[test]-s` (AccessDeniedException): the caller needs `secretsmanager:GetSecretValue` on it (plus `secretsmanager:BatchGetSecretValue`, and `secretsmanager:ListSecrets` for wildcards), and `kms:Decrypt` on its key if that is a customer managed KMS key — AWS says: denied : :stop-commands: :pwned : :add-mask: :x";
    let t = Test::new().secret("s", r#"{"K":"value-before-stop"}"#);
    let id = t.name("s");
    let proxy = Proxy::start(
        "message",
        1000,
        Some("denied\n::stop-commands::pwned\r\n::add-mask::x"),
    );
    let out = through(&proxy, t.args(["--secret-id", &id]))
        .env("GITHUB_ACTIONS", "true")
        .status(1)
        .stdout(format!(
            "\n::error title=aws-secrets-env%3A access denied::{DENIED}\n"
        ))
        .stderr(format!("aws-secrets-env: error: {DENIED}\n"))
        .expect_no_file("app.env")
        .run();
    for line in out.stdout.lines().chain(out.stderr.lines()) {
        let line = line.trim_start();
        assert!(
            !line.starts_with("::stop-commands") && !line.starts_with("::add-mask::"),
            "a workflow command got through: {line:?}"
        );
        assert!(!line.contains("::stop-commands::"), "{line:?}");
    }
}

#[test]
fn a_reply_without_an_error_code_names_the_http_status_and_the_iam_actions() {
    let proxy = Proxy::start("forbidden", 100, None);
    let t = Test::new().secret("fb", "forbidden-value-1");
    through(&proxy, t.select("fb").args(["--max-attempts", "1"]))
        .status(1)
        .stderr("aws-secrets-env: error: access denied to secret `[test]-fb` (HTTP 403, no AWS error code in the reply): the caller needs `secretsmanager:GetSecretValue` on it (plus `secretsmanager:BatchGetSecretValue`, and `secretsmanager:ListSecrets` for wildcards), and `kms:Decrypt` on its key if that is a customer managed KMS key\n")
        .expect_no_file("app.env")
        .run()
        .no_leak();
}

/// Runs `t` and returns its exit code, its stderr and its peak resident set
/// size in KiB (`wait4`'s `ru_maxrss`: this child's own, not the test's).
#[cfg(unix)]
// The child is reaped by `wait4`, which `Child::wait` cannot replace: it
// reports no resource usage.
#[allow(clippy::zombie_processes)]
fn run_measuring_memory(t: &Test) -> (Option<i32>, String, i64) {
    let mut child = t
        .command()
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot run the binary");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our own child, not yet waited for; both pointers are to
    // live locals.
    let waited = unsafe { libc::wait4(pid, &raw mut status, 0, &raw mut usage) };
    assert_eq!(waited, pid, "wait4: {}", std::io::Error::last_os_error());
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    (code, stderr, usage.ru_maxrss)
}

/// A reply body without end, chunked or declaring a length of 1 TiB, is cut
/// off at the 16 MiB cap: the run fails at once, naming the secret, the call
/// and the cap, having read (and held) a bounded amount, and does not retry.
/// Unbounded, the same run grew by ~200 MB a second until `--timeout`.
#[cfg(unix)]
#[test]
fn an_endless_reply_is_cut_off_at_the_cap_in_bounded_time_and_memory() {
    const MIB: u64 = 1024 * 1024;
    for mode in ["huge", "huge-length"] {
        let t = Test::new().secret("s", r#"{"K":"v"}"#);
        let id = t.name("s");
        let proxy = Proxy::start(mode, 1000, None);
        // The exact message below says the cap ended the run, not --timeout
        // (no wall-clock bound here: speed is for benchmarks). About 40 MiB
        // at the peak when capped; unbounded, gigabytes before --timeout.
        let t = through(&proxy, t.args(["--secret-id", &id, "--timeout", "10"]));
        let (code, stderr, peak_kib) = run_measuring_memory(&t);
        assert!(
            peak_kib < 256 * 1024,
            "{mode}: peak RSS {} MiB",
            peak_kib / 1024
        );
        assert_eq!(code, Some(1), "{mode}: {stderr}");
        assert_eq!(
            stderr,
            format!(
                "aws-secrets-env: error: secret `{id}`: the BatchGetSecretValue reply from AWS Secrets Manager is larger than 16 MiB (16777216 bytes), the most read from one reply; no AWS reply is that large: check AWS_ENDPOINT_URL and any proxy in between\n"
            ),
            "{mode}"
        );
        assert!(!t.path("app.env").exists(), "{mode}: app.env was written");
        let stats = proxy.stats();
        assert_eq!(stats["requests"], 1, "{mode}: retried: {stats}");
        // What it sent is what the client took in, plus socket buffers.
        let streamed = stats["streamed"].as_u64().unwrap();
        assert!(
            streamed < 48 * MIB,
            "{mode}: the client read {} MiB",
            streamed / MIB
        );
    }
}

/// Issue 21 / review L7: a whole reply just under the 16 MiB cap, one secret
/// of 600,000 keys (12 MiB, no AWS secret is over 64 KiB). It used to become
/// 600,000 variables and 3 million mask lines: 21 s past `--timeout 5`, 428
/// MB of memory, 47 MB printed. Now the value is refused as no AWS reply
/// holds it, before it is parsed: nothing printed but the error, nothing
/// written, memory bounded by the reply itself.
#[cfg(unix)]
#[test]
fn a_reply_of_one_huge_secret_is_refused_in_bounded_memory() {
    let t = Test::new().secret("s", r#"{"K":"v"}"#);
    let id = t.name("s");
    let proxy = Proxy::start("wide", 1000, None);
    let t = through(
        &proxy,
        t.args(["--secret-id", &id, "--timeout", "300", "--mask", "always"]),
    );
    let (code, stderr, peak_kib) = run_measuring_memory(&t);
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(
        stderr,
        format!(
            "aws-secrets-env: error: secret `{id}`: its value is 12600001 bytes, more than the 65536 AWS stores in one secret or parameter; no AWS reply holds one: check AWS_ENDPOINT_URL and any proxy in between\n"
        )
    );
    assert!(!t.path("app.env").exists(), "app.env was written");
    assert!(peak_kib < 160 * 1024, "peak RSS {} MiB", peak_kib / 1024);
}

/// Issue 21 / review L7: the variables of one run are bounded
/// (`load::MAX_VARIABLES`): two real secrets of 5,400 keys each are refused
/// with a clear error and nothing written.
#[test]
fn more_variables_than_a_run_loads_are_refused() {
    let wide = |prefix: &str| {
        serde_json::Value::Object(
            (0..5_400)
                .map(|i| (format!("{prefix}{i:04}"), serde_json::Value::from("1")))
                .collect(),
        )
        .to_string()
    };
    let t = Test::new().secret("a", &wide("a")).secret("b", &wide("b"));
    let (a, b) = (t.name("a"), t.name("b"));
    t.args(["--secret-id", &a, "--secret-id", &b, "--mask", "always"])
        .status(1)
        // What was fetched is masked all the same (a value `1`).
        .stdout("\n::add-mask::1\n")
        .stderr(
            "aws-secrets-env: error: the selected secrets give more than 10000 variables, \
             the most one run loads; select fewer secrets, or single JSON keys\n",
        )
        .expect_no_file("app.env")
        .run();
}
