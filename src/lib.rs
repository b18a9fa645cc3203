//! aws-secrets-env: AWS secrets into env files their consumers read back
//! exactly. The data path: cli → cmd (write, exec) → load → select → fetch →
//! flatten → mask → render → write, over error, secret, names and github.
//! Without the default `aws` feature only the pure parts build (fuzzing).
#![cfg_attr(not(feature = "aws"), allow(dead_code))]

#[cfg(feature = "aws")]
mod cli;
#[cfg(feature = "aws")]
mod cmd;
mod compat;
pub mod error;
#[cfg(feature = "aws")]
mod fetch;
pub mod flatten;
mod github;
#[cfg(feature = "aws")]
mod load;
#[cfg(feature = "aws")]
mod mask;
pub mod names;
/// Seeded generated passwords for the unit tests (shared with tests/).
#[cfg(test)]
#[path = "../tests/common/passwords.rs"]
mod passwords;
pub mod render;
pub mod secret;
pub mod select;
#[cfg(feature = "aws")]
mod write;

#[cfg(feature = "aws")]
pub use run::run;

#[cfg(feature = "aws")]
mod run {
    use crate::cli::{Cli, Command};
    use crate::error::{Error, sanitize};
    use crate::{cmd, github};
    use clap::Parser;
    use std::ffi::OsString;
    use std::process::ExitCode;

    /// Parses `args` (the program's name first) and runs them, returning the
    /// exit status: 0, 1, 2 (usage), 126/127 (exec), the command's own for
    /// `exec --watch`. It never exits the process: `main` does.
    #[must_use]
    pub fn run<I, T>(args: I) -> ExitCode
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        let cli = match Cli::try_parse_from(args) {
            Ok(cli) => cli,
            Err(e) => {
                let _ = e.print();
                if !e.use_stderr() {
                    return ExitCode::SUCCESS; // --help, --version
                }
                if e.kind() == clap::error::ErrorKind::MissingRequiredArgument
                    && missing_selector(&e)
                {
                    eprintln!(
                        "aws-secrets-env: the selectors can also come from \
                         AWS_SECRETS_ENV_SECRET_ID (one per line), e.g. in a container's environment"
                    );
                }
                github::annotate_usage(&e.to_string());
                return ExitCode::from(2);
            }
        };
        match cli.command {
            Command::Write(args) => cmd::write::run(&args).map(|()| ExitCode::SUCCESS),
            Command::Exec(args) => cmd::exec::run(&args),
        }
        .unwrap_or_else(|err| report(&err))
    }

    /// Whether `--secret-id` is among the arguments a usage error says are
    /// missing (not merely in its usage line, which names it whenever
    /// another argument is missing).
    fn missing_selector(e: &clap::Error) -> bool {
        use clap::error::{ContextKind, ContextValue};
        match e.get(ContextKind::InvalidArg) {
            Some(ContextValue::Strings(missing)) => {
                missing.iter().any(|arg| arg.starts_with("--secret-id"))
            }
            Some(ContextValue::String(arg)) => arg.starts_with("--secret-id"),
            _ => false,
        }
    }

    /// Each error on a line of its own, and as an annotation under Actions.
    fn report(err: &Error) -> ExitCode {
        for e in err.flatten() {
            // Outside text (ids, JSON keys) is in the message: one line, no `::`.
            eprintln!("aws-secrets-env: error: {}", sanitize(&e.to_string()));
            github::line_ended(github::Stream::Stderr);
            github::annotate_error(e);
        }
        ExitCode::from(err.exit_code())
    }

    #[cfg(test)]
    mod tests {
        use super::run;
        use std::process::ExitCode;

        #[test]
        fn run_returns_its_status_and_can_be_called_again() {
            let bad = ["aws-secrets-env", "write", "--format", "no-such-format"];
            assert_eq!(run(bad), ExitCode::from(2));
            assert_eq!(run(bad), ExitCode::from(2));
            assert_eq!(run(["aws-secrets-env", "--version"]), ExitCode::SUCCESS);
        }
    }
}
