//! COMMAND as this step starts it, with or without `--watch`: the variables
//! it gets, its `Command`, the line that announces it, and the status to
//! exit with.

use super::limits;
use crate::cli::ExecArgs;
use crate::cmd::plural;
use crate::error::sanitize;
use crate::flatten::Variable;
use std::process::{Command, ExitCode};

/// The exit status of `exec --watch --on-change exit` after a change:
/// `EX_TEMPFAIL` of sysexits.h, "try again", so the orchestrator restarts.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub(crate) const CHANGED_EXIT: i32 = 75;

/// The variables the command gets: every loaded one, less those that
/// `--keep-existing` leaves as the environment has them.
pub(super) fn environment(keep_existing: bool, variables: Vec<Variable>) -> Vec<Variable> {
    variables
        .into_iter()
        .filter(|v| !(keep_existing && std::env::var_os(&v.name).is_some()))
        .collect()
}

/// COMMAND with `variables` in its environment.
pub(super) fn command(args: &ExecArgs, variables: &[Variable]) -> Command {
    let (program, rest) = args.command.split_first().expect("clap requires a command");
    let mut command = Command::new(program);
    command.args(rest);
    // The selectors and --watch are configuration of this step, not of the
    // program.
    for name in limits::REMOVED {
        command.env_remove(name);
    }
    for v in variables {
        command.env(&v.name, v.value.expose());
    }
    command
}

/// The program's name, safe to print.
pub(super) fn program(args: &ExecArgs) -> String {
    sanitize(&args.command[0].to_string_lossy())
}

/// Prints the start line; returns the program's printable name.
pub(super) fn announce(args: &ExecArgs, set: usize, selectors: usize, note: &str) -> String {
    let shown = program(args);
    eprintln!(
        "aws-secrets-env: loaded {} from {}; starting `{shown}`{note}",
        plural(set, "variable"),
        plural(selectors, "selector"),
    );
    shown
}

/// A status for the process to exit with: the command's own when it fits
/// an exit status (0–255), else a plain failure.
#[cfg_attr(all(unix, not(target_os = "linux")), allow(dead_code))]
pub(super) fn exit_code(code: i32) -> ExitCode {
    u8::try_from(code).map_or(ExitCode::FAILURE, ExitCode::from)
}
