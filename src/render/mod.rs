//! Rendering: variables into the bytes of one output format. Each encoder
//! either writes a value so its consumers read back exactly those bytes, or
//! refuses it — naming the key and the reason, never the value. Adding a
//! format: a file beside this one, a [`Format`] variant, and its arm in
//! [`Format::encoder`].

mod base;
mod current;
mod docker;
mod dotenv;
mod github_env;
mod json;
mod shell;
mod systemd;
mod yaml;

use crate::error::Error;
use crate::names::is_env_name;
use crate::secret::Variable;

pub use base::{APPENDED, EnvFile, LineError, has_grammar};
pub use current::comparable;
pub use dotenv::Reader;

/// The output formats; `--format` takes their names (the clap value names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
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

/// How a format turns variables into text.
enum Encoder {
    /// One line per variable.
    Lines(fn(&str, &str) -> Result<String, Refusal>),
    /// One document for all of them.
    Document(fn(&[Variable]) -> String),
}

impl Format {
    /// The name `--format` takes and messages use.
    #[must_use]
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

    /// Every format, in `--help` order.
    #[must_use]
    pub fn all() -> &'static [Format] {
        <Format as clap::ValueEnum>::value_variants()
    }

    fn encoder(self) -> Encoder {
        match self {
            Format::Dotenv => Encoder::Lines(dotenv::line),
            Format::Shell => Encoder::Lines(shell::line),
            Format::Json => Encoder::Document(json::document),
            Format::Docker => Encoder::Lines(docker::line),
            Format::Systemd => Encoder::Lines(systemd::line),
            Format::Yaml => Encoder::Document(yaml::document),
            Format::GithubEnv => Encoder::Lines(github_env::line),
        }
    }
}

/// Renders every variable in `format`. The result is UTF-8 with LF line ends
/// and a final newline (when there is any line at all).
/// `readers`: who reads a `dotenv` file (`--reader`; empty: the default
/// set); the other formats have one reader each and take `&[]`.
pub fn render(
    format: Format,
    variables: &[Variable],
    readers: &[Reader],
) -> Result<Vec<u8>, Error> {
    for v in variables {
        // Names are made valid upstream; an invalid one here is a bug, not input.
        assert!(
            is_env_name(&v.name),
            "invalid variable name reached the renderer"
        );
    }
    let text = match format.encoder() {
        Encoder::Lines(encode) => lines(variables, format, encode, readers)?,
        Encoder::Document(document) => document(variables),
    };
    Ok(text.into_bytes())
}

/// One line per variable, each ending in LF.
fn lines(
    variables: &[Variable],
    format: Format,
    encode: fn(&str, &str) -> Result<String, Refusal>,
    readers: &[Reader],
) -> Result<String, Error> {
    let mut out = String::new();
    for v in variables {
        out.push_str(&encode_line(v, format, encode, readers)?);
        out.push('\n');
    }
    Ok(out)
}

/// One variable's line, or the encoder's refusal as an error naming the key.
fn encode_line(
    v: &Variable,
    format: Format,
    encode: fn(&str, &str) -> Result<String, Refusal>,
    readers: &[Reader],
) -> Result<String, Error> {
    if format == Format::Dotenv {
        // The encoding depends on who reads the file.
        return dotenv::encode_for(v, readers);
    }
    encode(&v.name, v.value.expose()).map_err(|r| Error::Refused {
        key: v.name.clone(),
        format: format.name(),
        reason: r.reason,
        suggest: r.suggest,
    })
}

/// Why an encoder cannot carry a value, and which format can.
#[derive(Debug, PartialEq, Eq)]
pub struct Refusal {
    pub reason: &'static str,
    pub suggest: &'static str,
}

/// Unicode noncharacters (U+FDD0–U+FDEF and the last two code points of every
/// plane), which systemd's UTF-8 check rejects in an `EnvironmentFile=`
/// (found by the conformance suite).
#[must_use]
pub fn has_noncharacter(value: &str) -> bool {
    value.chars().any(|c| {
        let n = c as u32;
        (0xFDD0..=0xFDEF).contains(&n) || n & 0xFFFE == 0xFFFE
    })
}

const NONCHARACTER: Refusal = Refusal {
    reason: "contains a Unicode noncharacter (U+FDD0–U+FDEF, U+FFFE, U+FFFF…), which systemd rejects",
    suggest: "`--format shell` or `--format json`",
};

/// No environment variable can hold NUL: execve takes C strings.
const NUL: Refusal = Refusal {
    reason: "contains a NUL character, which no environment variable can hold",
    suggest: "`--format json`",
};
