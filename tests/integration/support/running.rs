//! A run of the binary in the background, for `exec --watch`: started in
//! a process group of its own (dropping it ends the run and everything it
//! started), its stdout and stderr in `stdout.log` and `stderr.log` of the
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
        // The whole group: the supervisor, its command and their children.
        let _ = std::process::Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
