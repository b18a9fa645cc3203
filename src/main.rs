//! The `aws-secrets-env` binary: everything lives in the library.

fn main() -> std::process::ExitCode {
    aws_secrets_env::main()
}
