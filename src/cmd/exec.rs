//! `exec`: load the selected values into the environment and replace this
//! process with the command (execve on Unix: same PID, signals go straight to
//! it, its exit status is the container's). Nothing is written to disk.
//! With `--watch` (Linux) the command runs as a child of a supervisor that
//! restarts it when a value changes (`exec/supervise.rs`).

mod child;
mod limits;
#[cfg(target_os = "linux")]
mod signals;
#[cfg(target_os = "linux")]
mod supervise;
#[cfg(target_os = "linux")]
mod watch;

use crate::cli::ExecArgs;
use crate::error::Error;
use crate::load::load;
use child::{announce, command, environment, program};
use std::process::{Command, ExitCode};

/// Loads, then execs: on Unix returns only on failure; on Windows, and with
/// `--watch`, returns the status to exit with.
pub(crate) fn run(args: &ExecArgs) -> Result<ExitCode, Error> {
    let started = std::time::Instant::now();
    let config = super::config(&args.load)?;
    if args.watch.is_some() {
        #[cfg(target_os = "linux")]
        return supervise::run(args, config);
        #[cfg(not(target_os = "linux"))]
        return Err(Error::Usage(
            "--watch supervises the command with Linux signals and is available on Linux only"
                .into(),
        ));
    }
    let variables = load(&config)?;
    let variables = super::for_command(&variables, &config)?;
    crate::write::payloads(&variables, started + config.limits.total)?;
    let variables = environment(args.keep_existing, variables);
    limits::check(&program(args), &args.command, &variables)?;
    let command = command(args, &variables);
    let shown = announce(args, variables.len(), config.selectors.len(), "");
    replace_process(command, shown)
}

#[cfg(unix)]
fn replace_process(mut command: Command, program: String) -> Result<ExitCode, Error> {
    use std::os::unix::process::CommandExt;
    // Only returns if execve failed.
    let source = command.exec();
    Err(Error::Exec { program, source })
}

#[cfg(not(unix))]
fn replace_process(mut command: Command, program: String) -> Result<ExitCode, Error> {
    // No execve on Windows: run the program as a child and pass its exit
    // code through.
    let status = command
        .status()
        .map_err(|source| Error::Exec { program, source })?;
    Ok(child::exit_code(status.code().unwrap_or(1)))
}

#[cfg(test)]
mod tests {
    use crate::cli::{Cli, Command};
    use clap::Parser;

    fn exec(args: &[&str]) -> Result<crate::cli::ExecArgs, clap::Error> {
        let head = ["aws-secrets-env", "exec", "--secret-id", "x"];
        let cli = Cli::try_parse_from(head.iter().chain(args))?;
        let Command::Exec(args) = cli.command else {
            panic!("exec expected")
        };
        Ok(args)
    }

    #[test]
    fn watch_takes_an_optional_interval_before_the_command() {
        let args = exec(&["--watch", "--", "app"]).unwrap();
        assert_eq!((args.watch, args.command.len()), (Some(300.0), 1));
        let args = exec(&["--watch", "0.5", "--stop-timeout", "0", "--", "app"]).unwrap();
        assert_eq!((args.watch, args.stop_timeout), (Some(0.5), 0.0));
        assert_eq!(exec(&["--", "app"]).unwrap().watch, None);
        assert!(exec(&["--watch", "0.4", "--", "app"]).is_err());
        assert!(exec(&["--on-change", "exit", "--", "app"]).is_err());
        assert!(exec(&["--stop-timeout", "3", "--", "app"]).is_err());
    }
}
