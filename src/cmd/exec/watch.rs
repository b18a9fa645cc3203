//! The watcher of `exec --watch`, on a thread of its own: a version check
//! every interval (±20% at random, so a fleet drifts apart), a wait until
//! the versions settle (several changes close together, one restart), then
//! one load of the values; new variables go to the supervisor. A failed
//! check or load is reported, counted and tried again; a refused value keeps
//! the running command. Nothing here prints a value, and masks are printed
//! only for values not masked before.

use super::signals;
use crate::error::{Error, sanitize};
use crate::fetch::Request;
use crate::fetch::versions::{Checker, Versions};
use crate::flatten::Variable;
use crate::load::{Config, Masked, load_again};
use std::sync::mpsc::Sender;
use std::time::Duration;

/// Re-checks while versions keep moving before loading anyway.
const SETTLE_CHECKS: u32 = 10;

/// The longest quiet period a change must be followed by.
const MAX_QUIET: Duration = Duration::from_secs(5);

pub(super) struct Watcher {
    pub(super) config: Config,
    pub(super) interval: Duration,
    pub(super) keep_existing: bool,
    /// The command's printable name, for messages.
    pub(super) program: String,
    /// The command and its arguments, for the size of what `execve` takes.
    pub(super) arguments: Vec<std::ffi::OsString>,
    pub(super) masked: Masked,
    /// The versions the running command's values are at; `None` until a
    /// check succeeded.
    pub(super) baseline: Option<Versions>,
    /// The variables the running command got.
    pub(super) running: Vec<Variable>,
    /// The command was started.
    pub(super) started: bool,
    requests: Vec<Request>,
    runtime: tokio::runtime::Runtime,
    checker: Checker,
    /// Checks failed in a row.
    failures: u32,
}

impl Watcher {
    /// A watcher for `config`; its first check is `baseline`'s.
    pub(super) fn new(
        config: Config,
        interval: f64,
        keep_existing: bool,
        program: String,
    ) -> Result<Watcher, Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(Error::Runtime)?;
        let total = config.limits.total;
        let checker = runtime
            .block_on(async {
                let checker = Checker::new(
                    config.region.clone(),
                    config.limits,
                    config.role.as_ref(),
                    config.fallback_regions.clone(),
                );
                tokio::time::timeout(total, checker).await
            })
            .map_err(|_| Error::Timeout {
                seconds: total.as_secs_f64(),
            })??;
        let requests = config.selectors.iter().map(Request::of).collect();
        Ok(Watcher {
            config,
            interval: Duration::from_secs_f64(interval),
            keep_existing,
            program,
            arguments: Vec::new(),
            masked: Masked::default(),
            baseline: None,
            running: Vec::new(),
            started: false,
            requests,
            runtime,
            checker,
            failures: 0,
        })
    }

    /// Checks forever; sends each new set of variables to `supervisor`.
    pub(super) fn run(mut self, supervisor: &Sender<Vec<Variable>>) {
        loop {
            std::thread::sleep(jittered(self.interval));
            let Some(seen) = self.check() else { continue };
            if self.baseline.as_ref() == Some(&seen) {
                continue;
            }
            let settled = self.settle(seen);
            if let Some(variables) = self.reload(settled) {
                if supervisor.send(variables).is_err() {
                    return;
                }
                signals::wake();
            }
        }
    }

    /// One version check; a failure is reported with its count.
    pub(super) fn check(&mut self) -> Option<Versions> {
        match self.runtime.block_on(self.checker.check(&self.requests)) {
            Ok(versions) => {
                if self.failures > 0 {
                    eprintln!(
                        "aws-secrets-env: watch: checks succeed again after {} failed",
                        self.failures
                    );
                    self.failures = 0;
                }
                Some(versions)
            }
            Err(e) => {
                self.failures += 1;
                let count = match self.failures {
                    1 => String::new(),
                    n => format!(" ({n} in a row)"),
                };
                let app = if self.started {
                    format!("`{}` keeps running", self.program)
                } else {
                    format!("`{}` starts anyway", self.program)
                };
                eprintln!(
                    "aws-secrets-env: watch: check failed{count}; {app}, next check in about {} s",
                    seconds(self.interval)
                );
                report(&e);
                None
            }
        }
    }

    /// Waits until a check sees the same versions as the one before (a
    /// quiet period of one interval, 5 s at most), at most ten times.
    fn settle(&mut self, mut seen: Versions) -> Versions {
        let quiet = self.interval.min(MAX_QUIET);
        for _ in 0..SETTLE_CHECKS {
            std::thread::sleep(quiet);
            match self.check() {
                Some(now) if now != seen => seen = now,
                _ => break,
            }
        }
        seen
    }

    /// Loads the values at `versions`; the variables to restart with if they
    /// differ from the running ones and may be set.
    fn reload(&mut self, versions: Versions) -> Option<Vec<Variable>> {
        let loaded = load_again(&self.config, &mut self.masked)
            .and_then(|variables| crate::cmd::for_command(&variables, &self.config));
        let variables = match loaded {
            Ok(variables) => variables,
            Err(e) if transient(&e) => {
                eprintln!(
                    "aws-secrets-env: watch: a value changed, but loading it failed; `{}` keeps running, next try in about {} s",
                    self.program,
                    seconds(self.interval)
                );
                report(&e);
                return None;
            }
            Err(e) => {
                eprintln!(
                    "aws-secrets-env: watch: a value changed, but the new values are refused; `{}` keeps running with the old ones",
                    self.program
                );
                report(&e);
                self.baseline = Some(versions);
                return None;
            }
        };
        self.baseline = Some(versions);
        let variables = super::child::environment(self.keep_existing, variables);
        let changed = changed(&self.running, &variables);
        if changed == 0 {
            return None;
        }
        // Checked before the running command is stopped: values it could
        // not be started with are refused like any other.
        if let Err(e) = super::limits::check(&self.program, &self.arguments, &variables) {
            eprintln!(
                "aws-secrets-env: watch: a value changed, but the new values are refused; `{}` keeps running with the old ones",
                self.program
            );
            report(&e);
            return None;
        }
        let deadline = std::time::Instant::now() + self.config.limits.total;
        if let Err(e) = crate::write::payloads(&variables, deadline) {
            eprintln!(
                "aws-secrets-env: watch: a value changed, but its file could not be written; `{}` keeps running",
                self.program
            );
            report(&e);
            return None;
        }
        eprintln!(
            "aws-secrets-env: watch: {} changed",
            super::super::plural(changed, "variable")
        );
        self.running.clone_from(&variables);
        Some(variables)
    }
}

/// How many names were added, removed or given another value (or file).
fn changed(old: &[Variable], new: &[Variable]) -> usize {
    let same = |a: &Variable, b: &Variable| a.value == b.value;
    let differ = |from: &[Variable], to: &[Variable]| {
        from.iter()
            .filter(|a| !to.iter().any(|b| a.name == b.name && same(a, b)))
            .count()
    };
    let removed = old
        .iter()
        .filter(|a| !new.iter().any(|b| a.name == b.name))
        .count();
    differ(new, old) + removed
}

/// Failures worth trying again at the next interval; the others (a value the
/// rules refuse, a missing key) wait for the versions to move again.
fn transient(err: &Error) -> bool {
    err.flatten().iter().any(|e| {
        matches!(
            e,
            Error::Network { .. }
                | Error::Throttled { .. }
                | Error::Timeout { .. }
                | Error::Credentials { .. }
                | Error::AccessDenied { .. }
                | Error::Aws { .. }
                | Error::Unavailable { .. }
                | Error::NoReplica { .. }
                | Error::Runtime(_)
        )
    })
}

/// Each error on a line of its own, as `main` reports them.
fn report(err: &Error) {
    for e in err.flatten() {
        eprintln!("aws-secrets-env: watch: {}", sanitize(&e.to_string()));
    }
}

/// `interval` ±20%, at random.
fn jittered(interval: Duration) -> Duration {
    interval.mul_f64(0.8 + 0.4 * fastrand::f64())
}

/// Seconds for messages: `300`, `0.5`.
fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0}")
    } else {
        format!("{s}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn var(name: &str, value: &str) -> Variable {
        Variable::new(name, Secret::new(value), "secret `s`")
    }

    #[test]
    fn changes_count_added_removed_and_new_values() {
        let old = [var("A", "1"), var("B", "2"), var("C", "3")];
        assert_eq!(changed(&old, &old.clone()), 0);
        let new = [var("A", "1"), var("B", "two"), var("D", "4")];
        assert_eq!(changed(&old, &new), 3);
    }

    #[test]
    fn jitter_stays_within_a_fifth() {
        for _ in 0..100 {
            let d = jittered(Duration::from_secs(10));
            assert!(d >= Duration::from_secs(8) && d <= Duration::from_secs(12));
        }
    }

    #[test]
    fn network_failures_are_retried_refusals_are_not() {
        let network = Error::Network {
            what: "secret `a`".into(),
            service: "AWS Secrets Manager",
            reason: "refused".into(),
        };
        assert!(transient(&network));
        assert!(!transient(&Error::EmptyName {
            source_desc: "secret `a`".into()
        }));
    }
}
