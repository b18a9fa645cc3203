//! The `aws-secrets-env` binary: everything lives in the library, which
//! returns the exit status; only here does the process exit.

fn main() -> std::process::ExitCode {
    aws_secrets_env::run(std::env::args_os())
}
