//! `--base` and `--example`: an env file read with an output format's line
//! grammar into spans, so its bytes can be kept verbatim while only the values
//! of the keys a secret provides are replaced. The grammar is deliberately
//! narrow: a line it cannot read exactly is an error naming its number, never
//! its content (a base file holds development secrets too).

use super::dotenv::Reader;
use super::encode::{Encoder, encode_line};
use super::format::Format;
use crate::error::Error;
use crate::names::is_env_name;
use crate::secret::Variable;
use std::ops::Range;

/// The comment line before the keys a base lacks.
pub const APPENDED: &str =
    "# Added by aws-secrets-env: keys the secrets provide that the base file lacks";

/// Why a line cannot be read, and its number (from 1). Never its content.
#[derive(Debug, PartialEq, Eq)]
pub struct LineError {
    pub line: usize,
    pub reason: &'static str,
}

const NOT_ASSIGNMENT: &str = "is not `KEY=VALUE`, a comment or a blank line";
const UNCLOSED: &str = "opens a quote that is never closed";
const UNQUOTED: &str = "has an unquoted value holding a quote, a backslash or a backtick, which readers take differently";
const SHELL_SYNTAX: &str = "holds shell syntax beyond quoting (`;`, `&`, `|`, `<`, `>`, parentheses, `$(`, backticks or a line continuation)";
const BACKSLASH_QUOTE: &str = "has a single-quoted value ending in a backslash, which python-dotenv and node dotenv read as an escaped quote";
const TRAILING: &str = "has text after its value that is not a comment";
const CR: &str = "holds a carriage return; save the file with LF line ends";
const BOM: &str = "starts with a byte order mark";
const NOT_UTF8: &str = "is not UTF-8 text";

/// The formats whose files are lines of `KEY=VALUE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grammar {
    Dotenv,
    Shell,
    Docker,
    Systemd,
}

impl Grammar {
    fn of(format: Format) -> Option<Grammar> {
        match format {
            Format::Dotenv => Some(Grammar::Dotenv),
            Format::Shell => Some(Grammar::Shell),
            Format::Docker => Some(Grammar::Docker),
            Format::Systemd => Some(Grammar::Systemd),
            Format::Json | Format::Yaml | Format::GithubEnv => None,
        }
    }
}

/// True for the formats `--base` works with.
#[must_use]
pub fn has_grammar(format: Format) -> bool {
    Grammar::of(format).is_some()
}

/// One `KEY=VALUE` found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Assignment {
    key: String,
    /// The value as written: quotes and escapes included, comments not.
    value: Range<usize>,
}

/// A file read with a line grammar: its text and where each value lies.
pub struct EnvFile {
    text: String,
    assignments: Vec<Assignment>,
}

impl EnvFile {
    /// Reads `bytes` with `format`'s grammar (dotenv's for the document
    /// formats, which have none).
    pub fn parse(format: Format, bytes: &[u8]) -> Result<EnvFile, LineError> {
        let text = match std::str::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => return Err(at(bytes, e.valid_up_to(), NOT_UTF8)),
        };
        let grammar = Grammar::of(format).unwrap_or(Grammar::Dotenv);
        let assignments = parse(grammar, text)?;
        Ok(EnvFile {
            text: text.to_string(),
            assignments,
        })
    }

    /// Every key, in file order (a repeated key as often as it appears).
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.assignments.iter().map(|a| a.key.as_str())
    }

    /// True when the file assigns `key`.
    #[must_use]
    pub fn has(&self, key: &str) -> bool {
        self.keys().any(|k| k == key)
    }

    /// Each key with its value as written, the last of a repeated key.
    #[must_use]
    pub fn values(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for a in &self.assignments {
            let text = self.text[a.value.clone()].to_string();
            match out.iter_mut().find(|(k, _)| *k == a.key) {
                Some(entry) => entry.1 = text,
                None => out.push((a.key.clone(), text)),
            }
        }
        out
    }

    /// The file with the value of every key in `variables` replaced (each
    /// occurrence), encoded as `format` requires; keys the file lacks are
    /// appended, sorted, after [`APPENDED`]. Every other byte is kept.
    pub fn fill(
        &self,
        format: Format,
        variables: &[Variable],
        readers: &[Reader],
    ) -> Result<Vec<u8>, Error> {
        let encode = match format.encoder() {
            Encoder::Lines(encode) if has_grammar(format) => encode,
            _ => unreachable!("--base is refused for {} before rendering", format.name()),
        };
        let mut out = String::with_capacity(self.text.len());
        let mut at = 0;
        for a in &self.assignments {
            if let Some(v) = variables.iter().find(|v| v.name == a.key) {
                let line = encode_line(v, format, encode, readers)?;
                // Every line encoder writes `[export ]NAME=VALUE`; names hold no `=`.
                let value = line.split_once('=').map_or("", |(_, value)| value);
                out.push_str(&self.text[at..a.value.start]);
                out.push_str(value);
                at = a.value.end;
            }
        }
        out.push_str(&self.text[at..]);
        let mut added: Vec<&Variable> = variables.iter().filter(|v| !self.has(&v.name)).collect();
        if !added.is_empty() {
            added.sort_by(|a, b| a.name.cmp(&b.name));
            if !out.is_empty() && !out.ends_with('\n') {
                out.push('\n');
            }
            out.push_str(APPENDED);
            out.push('\n');
            for v in added {
                out.push_str(&encode_line(v, format, encode, readers)?);
                out.push('\n');
            }
        }
        Ok(out.into_bytes())
    }
}

/// The line holding byte `offset`.
fn at(bytes: &[u8], offset: usize, reason: &'static str) -> LineError {
    let line = bytes[..offset].split(|&b| b == b'\n').count();
    LineError { line, reason }
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn parse(grammar: Grammar, text: &str) -> Result<Vec<Assignment>, LineError> {
    let b = text.as_bytes();
    if text.starts_with('\u{feff}') {
        return Err(LineError {
            line: 1,
            reason: BOM,
        });
    }
    if let Some(cr) = b.iter().position(|&c| c == b'\r') {
        return Err(at(b, cr, CR));
    }
    let end_of_line = |from: usize| {
        b[from..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(b.len(), |i| from + i)
    };
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < b.len() {
        let eol = end_of_line(pos);
        let line = &b[pos..eol];
        let first = line.iter().position(|&c| !is_blank(c));
        let comment = match first.map(|i| line[i]) {
            None | Some(b'#') => true,
            Some(b';') => grammar == Grammar::Systemd,
            _ => false,
        };
        if comment {
            pos = eol + 1;
            continue;
        }
        let fail = |offset: usize, reason| Err(at(b, offset, reason));
        let mut p = pos;
        let exported =
            b[p..eol].starts_with(b"export") && b.get(p + 6).copied().is_some_and(is_blank);
        if exported && matches!(grammar, Grammar::Dotenv | Grammar::Shell) {
            p += 6;
            while p < eol && is_blank(b[p]) {
                p += 1;
            }
        }
        let key_start = p;
        while p < eol && (b[p].is_ascii_alphanumeric() || b[p] == b'_') {
            p += 1;
        }
        let key = &text[key_start..p];
        if p == eol || b[p] != b'=' || !is_env_name(key) {
            return fail(pos, NOT_ASSIGNMENT);
        }
        let start = p + 1;
        let (end, quoted) = match value_end(grammar, b, start, eol) {
            Ok(found) => found,
            Err(reason) => return fail(pos, reason),
        };
        let eol = end_of_line(end);
        if let Err(reason) = suffix(grammar, &b[end..eol], quoted) {
            return fail(pos, reason);
        }
        out.push(Assignment {
            key: key.to_string(),
            value: start..end,
        });
        pos = eol + 1;
    }
    Ok(out)
}

/// Where the value starting at `start` ends, and whether it was quoted.
fn value_end(
    grammar: Grammar,
    b: &[u8],
    start: usize,
    eol: usize,
) -> Result<(usize, bool), &'static str> {
    match (grammar, b.get(start)) {
        (Grammar::Docker, _) => Ok((eol, false)),
        (Grammar::Shell, _) => shell_word(b, start),
        (_, Some(b'\'')) => {
            let end = closing(b, start, false)?;
            // `'x\'`: the shell's `x\`, but an escaped quote to python-dotenv
            // and node dotenv, which read on to the next quote.
            if grammar == Grammar::Dotenv && b[end - 2] == b'\\' {
                return Err(BACKSLASH_QUOTE);
            }
            Ok((end, true))
        }
        (_, Some(b'"')) => {
            let end = closing(b, start, true)?;
            if grammar == Grammar::Dotenv && runs_code(&b[start + 1..end - 1]) {
                return Err(SHELL_SYNTAX);
            }
            Ok((end, true))
        }
        _ => {
            let text = &b[start..eol];
            // dotenv: whitespace then `#` starts a comment.
            let mut end = text.len();
            if grammar == Grammar::Dotenv
                && let Some(i) = (1..text.len()).find(|&i| text[i] == b'#' && is_blank(text[i - 1]))
            {
                end = i;
            }
            while end > 0 && is_blank(text[end - 1]) {
                end -= 1;
            }
            if text[..end].iter().any(|c| b"'\"\\`".contains(c)) {
                return Err(UNQUOTED);
            }
            if grammar == Grammar::Dotenv && runs_code(&text[..end]) {
                return Err(SHELL_SYNTAX);
            }
            Ok((start + end, false))
        }
    }
}

/// The index after the quote that closes the one at `open`; with `escapes`,
/// a backslash takes the next byte literally.
fn closing(b: &[u8], open: usize, escapes: bool) -> Result<usize, &'static str> {
    let quote = b[open];
    let mut p = open + 1;
    while p < b.len() {
        match b[p] {
            b'\\' if escapes => p += 2,
            c if c == quote => return Ok(p + 1),
            _ => p += 1,
        }
    }
    Err(UNCLOSED)
}

/// One POSIX shell word of quoted and unquoted parts, without substitutions
/// whose end the tool would have to guess.
fn shell_word(b: &[u8], start: usize) -> Result<(usize, bool), &'static str> {
    let mut p = start;
    let mut quoted = false;
    while p < b.len() {
        match b[p] {
            b'\'' => {
                p = closing(b, p, false)?;
                quoted = true;
            }
            b'"' => {
                let end = closing(b, p, true)?;
                if runs_code(&b[p + 1..end - 1]) {
                    return Err(SHELL_SYNTAX);
                }
                p = end;
                quoted = true;
            }
            b'\\' => match b.get(p + 1) {
                None | Some(b'\n') => return Err(SHELL_SYNTAX),
                Some(_) => p += 2,
            },
            b' ' | b'\t' | b'\n' => break,
            b';' | b'&' | b'|' | b'<' | b'>' | b'(' | b')' | b'`' => return Err(SHELL_SYNTAX),
            b'$' if b.get(p + 1) == Some(&b'(') => return Err(SHELL_SYNTAX),
            b'$' if b.get(p + 1) == Some(&b'{') => {
                let Some(close) = b[p + 2..].iter().position(|&c| c == b'}') else {
                    return Err(SHELL_SYNTAX);
                };
                if !plain_expansion(&b[p + 2..p + 2 + close]) {
                    return Err(SHELL_SYNTAX);
                }
                p += 2 + close + 1;
            }
            _ => p += 1,
        }
    }
    Ok((p, quoted))
}

/// Whether a shell sourcing `text` (double-quoted or unquoted) would run
/// code: a command substitution, a backtick, or an expansion beyond
/// [`plain_expansion`] (`${B@P}` expands B as a prompt, running the command
/// substitutions B holds; `${A:B}` evaluates B as arithmetic, where an array
/// subscript runs commands). A backslash takes the next byte literally.
fn runs_code(text: &[u8]) -> bool {
    let mut i = 0;
    while i < text.len() {
        match (text[i], text.get(i + 1)) {
            (b'`', _) | (b'$', Some(b'(')) => return true,
            (b'$', Some(b'{')) => {
                let inner = &text[i + 2..];
                let Some(close) = inner.iter().position(|&c| c == b'}') else {
                    return true;
                };
                if !plain_expansion(&inner[..close]) {
                    return true;
                }
                i += 2 + close;
            }
            (b'\\', _) => i += 1,
            _ => {}
        }
        i += 1;
    }
    false
}

/// `${NAME}` or a default form `${NAME:-word}` (`-`, `=`, `+`, `?`, with or
/// without `:`) whose word holds no expansion: what python-dotenv and shells
/// both read without running anything.
fn plain_expansion(inner: &[u8]) -> bool {
    let name = inner
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
        .count();
    if name == 0 || inner[0].is_ascii_digit() {
        return false;
    }
    let rest = &inner[name..];
    let op = rest.strip_prefix(b":").unwrap_or(rest);
    rest.is_empty()
        || (matches!(op.first(), Some(b'-' | b'=' | b'+' | b'?'))
            && !op[1..].iter().any(|c| b"$`{}@\\".contains(c)))
}

/// What may follow a value on its line: blanks, and in dotenv and shell a
/// comment (after a blank, or right after a closing quote).
fn suffix(grammar: Grammar, rest: &[u8], quoted: bool) -> Result<(), &'static str> {
    let blanks = rest.iter().take_while(|&&c| is_blank(c)).count();
    let after = &rest[blanks..];
    let comments = matches!(grammar, Grammar::Dotenv | Grammar::Shell);
    if after.is_empty() || (comments && after[0] == b'#' && (blanks > 0 || quoted)) {
        Ok(())
    } else {
        Err(TRAILING)
    }
}

#[cfg(test)]
mod tests;
