//! GitHub Actions integration: workflow-command escaping, `::error`
//! annotations, heredoc delimiters, step outputs (`$GITHUB_OUTPUT`), exported
//! variables (`$GITHUB_ENV`) and the job summary (`$GITHUB_STEP_SUMMARY`).
//! Never a value, except into `$GITHUB_ENV` when asked to, after masking.

use crate::error::{Error, sanitize};
use crate::secret::Variable;
use std::fmt::Write as _;
use std::hash::{BuildHasher, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU8, Ordering};

/// Escapes workflow-command data: `%` first, then CR and LF.
pub(crate) fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A 128-bit random heredoc delimiter for the runner's file commands. std's
/// `RandomState` draws its keys from the OS random source; two independent
/// hashers give two independent 64-bit halves.
pub(crate) fn delimiter() -> String {
    let half = || {
        std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish()
    };
    format!("ghadelimiter_{:016x}{:016x}", half(), half())
}

/// Where workflow commands go: [`STDOUT`], [`STDERR`] or [`NOWHERE`].
static ROUTE: AtomicU8 = AtomicU8::new(STDOUT);
const STDOUT: u8 = 0;
const STDERR: u8 = 1;
const NOWHERE: u8 = 2;

/// Standard output is the data from now on (`--output -`, `/dev/stdout`,
/// any path that is the same file as fd 1): workflow commands go to
/// standard error, which the runner parses for them too, so a redirected or
/// piped stdout holds nothing but the data.
pub(crate) fn data_on_stdout() {
    ROUTE.store(STDERR, Ordering::SeqCst);
}

/// Both standard streams are the data: no workflow command is printed at
/// all (the run is refused).
pub(crate) fn no_command_stream() {
    ROUTE.store(NOWHERE, Ordering::SeqCst);
}

/// The stream for workflow commands (masks, annotations): standard output,
/// where the runner sees them in order with what the step prints next, unless
/// standard output carries the data.
pub(crate) fn commands() -> Box<dyn Write> {
    match ROUTE.load(Ordering::SeqCst) {
        STDOUT => Box::new(std::io::stdout().lock()),
        STDERR => Box::new(std::io::stderr().lock()),
        _ => Box::new(std::io::sink()),
    }
}

/// True when running as a GitHub Actions step.
pub(crate) fn active() -> bool {
    std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")
}

/// Escapes a workflow-command property (`title=`): data escaping plus `:` and `,`.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// An `::error title=…::message` line.
pub(crate) fn error_annotation(err: &Error) -> String {
    format!(
        "::error title={}::{}",
        escape_property(&format!("aws-secrets-env: {}", err.title())),
        escape_data(&sanitize(&err.to_string()))
    )
}

/// Under Actions, the annotation of an error, on the stream for workflow
/// commands.
pub(crate) fn annotate_error(err: &Error) {
    if active() {
        let mut out = commands();
        let _ = writeln!(out, "{}", error_annotation(err));
        let _ = out.flush();
    }
}

/// Under Actions, the annotation of a usage error from clap's first line
/// (which names the flag and the input), on stderr: the command line was not
/// read, and with `--output -` stdout is the data.
pub(crate) fn annotate_usage(clap_message: &str) {
    if active() {
        let first = clap_message.lines().next().unwrap_or("");
        eprintln!("{}", usage_annotation(first));
    }
}

/// An `::error` annotation for a command-line usage error.
pub(crate) fn usage_annotation(message: &str) -> String {
    format!(
        "::error title={}::{}",
        escape_property("aws-secrets-env: invalid input"),
        escape_data(&sanitize(message))
    )
}

/// A runner file command (`GITHUB_ENV`, `GITHUB_OUTPUT`, the summary)
/// opened for append, with the text to add: opening is what fails (a missing
/// directory, no permission), so every one is opened before anything is
/// written, and [`Append::commit`] is the last step of a run.
pub(crate) struct Append {
    path: PathBuf,
    file: std::fs::File,
    text: String,
}

impl Append {
    /// Opens the file that `var` names; `None` when `var` is not set.
    pub(crate) fn open(var: &str, text: String) -> Result<Option<Append>, Error> {
        let Some(path) = std::env::var_os(var) else {
            return Ok(None);
        };
        let path = PathBuf::from(path);
        let file = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&path)
            .map_err(|source| Error::Write {
                path: path.clone(),
                source,
            })?;
        Ok(Some(Append { path, file, text }))
    }

    /// Appends the text and flushes.
    pub(crate) fn commit(mut self) -> Result<(), Error> {
        self.file
            .write_all(self.text.as_bytes())
            .and_then(|()| self.file.flush())
            .map_err(|source| Error::Write {
                path: self.path,
                source,
            })
    }
}

/// A `NAME<<DELIM` entry for `GITHUB_OUTPUT` (safe for any text but the delimiter).
fn heredoc(name: &str, value: &str) -> String {
    let mut delim = delimiter();
    while value.contains(&delim) {
        delim = delimiter();
    }
    format!("{name}<<{delim}\n{value}\n{delim}\n")
}

/// Step outputs: `path` (absolute, empty for stdout), `keys` (comma-separated
/// names) and `count`. Names only — never values.
pub(crate) fn outputs(path: Option<&Path>, variables: &[Variable]) -> String {
    let keys: Vec<&str> = variables.iter().map(|v| v.name.as_str()).collect();
    let path = path.map(|p| p.display().to_string()).unwrap_or_default();
    heredoc("path", &path) + &format!("keys={}\ncount={}\n", keys.join(","), keys.len())
}

/// Outside text (ids, JSON keys) as literal Markdown: every character that
/// Markdown or a table gives a meaning to is backslash-escaped, so a key can
/// neither leave a code span nor make a link, an image or a cell.
pub(crate) fn markdown_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\`*_{}[]()<>#+-.!|~&".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A name as a summary cell: in a code span when it is a plain name (ASCII
/// letters, digits, `_`), else as escaped Markdown text — a backslash is
/// literal inside a code span, so a backtick in the name would close it.
pub(crate) fn name_cell(name: &str) -> String {
    if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        format!("`{name}`")
    } else {
        markdown_text(&sanitize(name))
    }
}

/// The job summary: a table of names and sources, the file and the format.
pub(crate) fn summary(target: &str, format: &str, variables: &[Variable]) -> String {
    let cell = |s: &str| markdown_text(&sanitize(s));
    let mut text = format!(
        "### aws-secrets-env\n\nWrote {} variable{} to {} (format `{format}`).\n\n| Variable | Source |\n|---|---|\n",
        variables.len(),
        if variables.len() == 1 { "" } else { "s" },
        cell(target),
    );
    for v in variables {
        let _ = writeln!(text, "| {} | {} |", name_cell(&v.name), cell(&v.source));
    }
    text.push('\n');
    text
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
