//! The command line: clap derive definitions; every flag can also come from an
//! `AWS_SECRETS_ENV_*` environment variable (how the Action and containers pass them).

use crate::fetch::credentials::session_char;
use crate::flatten::ParseJson;
use crate::names::NameTransformation;
use crate::render::Format;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Load AWS Secrets Manager secrets into an env file that its real consumer
/// reads back exactly, masking every value in CI logs.
#[derive(Debug, Parser)]
#[command(name = "aws-secrets-env", version, about, long_about = None)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Fetch secrets and write them to an env file (or standard output).
    Write(WriteArgs),
    /// Fetch secrets into the environment and replace this process with
    /// COMMAND (a container entrypoint): `exec [OPTIONS] -- COMMAND [ARGS]...`.
    Exec(ExecArgs),
}

/// What to load and how to name and mask it: shared by `write` and `exec`.
#[derive(Debug, clap::Args)]
pub(crate) struct LoadArgs {
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
    /// `GITHUB_ACTIONS=true`. `true`/`false` are accepted for always/never.
    #[arg(long, value_enum, default_value_t = Mask::Auto, env = "AWS_SECRETS_ENV_MASK")]
    pub mask: Mask,

    /// Split JSON object secrets into one variable per key. `auto`: when the
    /// `SecretString` is a JSON object; `always`: refuse anything else; `never`:
    /// keep the whole `SecretString` as one variable.
    #[arg(long, value_enum, default_value_t = ParseJson::Auto, env = "AWS_SECRETS_ENV_PARSE_JSON")]
    pub parse_json: ParseJson,

    /// Read `--secret-id` and name the variables as another tool does:
    /// `official` as aws-actions/aws-secretsmanager-get-secrets (`secret-ids`
    /// lines `[ALIAS, ]ID` or `PREFIX*`, JSON keys under the secret's name;
    /// `--parse-json never` for its `parse-json-secrets: false`).
    #[arg(long, value_enum, default_value_t = Compat::None, env = "AWS_SECRETS_ENV_COMPAT")]
    pub compat: Compat,

    /// Change the case of every variable name.
    #[arg(long, value_enum, default_value_t = NameTransformation::None, env = "AWS_SECRETS_ENV_NAME_TRANSFORMATION")]
    pub name_transformation: NameTransformation,

    /// Limit the names that `--export-env`, `--format github-env` and `exec`
    /// may set to these patterns (`DB_*,API_TOKEN`; `*` is the only
    /// wildcard). Repeatable; commas, spaces or line breaks separate.
    #[arg(long, value_name = "PATTERNS", env = "AWS_SECRETS_ENV_ALLOW_NAMES")]
    pub(crate) allow_names: Vec<String>,

    /// AWS region; otherwise the SDK's default chain (`AWS_REGION`, profile, IMDS).
    #[arg(long, value_name = "REGION", env = "AWS_SECRETS_ENV_REGION")]
    pub region: Option<String>,

    /// Write a secret stored as `SecretBinary` as base64 text (otherwise such a
    /// secret is an error).
    #[arg(long, env = "AWS_SECRETS_ENV_BINARY_BASE64", action = clap::ArgAction::Set,
          num_args = 0..=1, default_value_t = false, default_missing_value = "true",
          value_parser = clap::builder::BoolishValueParser::new(),
          conflicts_with = "binary_dir")]
    pub binary_base64: bool,

    /// Write each secret stored as `SecretBinary` raw to DIR/NAME (mode 0600);
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

    /// Where to read a secret's replica when its own region has an outage
    /// (no answer, a timeout, a 5xx, throttling after the retries): these
    /// regions, in order (comma-separated or repeated). Never after a 4xx
    /// (missing, denied, deleted). Secrets Manager only: SSM parameters are
    /// read from their own region.
    #[arg(long = "fallback-region", value_name = "REGION", value_delimiter = ',',
          env = "AWS_SECRETS_ENV_FALLBACK_REGION", value_parser = region_name)]
    pub fallback_regions: Vec<String>,

    /// Assume this IAM role for every call (the action's `role-to-assume`):
    /// with the credentials the SDK finds, or, where it finds none, with the
    /// GitHub Actions job's OIDC token (`permissions: id-token: write`). The
    /// role's temporary credentials stay in this process.
    #[arg(long, value_name = "ARN", env = "AWS_SECRETS_ENV_ROLE_ARN", value_parser = role_arn)]
    pub role_arn: Option<String>,

    /// The role session's name, as `CloudTrail` shows it. Default: under
    /// GitHub Actions `OWNER-REPO@RUN_ID`, else `aws-secrets-env`.
    #[arg(long, value_name = "NAME", env = "AWS_SECRETS_ENV_ROLE_SESSION_NAME",
          requires = "role_arn", value_parser = session_name)]
    pub role_session_name: Option<String>,

    /// Seconds the role's credentials last, 900 to 43200 (the role's maximum
    /// session duration must allow it); they are renewed before they expire.
    #[arg(long, value_name = "SECONDS", default_value_t = 900, env = "AWS_SECRETS_ENV_ROLE_DURATION",
          requires = "role_arn", value_parser = clap::value_parser!(u32).range(900..=43200))]
    pub role_duration: u32,

    /// The external id that the role's trust policy requires (`AssumeRole`
    /// with credentials only; an OIDC token carries none).
    #[arg(long, value_name = "ID", env = "AWS_SECRETS_ENV_ROLE_EXTERNAL_ID",
          requires = "role_arn", value_parser = external_id)]
    pub role_external_id: Option<String>,
}

/// `--fallback-region`: an AWS region's name (`eu-west-1`).
fn region_name(text: &str) -> Result<String, String> {
    let parts: Vec<&str> = text.split('-').collect();
    let ok = parts.len() >= 3
        && parts[0].len() >= 2
        && parts.iter().all(|p| !p.is_empty())
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit());
    if ok {
        Ok(text.to_string())
    } else {
        Err("expected an AWS region name such as eu-west-1".into())
    }
}

/// `--role-arn`: an IAM role's ARN.
fn role_arn(text: &str) -> Result<String, String> {
    let fields: Vec<&str> = text.splitn(6, ':').collect();
    match fields.as_slice() {
        ["arn", partition, "iam", "", account, resource]
            if !partition.is_empty()
                && account.len() == 12
                && account.bytes().all(|b| b.is_ascii_digit())
                && resource
                    .strip_prefix("role/")
                    .is_some_and(|n| !n.is_empty()) =>
        {
            Ok(text.to_string())
        }
        _ => Err("expected a role ARN: arn:aws:iam::ACCOUNT_ID:role/NAME".into()),
    }
}

/// `--role-session-name`: 2 to 64 of `A-Z a-z 0-9 + = , . @ _ -`.
fn session_name(text: &str) -> Result<String, String> {
    if (2..=64).contains(&text.len()) && text.chars().all(session_char) {
        Ok(text.to_string())
    } else {
        Err("expected 2 to 64 characters, each a letter, a digit or one of + = , . @ _ -".into())
    }
}

/// `--role-external-id`: 2 to 1224 of `A-Z a-z 0-9 + = , . @ _ - : /`.
fn external_id(text: &str) -> Result<String, String> {
    if (2..=1224).contains(&text.len()) && text.chars().all(|c| session_char(c) || ":/".contains(c))
    {
        Ok(text.to_string())
    } else {
        Err(
            "expected 2 to 1224 characters, each a letter, a digit or one of + = , . @ _ - : /"
                .into(),
        )
    }
}

fn positive_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if s > 0.0 && s <= 3600.0 => Ok(s),
        _ => Err("expected a number of seconds above 0 and at most 3600".into()),
    }
}

/// `--mode`: octal permissions that let the owner read, and group and
/// others read at most (no write, no execute, no set-id or sticky bit).
fn file_mode(text: &str) -> Result<u32, String> {
    let digits = text.strip_prefix("0o").unwrap_or(text);
    let mode = match digits.len() {
        3 | 4 => u32::from_str_radix(digits, 8).ok(),
        _ => None,
    };
    match mode {
        Some(mode) if mode & !0o644 == 0 && mode & 0o400 != 0 => Ok(mode),
        Some(_) => Err(
            "the owner must read the file, and group and others may only read it \
             (no write, no execute bit): 0600, 0640, 0644, 0400, 0440 or 0444"
                .into(),
        ),
        None => Err(
            "expected octal permissions such as 0600 or 0640 (in a workflow, quote \
             it: mode: '0640')"
                .into(),
        ),
    }
}

#[derive(Debug, clap::Args)]
pub(crate) struct WriteArgs {
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
    /// `NODE_OPTIONS`, GITHUB_*…) to a plain file anyway. Never for
    /// `github-env`, `--export-env` or `exec`.
    #[arg(long, env = "AWS_SECRETS_ENV_ALLOW_RESERVED_NAMES", action = clap::ArgAction::Set,
          num_args = 0..=1, default_value_t = false, default_missing_value = "true",
          value_parser = clap::builder::BoolishValueParser::new())]
    pub allow_reserved_names: bool,

    /// With `--export-env`: replace these variables (patterns as in
    /// `--allow-names`) even though the step's environment already has them;
    /// any other existing name is refused.
    #[arg(long, value_name = "PATTERNS", env = "AWS_SECRETS_ENV_OVERWRITE")]
    pub(crate) overwrite: Vec<String>,

    /// Write through a symlink that is the output's last component (to the
    /// file it points to), and read `--base`/`--example` through one. Off:
    /// such a link is refused, so a committed `app.env` link cannot send the
    /// secrets elsewhere, nor copy another file into the output.
    #[arg(long, env = "AWS_SECRETS_ENV_FOLLOW_SYMLINKS", action = clap::ArgAction::Set,
          num_args = 0..=1, default_value_t = false, default_missing_value = "true",
          value_parser = clap::builder::BoolishValueParser::new())]
    pub(crate) follow_symlinks: bool,

    /// Where the output cannot be replaced by a rename (a bind-mounted file,
    /// a read-only directory), overwrite the file in place: not atomic, and
    /// the file keeps its mode. Off: refused with an explanation.
    #[arg(long, env = "AWS_SECRETS_ENV_IN_PLACE", action = clap::ArgAction::Set,
          num_args = 0..=1, default_value_t = false, default_missing_value = "true",
          value_parser = clap::builder::BoolishValueParser::new())]
    pub(crate) in_place: bool,

    /// Permissions of the files written (the output, `--binary-dir` files),
    /// octal: the owner reads (and may write), group and others may only
    /// read: 0600, 0640, 0644, 0400, 0440, 0444. Set when the file is
    /// created, before any byte is written; `--in-place` keeps the file's.
    #[arg(long, value_name = "OCTAL", env = "AWS_SECRETS_ENV_MODE", default_value = "0600",
          value_parser = file_mode)]
    pub(crate) mode: u32,

    /// Under GitHub Actions, write (and read `--base`/`--example`) outside
    /// `GITHUB_WORKSPACE` and `RUNNER_TEMP` too (after following symlinks).
    /// Off: refused.
    #[arg(long, env = "AWS_SECRETS_ENV_ALLOW_OUTSIDE_WORKSPACE", action = clap::ArgAction::Set,
          num_args = 0..=1, default_value_t = false, default_missing_value = "true",
          value_parser = clap::builder::BoolishValueParser::new())]
    pub(crate) allow_outside_workspace: bool,

    /// Write no file (with `--export-env`: only later steps get the variables).
    #[arg(long, env = "AWS_SECRETS_ENV_NO_FILE", action = clap::ArgAction::Set, conflicts_with = "output",
          num_args = 0..=1, default_value_t = false, default_missing_value = "true",
          value_parser = clap::builder::BoolishValueParser::new())]
    pub no_file: bool,

    /// Start from this env file: replace only the values of the keys a secret
    /// provides, keep every other byte, append the keys it lacks. Read with
    /// the output format's grammar (dotenv, shell, docker, systemd).
    #[arg(long, value_name = "FILE", env = "AWS_SECRETS_ENV_BASE")]
    pub base: Option<PathBuf>,

    /// The keys the application needs (values ignored): each must come from
    /// a secret or the base, or the run fails and writes nothing.
    #[arg(long, value_name = "FILE", env = "AWS_SECRETS_ENV_EXAMPLE")]
    pub example: Option<PathBuf>,

    /// Fetch and check as usual, write nothing, and print the plan: each
    /// variable, whether it is added, kept or removed, and its source. Never
    /// a value.
    #[arg(long, env = "AWS_SECRETS_ENV_DRY_RUN", action = clap::ArgAction::Set,
          num_args = 0..=1, default_value_t = false, default_missing_value = "true",
          value_parser = clap::builder::BoolishValueParser::new())]
    pub dry_run: bool,

    /// With --dry-run, compare values too: a kept variable is shown as
    /// changed or unchanged. This tells whoever controls the current file and
    /// reads the output whether a guessed value is right: use it only where
    /// both are trusted (not in a public log).
    #[arg(long, env = "AWS_SECRETS_ENV_COMPARE_VALUES", action = clap::ArgAction::Set,
          num_args = 0..=1, default_value_t = false, default_missing_value = "true",
          value_parser = clap::builder::BoolishValueParser::new())]
    pub compare_values: bool,

    /// Also export every variable to later workflow steps through `$GITHUB_ENV`.
    #[arg(long, env = "AWS_SECRETS_ENV_EXPORT_ENV", action = clap::ArgAction::Set,
          num_args = 0..=1, default_value_t = false, default_missing_value = "true",
          value_parser = export_env_value)]
    pub export_env: bool,
}

#[derive(Debug, clap::Args)]
pub(crate) struct ExecArgs {
    #[command(flatten)]
    pub load: LoadArgs,

    /// Keep variables that are already set in the environment instead of
    /// replacing them with the loaded values (the default replaces them).
    #[arg(long, env = "AWS_SECRETS_ENV_KEEP_EXISTING", action = clap::ArgAction::Set,
          num_args = 0..=1, default_value_t = false, default_missing_value = "true",
          value_parser = clap::builder::BoolishValueParser::new())]
    pub keep_existing: bool,

    /// Supervise COMMAND as a child instead of replacing this process, and
    /// check every SECONDS (300 if no value is given; 0.5 at least,
    /// fractions allowed; each wait ±20% at random) whether a selected
    /// secret or parameter changed.
    #[arg(long, value_name = "SECONDS", env = "AWS_SECRETS_ENV_WATCH",
          num_args = 0..=1, default_missing_value = "300", value_parser = watch_seconds)]
    pub watch: Option<f64>,

    /// With `--watch`, what a change does: `restart` COMMAND with the new
    /// values, or `exit` with status 75 so the orchestrator restarts the task.
    #[arg(long, value_enum, value_name = "ACTION", default_value_t = OnChange::Restart,
          env = "AWS_SECRETS_ENV_ON_CHANGE", requires = "watch")]
    pub on_change: OnChange,

    /// With `--watch`, seconds between SIGTERM and SIGKILL when COMMAND is
    /// stopped for a change.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0, env = "AWS_SECRETS_ENV_STOP_TIMEOUT",
          requires = "watch", value_parser = stop_seconds)]
    pub stop_timeout: f64,

    /// The program to run and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<std::ffi::OsString>,
}

/// Whose input and naming rules `--secret-id` follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Compat {
    None,
    Official,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Mask {
    Auto,
    #[value(alias = "true")]
    Always,
    #[value(alias = "false")]
    Never,
}

/// `--on-change`: what `exec --watch` does when a value changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OnChange {
    /// Stop the command (SIGTERM, `--stop-timeout`, SIGKILL) and start it
    /// again with the new values.
    Restart,
    /// Stop the command and exit with [`CHANGED_EXIT`].
    Exit,
}

/// `--export-env`: the booleans clap's `BoolishValueParser` takes, and for
/// `only` (the action's spelling) the command-line form that does it.
fn export_env_value(text: &str) -> Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "y" | "yes" | "t" | "true" | "on" | "1" => Ok(true),
        "n" | "no" | "f" | "false" | "off" | "0" => Ok(false),
        "only" => Err(
            "`only` is the action's `export-env: only`; on the command line give \
                       `--export-env --no-file` (export to later steps, write no file)"
                .into(),
        ),
        _ => Err("value was not a boolean (true or false)".into()),
    }
}

/// `--watch`: from 0.5 s to a day.
pub(crate) fn watch_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if (0.5..=86_400.0).contains(&s) => Ok(s),
        _ => Err("expected a number of seconds from 0.5 to 86400".into()),
    }
}

/// `--stop-timeout`: from 0 (SIGKILL at once) to an hour.
pub(crate) fn stop_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if (0.0..=3600.0).contains(&s) => Ok(s),
        _ => Err("expected a number of seconds from 0 to 3600".into()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn file_modes_read_only_beyond_the_owner() {
        for ok in [
            "0600", "600", "0640", "0644", "0400", "0440", "0444", "0o640",
        ] {
            assert!(super::file_mode(ok).is_ok(), "{ok}");
        }
        for bad in [
            "0666", "0700", "0755", "0602", "0620", "0044", "4600", "1600", "0000",
        ] {
            assert!(
                super::file_mode(bad)
                    .unwrap_err()
                    .starts_with("the owner must"),
                "{bad}"
            );
        }
        for bad in ["", "640a", "0x1a4", "06400", "64", "0640 "] {
            assert!(
                super::file_mode(bad)
                    .unwrap_err()
                    .starts_with("expected octal"),
                "{bad}"
            );
        }
    }

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

    #[test]
    fn export_env_only_points_to_no_file() {
        let err = Cli::try_parse_from([
            "aws-secrets-env",
            "write",
            "--secret-id",
            "x",
            "--export-env=only",
        ])
        .unwrap_err()
        .to_string();
        assert_eq!(
            err.lines().next().unwrap(),
            "error: invalid value 'only' for '--export-env [<EXPORT_ENV>]': \
             `only` is the action's `export-env: only`; on the command line give \
             `--export-env --no-file` (export to later steps, write no file)"
        );
        for (text, want) in [
            ("true", true),
            ("yes", true),
            ("On", true),
            ("0", false),
            ("off", false),
        ] {
            let cli = Cli::try_parse_from(
                ["aws-secrets-env", "write", "--secret-id", "x"]
                    .into_iter()
                    .chain([format!("--export-env={text}").as_str()]),
            )
            .unwrap();
            let Command::Write(args) = cli.command else {
                panic!("write expected")
            };
            assert_eq!(args.export_env, want, "{text}");
        }
    }
}

/// The README's option tables of `write` and `exec --watch`, and the flags the
/// `exec` section names, are checked against these definitions, so the
/// documentation cannot drift from the CLI; so are its install facts (release
/// targets, minimum Rust version) and the action's inputs.
#[cfg(test)]
mod readme {
    use super::*;
    use clap::CommandFactory;

    const README: &str = include_str!("../README.md");

    /// The README's text from `heading` to the next heading of any level.
    fn section(heading: &str) -> &'static str {
        let rest = README
            .split(heading)
            .nth(1)
            .unwrap_or_else(|| panic!("README has a `{heading}` section"));
        let end = rest
            .match_indices("\n#")
            .map(|(i, _)| i)
            .find(|&i| in_text(rest, i))
            .unwrap_or(rest.len());
        &rest[..end]
    }

    /// Whether byte `i` of `text` lies outside a fenced code block.
    fn in_text(text: &str, i: usize) -> bool {
        text[..i].matches("\n```").count().is_multiple_of(2)
    }

    /// `--flag` → the README row's cells, from the first table under `heading`.
    fn rows(heading: &str) -> Vec<(String, Vec<String>)> {
        section(heading)
            .lines()
            .skip_while(|l| !l.starts_with('|'))
            .take_while(|l| l.starts_with('|'))
            .filter(|l| l.starts_with("| `--"))
            .map(|l| {
                let cells: Vec<String> = l
                    .trim_matches('|')
                    .split(" | ")
                    .map(|c| c.trim().to_string())
                    .collect();
                let flag = cells[0]
                    .trim_start_matches('`')
                    .split(['`', ' ', '[', '='])
                    .next()
                    .unwrap()
                    .to_string();
                (flag, cells)
            })
            .collect()
    }

    #[test]
    fn write_options_table_matches_the_cli() {
        let cli = Cli::command();
        let write = cli.find_subcommand("write").unwrap();
        let rows = rows("### Options of `write`");
        let mut documented: Vec<&str> = rows.iter().map(|(f, _)| f.as_str()).collect();
        documented.sort_unstable();
        let mut defined: Vec<String> = write
            .get_arguments()
            .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
            .filter(|l| l != "--help")
            .collect();
        defined.sort_unstable();
        assert_eq!(documented, defined, "README rows vs write's flags");
        for (flag, cells) in &rows {
            let arg = write
                .get_arguments()
                .find(|a| a.get_long().is_some_and(|l| flag == &format!("--{l}")))
                .unwrap();
            let env = arg.get_env().unwrap().to_string_lossy();
            assert_eq!(cells[1], format!("`{env}`"), "{flag}: environment variable");
            if let Some(default) = arg.get_default_values().first() {
                let default = default.to_string_lossy();
                let default = default.trim_end_matches(".0");
                assert_eq!(cells[2], format!("`{default}`"), "{flag}: default");
            }
            for value in arg.get_possible_values() {
                if !value.is_hide_set() && !matches!(value.get_name(), "true" | "false") {
                    assert!(
                        cells[3].contains(&format!("`{}`", value.get_name())),
                        "{flag}: README does not list `{}`",
                        value.get_name()
                    );
                }
            }
        }
    }

    /// Every flag of `exec` is documented: in the `write` table with the same
    /// variable (the options they share), in the `--watch` table with its
    /// variable and default, or by name and variable in the `exec` section.
    #[test]
    fn exec_flags_are_documented() {
        let cli = Cli::command();
        let exec = cli.find_subcommand("exec").unwrap();
        let shared = rows("### Options of `write`");
        let watch = rows("### Surviving rotation: `exec --watch`");
        let text = section("## Container entrypoint: `exec`");
        for arg in exec.get_arguments() {
            let Some(long) = arg.get_long() else { continue };
            if long == "help" {
                continue;
            }
            let flag = format!("--{long}");
            let env = arg
                .get_env()
                .map(|e| format!("`{}`", e.to_string_lossy()))
                .unwrap_or_default();
            let row = watch.iter().chain(&shared).find(|(f, _)| *f == flag);
            if let Some((_, cells)) = row {
                assert_eq!(cells[1], env, "{flag}: environment variable");
                let default = arg
                    .get_default_values()
                    .first()
                    .map(|d| d.to_string_lossy());
                if let (true, Some(default)) = (watch.iter().any(|(f, _)| *f == flag), default) {
                    let default = format!("`{}`", default.trim_end_matches(".0"));
                    assert!(cells[2].contains(&default), "{flag}: default");
                }
            } else {
                assert!(
                    text.contains(&format!("`{flag}`")),
                    "README's exec section does not name {flag}"
                );
                let name = env.trim_matches('`');
                assert!(
                    text.contains(name),
                    "README's exec section does not name {name}"
                );
            }
        }
        // And nothing documented for --watch that exec does not have.
        for (flag, _) in &watch {
            assert!(
                exec.get_arguments()
                    .any(|a| a.get_long().is_some_and(|l| flag == &format!("--{l}"))),
                "README documents {flag}, which exec does not define"
            );
        }
    }

    /// Every release target of `dist/manifest.json` is in the README's
    /// platform table, and the minimum Rust version is `Cargo.toml`'s.
    #[test]
    fn install_section_matches_the_manifest_and_cargo_toml() {
        let manifest: serde_json::Value =
            serde_json::from_str(include_str!("../dist/manifest.json")).unwrap();
        let targets = manifest["assets"].as_object().unwrap();
        assert!(!targets.is_empty(), "dist/manifest.json lists no targets");
        let platforms = section("### Supported platforms");
        for target in targets.keys() {
            assert!(
                platforms.contains(&format!("`{target}`")),
                "README's supported platforms lack {target}"
            );
        }
        let msrv = include_str!("../Cargo.toml")
            .lines()
            .find_map(|l| l.strip_prefix("rust-version = "))
            .expect("Cargo.toml has a rust-version")
            .trim_matches('"');
        assert!(
            section("### Minimum Rust version").contains(&format!("Rust **{msrv}**")),
            "README's minimum Rust version is not {msrv}"
        );
    }

    /// Every input of `action.yml` is named in the README's table of inputs,
    /// and the table names no input the action lacks.
    #[test]
    fn action_inputs_are_all_in_the_readme() {
        let action = include_str!("../action.yml");
        let inputs: Vec<&str> = action
            .split("\ninputs:\n")
            .nth(1)
            .and_then(|rest| rest.split("\noutputs:\n").next())
            .expect("action.yml has inputs: then outputs:")
            .lines()
            .filter_map(|l| l.strip_prefix("  ")?.strip_suffix(':'))
            .filter(|name| !name.starts_with(' '))
            .collect();
        assert!(!inputs.is_empty());
        let table = section("## GitHub Action")
            .lines()
            .skip_while(|l| !l.starts_with("| what to load"))
            .take_while(|l| l.starts_with('|'))
            .collect::<Vec<_>>()
            .join("\n");
        for input in &inputs {
            assert!(
                table.contains(&format!("`{input}`")),
                "README's action inputs lack `{input}`"
            );
        }
        let named: Vec<&str> = table
            .split('`')
            .skip(1)
            .step_by(2)
            .filter(|w| w.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
            .collect();
        for name in named {
            assert!(
                inputs.contains(&name),
                "README names an action input `{name}` that action.yml lacks"
            );
        }
    }
}
