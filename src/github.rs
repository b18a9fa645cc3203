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
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

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

/// The runner's file-command heredoc, for `$GITHUB_ENV` and `$GITHUB_OUTPUT`
/// alike: `NAME<<DELIM`, the value, `DELIM` (no final line break). The
/// delimiter is a fresh [`delimiter`], drawn again while the value contains
/// it, so no value can end the heredoc early.
pub(crate) fn heredoc(name: &str, value: &str) -> String {
    heredoc_with(name, value, delimiter)
}

fn heredoc_with(name: &str, value: &str, mut draw: impl FnMut() -> String) -> String {
    let mut delim = draw();
    while value.contains(&delim) {
        delim = draw();
    }
    format!("{name}<<{delim}\n{value}\n{delim}")
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

/// Prints workflow command lines (masks, annotations) on their stream:
/// standard output, where the runner sees them in order with what the step
/// prints next, unless standard output carries the data (then standard
/// error), or nowhere. Each starts a line of its own ([`print_lines`]).
pub(crate) fn print_commands(lines: &[String]) -> std::io::Result<()> {
    match ROUTE.load(Ordering::SeqCst) {
        STDOUT => print_lines(Stream::Stdout, lines),
        STDERR => print_lines(Stream::Stderr, lines),
        _ => Ok(()),
    }
}

/// A standard stream the tool prints workflow commands on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stream {
    Stdout,
    Stderr,
}

/// Per stream: not looked at yet, known to be at the start of a line, or
/// possibly holding a partial line (an earlier command's output).
static LINE: [AtomicU8; 2] = [AtomicU8::new(UNCHECKED), AtomicU8::new(UNCHECKED)];
const UNCHECKED: u8 = 0;
const AT_START: u8 = 1;
const MAYBE_PARTIAL: u8 = 2;

/// Set once another process writes to the same streams at any time
/// (`exec --watch`'s app): no stream is ever known to be at a line start.
static SHARED: AtomicBool = AtomicBool::new(false);

/// The most bytes one `write` puts into a pipe without another writer's bytes
/// in between (`PIPE_BUF`: 4096 on Linux, POSIX's minimum elsewhere).
#[cfg(target_os = "linux")]
const ATOMIC_WRITE: usize = 4096;
#[cfg(not(target_os = "linux"))]
const ATOMIC_WRITE: usize = 512;

impl Stream {
    fn index(self) -> usize {
        match self {
            Stream::Stdout => 0,
            Stream::Stderr => 1,
        }
    }

    /// True when the next byte written starts a line: this process ended
    /// the last line itself, or the stream is a regular file still empty.
    fn at_line_start(self) -> bool {
        if SHARED.load(Ordering::SeqCst) {
            return false;
        }
        match LINE[self.index()].load(Ordering::SeqCst) {
            AT_START => true,
            MAYBE_PARTIAL => false,
            _ => {
                let empty = self.is_empty_file();
                let state = if empty { AT_START } else { MAYBE_PARTIAL };
                LINE[self.index()].store(state, Ordering::SeqCst);
                empty
            }
        }
    }

    #[cfg(unix)]
    fn is_empty_file(self) -> bool {
        use std::os::fd::AsFd;
        let fd = match self {
            Stream::Stdout => std::io::stdout().as_fd().try_clone_to_owned(),
            Stream::Stderr => std::io::stderr().as_fd().try_clone_to_owned(),
        };
        fd.ok()
            .and_then(|fd| std::fs::File::from(fd).metadata().ok())
            .is_some_and(|m| m.is_file() && m.len() == 0)
    }

    #[cfg(not(unix))]
    fn is_empty_file(self) -> bool {
        false
    }
}

/// From now on another process (`exec --watch`'s app) writes to the same
/// standard streams, at any time: every batch of workflow commands starts
/// with a line break, and goes out in writes a pipe keeps whole.
pub(crate) fn streams_shared() {
    SHARED.store(true, Ordering::SeqCst);
}

/// This process has just ended a line on `stream` itself (clap's message, an
/// error line): the next command needs no line break before it.
pub(crate) fn line_ended(stream: Stream) {
    LINE[stream.index()].store(AT_START, Ordering::SeqCst);
}

/// Prints whole lines on `stream`, so that the first starts a line of its
/// own: unless the stream is known to be at a line start, a line break goes
/// first (an empty line in the log), because the runner only reads `::` at
/// the start of a line, and a partial line left by an earlier command (or
/// by the app under `exec --watch`) would swallow the first command. With
/// shared streams the lines go out in writes of at most [`ATOMIC_WRITE`]
/// bytes, each starting with a line break, so the app's output cannot land
/// inside one (a single line longer than that is written alone).
pub(crate) fn print_lines(stream: Stream, lines: &[String]) -> std::io::Result<()> {
    if lines.is_empty() {
        return Ok(());
    }
    let shared = SHARED.load(Ordering::SeqCst);
    let limit = if shared { ATOMIC_WRITE } else { usize::MAX };
    let mut writes = vec![String::new()];
    if !stream.at_line_start() {
        writes[0].push('\n');
    }
    for line in lines {
        let last = writes.last_mut().expect("one write at least");
        if last.len() > 1 && last.len() + line.len() + 1 > limit {
            writes.push("\n".to_string());
        }
        let last = writes.last_mut().expect("one write at least");
        last.push_str(line);
        last.push('\n');
    }
    let mut out: Box<dyn Write> = match stream {
        Stream::Stdout => Box::new(std::io::stdout().lock()),
        Stream::Stderr => Box::new(std::io::stderr().lock()),
    };
    for text in writes {
        out.write_all(text.as_bytes())?;
        out.flush()?;
    }
    if !shared {
        line_ended(stream);
    }
    Ok(())
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
        let _ = print_commands(&[error_annotation(err)]);
    }
}

/// Under Actions, the annotation of a usage error from clap's first line
/// (which names the flag and the input), on stderr, right after clap printed
/// its message there: the command line was not read, and with `--output -`
/// stdout is the data.
pub(crate) fn annotate_usage(clap_message: &str) {
    if active() {
        let first = clap_message.lines().next().unwrap_or("");
        line_ended(Stream::Stderr);
        let _ = print_lines(Stream::Stderr, &[usage_annotation(first)]);
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

/// Step outputs: `path` (absolute, empty for stdout), `keys` (comma-separated
/// names) and `count`. Names only — never values.
pub(crate) fn outputs(path: Option<&Path>, variables: &[Variable]) -> String {
    let keys: Vec<&str> = variables.iter().map(|v| v.name.as_str()).collect();
    let path = path.map(|p| p.display().to_string()).unwrap_or_default();
    heredoc("path", &path) + &format!("\nkeys={}\ncount={}\n", keys.join(","), keys.len())
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

    /// The rule of every `$GITHUB_ENV`/`$GITHUB_OUTPUT` heredoc: a delimiter
    /// the value contains is drawn again, so the value cannot end it early.
    #[test]
    fn a_heredoc_never_uses_a_delimiter_its_value_contains() {
        let mut drawn = ["EOF", "EOF2", "D3"].into_iter().map(String::from);
        let text = heredoc_with("K", "a\nEOF\nb=EOF2", || drawn.next().unwrap());
        assert_eq!(text, "K<<D3\na\nEOF\nb=EOF2\nD3");
        let mut drawn = ["D1", "D2"].into_iter().map(String::from);
        assert_eq!(
            heredoc_with("K", "v", || drawn.next().unwrap()),
            "K<<D1\nv\nD1"
        );
    }
}
