//! The command line: clap derive definitions; every flag can also come from an
//! `AWS_SECRETS_ENV_*` environment variable (how the Action and containers pass them).

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Load AWS Secrets Manager secrets into an env file that its real consumer
/// reads back exactly, masking every value in CI logs.
#[derive(Debug, Parser)]
#[command(name = "aws-secrets-env", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fetch secrets and write them to an env file (or standard output).
    Write(WriteArgs),
    /// Fetch secrets into the environment and replace this process with
    /// COMMAND (a container entrypoint): `exec [OPTIONS] -- COMMAND [ARGS]...`.
    Exec(ExecArgs),
}

/// What to load and how to name and mask it: shared by `write` and `exec`.
#[derive(Debug, clap::Args)]
pub struct LoadArgs {
    /// What to load: `[ALIAS,]ID[:JSON_KEY[:VERSION_STAGE[:VERSION_ID]]]`, a
    /// wildcard `PREFIX*`, `ssm:NAME[:VERSION|:LABEL]` or `ssm:/PATH/`; a
    /// trailing `?` makes it optional. Repeatable; one value may hold several
    /// selectors separated by line breaks or spaces (`#` starts a comment
    /// line).
    #[arg(
        long = "secret-id",
        value_name = "SELECTOR",
        env = "AWS_SECRETS_ENV_SECRET_ID",
        required = true
    )]
    pub secret_ids: Vec<String>,

    /// Print `::add-mask::` for every value before anything else. `auto`: when
    /// GITHUB_ACTIONS=true. `true`/`false` are accepted for always/never.
    #[arg(long, value_enum, default_value_t = Mask::Auto, env = "AWS_SECRETS_ENV_MASK")]
    pub mask: Mask,

    /// Split JSON object secrets into one variable per key. `auto`: when the
    /// SecretString is a JSON object; `always`: refuse anything else; `never`:
    /// keep the whole SecretString as one variable.
    #[arg(long, value_enum, default_value_t = ParseJson::Auto, env = "AWS_SECRETS_ENV_PARSE_JSON")]
    pub parse_json: ParseJson,

    /// Change the case of every variable name.
    #[arg(long, value_enum, default_value_t = NameTransformation::None, env = "AWS_SECRETS_ENV_NAME_TRANSFORMATION")]
    pub name_transformation: NameTransformation,

    /// AWS region; otherwise the SDK's default chain (AWS_REGION, profile, IMDS).
    #[arg(long, value_name = "REGION", env = "AWS_SECRETS_ENV_REGION")]
    pub region: Option<String>,

    /// Write a secret stored as SecretBinary as base64 text (otherwise such a
    /// secret is an error).
    #[arg(long, env = "AWS_SECRETS_ENV_BINARY_BASE64", action = clap::ArgAction::Set,
          num_args = 0..=1, default_value_t = false, default_missing_value = "true",
          value_parser = clap::builder::BoolishValueParser::new(),
          conflicts_with = "binary_dir")]
    pub binary_base64: bool,

    /// Write each secret stored as SecretBinary raw to DIR/NAME (mode 0600);
    /// its variable holds that file's absolute path.
    #[arg(long, value_name = "DIR", env = "AWS_SECRETS_ENV_BINARY_DIR")]
    pub binary_dir: Option<PathBuf>,

    /// Give up on AWS after this many seconds in all (credentials, retries
    /// and every call included).
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0, env = "AWS_SECRETS_ENV_TIMEOUT",
          value_parser = positive_seconds)]
    pub timeout: f64,

    /// Seconds to wait for a connection to AWS to open.
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0, env = "AWS_SECRETS_ENV_CONNECT_TIMEOUT",
          value_parser = positive_seconds)]
    pub connect_timeout: f64,

    /// Attempts per AWS call, the first included: throttling, 5xx replies and
    /// dropped connections are retried with exponential backoff and jitter.
    #[arg(long, value_name = "N", default_value_t = 5, env = "AWS_SECRETS_ENV_MAX_ATTEMPTS",
          value_parser = clap::value_parser!(u32).range(1..=20))]
    pub max_attempts: u32,
}

fn positive_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if s > 0.0 && s <= 3600.0 => Ok(s),
        _ => Err("expected a number of seconds above 0 and at most 3600".into()),
    }
}

#[derive(Debug, clap::Args)]
pub struct WriteArgs {
    #[command(flatten)]
    pub load: LoadArgs,

    /// File to write (atomically, mode 0600); `-` writes to standard output.
    #[arg(
        long,
        short,
        value_name = "PATH",
        default_value = "app.env",
        env = "AWS_SECRETS_ENV_OUTPUT"
    )]
    pub output: PathBuf,

    /// Output format.
    #[arg(long, short, value_enum, default_value_t = Format::Dotenv, env = "AWS_SECRETS_ENV_FORMAT")]
    pub format: Format,

    /// Who reads the `dotenv` file (comma-separated): python-dotenv,
    /// node-dotenv, dotenvx, godotenv, gotenv, viper, ruby-dotenv, phpdotenv,
    /// django-environ, bash, dash, systemd, docker. Every value is written so
    /// that each of them reads it back exactly, or refused. Default: all but
    /// docker.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        value_name = "NAME,...",
        env = "AWS_SECRETS_ENV_READER"
    )]
    pub reader: Vec<crate::render::Reader>,

    /// Write variables whose names change how programs run (PATH, LD_*,
    /// NODE_OPTIONS, GITHUB_*…) to a plain file anyway. Never for
    /// `github-env`, `--export-env` or `exec`.
    #[arg(long, env = "AWS_SECRETS_ENV_ALLOW_RESERVED_NAMES", action = clap::ArgAction::Set,
          num_args = 0..=1, default_value_t = false, default_missing_value = "true",
          value_parser = clap::builder::BoolishValueParser::new())]
    pub allow_reserved_names: bool,

    /// Also export every variable to later workflow steps through `$GITHUB_ENV`.
    #[arg(long, env = "AWS_SECRETS_ENV_EXPORT_ENV", action = clap::ArgAction::Set,
          num_args = 0..=1, default_value_t = false, default_missing_value = "true",
          value_parser = clap::builder::BoolishValueParser::new())]
    pub export_env: bool,
}

#[derive(Debug, clap::Args)]
pub struct ExecArgs {
    #[command(flatten)]
    pub load: LoadArgs,

    /// Keep variables that are already set in the environment instead of
    /// replacing them with the loaded values (the default replaces them).
    #[arg(long, env = "AWS_SECRETS_ENV_KEEP_EXISTING", action = clap::ArgAction::Set,
          num_args = 0..=1, default_value_t = false, default_missing_value = "true",
          value_parser = clap::builder::BoolishValueParser::new())]
    pub keep_existing: bool,

    /// The program to run and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<std::ffi::OsString>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// `K='v'` (or `K="v"`): read identically by python-dotenv, node dotenv,
    /// godotenv, viper, dotenvy, Docker Compose, systemd, bash and dash.
    Dotenv,
    /// `export K='v'`: for `source`/`.` in bash, dash and other POSIX shells.
    Shell,
    /// One JSON object.
    Json,
    /// `K=v` raw, for `docker run --env-file`: refuses what docker cannot read.
    Docker,
    /// `K="v"` for systemd `EnvironmentFile=` (also valid POSIX shell).
    Systemd,
    /// A mapping of double-quoted scalars every YAML reader takes as strings.
    Yaml,
    /// The `$GITHUB_ENV` file syntax: a heredoc with a random delimiter per value.
    GithubEnv,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Dotenv => "dotenv",
            Format::Shell => "shell",
            Format::Json => "json",
            Format::Docker => "docker",
            Format::Systemd => "systemd",
            Format::Yaml => "yaml",
            Format::GithubEnv => "github-env",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mask {
    Auto,
    #[value(alias = "true")]
    Always,
    #[value(alias = "false")]
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ParseJson {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NameTransformation {
    None,
    Uppercase,
    Lowercase,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn definitions_are_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn mask_accepts_booleans() {
        let cli = Cli::try_parse_from([
            "aws-secrets-env",
            "write",
            "--secret-id",
            "x",
            "--mask",
            "true",
        ])
        .unwrap();
        let Command::Write(args) = cli.command else {
            panic!("write expected")
        };
        assert_eq!(args.load.mask, Mask::Always);
    }
}
