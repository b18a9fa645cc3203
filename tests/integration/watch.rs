//! `exec --watch`: the supervisor against moto. A child that records its
//! environment is restarted once for two quick rotations, never when nothing
//! changed; signals reach it and its status comes back; `--on-change exit`
//! exits 75; a failing check (the fault proxy stopped) keeps it running;
//! orphaned grandchildren are reaped; a refused value keeps the old child.
//! Intervals are 0.5 s (the minimum), so each test takes a few seconds.

use crate::support::{Proxy, Running, Test, default_signals, moto, os_error};
use std::path::Path;
use std::time::{Duration, Instant};

/// The child: appends `$A` to `starts` when it starts, `term` to `events` on
/// SIGTERM (then exits 7), `hup` on SIGHUP, and otherwise waits.
///
/// Its loop's stderr goes to /dev/null: a restart sends SIGTERM to the
/// app's whole process group, and `sh` reports the `sleep` it kills
/// ("Terminated"), or not when the signal falls between two sleeps (with
/// `sleep 0.05 & wait $!` too, in 2 runs of 30). The apps of these tests
/// print nothing of their own, so the supervisor's stderr is stated whole.
const RECORDER: &str = "printf '%s\\n' \"$A\" >> starts; \
    trap 'echo term >> events; exit 7' TERM; trap 'echo hup >> events' HUP; \
    { while :; do sleep 0.05; done; } 2>/dev/null";

/// A test of `exec --watch 0.5` of secret `s` holding `{"A": first}`.
fn watched(first: &str, extra: &[&str], script: &str) -> (Test, String) {
    let t = Test::exec().secret("s", &format!(r#"{{"A":"{first}"}}"#));
    let id = t.name("s");
    let t = t
        .args(["--secret-id", &id, "--watch", "0.5"])
        .args(extra.iter().copied())
        .args(["--", "sh", "-c", script]);
    (t, id)
}

/// The supervisor's first line for `sh` with one variable.
const STARTED: &str = "aws-secrets-env: loaded 1 variable from 1 selector; starting `sh`; \
    watching for changes every 0.5 s\n";

/// The supervisor's lines for one restart of `sh` for one changed variable.
const RESTARTED: &str = "aws-secrets-env: watch: 1 variable changed\n\
    aws-secrets-env: watch: stopping `sh` (SIGTERM, then SIGKILL after 10 s)\n\
    aws-secrets-env: watch: starting `sh` again with the new values\n";

/// The supervisor's lines for new values that are refused.
const REFUSED: &str = "aws-secrets-env: watch: a value changed, but the new values are refused; \
    `sh` keeps running with the old ones\n";

fn rotate(t: &mut Test, id: &str, value: &str) {
    moto().put(id, &format!(r#"{{"A":"{value}"}}"#));
    t.remember(value);
}

#[test]
fn two_quick_rotations_restart_the_child_once_with_the_newest_value() {
    let (t, id) = watched("first-value-1", &[], RECORDER);
    let proxy = Proxy::start("throttle", 0, None);
    let mut run = Running::start(t.env("AWS_ENDPOINT_URL", &proxy.endpoint));
    run.until(10, "the first start", |r| r.lines("starts").len() == 1);
    rotate(&mut run.test, &id, "second-value-2");
    // The second rotation right after a check has seen the first: without
    // the debounce that check alone would restart the child.
    let seen = proxy.calls().len();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !proxy.calls()[seen..].contains(&"secretsmanager.DescribeSecret".to_string()) {
        assert!(Instant::now() < deadline, "no check");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(50));
    rotate(&mut run.test, &id, "third-value-3");
    run.until(15, "the restart", |r| r.lines("starts").len() == 2);
    // Several more intervals: no second restart.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(run.lines("starts"), ["first-value-1", "third-value-3"]);
    assert_eq!(run.lines("events"), ["term"], "stopped with SIGTERM once");
    let once = format!("{STARTED}{RESTARTED}");
    run.until_stderr(5, &once);
    run.no_leak();
    run.signal("TERM");
    assert_eq!(run.exit_code(10), Some(7));
    run.until_stderr(5, &once);
}

#[test]
fn nothing_changed_no_restart_and_each_check_costs_one_call_per_secret_or_batch() {
    let t = Test::exec()
        .secret("one", r#"{"A":"one-value-1"}"#)
        .secret("two", r#"{"B":"two-value-2"}"#);
    let (one, two) = (t.name("one"), t.name("two"));
    let (p1, p2) = (t.parameter("/p1"), t.parameter("/p2"));
    moto().put_parameter(&p1, "param-1", "SecureString");
    moto().put_parameter(&p2, "param-2", "String");
    moto().put_parameter(&t.parameter("/dir/x"), "dir-x", "String");
    let dir = t.qualify("ssm:/dir/");
    let proxy = Proxy::start("throttle", 0, None);
    let t = t
        .env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .args(["--secret-id", &one, "--secret-id", &two])
        .args(["--secret-id", &format!("ssm:{p1}"), "--secret-id"])
        .args([format!("ssm:{p2}"), "--secret-id".into(), dir])
        .args(["--watch", "0.5", "--", "sh", "-c", RECORDER]);
    let run = Running::start(t);
    run.until(10, "the first start", |r| r.lines("starts").len() == 1);
    // The app starts once the values are fetched: every call so far is the
    // first version check and the fetch.
    let fetched = proxy.calls();
    assert!(
        fetched.contains(&"secretsmanager.BatchGetSecretValue".to_string()),
        "the values were fetched: {fetched:?}"
    );
    std::thread::sleep(Duration::from_secs(4));
    // Each check sends its calls together, so the calls since arrive in
    // bursts, one per check; the first and the last may have been cut by
    // the two moments the calls were read, every burst between is a whole
    // check.
    let bursts = proxy.bursts(fetched.len(), Duration::from_millis(200));
    assert_eq!(run.lines("starts").len(), 1, "restarted without a change");
    let checks = &bursts[1.min(bursts.len())..bursts.len().saturating_sub(1).max(1)];
    // 4 s at 0.5 s ±20%: about 6 whole checks on an idle machine, fewer when
    // moto is slow (a loaded machine); what is checked is the cost of each.
    assert!((2..=11).contains(&checks.len()), "{bursts:?}");
    // One DescribeSecret per secret, one GetParameters for both names, one
    // page of the path, and no value fetched.
    let one_check = [
        "AmazonSSM.GetParameters",
        "AmazonSSM.GetParametersByPath",
        "secretsmanager.DescribeSecret",
        "secretsmanager.DescribeSecret",
    ];
    // Before the start: the first check, then one call for each kind of
    // selector.
    let mut start = fetched.clone();
    start.sort();
    let mut first = one_check.to_vec();
    first.extend(["AmazonSSM.GetParameters", "AmazonSSM.GetParametersByPath"]);
    first.push("secretsmanager.BatchGetSecretValue");
    first.sort_unstable();
    assert_eq!(start, first, "the check and the fetch before the start");
    for check in checks {
        let mut check = check.clone();
        check.sort();
        assert_eq!(check, one_check, "{bursts:?}");
    }
    let cut = [bursts.first(), bursts.last()]
        .into_iter()
        .flatten()
        .flatten();
    assert!(
        cut.into_iter().all(|c| one_check.contains(&c.as_str())),
        "{bursts:?}"
    );
    run.until_stderr(
        5,
        "aws-secrets-env: loaded 5 variables from 5 selectors; starting `sh`; \
         watching for changes every 0.5 s\n",
    );
}

#[test]
fn signals_reach_the_child_and_its_status_comes_back() {
    let (t, _) = watched("sig-value-1", &[], RECORDER);
    let mut run = Running::start(t);
    run.until(10, "the start", |r| r.lines("starts").len() == 1);
    run.signal("HUP");
    run.until(10, "SIGHUP at the child", |r| r.lines("events") == ["hup"]);
    run.signal("TERM");
    assert_eq!(run.exit_code(10), Some(7));
    assert_eq!(run.lines("events"), ["hup", "term"]);
    assert_eq!(run.lines("starts").len(), 1);
    run.until_stderr(5, STARTED);
}

#[test]
fn a_child_that_ends_on_its_own_is_not_restarted() {
    let (t, _) = watched("own-value-1", &[], "echo x >> starts; exit 5");
    let mut run = Running::start(t);
    assert_eq!(run.exit_code(10), Some(5));
    assert_eq!(run.lines("starts").len(), 1);
    run.until_stderr(5, STARTED);
    let (t, _) = watched("own-value-2", &[], "kill -KILL $$");
    let mut run = Running::start(t);
    assert_eq!(run.exit_code(10), Some(128 + 9));
    run.until_stderr(5, STARTED);
}

#[test]
fn on_change_exit_stops_the_child_and_exits_75() {
    let (t, id) = watched("exit-value-1", &["--on-change", "exit"], RECORDER);
    let mut run = Running::start(t);
    run.until(10, "the start", |r| r.lines("starts").len() == 1);
    rotate(&mut run.test, &id, "exit-value-2");
    assert_eq!(run.exit_code(15), Some(75));
    assert_eq!(run.lines("events"), ["term"]);
    assert_eq!(run.lines("starts").len(), 1, "not restarted");
    run.until_stderr(
        5,
        &format!(
            "{STARTED}\
             aws-secrets-env: watch: 1 variable changed\n\
             aws-secrets-env: watch: stopping `sh` (SIGTERM, then SIGKILL after 10 s)\n\
             aws-secrets-env: watch: `sh` stopped; exiting with status 75 so that it is started again\n"
        ),
    );
    run.no_leak();
}

#[test]
fn a_failing_check_keeps_the_child_running_and_recovers() {
    let (t, id) = watched("down-value-1", &["--max-attempts", "1"], RECORDER);
    let proxy = Proxy::start("throttle", 0, None);
    let port: u16 = proxy.endpoint.rsplit(':').next().unwrap().parse().unwrap();
    let mut run = Running::start(t.env("AWS_ENDPOINT_URL", &proxy.endpoint));
    run.until(10, "the start", |r| r.lines("starts").len() == 1);
    drop(proxy); // the endpoint is down
    let unreachable = format!(
        "aws-secrets-env: watch: secret `[test]-s`: could not reach AWS Secrets Manager (io \
         error: client error (Connect): tcp connect error: {}); check the network, the region \
         and AWS_ENDPOINT_URL\n",
        os_error(libc::ECONNREFUSED)
    );
    let two_failed = format!(
        "{STARTED}\
         aws-secrets-env: watch: check failed; `sh` keeps running, next check in about 0.5 s\n\
         {unreachable}\
         aws-secrets-env: watch: check failed (2 in a row); `sh` keeps running, next check in about 0.5 s\n\
         {unreachable}"
    );
    run.until_stderr_with(15, &two_failed, outage);
    assert!(
        run.child.try_wait().unwrap().is_none(),
        "the supervisor ended"
    );
    assert!(run.lines("events").is_empty(), "the child was stopped");
    let _proxy = Proxy::start_on("throttle", 0, None, port);
    rotate(&mut run.test, &id, "down-value-2");
    run.until(15, "the restart", |r| r.lines("starts").len() == 2);
    assert_eq!(run.lines("starts"), ["down-value-1", "down-value-2"]);
    run.until_stderr_with(
        5,
        &format!(
            "{two_failed}aws-secrets-env: watch: checks succeed again after [n] failed\n{RESTARTED}"
        ),
        outage,
    );
    run.no_leak();
}

/// The rule for an outage's stderr. How many checks fail before the
/// endpoint is back is a matter of timing: the failures after the second
/// are dropped provided they are numbered on (3, 4, … in a row) and each is
/// followed by the same error line as the second, and "checks succeed again
/// after N failed" reads `[n]` when N is that number; any other text is
/// left as it is, to differ from what the test expects.
fn outage(text: &str) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut out = String::new();
    let mut failures = 0;
    let mut error_line: Option<&&str> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(rest) = line.strip_prefix("aws-secrets-env: watch: check failed") {
            let n = match rest
                .strip_prefix(" (")
                .and_then(|r| r.split_once(" in a row)"))
            {
                Some((n, _)) => n.parse().unwrap_or(0),
                None => 1,
            };
            if n != failures + 1 {
                return text.to_string();
            }
            failures = n;
            if n == 2 {
                error_line = lines.get(i + 1);
            } else if n > 2 {
                if lines.get(i + 1) != error_line {
                    return text.to_string();
                }
                i += 2;
                continue;
            }
        }
        let back = format!("checks succeed again after {failures} failed\n");
        if failures >= 2 && line.ends_with(&back) {
            out.push_str(&line.replace(&back, "checks succeed again after [n] failed\n"));
        } else {
            out.push_str(line);
        }
        i += 1;
    }
    out
}

/// The children of `parent` as `(pid, state, command name)`, from /proc.
fn children_of(parent: u32) -> Vec<(String, String, String)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid …; comm may hold spaces: split at the last `)`.
        let (Some((head, rest)), pid) = (stat.rsplit_once(") "), entry.file_name()) else {
            continue;
        };
        let comm = head.split_once(" (").map_or("", |(_, c)| c).to_string();
        let fields: Vec<&str> = rest.split(' ').collect();
        if fields.get(1) == Some(&parent.to_string().as_str()) {
            let state = fields[0].to_string();
            found.push((pid.to_string_lossy().into_owned(), state, comm));
        }
    }
    found
}

#[cfg(target_os = "linux")]
#[test]
fn abandoned_grandchildren_are_reaped() {
    // Each `( … & )` leaves a sleep whose parent has exited: an orphan,
    // which comes to the supervisor (a subreaper) and must not stay a zombie.
    let script = "(sleep 1 &); (sleep 1 &); (sleep 1 &); echo ok >> starts; \
                  trap 'exit 0' TERM; while :; do sleep 0.05; done";
    let (t, _) = watched("zombie-value-1", &[], script);
    let mut run = Running::start(t);
    run.until(10, "the start", |r| r.lines("starts").len() == 1);
    let supervisor = run.child.id();
    let adopted = children_of(supervisor)
        .into_iter()
        .filter(|(_, _, comm)| comm == "sleep")
        .count();
    assert_eq!(adopted, 3, "the orphans came to the supervisor");
    std::thread::sleep(Duration::from_secs(2));
    let zombies: Vec<_> = children_of(supervisor)
        .into_iter()
        .filter(|(_, state, _)| state == "Z")
        .collect();
    assert_eq!(zombies, Vec::new());
    run.signal("TERM");
    assert_eq!(run.exit_code(10), Some(0));
    run.until_stderr(5, STARTED);
}

#[test]
fn a_refused_new_value_keeps_the_running_child() {
    let (t, id) = watched("ok-value-1", &[], RECORDER);
    let mut run = Running::start(t);
    run.until(10, "the start", |r| r.lines("starts").len() == 1);
    // LD_PRELOAD is never set for a command.
    moto().put(
        &id,
        r#"{"A":"bad-value-2","LD_PRELOAD":"/tmp/evil-preload.so"}"#,
    );
    run.test.remember("bad-value-2");
    run.test.remember("/tmp/evil-preload.so");
    let refused = format!(
        "{STARTED}{REFUSED}\
         aws-secrets-env: watch: variable `LD_PRELOAD` (from secret `[test]-s` key `LD_PRELOAD`) \
         is never set for the command: it is a dynamic loader and C library variable, and it \
         loads code into every later process or changes how names resolve; rename it with an \
         alias (`ALIAS,ID`), or set it in the workflow's `env:` where a reviewer sees it\n"
    );
    run.until_stderr(15, &refused);
    std::thread::sleep(Duration::from_secs(2));
    run.until_stderr(5, &refused); // reported once
    assert_eq!(run.lines("starts"), ["ok-value-1"]);
    assert!(run.lines("events").is_empty());
    rotate(&mut run.test, &id, "good-value-3");
    run.until(15, "the restart", |r| r.lines("starts").len() == 2);
    assert_eq!(run.lines("starts")[1], "good-value-3");
    run.until_stderr(5, &format!("{refused}{RESTARTED}"));
    run.no_leak();
}

#[test]
fn masks_are_printed_again_only_for_new_values() {
    let t = Test::exec()
        .secret("s", r#"{"A":"mask-value-1"}"#)
        .secret("other", r#"{"B":"steady-value-9"}"#);
    let (id, other) = (t.name("s"), t.name("other"));
    let t = t
        .env("GITHUB_ACTIONS", "true")
        .args(["--secret-id", &id, "--secret-id", &other, "--watch", "0.5"])
        .args(["--", "sh", "-c", RECORDER]);
    let mut run = Running::start(t);
    run.until(10, "the start", |r| r.lines("starts").len() == 1);
    rotate(&mut run.test, &id, "mask-value-2");
    run.until(15, "the restart", |r| r.lines("starts").len() == 2);
    let stdout = run.file("stdout.log");
    let count = |v: &str| {
        stdout
            .lines()
            .filter(|l| *l == format!("::add-mask::{v}"))
            .count()
    };
    assert_eq!(count("mask-value-1"), 1, "{stdout}");
    assert_eq!(count("steady-value-9"), 1, "{stdout}");
    assert_eq!(count("mask-value-2"), 1, "{stdout}");
    run.until_stderr(
        5,
        &format!(
            "aws-secrets-env: loaded 2 variables from 2 selectors; starting `sh`; \
             watching for changes every 0.5 s\n{RESTARTED}"
        ),
    );
    run.no_leak();
}

#[test]
fn watch_flags_are_checked_before_any_call() {
    Test::exec()
        .args(["--secret-id", "x", "--watch", "0.1", "--", "true"])
        .status(2)
        .stderr(
            "error: invalid value '0.1' for '--watch [<SECONDS>]': expected a number of \
             seconds from 0.5 to 86400\n\nFor more information, try '--help'.\n",
        )
        .run();
    Test::exec()
        .args(["--secret-id", "x", "--on-change", "exit", "--", "true"])
        .status(2)
        .stderr(
            "error: the following required arguments were not provided:\n  --watch [<SECONDS>]\n\n\
             Usage: aws-secrets-env exec --secret-id <SELECTOR> --watch [<SECONDS>] --on-change \
             <ACTION> -- <COMMAND>...\n\nFor more information, try '--help'.\n",
        )
        .run();
}

#[test]
fn a_child_that_ignores_sigterm_is_killed_after_the_stop_timeout() {
    let script = "printf '%s\\n' \"$A\" >> starts; trap '' TERM; while :; do sleep 0.05; done";
    let (t, id) = watched("stubborn-value-1", &["--stop-timeout", "1"], script);
    let mut run = Running::start(t);
    run.until(10, "the start", |r| r.lines("starts").len() == 1);
    rotate(&mut run.test, &id, "stubborn-value-2");
    let stopped = Instant::now();
    run.until(15, "the restart", |r| r.lines("starts").len() == 2);
    assert!(
        stopped.elapsed() >= Duration::from_secs(1),
        "{:?}",
        stopped.elapsed()
    );
    assert_eq!(run.lines("starts")[1], "stubborn-value-2");
    run.until_stderr(
        5,
        &format!(
            "{STARTED}\
             aws-secrets-env: watch: 1 variable changed\n\
             aws-secrets-env: watch: stopping `sh` (SIGTERM, then SIGKILL after 1 s)\n\
             aws-secrets-env: watch: `sh` still runs after --stop-timeout; sending SIGKILL to its process group\n\
             aws-secrets-env: watch: starting `sh` again with the new values\n"
        ),
    );
}

#[test]
fn an_entry_added_under_a_path_or_a_wildcard_restarts_the_child() {
    let t = Test::exec().secret("w/x1", r#"{"C":"wild-value-1"}"#);
    moto().put_parameter(&t.parameter("/cfg/A"), "path-value-1", "String");
    let (path, wildcard) = (t.qualify("ssm:/cfg/"), t.qualify("w/*"));
    let script = "printf '%s|%s|%s\\n' \"$A\" \"$B\" \"$D\" >> starts; \
                  trap 'exit 0' TERM; { while :; do sleep 0.05; done; } 2>/dev/null";
    let t = t
        .args([
            "--secret-id",
            &path,
            "--secret-id",
            &wildcard,
            "--watch",
            "0.5",
        ])
        .args(["--", "sh", "-c", script]);
    let run = Running::start(t);
    run.until(10, "the start", |r| r.lines("starts").len() == 1);
    moto().put_parameter(&run.test.parameter("/cfg/B"), "path-value-2", "String");
    run.until(15, "the restart for the parameter", |r| {
        r.lines("starts").len() == 2
    });
    moto().create(&run.test.name("w/x2"), r#"{"D":"wild-value-2"}"#);
    run.until(15, "the restart for the secret", |r| {
        r.lines("starts").len() == 3
    });
    assert_eq!(
        run.lines("starts"),
        [
            "path-value-1||",
            "path-value-1|path-value-2|",
            "path-value-1|path-value-2|wild-value-2"
        ]
    );
    run.until_stderr(
        5,
        &format!(
            "aws-secrets-env: loaded 2 variables from 2 selectors; starting `sh`; \
             watching for changes every 0.5 s\n{RESTARTED}{RESTARTED}"
        ),
    );
}

/// Credentials from a profile's `credential_process` (aws-vault, granted, a
/// password manager's plugin) come from a helper the AWS SDK starts and
/// waits for itself. The supervisor reaps the app and the orphans that come
/// to it, never that helper: taken from the SDK, every check whose
/// credentials were due for a refresh failed with "No child processes".
#[cfg(target_os = "linux")]
#[test]
fn credential_process_helpers_are_left_to_the_sdk() {
    // The supervisor tells its own children from the SDK's by this file; a
    // kernel without it (CONFIG_PROC_CHILDREN off) gets the old reaping.
    let pid = std::process::id();
    if !Path::new(&format!("/proc/{pid}/task/{pid}/children")).exists() {
        eprintln!("skipped: this kernel has no /proc/PID/task/TID/children");
        return;
    }
    let (t, _) = watched("cp-value-1", &[], RECORDER);
    // Credentials that expire in 11 s: the SDK refreshes them (10 s before
    // expiry) about every second, so one check in two starts the helper.
    let helper = t.path("creds.sh");
    std::fs::write(
        &helper,
        "#!/bin/sh\necho ran >> helper-runs\n\
         exp=$(date -u -d '+11 seconds' +%Y-%m-%dT%H:%M:%SZ)\n\
         printf '{\"Version\":1,\"AccessKeyId\":\"test\",\"SecretAccessKey\":\"test\",\"Expiration\":\"%s\"}' \"$exp\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&helper, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let config = t.path("aws-config");
    std::fs::write(
        &config,
        format!("[profile cp]\ncredential_process = {}\n", helper.display()),
    )
    .unwrap();
    let mut command = t.command();
    command
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env("AWS_PROFILE", "cp")
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", t.path("no-credentials"));
    let run = Running::start_command(t, command);
    run.until(10, "the start", |r| r.lines("starts").len() == 1);
    let before = run.lines("helper-runs").len();
    run.until(20, "three more runs of the helper", |r| {
        r.lines("helper-runs").len() >= before + 3
    });
    std::thread::sleep(Duration::from_secs(1));
    run.until_stderr(5, STARTED); // no check failed
    assert_eq!(run.lines("starts"), ["cp-value-1"], "never restarted");
    run.no_leak();
}

/// A rotated value that no environment can carry (a NUL byte) is refused
/// before the running app is stopped: the app keeps running, and the next
/// good value restarts it.
#[test]
fn a_value_no_environment_can_carry_keeps_the_running_child() {
    let (t, id) = watched("nul-value-1", &[], RECORDER);
    let mut run = Running::start(t);
    run.until(10, "the start", |r| r.lines("starts").len() == 1);
    moto().put(&id, r#"{"A":"nul\u0000value-2"}"#);
    run.test.remember("value-2");
    let refused = format!(
        "{STARTED}{REFUSED}\
         aws-secrets-env: watch: variable `A` (from secret `[test]-s` key `A`) cannot be passed \
         to `sh`: its value holds a NUL byte, which no environment can carry\n"
    );
    run.until_stderr(15, &refused);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(run.lines("starts"), ["nul-value-1"]);
    assert!(run.lines("events").is_empty(), "the app was stopped");
    run.until_stderr(5, &refused); // reported once
    rotate(&mut run.test, &id, "good-value-3");
    run.until(15, "the restart", |r| r.lines("starts").len() == 2);
    assert_eq!(run.lines("starts")[1], "good-value-3");
    run.until_stderr(5, &format!("{refused}{RESTARTED}"));
    run.no_leak();
}

/// New values past what execve takes are refused the same way. One value
/// cannot pass the kernel's 128 KiB for one string (AWS stores at most
/// 65,536 bytes, and bigger replies are refused before this), so it is the
/// whole: the kernel allows a quarter of the stack limit, 512 KiB under a
/// 2 MiB stack, which eight values of 60,000 bytes stay under and a ninth
/// passes.
#[test]
fn an_environment_past_the_kernel_limit_keeps_the_running_child() {
    use std::os::unix::process::CommandExt as _;
    let chunk = "b".repeat(60_000);
    let mut t = Test::exec();
    let mut ids = Vec::new();
    for i in 0..8 {
        t = t.secret(&format!("big{i}"), &format!(r#"{{"B{i}":"{chunk}"}}"#));
        ids.push(t.name(&format!("big{i}")));
    }
    let t = t.secret("s", r#"{"A":"small-value-1"}"#);
    let id = t.name("s");
    ids.push(id.clone());
    let t = ids
        .iter()
        .fold(t, |t, id| t.args(["--secret-id", id]))
        .args(["--watch", "0.5", "--", "sh", "-c", RECORDER]);
    let mut command = t.command();
    // SAFETY: getrlimit and setrlimit are async-signal-safe.
    unsafe {
        command.pre_exec(|| {
            let mut stack = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            libc::getrlimit(libc::RLIMIT_STACK, &raw mut stack);
            stack.rlim_cur = 2 << 20;
            libc::setrlimit(libc::RLIMIT_STACK, &raw const stack);
            Ok(())
        });
    }
    let run = Running::start_command(t, command);
    run.until(30, "the start", |r| r.lines("starts").len() == 1);
    moto().put(&id, &format!(r#"{{"A":"{chunk}"}}"#));
    // The byte count depends on the environment the test inherited: the
    // rule checks that it is past the limit and puts `[bytes]` in its place.
    let past_the_limit = |text: &str| {
        let Some((head, tail)) = text.split_once(" would take ") else {
            return text.to_string();
        };
        let Some((bytes, tail)) = tail.split_once(' ') else {
            return text.to_string();
        };
        match bytes.parse::<usize>() {
            Ok(n) if n > 524_288 => format!("{head} would take [bytes] {tail}"),
            _ => text.to_string(),
        }
    };
    let refused = format!(
        "aws-secrets-env: loaded 9 variables from 9 selectors; starting `sh`; \
         watching for changes every 0.5 s\n{REFUSED}\
         aws-secrets-env: watch: the environment and arguments of `sh` would take [bytes] \
         bytes, over the kernel's limit of 524288 (ARG_MAX, a quarter of the stack limit); \
         select fewer values, or pass large ones as files with --binary-dir\n"
    );
    run.until_stderr_with(30, &refused, past_the_limit);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(run.lines("starts"), ["small-value-1"]);
    assert!(run.lines("events").is_empty(), "the app was stopped");
    run.until_stderr_with(5, &refused, past_the_limit); // reported once
}

/// A restart stops the app's whole process group: a server the app started
/// in the background does not keep running with the old values.
#[test]
fn a_restart_stops_the_apps_background_children_too() {
    let script = format!("sleep 300 & echo $! >> background; {RECORDER}");
    let (t, id) = watched("group-value-1", &[], &script);
    let mut run = Running::start(t);
    run.until(10, "the start", |r| r.lines("starts").len() == 1);
    let first: u32 = run.lines("background")[0].parse().unwrap();
    assert!(Path::new(&format!("/proc/{first}")).exists());
    rotate(&mut run.test, &id, "group-value-2");
    run.until(15, "the restart", |r| r.lines("starts").len() == 2);
    run.until(5, "the old background child to end", |_| {
        !Path::new(&format!("/proc/{first}")).exists()
    });
    let second: u32 = run.lines("background")[1].parse().unwrap();
    assert!(Path::new(&format!("/proc/{second}")).exists());
    run.signal("TERM");
    assert_eq!(run.exit_code(10), Some(7));
    run.until_stderr(5, &format!("{STARTED}{RESTARTED}"));
    // SIGTERM went to the app, which exited; its background child is no
    // longer anyone's to stop but the test's (it would sleep on for 300 s).
    let _ = std::process::Command::new("kill")
        .args(["-KILL", &second.to_string()])
        .status();
}

/// Every asynchronous signal reaches the app, as tini forwards them, not
/// only the seven that were once named.
#[test]
fn every_asynchronous_signal_is_forwarded() {
    let signals = [
        "ALRM", "USR1", "USR2", "PWR", "URG", "VTALRM", "PROF", "TSTP", "CONT", "XCPU", "RTMIN+3",
        "RTMIN+20",
    ];
    let traps = signals
        .iter()
        .map(|s| format!("trap 'echo {s} >> events' {s}; "))
        .collect::<Vec<_>>()
        .concat();
    let script = format!(
        "printf '%s\\n' \"$A\" >> starts; {traps}trap 'echo term >> events; exit 7' TERM; \
         while :; do sleep 0.05; done"
    );
    let t = Test::exec().secret("s", r#"{"A":"fwd-value-1"}"#);
    let id = t.name("s");
    let t = t.args([
        "--secret-id",
        &id,
        "--watch",
        "0.5",
        "--",
        "bash",
        "-c",
        &script,
    ]);
    let mut run = Running::start(t);
    run.until(10, "the start", |r| r.lines("starts").len() == 1);
    for (n, s) in signals.iter().enumerate() {
        run.signal(s);
        run.until(10, &format!("SIG{s} at the child"), |r| {
            r.lines("events").len() == n + 1
        });
    }
    assert_eq!(run.lines("events"), signals);
    assert_eq!(run.lines("starts").len(), 1);
    run.signal("TERM");
    assert_eq!(run.exit_code(10), Some(7));
    run.until_stderr(
        5,
        "aws-secrets-env: loaded 1 variable from 1 selector; starting `bash`; \
         watching for changes every 0.5 s\n",
    );
}

#[test]
fn with_its_region_down_the_checks_and_the_reload_read_the_replica() {
    let proxy = crate::role::Server::proxy(&["--fail-region", "us-east-1"]);
    let mut t = Test::exec();
    let id = t.name("s");
    crate::failover::replicated(&id, r#"{"A":"replica-first-1"}"#);
    t.remember("replica-first-1");
    let t = t
        .args([
            "--secret-id",
            &id,
            "--watch",
            "0.5",
            "--fallback-region",
            "us-west-2",
        ])
        .args(["--max-attempts", "1", "--", "sh", "-c", RECORDER])
        .env("AWS_ENDPOINT_URL", &proxy.endpoint);
    let mut run = Running::start(t);
    run.until(10, "the first start", |r| r.lines("starts").len() == 1);
    // Rotated in the primary (moto's replicas share its versions); every
    // call signed for us-east-1 fails with a 500.
    rotate(&mut run.test, &id, "replica-second-2");
    run.until(15, "the restart", |r| r.lines("starts").len() == 2);
    assert_eq!(run.lines("starts"), ["replica-first-1", "replica-second-2"]);
    let checked = proxy.log().iter().any(|e| {
        e["region"] == "us-west-2"
            && e["call"] == "secretsmanager.DescribeSecret"
            && e["answer"] == "passed"
    });
    assert!(checked, "no version check of the replica");
    run.no_leak();
    run.signal("TERM");
    assert_eq!(run.exit_code(10), Some(7));
    // Each load (the first, and the one after the change) reads the replica
    // and says so; the version checks fall back without a word.
    let replica = "aws-secrets-env: warning: secret `[test]-s`: AWS Secrets Manager failed on \
        its side (HTTP 500, InternalServiceError) and retries ran out — AWS says: internal error; \
        read its replica in us-west-2 instead\n";
    run.until_stderr(5, &format!("{replica}{STARTED}{replica}{RESTARTED}"));
}

/// A signal the supervisor inherited ignored (SIGINT and SIGQUIT for a
/// background job of a script, SIGHUP under `nohup`) is forwarded, as tini
/// does, but is no request to end: the app inherits it ignored too (as it
/// would without the supervisor) and keeps running, and the next change
/// still restarts it. (Ctrl-C in the terminal of a script that started
/// `exec --watch … &` stopped every later restart.)
#[cfg(target_os = "linux")]
#[test]
fn a_signal_ignored_from_the_start_does_not_end_the_watch() {
    let script = "grep ^SigIgn: /proc/$$/status >> ignored; printf '%s\\n' \"$A\" >> starts; \
                  trap 'echo term >> events; exit 7' TERM; { while :; do sleep 0.05; done; } 2>/dev/null";
    let (t, id) = watched("ign-value-1", &[], script);
    // The supervisor started as a background job of a script would be.
    let inner = t.command();
    let mut command = std::process::Command::new("sh");
    command
        .args(["-c", "trap '' INT QUIT; exec \"$@\"", "sh"])
        .arg(inner.get_program())
        .args(inner.get_args())
        .current_dir(t.dir.path())
        .env_clear()
        .envs(inner.get_envs().filter_map(|(k, v)| Some((k, v?))));
    default_signals(&mut command);
    let mut run = Running::start_command(t, command);
    run.until(10, "the start", |r| r.lines("starts").len() == 1);
    run.signal("INT");
    run.signal("QUIT");
    std::thread::sleep(Duration::from_secs(1));
    rotate(&mut run.test, &id, "ign-value-2");
    run.until(15, "the restart", |r| r.lines("starts").len() == 2);
    assert_eq!(run.lines("starts"), ["ign-value-1", "ign-value-2"]);
    assert_eq!(run.lines("events"), ["term"]);
    // Both starts of the app kept SIGINT (2) and SIGQUIT (3) ignored;
    // signals 32 and 33 are the C library's own (see support/signals.rs).
    for line in run.lines("ignored") {
        let mask = u64::from_str_radix(line.trim_start_matches("SigIgn:\t"), 16).unwrap();
        let ignored: Vec<u32> = (1..32).filter(|s| mask & (1 << (s - 1)) != 0).collect();
        assert_eq!(ignored, [2, 3], "{line}");
    }
    assert_eq!(run.lines("ignored").len(), 2);
    run.no_leak();
    run.signal("TERM");
    assert_eq!(run.exit_code(10), Some(7));
    run.until_stderr(5, &format!("{STARTED}{RESTARTED}"));
}

/// Issue 21 / review M1: the app's output shares stdout with the masks of a
/// rotated value, and a chatty app leaves partial lines there at any time;
/// each mask still starts a line of its own, so the runner parses it.
#[test]
fn masks_of_a_rotated_value_start_lines_of_their_own_amid_the_apps_output() {
    let chatty = "printf '%s\\n' \"$A\" >> starts; trap 'exit 0' TERM; \
                  { while :; do printf progress.; sleep 0.01; done; } 2>/dev/null";
    let (t, id) = watched("chatty-value-1", &[], chatty);
    let mut run = Running::start(t.env("GITHUB_ACTIONS", "true"));
    run.until(10, "the first start", |r| r.lines("starts").len() == 1);
    rotate(&mut run.test, &id, "Rotated-chatty-value-2");
    run.until(15, "the restart", |r| r.lines("starts").len() == 2);
    let stdout = run.file("stdout.log");
    let parsed = crate::logs::runner_commands(&stdout);
    for value in ["chatty-value-1", "Rotated-chatty-value-2"] {
        let mask = format!("::add-mask::{value}");
        assert!(
            parsed.contains(&mask.as_str()),
            "{value} not parsed:\n{stdout}"
        );
    }
    let astray: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("::add-mask::") && !l.starts_with("::add-mask::"))
        .collect();
    assert_eq!(astray, Vec::<&str>::new(), "masks after a partial line");
    run.until_stderr(5, &format!("{STARTED}{RESTARTED}"));
    run.no_leak();
}

#[test]
fn the_assumed_role_is_renewed_before_it_expires() {
    // STS's credentials are said to last 15 s: the SDK's cache renews them
    // some seconds before, and the checks after that are signed anew.
    let proxy = crate::role::Server::proxy(&["--expire-in", "15"]);
    let role = ["--role-arn", "arn:aws:iam::123456789012:role/reader"];
    let (t, _) = watched("role-renewed-1", &role, RECORDER);
    let t = t.env("AWS_ENDPOINT_URL", &proxy.endpoint);
    let run = Running::start(t);
    run.until(10, "the first start", |r| r.lines("starts").len() == 1);
    let renewed = |p: &crate::role::Server| {
        let log = p.log();
        let keys: std::collections::BTreeSet<String> = log
            .iter()
            .filter(|e| e["call"] == "secretsmanager.DescribeSecret")
            .map(|e| e["key"].as_str().unwrap().to_string())
            .collect();
        keys.len() >= 2 && keys.iter().all(|k| k.starts_with("ASIA"))
    };
    let deadline = Instant::now() + Duration::from_secs(25);
    while !renewed(&proxy) {
        assert!(
            Instant::now() < deadline,
            "the checks were never signed with renewed keys: {:?}; stderr:\n{}",
            proxy.signers(),
            run.stderr()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(run.lines("starts"), ["role-renewed-1"], "no restart");
    run.until_stderr(5, STARTED);
    run.no_leak();
}

/// M1 (issue 21) for a mask line longer than one pipe-atomic write (a
/// one-line value over 4 KiB): it goes out while the app floods the same
/// pipe, and nobody reads the pipe until the rotated value's masks wait on
/// it full. The runner must still see the mask as a line of its own. On
/// Linux 6.18 a write blocked on a full pipe comes out whole (6 KB and
/// 100 KB lines amid a flood: whole, 3 of 3 each, with a plain Python
/// probe), so this guards the end-to-end path; on a kernel that let the
/// app's bytes into such a write, this test is the one that would say so.
#[test]
fn a_mask_longer_than_one_pipe_write_comes_out_whole_amid_a_flood() {
    use std::io::Read as _;
    use std::os::unix::process::CommandExt as _;
    use std::process::Stdio;
    let flood = "printf '%s\\n' \"${#A}\" >> starts; trap 'exit 0' TERM; \
                 { while :; do printf 'progress '; done; } 2>/dev/null";
    let (t, id) = watched("flood-value-1", &[], flood);
    let t = t.env("GITHUB_ACTIONS", "true");
    let mut command = t.command();
    let err = std::fs::File::create(t.path("stderr.log")).unwrap();
    let mut child = command
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(err)
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut run = Running { child, test: t };
    run.until(10, "the first start", |r| r.lines("starts").len() == 1);
    let long: String = (0..6000u32)
        .map(|i| char::from(b'a' + u8::try_from(i % 26).unwrap()))
        .collect();
    rotate(&mut run.test, &id, &long);
    // A check or two finds the change; its masks wait on the full pipe.
    std::thread::sleep(Duration::from_secs(3));
    let reader = std::thread::spawn(move || {
        let mut all = Vec::new();
        let _ = stdout.read_to_end(&mut all);
        all
    });
    run.until(20, "the restart", |r| r.lines("starts").len() == 2);
    assert_eq!(run.lines("starts"), ["13", "6000"]);
    drop(run);
    let out = String::from_utf8(reader.join().unwrap()).unwrap();
    let mask = format!("::add-mask::{long}");
    let masks: Vec<usize> = out
        .lines()
        .filter(|l| l.contains("::add-mask::"))
        .map(str::len)
        .collect();
    assert!(
        out.lines().any(|l| l == mask),
        "the long mask is not a line of its own: lines holding ::add-mask:: are {masks:?} bytes long"
    );
}
