//! `exec`: the container entrypoint — values in the child's environment
//! exactly, exit status and signals passed through (same PID), nothing
//! started and nothing written when a secret cannot be loaded.

use crate::support::Test;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::process::Stdio;

/// Prints the named variables NUL-separated, as the child saw them.
fn dump(names: &[&str]) -> Vec<String> {
    let mut script = String::new();
    for n in names {
        let _ = write!(script, "printf '%s\\0' \"${{{n}-__unset__}}\"; ");
    }
    vec!["--".into(), "sh".into(), "-c".into(), script]
}

fn parse(names: &[&str], stdout: &str) -> BTreeMap<String, String> {
    names
        .iter()
        .map(std::string::ToString::to_string)
        .zip(stdout.split('\0').map(str::to_string))
        .collect()
}

#[test]
fn the_child_sees_the_exact_values() {
    let values = r##"{"QUOTES":"it's \"q\"","DOLLAR":"$HOME ${X} $(id) `id`","LINES":"a\nb\n","HASH":"#x;y&z","EMPTY":"","UNICODE":"пароль ✓"}"##;
    let expected: BTreeMap<String, String> = serde_json::from_str(values).unwrap();
    let names: Vec<&str> = expected.keys().map(String::as_str).collect();
    let out = Test::exec()
        .secret("app", values)
        .select("app")
        .args(dump(&names))
        .run()
        .success();
    assert_eq!(parse(&names, &out.stdout), expected);
    let out = out.stderr_has("loaded 6 variables from 1 selector; starting `sh`");
    let files: Vec<_> = std::fs::read_dir(out.test.dir.path()).unwrap().collect();
    assert!(files.is_empty(), "exec wrote a file");
}

#[test]
fn selectors_from_the_environment_space_or_line_separated() {
    let t = Test::exec()
        .secret("one", r#"{"A":"1"}"#)
        .secret("two", "2");
    let selectors = format!("{} B,{}\nC,{}", t.name("one"), t.name("two"), t.name("two"));
    let out = t
        .env("AWS_SECRETS_ENV_SECRET_ID", selectors)
        .args(dump(&["A", "B", "C", "AWS_SECRETS_ENV_SECRET_ID"]))
        .run()
        .success();
    let got = parse(&["A", "B", "C", "AWS_SECRETS_ENV_SECRET_ID"], &out.stdout);
    assert_eq!(
        (got["A"].as_str(), got["B"].as_str(), got["C"].as_str()),
        ("1", "2", "2")
    );
    assert_eq!(
        got["AWS_SECRETS_ENV_SECRET_ID"], "__unset__",
        "selectors leak into the app"
    );
}

#[test]
fn existing_variables_are_replaced_unless_kept() {
    let t = Test::exec().secret("db", r#"{"DB_HOST":"from-secret"}"#);
    let id = t.name("db");
    let out = t
        .env("DB_HOST", "from-env")
        .args(["--secret-id", &id])
        .args(dump(&["DB_HOST"]))
        .run()
        .success();
    assert_eq!(parse(&["DB_HOST"], &out.stdout)["DB_HOST"], "from-secret");
    let out = Test::exec()
        .env("DB_HOST", "from-env")
        .args(["--secret-id", &id, "--keep-existing"])
        .args(dump(&["DB_HOST"]))
        .run()
        .success();
    assert_eq!(parse(&["DB_HOST"], &out.stdout)["DB_HOST"], "from-env");
}

#[test]
fn exit_status_passes_through() {
    let t = Test::exec().secret("s", r#"{"A":"1"}"#);
    let id = t.name("s");
    t.args(["--secret-id", &id, "--", "sh", "-c", "exit 42"])
        .run()
        .code(42);
    Test::exec()
        .args(["--secret-id", &id, "--", "/no/such/program"])
        .run()
        .code(127)
        .stderr_has("cannot run `/no/such/program`");
}

#[test]
fn a_missing_secret_stops_the_app_from_starting() {
    let t = Test::exec().secret("ok", r#"{"A":"secret-value-123"}"#);
    let (ok, missing) = (t.name("ok"), t.name("missing"));
    let out = t
        .args(["--secret-id", &ok, "--secret-id", &missing])
        .args(["--", "sh", "-c", "touch started"])
        .run()
        .failure()
        .no_leak()
        .stderr_has(&format!("secret `{missing}` not found"))
        .no_file("started");
    assert!(out.stdout.is_empty());
}

#[cfg(unix)]
#[test]
fn the_app_keeps_the_pid_and_receives_signals() {
    let t = Test::exec().secret("sig", r#"{"A":"1"}"#);
    let id = t.name("sig");
    let script = "trap 'exit 7' TERM; echo $$; while :; do sleep 0.05; done";
    let mut child = t
        .args(["--secret-id", &id, "--", "sh", "-c", script])
        .command()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), child.id().to_string(), "exec kept the PID");
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert_eq!(child.wait().unwrap().code(), Some(7));
}

#[test]
fn masks_come_before_the_app_runs_under_actions() {
    let t = Test::exec().secret("m", r#"{"TOKEN":"tok-abc-123456"}"#);
    let out = t
        .select("m")
        .env("GITHUB_ACTIONS", "true")
        .args(["--", "sh", "-c", "echo app-started"])
        .run()
        .success();
    // The line break first: stdout may hold a partial line (issue 21, M1).
    let stdout = out.stdout.strip_prefix('\n').expect("a line break first");
    let (masks, last) = stdout.trim_end().rsplit_once('\n').unwrap();
    assert_eq!(last, "app-started");
    assert!(
        masks.lines().all(|l| l.starts_with("::add-mask::")),
        "{masks}"
    );
    assert_eq!(out.masks_of(&["tok-abc-123456"]), ["tok-abc-123456"]);
}

#[test]
fn exec_needs_a_command() {
    Test::exec().args(["--secret-id", "x"]).run().code(2);
}

/// Issue 13's bound holds for `exec` too: a `--binary-dir` file that is a
/// FIFO whose reader stopped reading fails the run at `--timeout` (it waited
/// 30 s, whatever `--timeout` said), and the app never starts.
#[test]
fn a_stalled_binary_dir_fifo_fails_at_the_timeout() {
    use crate::support::{stderr_of, wait_or_kill};
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    use std::time::Duration;
    let t = Test::exec().binary_secret("cert", &[0x30, 0x82, 0x01, 0x0a, 0xff]);
    let id = t.name("cert");
    std::fs::create_dir(t.path("bin")).unwrap();
    let fifo = t.path("bin").join("CERT_FILE");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    // A reader that never reads, and a pipe already full.
    let _reader = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&fifo)
        .unwrap();
    let mut filler = std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&fifo)
        .unwrap();
    while filler.write(&[b'x'; 4096]).is_ok() {}
    let mut child = t
        .command()
        .args([
            "--secret-id",
            &format!("CERT_FILE,{id}"),
            "--binary-dir",
            "bin",
        ])
        .args(["--timeout", "5", "--", "sh", "-c", "echo started > started"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = wait_or_kill(&mut child, Duration::from_secs(15))
        .expect("still waiting on the FIFO after 15 s, with --timeout 5");
    assert_eq!(status.code(), Some(1));
    assert_eq!(
        t.normalize(&stderr_of(&mut child)),
        "aws-secrets-env: error: cannot write `[dir]/bin/CERT_FILE`: nothing took the data \
         before the deadline (--timeout); is its reader running?\n"
    );
    assert!(!t.path("started").exists(), "the app started");
}
