//! A run of the binary in the background, for `exec --watch`: started in
//! a process group of its own (dropping it ends the run, the app it started
//! in a group of its own, and everything they started), its stdout and stderr in `stdout.log` and `stderr.log` of the
//! test's directory, waited on with a deadline, signalled with `kill`.

use super::Test;
use std::os::unix::process::CommandExt as _;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// A run of the binary in the background (`exec --watch`), its output in
/// files of the test's directory.
pub(crate) struct Running {
    pub(crate) child: Child,
    pub(crate) test: Test,
}

impl Running {
    pub(crate) fn start(test: Test) -> Running {
        let command = test.command();
        Running::start_command(test, command)
    }

    /// As [`Running::start`], with the command as the test made it.
    pub(crate) fn start_command(test: Test, mut command: std::process::Command) -> Running {
        let out = std::fs::File::create(test.path("stdout.log")).unwrap();
        let err = std::fs::File::create(test.path("stderr.log")).unwrap();
        // A process group of its own, so that dropping the test ends the
        // supervisor and every command it started (no stray process).
        let child = command
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap();
        Running { child, test }
    }

    pub(crate) fn file(&self, name: &str) -> String {
        std::fs::read_to_string(self.test.path(name)).unwrap_or_default()
    }

    pub(crate) fn lines(&self, name: &str) -> Vec<String> {
        self.file(name).lines().map(str::to_string).collect()
    }

    pub(crate) fn stderr(&self) -> String {
        self.file("stderr.log")
    }

    /// The stderr so far, normalised as a finished run's is (see
    /// [`Test::normalize`]: `[dir]`, `[moto]`, `[test]-`).
    pub(crate) fn normalized_stderr(&self) -> String {
        self.test.normalize(&self.stderr())
    }

    /// Waits up to `seconds` for the whole stderr so far (normalised) to be
    /// exactly `expected`; panics with a line diff if it never is. A wait,
    /// not one look: the supervisor writes a message a moment after what
    /// the test waited for (a start, a file) happened, one line at a time.
    /// Text that goes past `expected` fails as text that falls short.
    #[track_caller]
    pub(crate) fn until_stderr(&self, seconds: u64, expected: &str) {
        self.until_stderr_with(seconds, expected, str::to_string);
    }

    /// As [`Running::until_stderr`], the normalised stderr passed through
    /// `rule` first: a test's own narrow rule for a part that is not the
    /// same from run to run (it says why where it is used).
    #[track_caller]
    pub(crate) fn until_stderr_with(
        &self,
        seconds: u64,
        expected: &str,
        rule: impl Fn(&str) -> String,
    ) {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        loop {
            let actual = rule(&self.normalized_stderr());
            if actual == expected {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "stderr differs (- expected, + actual):\n{}--- the whole stderr, normalized\n{actual}",
                super::expect::line_diff(expected, &actual)
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits up to `seconds` for `done`; panics with the log if it never is.
    #[track_caller]
    pub(crate) fn until(&self, seconds: u64, what: &str, done: impl Fn(&Running) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        while !done(self) {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; stderr:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub(crate) fn signal(&self, name: &str) {
        let ok = std::process::Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{name}");
    }

    /// The exit status, within `seconds`.
    #[track_caller]
    pub(crate) fn exit_code(&mut self, seconds: u64) -> Option<i32> {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(
                Instant::now() < deadline,
                "the supervisor did not exit; stderr:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Nothing printed holds a remembered value, mask lines aside (the
    /// same rule as [`Outcome::no_leak`](super::Outcome::no_leak)).
    #[track_caller]
    pub(crate) fn no_leak(&self) {
        super::assert_no_leak(
            &self.test.values,
            &[&self.file("stdout.log"), &self.stderr()],
        );
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // The supervisor's group, then the group of each command it started:
        // the app leads a process group of its own (as under tini `-g`), so
        // killing the supervisor's group alone would leave it running, and
        // a test that failed would leave its app looping for ever.
        let supervisor = self.child.id();
        let apps = children(supervisor);
        for group in std::iter::once(supervisor).chain(apps) {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{group}")])
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The processes whose parent is `pid`.
fn children(pid: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|child| {
            // `pid (comm) state ppid …`: the fields after the last `)`.
            std::fs::read_to_string(format!("/proc/{child}/stat")).is_ok_and(|stat| {
                stat.rsplit(") ")
                    .next()
                    .and_then(|rest| rest.split(' ').nth(1))
                    == Some(pid.to_string().as_str())
            })
        })
        .collect()
}

/// Whether process `pid` is still running (a zombie is not).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|stat| !matches!(stat.rsplit(") ").next(), Some(s) if s.starts_with('Z')))
}

#[test]
fn dropping_a_run_ends_the_app_that_leads_a_process_group_of_its_own() {
    let t = Test::exec().secret("s", r#"{"A":"a-value-1"}"#);
    let id = t.name("s");
    let t = t.args(["--secret-id", &id, "--watch", "60", "--", "sh", "-c"]);
    let t = t.args(["echo $$ > app.pid.tmp; mv app.pid.tmp app.pid; while :; do sleep 0.05; done"]);
    let run = Running::start(t);
    run.until(10, "the app's pid", |r| !r.file("app.pid").is_empty());
    let app: u32 = run.file("app.pid").trim().parse().unwrap();
    assert!(alive(app), "the app runs");
    drop(run);
    let deadline = Instant::now() + Duration::from_secs(5);
    while alive(app) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!alive(app), "the app {app} outlived the test");
    let _ = std::process::Command::new("kill")
        .args(["-KILL", &app.to_string()])
        .status();
}
