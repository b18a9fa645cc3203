//! The write path fails closed (issue 13): symlinks, devices, streams, FIFOs,
//! killed runs, missing directories, bind mounts, and the action's workspace
//! confinement. Every test here failed on 0.1.0.

use crate::support::{BIN, ROOT, Test, default_signals, moto, os_error, stderr_of, wait_or_kill};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Long enough that finding it in a file cannot be chance.
const VALUE: &str = "files-secret-value-7f2a9c";

fn with_secret() -> Test {
    Test::new()
        .secret("files", &format!(r#"{{"TOKEN":"{VALUE}"}}"#))
        .select("files")
}

/// No file directly in `dir` holds the value (hidden temp files included).
#[track_caller]
fn no_copy_in(dir: &Path) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let meta = std::fs::symlink_metadata(entry.path()).unwrap();
        if meta.is_file() {
            let bytes = std::fs::read(entry.path()).unwrap();
            assert!(
                !bytes.windows(VALUE.len()).any(|w| w == VALUE.as_bytes()),
                "{} holds the secret",
                entry.file_name().to_string_lossy()
            );
        }
    }
}

fn root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

#[cfg(unix)]
#[test]
fn a_symlinked_output_is_refused_and_its_target_untouched() {
    let t = with_secret();
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("bashrc");
    std::fs::write(&target, "export SAFE=1\n").unwrap();
    std::os::unix::fs::symlink(&target, t.path("app.env")).unwrap();
    let out = t
        .status(1)
        .stderr(format!(
            "aws-secrets-env: error: cannot write `app.env`: it is a symlink (to `{}`); refusing to write \
             secrets through it. Remove the link, or pass --follow-symlinks to write to the file it points to\n",
            target.display()
        ))
        .run()
        .no_leak();
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "export SAFE=1\n");
    let link = std::fs::symlink_metadata(out.test.path("app.env")).unwrap();
    assert!(link.file_type().is_symlink(), "the link is left alone");
    no_copy_in(out.test.dir.path());
    no_copy_in(outside.path());
}

#[cfg(unix)]
#[test]
fn dev_stdout_redirected_to_a_file_is_appended_to_not_replaced() {
    use std::os::unix::fs::PermissionsExt;
    let t = with_secret();
    let log = t.path("build.log");
    std::fs::write(&log, "line1 of an important log\n").unwrap();
    std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o644)).unwrap();
    let appended = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    let out = t
        .command()
        .args(["--output", "/dev/stdout"])
        .stdin(Stdio::null())
        .stdout(appended)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        t.normalize(&String::from_utf8_lossy(&out.stderr)),
        "aws-secrets-env: wrote 1 variable from 1 selector to /dev/stdout (dotenv): TOKEN\n"
    );
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        format!("line1 of an important log\nTOKEN='{VALUE}'\n")
    );
    let mode = std::fs::metadata(&log).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o644, "the log file was not replaced");
}

#[cfg(unix)]
#[test]
fn a_block_device_is_refused() {
    if !root() {
        eprintln!("skipped: mknod needs root");
        return;
    }
    let t = with_secret();
    // Major 240 is reserved for local use: no driver behind it, nothing to hurt.
    let made = Command::new("mknod")
        .arg(t.path("app.env"))
        .args(["b", "240", "0"])
        .status()
        .unwrap();
    assert!(made.success());
    t.status(1)
        .stderr(
            "aws-secrets-env: error: cannot write `app.env`: it is a block device; refusing to write \
             secrets to a disk\n",
        )
        .run()
        .no_leak();
}

#[cfg(unix)]
#[test]
fn a_fifo_nobody_reads_fails_at_once_instead_of_hanging() {
    let t = with_secret();
    let made = Command::new("mkfifo")
        .arg(t.path("app.env"))
        .status()
        .unwrap();
    assert!(made.success());
    let mut child = t
        .command()
        .args(["--timeout", "5"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = wait_or_kill(&mut child, Duration::from_secs(20));
    let status = status.expect("the run still hung after 20 s");
    let stderr = stderr_of(&mut child);
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert_eq!(
        t.normalize(&stderr),
        "aws-secrets-env: error: cannot write `app.env`: it is a FIFO (named pipe) and nothing is reading it; \
         start its reader first, or write to a regular file\n"
    );
    assert!(!stderr.contains(VALUE));
}

#[test]
fn a_missing_output_directory_is_named_without_temp_paths() {
    // Whole, so no temp path (`.aws-secrets-env.*`, `.tmp*`) shows either.
    with_secret()
        .args(["--output", "no/such/app.env"])
        .status(1)
        .stderr(
            "aws-secrets-env: error: cannot write `no/such/app.env`: the directory `no/such` does not \
             exist; create it first (mkdir -p)\n",
        )
        .run()
        .no_leak();
}

/// strace is part of the test set-up (`scripts/setup.sh` installs it): a
/// test that needs it fails without it rather than pass having checked
/// nothing.
#[cfg(target_os = "linux")]
fn strace_is_installed() {
    assert!(
        Command::new("strace").arg("-V").output().is_ok(),
        "strace is not installed: bash scripts/setup.sh (apt-get install strace)"
    );
}

/// The test's command run under `strace -f -qq` with `options` (where the
/// trace goes, what is traced, what is injected: `-o /dev/null -e
/// trace=fsync -e inject=fsync:delay_enter=…`), in its directory, with
/// exactly its environment.
#[cfg(target_os = "linux")]
fn under_strace(t: &Test, options: &[&str]) -> Command {
    let cmd = t.command();
    let mut strace = Command::new("strace");
    strace
        .args(["-f", "-qq"])
        .args(options)
        .arg(BIN)
        .args(cmd.get_args())
        .current_dir(t.dir.path())
        .env_clear()
        .stdin(Stdio::null());
    default_signals(&mut strace);
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            strace.env(k, v);
        }
    }
    strace
}

/// The binary's stderr from a run under strace: strace writes its own
/// diagnostics (`strace: …` lines, such as "pid N has delayed wait data set
/// already" on a loaded machine) to the same stderr even with `-o`; they are
/// strace's, not the binary's, and come and go with timing, so they are left
/// out. Everything else is the binary's and is compared exactly.
#[cfg(target_os = "linux")]
fn without_strace(text: &str) -> String {
    text.split_inclusive('\n')
        .filter(|line| !line.starts_with("strace: "))
        .collect()
}

/// Starts `write` under strace with the first fsync held for `hold`, and
/// returns (strace, the binary's pid) once the binary sits in that fsync:
/// after the secrets are written to the new file, before it is linked in.
#[cfg(target_os = "linux")]
// strace is returned to the caller, which waits for it (`signal_and_wait`).
#[allow(clippy::zombie_processes)]
fn paused_in_fsync(t: &Test, extra_env: &[(&str, &str)]) -> Option<(Child, i32)> {
    strace_is_installed();
    let mut strace = under_strace(
        t,
        &[
            "-o",
            "/dev/null",
            "-e",
            "trace=fsync",
            "-e",
            "inject=fsync:delay_enter=20000000:when=1",
        ],
    );
    // strace writes to /dev/null (-o): the pipe carries the binary's stderr.
    strace.stdout(Stdio::null()).stderr(Stdio::piped());
    for (k, v) in extra_env {
        strace.env(k, v);
    }
    let mut strace_child = strace.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let children = format!(
        "/proc/{}/task/{}/children",
        strace_child.id(),
        strace_child.id()
    );
    loop {
        if Instant::now() >= deadline {
            let _ = strace_child.kill();
            let _ = strace_child.wait();
            panic!("the binary never reached fsync");
        }
        let pid: Option<i32> = std::fs::read_to_string(&children)
            .ok()
            .and_then(|s| s.split_whitespace().next().and_then(|p| p.parse().ok()));
        if let Some(pid) = pid {
            // Tracee threads: the fsync may run on any of them.
            if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
                for task in tasks.flatten() {
                    let syscall =
                        std::fs::read_to_string(task.path().join("syscall")).unwrap_or_default();
                    let nr = syscall.split_whitespace().next().unwrap_or("");
                    if nr == libc::SYS_fsync.to_string() {
                        return Some((strace_child, pid));
                    }
                }
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Sends `signal` to the paused binary, then ends strace (which detaches it,
/// so a caught signal runs its handler) and waits until the binary is gone.
#[cfg(target_os = "linux")]
fn signal_and_wait(mut strace: Child, pid: i32, signal: &str) {
    let ok = Command::new("kill")
        .args([format!("-{signal}"), pid.to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    let _ = strace.kill();
    let _ = strace.wait();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // Gone, or a zombie nobody has reaped yet.
        let state = stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .split_whitespace()
            .next();
        if stat.is_empty() || state == Some("Z") || state == Some("X") {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the binary did not end after SIG{signal}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// kill -9 between writing the secrets and linking the file in leaves no
/// file that holds them, and the old file untouched.
#[cfg(target_os = "linux")]
#[test]
fn kill_9_mid_write_leaves_no_copy_of_the_secrets() {
    let t = with_secret();
    std::fs::write(t.path("app.env"), "OLD=1\n").unwrap();
    let Some((mut strace, pid)) = paused_in_fsync(&t, &[]) else {
        return;
    };
    let mut stderr = strace.stderr.take().unwrap();
    signal_and_wait(strace, pid, "KILL");
    let mut text = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut text).unwrap();
    // Killed before it could say anything.
    assert_eq!(t.normalize(&without_strace(&text)), "");
    assert_eq!(
        std::fs::read_to_string(t.path("app.env")).unwrap(),
        "OLD=1\n"
    );
    no_copy_in(t.dir.path());
    assert_eq!(std::fs::read_dir(t.dir.path()).unwrap().count(), 1);
}

/// Where no anonymous temp file is available (forced here by a debug-build
/// switch), SIGTERM, SIGINT and SIGHUP remove the named temp file.
#[cfg(target_os = "linux")]
#[test]
fn sigterm_mid_write_removes_the_named_temp_file() {
    for signal in ["TERM", "INT", "HUP"] {
        let t = with_secret();
        let Some((mut strace, pid)) =
            paused_in_fsync(&t, &[("AWS_SECRETS_ENV_TEST_NAMED_TEMP", "1")])
        else {
            return;
        };
        let mut stderr = strace.stderr.take().unwrap();
        // The named file exists now, holding the value (the fallback's window).
        signal_and_wait(strace, pid, signal);
        let mut text = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut text).unwrap();
        // Ended by the signal (its handler removes the file, says nothing).
        assert_eq!(t.normalize(&without_strace(&text)), "", "SIG{signal}");
        no_copy_in(t.dir.path());
        assert_eq!(
            std::fs::read_dir(t.dir.path()).unwrap().count(),
            0,
            "SIG{signal} left a file"
        );
    }
}

/// A bind-mounted `app.env` (docker -v ./<app.env:/app/app.env>) cannot be
/// replaced: the error says why and what to do, and the file is untouched.
#[cfg(target_os = "linux")]
#[test]
fn a_bind_mounted_output_is_explained() {
    if !root()
        || !Command::new("unshare")
            .args(["-m", "true"])
            .status()
            .is_ok_and(|s| s.success())
    {
        eprintln!("skipped: needs root and unshare -m");
        return;
    }
    let t = with_secret();
    std::fs::write(t.path("host.env"), "OLD=1\n").unwrap();
    std::fs::write(t.path("app.env"), "").unwrap();
    let cmd = t.command();
    let mut args = vec![BIN.to_string()];
    args.extend(cmd.get_args().map(|a| a.to_string_lossy().into_owned()));
    let mut unshare = Command::new("unshare");
    unshare
        .args([
            "-m",
            "sh",
            "-c",
            "mount --make-rprivate / && mount --bind host.env app.env && exec \"$@\"",
            "sh",
        ])
        .args(&args)
        .current_dir(t.dir.path())
        .env_clear();
    default_signals(&mut unshare);
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            unshare.env(k, v);
        }
    }
    let out = unshare.stdin(Stdio::null()).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        t.normalize(&stderr),
        "aws-secrets-env: error: cannot write `app.env`: it is a mount point (a bind-mounted file, e.g. \
         docker -v ./app.env:/app/app.env, or a Kubernetes subPath), which a rename cannot replace; mount its \
         directory instead, or pass --in-place to overwrite it in place (not atomic)\n"
    );
    assert!(!stderr.contains(VALUE));
    assert_eq!(
        std::fs::read_to_string(t.path("host.env")).unwrap(),
        "OLD=1\n"
    );
    no_copy_in(t.dir.path());
}

/// The action's `run.sh` with the binary under test, in workspace `ws`.
#[cfg(unix)]
fn action(t: &Test, output: &str, extra: &[(&str, &str)]) -> std::process::Output {
    let ws = t.path("ws");
    let runner_temp = t.path("runner-temp");
    std::fs::create_dir_all(&ws).unwrap();
    std::fs::create_dir_all(&runner_temp).unwrap();
    let mut cmd = Command::new("bash");
    cmd.arg(Path::new(ROOT).join("dist/run.sh"))
        .current_dir(&ws)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", t.dir.path())
        .env("AWS_ENDPOINT_URL", &moto().endpoint)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("GITHUB_WORKSPACE", &ws)
        .env("RUNNER_TEMP", &runner_temp)
        .env("AWS_SECRETS_ENV_INSTALLED_BIN", BIN)
        .env("AWS_SECRETS_ENV_SECRET_ID", t.qualify("files"))
        .env("AWS_SECRETS_ENV_OUTPUT", output)
        .env("AWS_SECRETS_ENV_FORMAT", "dotenv")
        .env("AWS_SECRETS_ENV_MASK", "false")
        .env("AWS_SECRETS_ENV_PARSE_JSON", "auto")
        .env("AWS_SECRETS_ENV_NAME_TRANSFORMATION", "none")
        .env("AWS_SECRETS_ENV_EXPORT_ENV", "false")
        .env("AWS_SECRETS_ENV_TIMEOUT", "30")
        .env("AWS_SECRETS_ENV_CONNECT_TIMEOUT", "5")
        .env("AWS_SECRETS_ENV_MAX_ATTEMPTS", "5");
    for (k, v) in extra {
        cmd.env(k, v);
    }
    cmd.stdin(Stdio::null()).output().unwrap()
}

/// The action refuses an output outside `GITHUB_WORKSPACE` and `RUNNER_TEMP`
/// (`/abs`, `../x`, or through a symlinked directory), creating nothing,
/// unless `allow-outside-workspace` is true.
#[cfg(unix)]
#[test]
fn the_action_keeps_outputs_inside_the_workspace() {
    let t = with_secret();
    let outside = t.path("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::create_dir_all(t.path("ws")).unwrap();
    std::os::unix::fs::symlink(&outside, t.path("ws/cfg")).unwrap();
    let absolute = outside.join("abs/app.env");
    for output in [
        "../outside/new/app.env",
        "cfg/app.env",
        "made/../../outside/app.env",
        absolute.to_str().unwrap(),
    ] {
        let out = action(&t, output, &[]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{output}: {stdout}");
        assert_eq!(
            std::fs::read_dir(&outside).unwrap().count(),
            0,
            "{output}: something was created outside"
        );
    }
    // Inside the workspace and in RUNNER_TEMP: fine.
    let in_temp = t.path("runner-temp/sub/app.env");
    for (output, written) in [
        ("sub/dir/app.env", "[dir]/ws/sub/dir/app.env"),
        (in_temp.to_str().unwrap(), "[dir]/runner-temp/sub/app.env"),
    ] {
        let out = action(&t, output, &[]);
        assert!(
            out.status.success(),
            "{output}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert_eq!(String::from_utf8_lossy(&out.stdout), "", "{output}");
        assert_eq!(
            t.normalize(&String::from_utf8_lossy(&out.stderr)),
            format!(
                "aws-secrets-env: wrote 1 variable from 1 selector to {written} (dotenv): TOKEN\n"
            ),
            "{output}"
        );
    }
    assert!(t.path("ws/sub/dir/app.env").exists());
    assert!(in_temp.exists());
    // The opt-in.
    let out = action(
        &t,
        "../outside/new/app.env",
        &[("AWS_SECRETS_ENV_ALLOW_OUTSIDE_WORKSPACE", "true")],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    assert_eq!(
        t.normalize(&String::from_utf8_lossy(&out.stderr)),
        "aws-secrets-env: wrote 1 variable from 1 selector to [dir]/ws/../outside/new/app.env (dotenv): TOKEN\n"
    );
    assert!(outside.join("new/app.env").exists());
}

/// All or nothing (issue 13, item 4): when a runner file cannot be written,
/// the env file must not have been replaced either.
#[test]
fn a_failing_runner_file_leaves_no_env_file() {
    for var in ["GITHUB_ENV", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"] {
        let t = with_secret();
        let t = t.env(var, "/nonexistent/dir/file");
        let t = if var == "GITHUB_ENV" {
            t.args(["--export-env", "--allow-names", "*"])
        } else {
            t
        };
        t.args(["--output", "partial.env"])
            .status(1)
            .stderr(format!(
                "aws-secrets-env: error: cannot write `/nonexistent/dir/file`: {}\n",
                os_error(libc::ENOENT)
            ))
            .expect_no_file("partial.env")
            .run()
            .no_leak();
    }
}

/// The fallbacks when linking an `O_TMPFILE` is refused: through
/// /proc/self/fd when `AT_EMPTY_PATH` fails, a named temp file when every
/// linkat fails (strace injects the errors). The file is written either way.
#[cfg(target_os = "linux")]
#[test]
fn linkat_refusals_fall_back_and_still_write() {
    strace_is_installed();
    for (inject, existing) in [
        ("inject=linkat:error=EPERM:when=1", false),
        ("inject=linkat:error=EPERM", false),
        ("inject=linkat:error=EPERM", true),
    ] {
        let t = with_secret();
        if existing {
            std::fs::write(t.path("app.env"), "OLD=1\n").unwrap();
        }
        let out = under_strace(&t, &["-o", "/dev/null", "-e", "trace=linkat", "-e", inject])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{inject}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            t.normalize(&without_strace(&String::from_utf8_lossy(&out.stderr))),
            "aws-secrets-env: wrote 1 variable from 1 selector to [dir]/app.env (dotenv): TOKEN\n",
            "{inject}"
        );
        assert_eq!(
            std::fs::read_to_string(t.path("app.env")).unwrap(),
            format!("TOKEN='{VALUE}'\n")
        );
        assert_eq!(
            std::fs::read_dir(t.dir.path()).unwrap().count(),
            1,
            "{inject}"
        );
    }
}

/// The action refuses `mask: false` with `output: -`: every value would
/// print in clear in the job log (review L11).
#[cfg(unix)]
#[test]
fn the_action_refuses_unmasked_values_on_standard_output() {
    let t = with_secret();
    for mask in ["false", "never"] {
        let out = action(&t, "-", &[("AWS_SECRETS_ENV_MASK", mask)]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{stdout}");
        assert_eq!(
            stdout,
            "::error title=aws-secrets-env%3A invalid input::input 'mask' is false and 'output' is '-': \
             every value would print in clear in the job log; keep mask on, or write to a file\n"
        );
        assert_eq!(String::from_utf8_lossy(&out.stderr), "");
        assert!(
            t.values.iter().all(|v| !stdout.contains(v.as_str())),
            "a value printed"
        );
    }
    // Masked, standard output is fine.
    let out = action(&t, "-", &[("AWS_SECRETS_ENV_MASK", "true")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("TOKEN='{VALUE}'\n")
    );
    // stdout is the data, so the masks go to stderr: the value is among them
    // (its derived forms are `mask.rs`'s), and the rest of stderr is exact.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.lines().any(|l| l == format!("::add-mask::{VALUE}")),
        "the value is not masked"
    );
    let rest: String = stderr
        .split_inclusive('\n')
        .filter(|l| !l.starts_with("::add-mask::"))
        .collect();
    assert_eq!(
        rest,
        "\naws-secrets-env: wrote 1 variable from 1 selector to standard output (dotenv): TOKEN\n"
    );
}

/// Issue 22 friction: an app running as another user in the image reads
/// `app.env` only if the file lets it: `--mode 0640`/`0644` (the named temp
/// fallback too); a mode giving write or execute beyond the owner is refused
/// before anything is fetched or written.
#[cfg(unix)]
#[test]
fn mode_sets_the_permissions_of_the_file_and_refuses_more_than_reading() {
    use std::os::unix::fs::PermissionsExt;
    for (mode, named) in [("0640", false), ("0644", true), ("440", false)] {
        let mut t = Test::new()
            .secret("md", r#"{"K":"mode-value-1"}"#)
            .select("md")
            .args(["--mode", mode]);
        if named {
            t = t.env("AWS_SECRETS_ENV_TEST_NAMED_TEMP", "1");
        }
        let out = t
            .expect_file("app.env", "K='mode-value-1'\n")
            .stderr(
                "aws-secrets-env: wrote 1 variable from 1 selector to [dir]/app.env (dotenv): K\n",
            )
            .run();
        let got = std::fs::metadata(out.test.path("app.env"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(
            got & 0o7777,
            u32::from_str_radix(mode, 8).unwrap(),
            "--mode {mode}"
        );
    }
    Test::new()
        .args(["--secret-id", "never-fetched", "--mode", "0666"])
        .status(2)
        .stderr(
            "error: invalid value '0666' for '--mode <OCTAL>': the owner must read the file, \
             and group and others may only read it (no write, no execute bit): 0600, 0640, \
             0644, 0400, 0440 or 0444\n\nFor more information, try '--help'.\n",
        )
        .expect_no_file("app.env")
        .run();
}

/// Issue 22 friction, the promise of `--mode`: the permissions are set on
/// the new file while it is still empty, and it was created 0600, so no
/// permission is widened once a byte of a secret is in it. strace records
/// the binary's own calls (no data: `-s 0`), the anonymous temp file and
/// the named fallback alike.
#[cfg(target_os = "linux")]
#[test]
fn mode_is_set_before_any_byte_is_written() {
    strace_is_installed();
    for named in [false, true] {
        let mut t = with_secret().args(["--mode", "0644"]);
        if named {
            t = t.env("AWS_SECRETS_ENV_TEST_NAMED_TEMP", "1");
        }
        let trace = t.path("trace.txt");
        let trace_path = trace.to_str().expect("a UTF-8 temporary path");
        let mut strace = under_strace(
            &t,
            &[
                "-s",
                "0",
                "-o",
                trace_path,
                "-e",
                "trace=openat,fchmod,write",
            ],
        );
        let out = strace.output().unwrap();
        assert!(out.status.success(), "named: {named}");
        assert_eq!(String::from_utf8_lossy(&out.stdout), "", "named: {named}");
        assert_eq!(
            t.normalize(&without_strace(&String::from_utf8_lossy(&out.stderr))),
            "aws-secrets-env: wrote 1 variable from 1 selector to [dir]/app.env (dotenv): TOKEN\n",
            "named: {named}"
        );
        assert_eq!(
            std::fs::read_to_string(t.path("app.env")).unwrap(),
            format!("TOKEN='{VALUE}'\n")
        );
        let calls: Vec<String> = std::fs::read_to_string(&trace)
            .unwrap()
            .lines()
            // `PID call(…)   = result`: the call, its result after one space.
            // strace pads the PID to five columns (`3707  openat(…`), so a
            // PID under 10000 is followed by more than one space.
            .map(|l| {
                let call = l.split_once(' ').map_or(l, |(_, call)| call.trim_start());
                match call.rsplit_once(" = ") {
                    Some((call, result)) => format!("{} = {result}", call.trim_end()),
                    None => call.to_string(),
                }
            })
            .collect();
        // The staged file: created exclusively (or anonymous) with 0600.
        let created = calls
            .iter()
            .position(|c| {
                c.starts_with("openat(")
                    && (c.contains("O_TMPFILE") || c.contains("O_EXCL"))
                    && c.contains(", 0600) = ")
            })
            .unwrap_or_else(|| panic!("no file created 0600 (named: {named}): {calls:#?}"));
        let fd = calls[created].rsplit(" = ").next().unwrap().to_string();
        let chmod = calls[created..]
            .iter()
            .position(|c| *c == format!("fchmod({fd}, 0644) = 0"))
            .unwrap_or_else(|| panic!("no fchmod of fd {fd} (named: {named}): {calls:#?}"));
        let write = calls[created..]
            .iter()
            .position(|c| c.starts_with(&format!("write({fd}, ")))
            .unwrap_or_else(|| panic!("nothing written to fd {fd} (named: {named}): {calls:#?}"));
        assert!(
            chmod < write,
            "the mode was set after data was written (named: {named}): {calls:#?}"
        );
    }
}
