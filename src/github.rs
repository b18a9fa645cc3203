//! GitHub Actions integration: `::error` annotations, `::group::`, step
//! outputs (`$GITHUB_OUTPUT`), exported variables (`$GITHUB_ENV`) and the job
//! summary (`$GITHUB_STEP_SUMMARY`). Never a value, except into `$GITHUB_ENV`
//! when asked to, after masking.

use crate::error::{Error, sanitize};
use crate::flatten::Variable;
use crate::render::github_env::delimiter;
use std::io::Write;
use std::path::Path;

/// True when running as a GitHub Actions step.
pub fn active() -> bool {
    std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")
}

/// Escapes a workflow-command property (`title=`): data escaping plus `:` and `,`.
fn escape_property(text: &str) -> String {
    crate::mask::escape_data(text)
        .replace(':', "%3A")
        .replace(',', "%2C")
}

/// An `::error title=…::message` line.
pub fn error_annotation(err: &Error) -> String {
    format!(
        "::error title={}::{}",
        escape_property(&format!("aws-secrets-env: {}", err.title())),
        crate::mask::escape_data(&sanitize(&err.to_string()))
    )
}

/// An `::error` annotation for a command-line usage error.
pub fn usage_annotation(message: &str) -> String {
    format!(
        "::error title={}::{}",
        escape_property("aws-secrets-env: invalid input"),
        crate::mask::escape_data(&sanitize(message))
    )
}

/// Appends to a runner file command (`GITHUB_OUTPUT`, `GITHUB_ENV`, ...).
fn append(var: &str, text: &str) -> Result<(), Error> {
    let Some(path) = std::env::var_os(var) else {
        return Ok(());
    };
    let path = Path::new(&path);
    let fail = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .map_err(fail)?;
    file.write_all(text.as_bytes()).map_err(fail)?;
    file.flush().map_err(fail)
}

/// A `NAME<<DELIM` entry for GITHUB_OUTPUT (safe for any text but the delimiter).
fn heredoc(name: &str, value: &str) -> String {
    let mut delim = delimiter();
    while value.contains(&delim) {
        delim = delimiter();
    }
    format!("{name}<<{delim}\n{value}\n{delim}\n")
}

/// Step outputs: `path` (absolute, empty for stdout), `keys` (comma-separated
/// names) and `count`. Names only — never values.
pub fn write_outputs(path: Option<&Path>, variables: &[Variable]) -> Result<(), Error> {
    let keys: Vec<&str> = variables.iter().map(|v| v.name.as_str()).collect();
    let path = path.map(|p| p.display().to_string()).unwrap_or_default();
    let text = heredoc("path", &path) + &format!("keys={}\ncount={}\n", keys.join(","), keys.len());
    append("GITHUB_OUTPUT", &text)
}

/// Appends the rendered `github-env` text to `$GITHUB_ENV`; errors if unset.
pub fn export_env(rendered: &str) -> Result<(), Error> {
    if std::env::var_os("GITHUB_ENV").is_none() {
        return Err(Error::Usage(
            "--export-env needs GITHUB_ENV, which only GitHub Actions (or act) sets".into(),
        ));
    }
    append("GITHUB_ENV", rendered)
}

/// The job summary: a table of names and sources, the file and the format.
pub fn write_summary(target: &str, format: &str, variables: &[Variable]) -> Result<(), Error> {
    let cell = |s: &str| sanitize(s).replace('|', "\\|");
    let mut text = format!(
        "### aws-secrets-env\n\nWrote {} variable{} to `{}` (format `{format}`).\n\n| Variable | Source |\n|---|---|\n",
        variables.len(),
        if variables.len() == 1 { "" } else { "s" },
        cell(target),
    );
    for v in variables {
        text.push_str(&format!("| `{}` | {} |\n", v.name, cell(&v.source)));
    }
    text.push('\n');
    append("GITHUB_STEP_SUMMARY", &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotation_escapes_properties_and_data() {
        let err = Error::NotFound {
            what: "secret `a,b`".into(),
            code: "ResourceNotFoundException".into(),
            hint: "check".into(),
        };
        let line = error_annotation(&err);
        assert!(
            line.starts_with("::error title=aws-secrets-env%3A not found::secret `a,b` not found"),
            "{line}"
        );
        assert!(!line.contains('\n'));
    }
}
