//! Rendering: variables into the bytes of one output format. Each encoder
//! either writes a value so its consumers read back exactly those bytes, or
//! refuses it — naming the key and the reason, never the value.

mod docker;
mod dotenv;
pub mod github_env;
mod json;
mod shell;
mod systemd;
mod yaml;

use crate::cli::Format;
use crate::error::Error;
use crate::flatten::Variable;
use crate::select::is_env_name;
pub use dotenv::Reader;

/// [`render`] for the readers named with `--reader` (only `dotenv` has a
/// choice of readers; an empty list means its default set).
pub fn render_for(
    format: Format,
    variables: &[Variable],
    readers: &[Reader],
) -> Result<Vec<u8>, Error> {
    if format != Format::Dotenv {
        if !readers.is_empty() {
            return Err(Error::Usage(format!(
                "--reader applies to `--format dotenv`; `--format {}` has its own reader",
                format.name()
            )));
        }
        return render(format, variables);
    }
    for v in variables {
        assert!(
            is_env_name(&v.name),
            "invalid variable name reached the renderer"
        );
    }
    Ok(dotenv::document(variables, readers)?.into_bytes())
}

/// Renders every variable in `format`. The result is UTF-8 with LF line ends
/// and a final newline (when there is any line at all).
pub fn render(format: Format, variables: &[Variable]) -> Result<Vec<u8>, Error> {
    for v in variables {
        // Names are made valid upstream; an invalid one here is a bug, not input.
        assert!(
            is_env_name(&v.name),
            "invalid variable name reached the renderer"
        );
    }
    let text = match format {
        Format::Dotenv => lines(variables, format, dotenv::line)?,
        Format::Shell => lines(variables, format, shell::line)?,
        Format::Json => json::document(variables),
        Format::GithubEnv => lines(variables, format, github_env::line)?,
        Format::Docker => lines(variables, format, docker::line)?,
        Format::Systemd => lines(variables, format, systemd::line)?,
        Format::Yaml => yaml::document(variables),
    };
    Ok(text.into_bytes())
}

/// One line per variable, each ending in LF.
fn lines(
    variables: &[Variable],
    format: Format,
    encode: fn(&str, &str) -> Result<String, Refusal>,
) -> Result<String, Error> {
    let mut out = String::new();
    for v in variables {
        let line = encode(&v.name, v.value.expose()).map_err(|r| Error::Refused {
            key: v.name.clone(),
            format: format.name(),
            reason: r.reason,
            suggest: r.suggest,
        })?;
        out.push_str(&line);
        out.push('\n');
    }
    Ok(out)
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
