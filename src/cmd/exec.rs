//! `exec`: load the selected values into the environment and replace this
//! process with the command (execve on Unix: same PID, signals go straight to
//! it, its exit status is the container's). Nothing is written to disk.

use super::plural;
use crate::cli::ExecArgs;
use crate::error::{Error, sanitize};
use crate::load::load;
use crate::names::{Destination, refuse_for};
use std::process::Command;

/// Loads, then execs. Returns only on failure; on Windows it exits with the
/// child's exit code.
pub(crate) fn run(args: &ExecArgs) -> Result<(), Error> {
    let config = super::config(&args.load)?;
    let variables = load(&config)?;
    refuse_for(Destination::Command, &variables, &config.allow, &[])?;
    crate::write::payloads(&variables)?;
    let (program, rest) = args.command.split_first().expect("clap requires a command");
    let mut command = Command::new(program);
    command.args(rest);
    // The selectors are configuration of this step, not of the program.
    command.env_remove("AWS_SECRETS_ENV_SECRET_ID");
    let mut set = 0;
    for v in &variables {
        if args.keep_existing && std::env::var_os(&v.name).is_some() {
            continue;
        }
        command.env(&v.name, v.value.expose());
        set += 1;
    }
    let shown = sanitize(&program.to_string_lossy());
    eprintln!(
        "aws-secrets-env: loaded {} from {}; starting `{shown}`",
        plural(set, "variable"),
        plural(config.selectors.len(), "selector"),
    );
    replace_process(command, shown)
}

#[cfg(unix)]
fn replace_process(mut command: Command, program: String) -> Result<(), Error> {
    use std::os::unix::process::CommandExt;
    // Only returns if execve failed.
    let source = command.exec();
    Err(Error::Exec { program, source })
}

#[cfg(not(unix))]
fn replace_process(mut command: Command, program: String) -> Result<(), Error> {
    // No execve on Windows: run the program as a child and pass its exit
    // code through.
    let status = command
        .status()
        .map_err(|source| Error::Exec { program, source })?;
    std::process::exit(status.code().unwrap_or(1));
}
