//! The formats' vocabulary, which every encoder and the dispatcher share:
//! [`Format`], an encoder's [`Refusal`], and the refusals more than one
//! encoder makes.

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

pub(super) const NONCHARACTER: Refusal = Refusal {
    reason: "contains a Unicode noncharacter (U+FDD0–U+FDEF, U+FFFE, U+FFFF…), which systemd rejects",
    suggest: "`--format shell` or `--format json`",
};

/// No environment variable can hold NUL: execve takes C strings.
pub(super) const NUL: Refusal = Refusal {
    reason: "contains a NUL character, which no environment variable can hold",
    suggest: "`--format json`",
};
