//! Every command a test starts begins with each signal at its default
//! action, whatever dispositions this test run inherited. Under `nohup`
//! SIGHUP is ignored, and a background job of a script ignores SIGINT and
//! SIGQUIT; an ignored signal stays ignored across `execve`, so a binary
//! under test would not end on the signal a test sends it, and a shell
//! child could not trap it (POSIX: a signal ignored on entry to a
//! non-interactive shell cannot be trapped). Run that way, the suite failed
//! two tests with messages that read like a leak ("app.env holds the
//! secret", "timed out waiting for SIGHUP at the child"). The test process
//! keeps what it inherited (a `nohup` run still survives the hangup); only
//! what it starts is reset.

use std::os::unix::process::CommandExt as _;
use std::process::Command;

/// Sets every signal to its default action in `command`'s process, between
/// fork and exec. (Handlers are reset by `execve` anyway; ignored signals
/// are not. The signal mask is emptied by `std` itself.)
pub(crate) fn default_signals(command: &mut Command) -> &mut Command {
    // SAFETY: between fork and exec only `signal`, which is
    // async-signal-safe; it fails harmlessly (EINVAL) for SIGKILL, SIGSTOP,
    // the C library's reserved signals and numbers past the last one.
    unsafe {
        command.pre_exec(|| {
            for signal in 1..=64 {
                libc::signal(signal, libc::SIG_DFL);
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::Test;
    use std::process::Stdio;

    /// Sets `signals` to be ignored in this test process until dropped, as
    /// `nohup` or a background job would have it.
    struct Ignored(Vec<(libc::c_int, libc::sighandler_t)>);

    impl Ignored {
        fn set(signals: &[libc::c_int]) -> Ignored {
            Ignored(
                signals
                    .iter()
                    // SAFETY: setting a valid signal's disposition to SIG_IGN.
                    .map(|&s| (s, unsafe { libc::signal(s, libc::SIG_IGN) }))
                    .collect(),
            )
        }
    }

    impl Drop for Ignored {
        fn drop(&mut self) {
            for &(signal, old) in &self.0 {
                // SAFETY: restoring the disposition `set` found.
                unsafe { libc::signal(signal, old) };
            }
        }
    }

    /// A run started while this process ignores SIGINT, SIGHUP and SIGQUIT
    /// starts with none of them ignored: the signal a test sends reaches
    /// the binary under test and the app it starts.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_run_starts_with_default_signal_actions_whatever_the_suite_inherited() {
        // `exec` keeps what it inherited (as `nohup app` would), so the
        // app's own status shows what the binary started with.
        let t = Test::exec()
            .secret("s", r#"{"A":"signals-value-1"}"#)
            .select("s")
            .args(["--", "grep", "^SigIgn:", "/proc/self/status"]);
        let mut command = t.command();
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let child = {
            // Only while it starts: what it inherits is fixed at exec.
            let _ignored = Ignored::set(&[libc::SIGINT, libc::SIGHUP, libc::SIGQUIT]);
            command.spawn().unwrap()
        };
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(
            t.normalize(&stderr),
            "aws-secrets-env: loaded 1 variable from 1 selector; starting `grep`\n"
        );
        assert_eq!(out.status.code(), Some(0));
        let stdout = String::from_utf8(out.stdout).unwrap();
        let mask = stdout
            .strip_prefix("SigIgn:\t")
            .and_then(|m| u64::from_str_radix(m.trim_end(), 16).ok())
            .unwrap_or_else(|| panic!("no SigIgn line: {stdout:?}"));
        // Signals 32 and 33 belong to the C library: glibc's posix_spawn
        // ignores them in every process it starts (cargo's test binaries
        // among them), and no test relies on them.
        let ignored: Vec<u32> = (1..32).filter(|s| mask & (1 << (s - 1)) != 0).collect();
        assert_eq!(ignored, Vec::<u32>::new(), "signals ignored at the app");
    }
}
