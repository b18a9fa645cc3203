//! Test harness: one moto server for the whole run, started on first use
//! only, secrets seeded through the real AWS SDK, and a `Test` builder that
//! runs the built binary against it.
//!
//! Two ways to check a run. As in just's `Test`, state what it must do before
//! it runs, and `run` compares: `.status(1).stderr("…\n")`, with stdout and
//! stderr compared exactly (empty unless stated) and shown as a diff
//! (`support/expect.rs`). A test that must drive the process itself
//! (`Test::command`) compares `t.normalize(&stderr)` whole with `assert_eq!`;
//! the returned `Outcome` carries what the test reads after the run (files,
//! `json()`, `masks()`, `no_leak()`).

mod expect;
mod proxy;
mod running;
mod signals;

pub(crate) use proxy::{Helper, Proxy};
pub(crate) use running::Running;
pub(crate) use signals::default_signals;

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_secretsmanager::primitives::Blob;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_aws-secrets-env");
pub(crate) const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The moto server all tests share: `MOTO_ENDPOINT` if set (as `.ci/run`
/// does), else one started here from the project's venv.
pub(crate) struct Moto {
    pub endpoint: String,
    runtime: tokio::runtime::Runtime,
    client: Client,
    ssm: aws_sdk_ssm::Client,
}

static MOTO: OnceLock<Moto> = OnceLock::new();

/// The shared moto server, started (or reached) on the first call: a run of
/// tests that never call AWS starts no server and needs no venv.
pub(crate) fn moto() -> &'static Moto {
    MOTO.get_or_init(|| {
        let endpoint = match std::env::var("MOTO_ENDPOINT") {
            Ok(e) if !e.is_empty() => e,
            _ => start_moto(),
        };
        wait_ready(&endpoint);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let config = aws_sdk_secretsmanager::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(&endpoint)
            .credentials_provider(Credentials::new("test", "test", None, None, "tests"))
            .build();
        let client = Client::from_conf(config);
        let ssm = aws_sdk_ssm::Client::from_conf(
            aws_sdk_ssm::Config::builder()
                .behavior_version(aws_sdk_ssm::config::BehaviorVersion::latest())
                .region(aws_sdk_ssm::config::Region::new("us-east-1"))
                .endpoint_url(&endpoint)
                .credentials_provider(aws_sdk_ssm::config::Credentials::new(
                    "test", "test", None, None, "tests",
                ))
                .build(),
        );
        Moto {
            endpoint,
            runtime,
            client,
            ssm,
        }
    })
}

/// A file of the project venv (.venv), which is made on first use by
/// `scripts/setup.sh --minimal` (moto, python-dotenv, act from PyPI): a
/// fresh clone's `cargo test` sets up what it needs itself.
fn venv_bin(name: &str) -> PathBuf {
    static SETUP: OnceLock<()> = OnceLock::new();
    let path = Path::new(ROOT).join(".venv/bin").join(name);
    SETUP.get_or_init(|| {
        if !Path::new(ROOT).join(".venv/bin/moto_server").exists()
            && std::env::var_os("MOTO_ENDPOINT").is_none()
        {
            eprintln!("tests: no .venv yet; running scripts/setup.sh --minimal once");
            let status = Command::new("bash")
                .arg(Path::new(ROOT).join("scripts/setup.sh"))
                .arg("--minimal")
                .stdout(Stdio::null())
                .status()
                .expect("cannot run bash scripts/setup.sh --minimal");
            assert!(
                status.success(),
                "scripts/setup.sh --minimal failed: see its messages above"
            );
        }
    });
    path
}

/// The Python that has moto and python-dotenv (the project venv).
pub(crate) fn python() -> PathBuf {
    let python = venv_bin("python");
    assert!(
        python.exists(),
        "{} is missing: run `bash scripts/setup.sh` (creates .venv with moto[server] and python-dotenv)",
        python.display()
    );
    python
}

fn start_moto() -> String {
    let server = venv_bin("moto_server");
    assert!(
        server.exists(),
        "moto is not installed: run `bash scripts/setup.sh` (python3 -m venv .venv && .venv/bin/pip install 'moto[server]'), \
         or start a moto server yourself and set MOTO_ENDPOINT=http://127.0.0.1:PORT"
    );
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // A watchdog shell stops the server when this test process exits, so no
    // stray server outlives the run.
    let script = format!(
        "'{}' -H 127.0.0.1 -p {port} >/dev/null 2>&1 & m=$!; \
         while kill -0 {} 2>/dev/null; do sleep 0.5; done; kill $m",
        server.display(),
        std::process::id()
    );
    // The watchdog ends by itself when this process does; nobody waits for it.
    #[allow(clippy::zombie_processes)]
    Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .spawn()
        .expect("cannot start sh for moto");
    format!("http://127.0.0.1:{port}")
}

fn wait_ready(endpoint: &str) {
    let addr = endpoint.trim_start_matches("http://");
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(addr).is_err() {
        assert!(
            Instant::now() < deadline,
            "moto did not start at {endpoint}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

impl Moto {
    pub(crate) fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }

    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    /// Creates a `SecretString` secret; returns its ARN.
    pub(crate) fn create(&self, name: &str, value: &str) -> String {
        let out = self
            .block_on(
                self.client
                    .create_secret()
                    .name(name)
                    .secret_string(value)
                    .send(),
            )
            .unwrap_or_else(|e| panic!("create_secret {name}: {e:?}"));
        out.arn().unwrap().to_string()
    }

    pub(crate) fn create_binary(&self, name: &str, bytes: &[u8]) {
        self.block_on(
            self.client
                .create_secret()
                .name(name)
                .secret_binary(Blob::new(bytes))
                .send(),
        )
        .unwrap();
    }

    /// Stores a new version (the old one becomes AWSPREVIOUS); returns its id.
    pub(crate) fn put(&self, name: &str, value: &str) -> String {
        let out = self
            .block_on(
                self.client
                    .put_secret_value()
                    .secret_id(name)
                    .secret_string(value)
                    .send(),
            )
            .unwrap();
        out.version_id().unwrap().to_string()
    }

    /// Stores an SSM parameter (`String`, `SecureString` or `StringList`);
    /// a second call with `overwrite` makes version 2, and so on.
    pub(crate) fn put_parameter(&self, name: &str, value: &str, kind: &str) -> i64 {
        let out = self
            .block_on(
                self.ssm
                    .put_parameter()
                    .name(name)
                    .value(value)
                    .r#type(kind.into())
                    .overwrite(true)
                    .send(),
            )
            .unwrap_or_else(|e| panic!("put_parameter {name}: {e:?}"));
        out.version()
    }

    pub(crate) fn label_parameter(&self, name: &str, version: i64, label: &str) {
        self.block_on(
            self.ssm
                .label_parameter_version()
                .name(name)
                .parameter_version(version)
                .labels(label)
                .send(),
        )
        .unwrap();
    }

    pub(crate) fn delete(&self, name: &str) {
        self.block_on(self.client.delete_secret().secret_id(name).send())
            .unwrap();
    }
}

/// A name no other test uses, so tests can share one server.
pub(crate) fn unique(name: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!(
        "t{}-{}-{name}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// One run of the binary, built up like just's `Test`.
pub(crate) struct Test {
    pub dir: tempfile::TempDir,
    prefix: String,
    args: Vec<String>,
    env: Vec<(String, String)>,
    /// Values that must never show up in stdout or stderr outside mask lines.
    pub values: Vec<String>,
    /// False for a run that must not call AWS (`offline`).
    aws: bool,
    /// What the run must do, stated before it (`status`, `stderr`, …).
    expect: expect::Expectations,
}

/// Where an offline run's AWS calls go: a closed port, so a call that should
/// not happen fails at once instead of reaching moto.
const OFFLINE_ENDPOINT: &str = "http://127.0.0.1:1";

impl Default for Test {
    fn default() -> Self {
        Self::new()
    }
}

impl Test {
    pub(crate) fn new() -> Test {
        Test {
            dir: tempfile::tempdir().unwrap(),
            prefix: unique(""),
            args: vec!["write".into()],
            env: Vec::new(),
            values: Vec::new(),
            aws: true,
            expect: expect::Expectations::default(),
        }
    }

    /// A test of `exec` instead of `write`.
    pub(crate) fn exec() -> Test {
        let mut t = Test::new();
        t.args = vec!["exec".into()];
        t
    }

    /// The unique secret name this test uses for `name`.
    pub(crate) fn name(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// Creates secret `name` (made unique); every leaf value of a JSON object,
    /// or the whole string, is remembered as a value that must not leak.
    pub(crate) fn secret(mut self, name: &str, value: &str) -> Test {
        moto().create(&self.name(name), value);
        self.remember(value);
        self
    }

    /// Creates secret `name` (made unique) holding `SecretBinary` bytes.
    pub(crate) fn binary_secret(self, name: &str, bytes: &[u8]) -> Test {
        moto().create_binary(&self.name(name), bytes);
        self
    }

    /// Creates secret `name` (made unique), then deletes it: AWS keeps it,
    /// scheduled for deletion, and refuses to read it.
    pub(crate) fn deleted_secret(self, name: &str, value: &str) -> Test {
        let t = self.secret(name, value);
        moto().delete(&t.name(name));
        t
    }

    /// Writes `name` in the test's directory before the run (a file the run
    /// must replace, or leave alone).
    pub(crate) fn with_file(self, name: &str, contents: &str) -> Test {
        std::fs::write(self.path(name), contents).unwrap_or_else(|e| panic!("{name}: {e}"));
        self
    }

    /// A symlink `name` in the test's directory, pointing at `target` as given.
    #[cfg(unix)]
    pub(crate) fn symlink(self, name: &str, target: &str) -> Test {
        std::os::unix::fs::symlink(target, self.path(name))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        self
    }

    pub(crate) fn remember(&mut self, value: &str) {
        match serde_json::from_str::<serde_json::Value>(value) {
            Ok(serde_json::Value::Object(map)) => {
                for v in map.values() {
                    self.remember(&match v {
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    });
                }
            }
            _ => self.values.push(value.to_string()),
        }
    }

    pub(crate) fn arg(mut self, arg: impl Into<String>) -> Test {
        self.args.push(arg.into());
        self
    }

    pub(crate) fn args<I, S>(mut self, args: I) -> Test
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// `--secret-id` with this test's unique name for `selector`'s id part:
    /// `ALIAS,name:rest` becomes `ALIAS,<prefix>name:rest`.
    pub(crate) fn select(self, selector: &str) -> Test {
        let full = self.qualify(selector);
        self.args(["--secret-id".to_string(), full])
    }

    pub(crate) fn qualify(&self, selector: &str) -> String {
        let (alias, rest) = match selector.split_once(',') {
            Some((alias, rest)) => (format!("{alias},"), rest),
            None => (String::new(), selector),
        };
        match rest.strip_prefix("ssm:/") {
            // Parameters live under a unique top-level path: /PREFIX/…
            Some(path) => format!("{alias}ssm:/{}/{path}", self.prefix.trim_end_matches('-')),
            None => format!("{alias}{}{rest}", self.prefix),
        }
    }

    /// The unique SSM name this test uses for `/path`.
    pub(crate) fn parameter(&self, path: &str) -> String {
        format!("/{}{path}", self.prefix.trim_end_matches('-'))
    }

    pub(crate) fn env(mut self, key: &str, value: impl Into<String>) -> Test {
        self.env.push((key.into(), value.into()));
        self
    }

    pub(crate) fn path(&self, file: &str) -> PathBuf {
        self.dir.path().join(file)
    }

    /// Runs the binary in the test's directory with a clean environment that
    /// reaches moto through `AWS_ENDPOINT_URL`, exactly as a user would; if
    /// expectations were stated, asserts them all (`support/expect.rs`).
    #[track_caller]
    pub(crate) fn run(self) -> Outcome {
        let out = self
            .command()
            .stdin(Stdio::null())
            .output()
            .expect("cannot run the binary");
        let outcome = Outcome {
            code: out.status.code(),
            stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
            test: self,
        };
        outcome.check_expectations();
        outcome
    }

    /// A run that must not call AWS: no moto is started for it, and its
    /// endpoint is a closed port. (A run expected to exit 2, a usage error,
    /// is offline without saying so: usage errors come before any call.)
    pub(crate) fn offline(mut self) -> Test {
        self.aws = false;
        self
    }

    /// The endpoint the run reaches AWS at: the test's own
    /// `AWS_ENDPOINT_URL`, else moto (started now if need be), else, offline,
    /// a closed port.
    fn endpoint(&self) -> String {
        if let Some((_, own)) = self.env.iter().find(|(k, _)| k == "AWS_ENDPOINT_URL") {
            own.clone()
        } else if self.aws && self.expect.status() != Some(2) {
            moto().endpoint.clone()
        } else {
            OFFLINE_ENDPOINT.to_string()
        }
    }

    /// The command `run` runs, for tests that need to drive the process.
    pub(crate) fn command(&self) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.args(&self.args)
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("AWS_ENDPOINT_URL", self.endpoint())
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_EC2_METADATA_DISABLED", "true");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        signals::default_signals(&mut cmd);
        cmd
    }
}

/// What a run did.
pub(crate) struct Outcome {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub test: Test,
}

impl Outcome {
    #[track_caller]
    pub(crate) fn code(self, expected: i32) -> Outcome {
        assert_eq!(
            self.code,
            Some(expected),
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    #[track_caller]
    pub(crate) fn success(self) -> Outcome {
        self.code(0)
    }

    #[track_caller]
    pub(crate) fn failure(self) -> Outcome {
        self.code(1)
    }

    /// The contents of a file the run wrote.
    #[track_caller]
    pub(crate) fn file(&self, name: &str) -> String {
        std::fs::read_to_string(self.test.path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    #[track_caller]
    pub(crate) fn no_file(self, name: &str) -> Outcome {
        assert!(!self.test.path(name).exists(), "{name} was written");
        self
    }

    /// Nothing printed holds a remembered value (see [`assert_no_leak`]).
    /// (Not for `--output -` runs, whose stdout is the data.)
    #[track_caller]
    pub(crate) fn no_leak(self) -> Outcome {
        assert_no_leak(&self.test.values, &[&self.stdout, &self.stderr]);
        self
    }

    /// Standard output as a JSON object of strings (`--format json -o -`).
    #[track_caller]
    pub(crate) fn json(&self) -> BTreeMap<String, String> {
        serde_json::from_str(&self.stdout).expect("stdout is a JSON object of strings")
    }

    /// The masks among `expected`, in the order they were printed: the
    /// values and their lines, leaving out the derived forms (escapes and
    /// encodings) that `mask.rs`'s own tests cover.
    pub(crate) fn masks_of<'a>(&self, expected: &[&'a str]) -> Vec<&'a str> {
        let printed = self.masks();
        let mut found: Vec<(usize, &'a str)> = expected
            .iter()
            .filter_map(|e| printed.iter().position(|m| m == e).map(|i| (i, *e)))
            .collect();
        found.sort_unstable();
        found.into_iter().map(|(_, e)| e).collect()
    }

    /// The `::add-mask::` lines, in order: on stdout, or on stderr when
    /// stdout is the data (`--output -`).
    pub(crate) fn masks(&self) -> Vec<&str> {
        self.stdout
            .lines()
            .chain(self.stderr.lines())
            .filter_map(|l| l.strip_prefix("::add-mask::"))
            .collect()
    }
}

/// The one leak check: no value of `values`, nor any line of one, shows up
/// in `printed` outside the `::add-mask::` lines (which the runner takes as
/// commands, never prints, and `exec --watch` prints again for new values).
/// Values and lines under 6 characters (a port, `true`) are left out: they
/// appear in ordinary text by chance.
#[track_caller]
pub(crate) fn assert_no_leak(values: &[String], printed: &[&str]) {
    for text in printed {
        let text: String = text
            .lines()
            .filter(|l| !l.starts_with("::add-mask::"))
            .collect::<Vec<_>>()
            .join("\n");
        for value in values {
            for piece in std::iter::once(value.as_str()).chain(value.lines()) {
                if piece.trim().len() >= 6 {
                    assert!(
                        !text.contains(piece),
                        "a secret value leaked into stdout or stderr"
                    );
                }
            }
        }
    }
}

/// The operating system's own words for error number `code`, as the binary
/// prints an I/O error: `Connection refused (os error 111)` on Linux, the
/// same words with 61 on macOS. A test states a whole message that holds
/// one as `format!("…: {}", os_error(libc::ECONNREFUSED))`: exact on every
/// Unix, with no pattern.
pub(crate) fn os_error(code: i32) -> String {
    std::io::Error::from_raw_os_error(code).to_string()
}

/// Reads an env file back with a real shell: `set -a; . ./FILE`, then dumps
/// the named variables NUL-separated.
pub(crate) fn read_with_shell(
    shell: &str,
    file: &Path,
    names: &[&str],
) -> BTreeMap<String, String> {
    let mut script = String::from("set -a; . \"$1\" || exit 9; ");
    for name in names {
        let _ = write!(script, "printf '%s\\0' \"${{{name}-__unset__}}\"; ");
    }
    let out = Command::new("env")
        .args(["-i", shell, "-c", &script, shell])
        .arg(file)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {shell}: {e}"));
    assert!(
        out.status.success(),
        "{shell} failed to source the file: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let values: Vec<&str> = text.split('\0').collect();
    names
        .iter()
        .zip(values)
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

/// Variables as a test states them: `(NAME, value)` pairs, as a map.
pub(crate) fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect()
}

/// Reads a dotenv file back with python-dotenv (`dotenv_values`, defaults).
pub(crate) fn read_with_python_dotenv(file: &Path) -> BTreeMap<String, String> {
    let out = Command::new(python())
        .args([
            "-c",
            "import json,sys; from dotenv import dotenv_values; \
             sys.stdout.write(json.dumps(dotenv_values(sys.argv[1])))",
        ])
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python-dotenv failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("python-dotenv gave a map of strings")
}

/// Waits for `child` up to `limit`; kills it if it is still running.
pub(crate) fn wait_or_kill(
    child: &mut std::process::Child,
    limit: Duration,
) -> Option<std::process::ExitStatus> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

/// What a spawned `child` wrote to its piped stderr.
pub(crate) fn stderr_of(child: &mut std::process::Child) -> String {
    use std::io::Read as _;
    let mut text = String::new();
    if let Some(mut err) = child.stderr.take() {
        err.read_to_string(&mut text).unwrap();
    }
    text
}
