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

#[test]
fn the_child_sees_the_exact_values() {
    let values = r##"{"QUOTES":"it's \"q\"","DOLLAR":"$HOME ${X} $(id) `id`","LINES":"a\nb\n","HASH":"#x;y&z","EMPTY":"","UNICODE":"пароль ✓"}"##;
    let expected: BTreeMap<String, String> = serde_json::from_str(values).unwrap();
    let names: Vec<&str> = expected.keys().map(String::as_str).collect();
    let out = Test::exec()
        .secret("app", values)
        .select("app")
        .args(dump(&names))
        .stdout(
            expected
                .values()
                .fold(String::new(), |all, v| all + v + "\0"),
        )
        .stderr("aws-secrets-env: loaded 6 variables from 1 selector; starting `sh`\n")
        .run();
    let files: Vec<_> = std::fs::read_dir(out.test.dir.path()).unwrap().collect();
    assert!(files.is_empty(), "exec wrote a file");
}

#[test]
fn selectors_from_the_environment_space_or_line_separated() {
    let t = Test::exec()
        .secret("one", r#"{"A":"1"}"#)
        .secret("two", "2");
    let selectors = format!("{} B,{}\nC,{}", t.name("one"), t.name("two"), t.name("two"));
    t.env("AWS_SECRETS_ENV_SECRET_ID", selectors)
        .args(dump(&["A", "B", "C", "AWS_SECRETS_ENV_SECRET_ID"]))
        // The selectors do not reach the app.
        .stdout("1\x002\x002\x00__unset__\0")
        .stderr("aws-secrets-env: loaded 3 variables from 3 selectors; starting `sh`\n")
        .run();
}

#[test]
fn existing_variables_are_replaced_unless_kept() {
    let t = Test::exec().secret("db", r#"{"DB_HOST":"from-secret"}"#);
    let id = t.name("db");
    t.env("DB_HOST", "from-env")
        .args(["--secret-id", &id])
        .args(dump(&["DB_HOST"]))
        .stdout("from-secret\0")
        .stderr("aws-secrets-env: loaded 1 variable from 1 selector; starting `sh`\n")
        .run();
    Test::exec()
        .env("DB_HOST", "from-env")
        .args(["--secret-id", &id, "--keep-existing"])
        .args(dump(&["DB_HOST"]))
        .stdout("from-env\0")
        .stderr("aws-secrets-env: loaded 0 variables from 1 selector; starting `sh`\n")
        .run();
}

#[test]
fn exit_status_passes_through() {
    let t = Test::exec().secret("s", r#"{"A":"1"}"#);
    let id = t.name("s");
    t.args(["--secret-id", &id, "--", "sh", "-c", "exit 42"])
        .status(42)
        .stderr("aws-secrets-env: loaded 1 variable from 1 selector; starting `sh`\n")
        .run();
    Test::exec()
        .args(["--secret-id", &id, "--", "/no/such/program"])
        .status(127)
        .stderr(
            "aws-secrets-env: loaded 1 variable from 1 selector; starting `/no/such/program`\n\
             aws-secrets-env: error: cannot run `/no/such/program`: No such file or directory (os error 2)\n",
        )
        .run();
}

#[test]
fn a_missing_secret_stops_the_app_from_starting() {
    let t = Test::exec().secret("ok", r#"{"A":"secret-value-123"}"#);
    let (ok, missing) = (t.name("ok"), t.name("missing"));
    t.args(["--secret-id", &ok, "--secret-id", &missing])
        .args(["--", "sh", "-c", "touch started"])
        .status(1)
        .stderr(
            "aws-secrets-env: error: secret `[test]-missing` not found (ResourceNotFoundException): check the name or ARN, the region (us-east-1) and the version stage or id\n",
        )
        .expect_no_file("started")
        .run()
        .no_leak();
}

#[cfg(unix)]
#[test]
fn the_app_keeps_the_pid_and_receives_signals() {
    let t = Test::exec().secret("sig", r#"{"A":"1"}"#);
    let id = t.name("sig");
    let script = "trap 'exit 7' TERM; echo $$; while :; do sleep 0.05; done";
    let t = t.args(["--secret-id", &id, "--", "sh", "-c", script]);
    // stderr is piped and read once the app has ended (one line: no pipe fills).
    let mut child = t
        .command()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
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
    assert_eq!(
        t.normalize(&crate::support::stderr_of(&mut child)),
        "aws-secrets-env: loaded 1 variable from 1 selector; starting `sh`\n"
    );
}

#[test]
fn masks_come_before_the_app_runs_under_actions() {
    let t = Test::exec().secret("m", r#"{"TOKEN":"tok-abc-123456"}"#);
    t.select("m")
        .env("GITHUB_ACTIONS", "true")
        .args(["--", "sh", "-c", "echo app-started"])
        // A line break first (stdout may hold a partial line, issue 21 M1),
        // then the value and the forms a log could show it in, then the app.
        .stdout(
            "\n::add-mask::dG9rLWFiYy0xMjM0NTY=\n::add-mask::0b2stYWJjLTEyMzQ1N\n\
             ::add-mask::Rvay1hYmMtMTIzNDU2\n::add-mask::dG9rLWFiYy0xMjM0NT\n\
             ::add-mask::tok-abc-123456\napp-started\n",
        )
        .stderr("aws-secrets-env: loaded 1 variable from 1 selector; starting `sh`\n")
        .run();
}

#[test]
fn exec_needs_a_command() {
    Test::exec()
        .args(["--secret-id", "x"])
        .status(2)
        .stderr(
            "error: the following required arguments were not provided:\n  <COMMAND>...\n\n\
             Usage: aws-secrets-env exec --secret-id <SELECTOR> -- <COMMAND>...\n\n\
             For more information, try '--help'.\n",
        )
        .run();
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
