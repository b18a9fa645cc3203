//! The dispatcher: each [`Format`]'s encoder, and rendering variables
//! with it (line by line, or as one document), every refusal an error that
//! names the key, never the value.

use super::dotenv::{self, Reader};
use super::format::{Format, Refusal};
use super::{docker, github_env, json, shell, systemd, yaml};
use crate::error::Error;
use crate::names::is_env_name;
use crate::secret::Variable;

/// How a format turns variables into text.
pub(super) enum Encoder {
    /// One line per variable.
    Lines(fn(&str, &str) -> Result<String, Refusal>),
    /// One document for all of them.
    Document(fn(&[Variable]) -> String),
}

impl Format {
    pub(super) fn encoder(self) -> Encoder {
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
pub(super) fn encode_line(
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
