//! `exec --watch`: COMMAND as a child of a supervisor that does what tini
//! does as PID 1 — forwards every asynchronous signal, reaps every zombie,
//! exits with the child's status (128+N after signal N) when it ends on its
//! own — and, when the watcher thread (`watch.rs`) sends new values, stops
//! the child's whole process group (SIGTERM, `--stop-timeout`, SIGKILL) and
//! starts it again, or exits with [`CHANGED_EXIT`] under `--on-change exit`.
//! The child leads a process group of its own (tini's `-g`), so that a
//! restart also ends what it started in the background; a child that cannot
//! be started with the new values is started again with the last ones.
//! The child inherits the signal dispositions the supervisor started with,
//! as it would without it: under `nohup` SIGHUP stays ignored, and a signal
//! inherited ignored is forwarded but does not end the watch.

use super::child::{CHANGED_EXIT, announce, command, environment, exit_code};
use super::signals::{self, Blocked, Received};
use super::watch::Watcher;
use crate::cli::ExecArgs;
use crate::cli::OnChange;
use crate::error::{Error, sanitize};
use crate::flatten::Variable;
use crate::load::{Config, load_again};
use std::mem::MaybeUninit;
use std::process::{Command, ExitCode};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

/// The longest the supervisor sleeps without looking around.
const TICK: Duration = Duration::from_secs(1);

/// How often it looks whether a stopped child's group has ended.
const POLL: Duration = Duration::from_millis(50);

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
    /// The child (the group's leader) has ended; its group may not have.
    leader_gone: bool,
    /// The child's wait status, once it has ended.
    status: libc::c_int,
    then: After,
}

/// Loads, starts the child, supervises it; returns the status to exit with
/// once the child is gone (the signal mask stays as it is: the process is
/// about to end).
pub(in crate::cmd) fn run(args: &ExecArgs, config: Config) -> Result<ExitCode, Error> {
    let started = Instant::now();
    // Before any thread exists, so that every thread inherits the mask.
    let blocked = Blocked::block().map_err(Error::Runtime)?;
    signals::become_subreaper();
    let interval = args.watch.expect("--watch was given");
    let program = super::child::program(args);
    let selectors = config.selectors.len();
    let mut watcher = Watcher::new(config, interval, args.keep_existing, program.clone())?;
    watcher.arguments.clone_from(&args.command);
    // The versions first: a change between this check and the load is seen
    // by the next one. A failed check is reported and does not stop the start.
    watcher.baseline = watcher.check();
    let variables = load_again(&watcher.config, &mut watcher.masked)?;
    let variables = crate::cmd::for_command(&variables, &watcher.config)?;
    crate::write::payloads(&variables, started + watcher.config.limits.total)?;
    let variables = environment(args.keep_existing, variables);
    super::limits::check(&program, &args.command, &variables)?;
    let note = format!("; watching for changes every {interval} s");
    announce(args, variables.len(), selectors, &note);
    // The app writes to the same stdout and stderr from now on: every later
    // batch of masks starts a line of its own (issue 21, M1).
    crate::github::streams_shared();
    let child = spawn(args, &variables, &program, None)?;
    watcher.running.clone_from(&variables);
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
        running: variables,
        stopping: None,
        ending: false,
    }
    .supervise(&receiver)?;
    Ok(exit_code(code))
}

/// Starts the command as the leader of a new process group; `previous` is
/// the group of the child it replaces, if any.
fn spawn(
    args: &ExecArgs,
    variables: &[Variable],
    program: &str,
    previous: Option<u32>,
) -> Result<u32, Error> {
    use std::os::unix::process::CommandExt as _;
    let mut command: Command = command(args, variables);
    command.process_group(0);
    let terminal = owns_terminal(previous);
    // SAFETY: only async-signal-safe calls (sigemptyset, sigaddset,
    // sigprocmask, tcsetpgrp, getpid) between fork and exec.
    unsafe {
        command.pre_exec(move || {
            let mut none = MaybeUninit::<libc::sigset_t>::uninit();
            libc::sigemptyset(none.as_mut_ptr());
            let none = none.assume_init();
            if terminal {
                // As tini does: the new group becomes the terminal's
                // foreground, so that the app reads the terminal and gets
                // its Ctrl-C; with SIGTTOU blocked, as it is in the
                // background until then.
                let mut ttou = none;
                libc::sigaddset(&raw mut ttou, libc::SIGTTOU);
                libc::sigprocmask(libc::SIG_SETMASK, &raw const ttou, std::ptr::null_mut());
                libc::tcsetpgrp(libc::STDIN_FILENO, libc::getpid());
            }
            // The app starts with no signal blocked: the supervisor blocks
            // nearly all of them, and a mask is inherited across execve
            // (std leaves it as it is), so that a shell such as bash,
            // which keeps the mask it is given, would never see SIGTERM.
            libc::sigprocmask(libc::SIG_SETMASK, &raw const none, std::ptr::null_mut());
            Ok(())
        });
    }
    // The child is reaped by `signals::reap`, by PID, never through `Child`.
    #[allow(clippy::zombie_processes)]
    let child = command.spawn().map_err(|source| Error::Exec {
        program: program.to_string(),
        source,
    })?;
    Ok(child.id())
}

/// Whether standard input is a terminal whose foreground is this process's
/// group or the replaced child's: then the new child takes it.
fn owns_terminal(previous: Option<u32>) -> bool {
    // SAFETY: isatty, tcgetpgrp and getpgrp have no memory effects.
    unsafe {
        if libc::isatty(libc::STDIN_FILENO) != 1 {
            return false;
        }
        let foreground = libc::tcgetpgrp(libc::STDIN_FILENO);
        foreground > 0
            && (foreground == libc::getpgrp()
                || previous.is_some_and(|p| u32::try_from(foreground) == Ok(p)))
    }
}

struct Supervisor<'a> {
    args: &'a ExecArgs,
    program: String,
    blocked: Blocked,
    /// The running child: its PID, which is also its process group's ID.
    child: u32,
    /// The variables it was started with: the last that worked.
    running: Vec<Variable>,
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
                match &mut self.stopping {
                    Some(s) if !self.ending || matches!(s.then, After::Exit(_)) => {
                        // What it started in its group may still run.
                        s.leader_gone = true;
                        s.status = status;
                    }
                    _ => return Ok(signals::exit_code(status)),
                }
            }
            if self
                .stopping
                .as_ref()
                .is_some_and(|s| s.leader_gone && !signals::group_alive(self.child))
            {
                let s = self.stopping.take().expect("checked above");
                match s.then {
                    After::Restart(_) if self.ending => return Ok(signals::exit_code(s.status)),
                    After::Restart(variables) => self.restart(variables)?,
                    After::Exit(code) => {
                        eprintln!(
                            "aws-secrets-env: watch: `{}` stopped; exiting with status {code} so that it is started again",
                            self.program
                        );
                        return Ok(code);
                    }
                }
            }
            while let Ok(variables) = changes.try_recv() {
                self.changed(variables);
            }
            let wait = match &mut self.stopping {
                Some(s) if !s.killed => {
                    let left = s.deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        let what = if s.leader_gone {
                            format!("what `{}` started", self.program)
                        } else {
                            format!("`{}`", self.program)
                        };
                        eprintln!(
                            "aws-secrets-env: watch: {what} still runs after --stop-timeout; sending SIGKILL to its process group"
                        );
                        signals::send_group(self.child, libc::SIGKILL);
                        s.killed = true;
                        POLL
                    } else if s.leader_gone {
                        left.min(POLL)
                    } else {
                        left.min(TICK)
                    }
                }
                Some(_) => POLL,
                None => TICK,
            };
            if let Some(Received::Forward(signal)) = self.blocked.wait(wait) {
                self.ending |= self.blocked.ends(signal);
                match &self.stopping {
                    // The leader is reaped: its PID may be reused, its group
                    // ID is not while the group lives.
                    Some(s) if s.leader_gone => signals::send_group(self.child, signal),
                    _ => signals::send(self.child, signal),
                }
            }
        }
    }

    /// Starts the command again with `variables`; if it cannot start with
    /// them, again with the last variables it ran with.
    fn restart(&mut self, variables: Vec<Variable>) -> Result<(), Error> {
        eprintln!(
            "aws-secrets-env: watch: starting `{}` again with the new values",
            self.program
        );
        match spawn(self.args, &variables, &self.program, Some(self.child)) {
            Ok(child) => {
                self.child = child;
                self.running = variables;
            }
            Err(e) => {
                eprintln!(
                    "aws-secrets-env: watch: `{}` cannot start with the new values; starting it with the ones it had",
                    self.program
                );
                eprintln!("aws-secrets-env: watch: {}", sanitize(&e.to_string()));
                self.child = spawn(self.args, &self.running, &self.program, Some(self.child))?;
            }
        }
        Ok(())
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
        signals::send_group(self.child, libc::SIGTERM);
        self.stopping = Some(Stopping {
            deadline: Instant::now() + grace,
            killed: false,
            leader_gone: false,
            status: 0,
            then,
        });
    }
}
