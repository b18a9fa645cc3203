//! `exec --watch`: COMMAND as a child of a supervisor that does what tini
//! does as PID 1 — forwards SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1,
//! SIGUSR2 and SIGWINCH, reaps every zombie, exits with the child's status
//! (128+N after signal N) when it ends on its own — and, when the watcher
//! thread (`watch.rs`) sends new values, stops the child (SIGTERM,
//! `--stop-timeout`, SIGKILL) and starts it again, or exits with
//! [`CHANGED_EXIT`] under `--on-change exit`.

use super::signals::{self, Blocked};
use super::watch::Watcher;
use super::{CHANGED_EXIT, announce, command, environment};
use crate::cli::ExecArgs;
use crate::cli::OnChange;
use crate::error::Error;
use crate::flatten::Variable;
use crate::load::{Config, load_again};
use crate::names::{Destination, refuse_for};
use std::process::Command;
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

/// The longest the supervisor sleeps without looking around.
const TICK: Duration = Duration::from_secs(1);

/// What happens once the child being stopped has ended.
enum After {
    /// Start it again with these variables.
    Restart(Vec<Variable>),
    /// Exit with this status.
    Exit(i32),
}

struct Stopping {
    /// When SIGKILL follows the SIGTERM.
    deadline: Instant,
    killed: bool,
    then: After,
}

/// Loads, starts the child, supervises it; never returns but with an error.
pub(in crate::cmd) fn run(args: &ExecArgs, config: Config) -> Result<(), Error> {
    let started = Instant::now();
    // Before any thread exists, so that every thread inherits the mask.
    let blocked = Blocked::block().map_err(Error::Runtime)?;
    signals::become_subreaper();
    let interval = args.watch.expect("--watch was given");
    let program = super::program(args);
    let selectors = config.selectors.len();
    let mut watcher = Watcher::new(config, interval, args.keep_existing, program.clone())?;
    // The versions first: a change between this check and the load is seen
    // by the next one. A failed check is reported and does not stop the start.
    watcher.baseline = watcher.check();
    let variables = load_again(&watcher.config, &mut watcher.masked)?;
    refuse_for(Destination::Command, &variables, &watcher.config.allow, &[])?;
    crate::write::payloads(&variables, started + watcher.config.limits.total)?;
    let variables = environment(args.keep_existing, variables);
    let note = format!("; watching for changes every {interval} s");
    announce(args, variables.len(), selectors, &note);
    let child = spawn(args, &variables, &program)?;
    watcher.running = variables;
    watcher.started = true;
    let (sender, receiver) = mpsc::channel();
    std::thread::Builder::new()
        .name("watch".into())
        .spawn(move || watcher.run(&sender))
        .map_err(Error::Runtime)?;
    let code = Supervisor {
        args,
        program,
        blocked,
        child,
        stopping: None,
        ending: false,
    }
    .supervise(&receiver)?;
    std::process::exit(code);
}

fn spawn(args: &ExecArgs, variables: &[Variable], program: &str) -> Result<u32, Error> {
    let mut command: Command = command(args, variables);
    command.env_remove("AWS_SECRETS_ENV_WATCH");
    // The child is reaped by `signals::reap`, by PID, never through `Child`.
    #[allow(clippy::zombie_processes)]
    let child = command.spawn().map_err(|source| Error::Exec {
        program: program.to_string(),
        source,
    })?;
    Ok(child.id())
}

struct Supervisor<'a> {
    args: &'a ExecArgs,
    program: String,
    blocked: Blocked,
    child: u32,
    stopping: Option<Stopping>,
    /// A terminating signal was forwarded: the child's end is the end.
    ending: bool,
}

impl Supervisor<'_> {
    /// Runs until the child has ended for good; returns the exit status.
    fn supervise(mut self, changes: &Receiver<Vec<Variable>>) -> Result<i32, Error> {
        loop {
            for (pid, status) in signals::reap() {
                if pid != self.child {
                    continue; // an orphan, reaped
                }
                match self.stopping.take().map(|s| s.then) {
                    Some(After::Restart(variables)) if !self.ending => {
                        eprintln!(
                            "aws-secrets-env: watch: starting `{}` again with the new values",
                            self.program
                        );
                        self.child = spawn(self.args, &variables, &self.program)?;
                    }
                    Some(After::Exit(code)) => {
                        eprintln!(
                            "aws-secrets-env: watch: `{}` stopped; exiting with status {code} so that it is started again",
                            self.program
                        );
                        return Ok(code);
                    }
                    _ => return Ok(signals::exit_code(status)),
                }
            }
            while let Ok(variables) = changes.try_recv() {
                self.changed(variables);
            }
            let wait = match &mut self.stopping {
                Some(s) if !s.killed => {
                    let left = s.deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        eprintln!(
                            "aws-secrets-env: watch: `{}` still runs after --stop-timeout; sending SIGKILL",
                            self.program
                        );
                        signals::send(self.child, libc::SIGKILL);
                        s.killed = true;
                        TICK
                    } else {
                        left.min(TICK)
                    }
                }
                _ => TICK,
            };
            if let Some(signal) = self.blocked.wait(wait)
                && signals::FORWARDED.contains(&signal)
            {
                self.ending |= signals::ends(signal);
                signals::send(self.child, signal);
            }
        }
    }

    /// New values from the watcher: stop the child to restart it, or to exit.
    fn changed(&mut self, variables: Vec<Variable>) {
        if self.ending {
            return;
        }
        let then = match self.args.on_change {
            OnChange::Restart => After::Restart(variables),
            OnChange::Exit => After::Exit(CHANGED_EXIT),
        };
        if let Some(s) = &mut self.stopping {
            // Already stopping: restart with the newest values.
            if matches!(s.then, After::Restart(_)) {
                s.then = then;
            }
            return;
        }
        let grace = Duration::from_secs_f64(self.args.stop_timeout);
        eprintln!(
            "aws-secrets-env: watch: stopping `{}` (SIGTERM, then SIGKILL after {} s)",
            self.program, self.args.stop_timeout
        );
        signals::send(self.child, libc::SIGTERM);
        self.stopping = Some(Stopping {
            deadline: Instant::now() + grace,
            killed: false,
            then,
        });
    }
}
