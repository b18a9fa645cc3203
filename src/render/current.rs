//! An output file read back for the `--dry-run` plan: each key with how its
//! value is written and, where every reader of the format reads that
//! spelling the same way, the value itself — so `postgres`, `'postgres'` and
//! `"postgres"` compare equal, and a value spelled in a way readers disagree
//! on (an escape, a `$`, a line break) is compared as written. Used only to
//! compare, never shown.

use super::base::EnvFile;
use super::format::Format;

/// A key's value in a file, for comparing: as written, and as read back
/// where the format's readers all read it the same (`None`: they may not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub spelling: String,
    pub value: Option<String>,
}

impl Written {
    /// Equal values where both are known, else equal spellings.
    #[must_use]
    pub fn same(&self, other: &Written) -> bool {
        match (&self.value, &other.value) {
            (Some(a), Some(b)) => a == b,
            _ => self.spelling == other.spelling,
        }
    }
}

/// The keys of `bytes` read as `format`, in order (the last of a repeated
/// key); `None` when the file is not of that format as this tool writes it.
#[must_use]
pub fn comparable(format: Format, bytes: &[u8]) -> Option<Vec<(String, Written)>> {
    let read_back = match format {
        Format::Dotenv => dotenv,
        Format::Shell => shell,
        Format::Systemd => systemd,
        Format::Docker => |raw: &str| Some(raw.to_string()),
        Format::Json => return json(bytes),
        Format::Yaml => return yaml(std::str::from_utf8(bytes).ok()?),
        Format::GithubEnv => return github_env(std::str::from_utf8(bytes).ok()?),
    };
    let file = EnvFile::parse(format, bytes).ok()?;
    Some(
        file.values()
            .into_iter()
            .map(|(key, spelling)| {
                let value = read_back(&spelling);
                (key, Written { spelling, value })
            })
            .collect(),
    )
}

/// Known the same to every reader: printable, one line, no escape, no
/// expansion, no surrounding blank some reader would trim.
fn plain_inside_quotes(text: &str) -> bool {
    !text.contains(['\\', '$', '`', '\n', '\r'])
        && !text.starts_with([' ', '\t'])
        && !text.ends_with([' ', '\t'])
}

/// An unquoted value every reader takes as written: letters, digits and
/// `-_.,:/@%+=?^` (no blank, `#`, `~`, `$`, quote, backslash or shell syntax).
fn plain_unquoted(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.,:/@%+=?^".contains(c))
}

/// `'…'` or `"…"` around the whole of `raw`: its inside.
fn quoted(raw: &str, quote: char) -> Option<&str> {
    raw.strip_prefix(quote)?.strip_suffix(quote)
}

/// dotenv: its readers agree on a quoted value with no escape, expansion or
/// line break inside, and on a plain unquoted one.
fn dotenv(raw: &str) -> Option<String> {
    let inside = quoted(raw, '\'').or_else(|| quoted(raw, '"'));
    match inside {
        Some(inside) => plain_inside_quotes(inside).then(|| inside.to_string()),
        None => plain_unquoted(raw).then(|| raw.to_string()),
    }
}

/// shell: one POSIX shell word, as `source` reads it; `None` where it
/// expands (`$`, a leading `~`).
fn shell(raw: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => loop {
                match chars.next()? {
                    '\'' => break,
                    c => out.push(c),
                }
            },
            '"' => loop {
                match chars.next()? {
                    '"' => break,
                    '$' | '`' => return None,
                    '\\' => match chars.next()? {
                        '\n' => {}
                        c @ ('$' | '`' | '"' | '\\') => out.push(c),
                        c => {
                            out.push('\\');
                            out.push(c);
                        }
                    },
                    c => out.push(c),
                }
            },
            '\\' => match chars.next()? {
                '\n' => {}
                c => out.push(c),
            },
            '$' | '`' | '~' => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

/// systemd `EnvironmentFile=` (`env-file.c`): in double quotes a backslash
/// before `"`, `\`, `` ` `` or `$` is that character, before a line break a
/// continuation; single quotes literal but for a backslash (an escape in
/// some systemd versions, literal in others); a plain unquoted value as is.
fn systemd(raw: &str) -> Option<String> {
    if let Some(inside) = quoted(raw, '\'') {
        return (!inside.contains('\\')).then(|| inside.to_string());
    }
    let Some(inside) = quoted(raw, '"') else {
        return plain_unquoted(raw).then(|| raw.to_string());
    };
    let mut out = String::new();
    let mut chars = inside.chars();
    while let Some(c) = chars.next() {
        match c {
            '$' => return None,
            '\\' => match chars.next()? {
                '\n' => {}
                c @ ('"' | '\\' | '`' | '$') => out.push(c),
                c => {
                    out.push('\\');
                    out.push(c);
                }
            },
            c => out.push(c),
        }
    }
    Some(out)
}

fn json(bytes: &[u8]) -> Option<Vec<(String, Written)>> {
    let serde_json::Value::Object(map) = serde_json::from_slice(bytes).ok()? else {
        return None;
    };
    Some(
        map.into_iter()
            .map(|(k, v)| {
                let spelling = v.to_string();
                let value = match v {
                    serde_json::Value::String(s) => Some(s),
                    _ => None,
                };
                (k, Written { spelling, value })
            })
            .collect(),
    )
}

/// `"KEY": "…"` lines, as `yaml.rs` writes them (`{}` when empty).
fn yaml(text: &str) -> Option<Vec<(String, Written)>> {
    if text == "{}\n" {
        return Some(Vec::new());
    }
    text.lines()
        .map(|line| {
            let rest = line.strip_prefix('"')?;
            let (key, spelling) = rest.split_once("\": ")?;
            let value = quoted(spelling, '"')
                .filter(|inside| !inside.contains(['\\', '"']))
                .map(str::to_string);
            Some((
                key.to_string(),
                Written {
                    spelling: spelling.to_string(),
                    value,
                },
            ))
        })
        .collect()
}

/// `NAME<<DELIM` heredocs (and `NAME=value` lines) of the runner's file
/// command syntax; the delimiters are random, so only values compare.
fn github_env(text: &str) -> Option<Vec<(String, Written)>> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    let decoded = |value: String| Written {
        spelling: value.clone(),
        value: Some(value),
    };
    while let Some(line) = lines.next() {
        if line.is_empty() {
            continue;
        }
        if let Some((name, delim)) = line.split_once("<<") {
            let mut value: Vec<&str> = Vec::new();
            loop {
                let next = lines.next()?;
                if next == delim {
                    break;
                }
                value.push(next);
            }
            out.push((name.to_string(), decoded(value.join("\n"))));
        } else {
            let (name, value) = line.split_once('=')?;
            out.push((name.to_string(), decoded(value.to_string())));
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(format: Format, text: &str) -> Vec<(String, Option<String>)> {
        comparable(format, text.as_bytes())
            .expect("readable")
            .into_iter()
            .map(|(k, w)| (k, w.value))
            .collect()
    }

    fn pairs(v: &[(&str, Option<&str>)]) -> Vec<(String, Option<String>)> {
        v.iter()
            .map(|(k, v)| ((*k).into(), v.map(Into::into)))
            .collect()
    }

    #[test]
    fn each_format_reads_back_its_keys() {
        assert_eq!(
            values(Format::Dotenv, "# c\nA='1'\nB=2\n"),
            pairs(&[("A", Some("1")), ("B", Some("2"))])
        );
        assert_eq!(
            values(Format::Json, r#"{"A":"1","B":2}"#),
            pairs(&[("A", Some("1")), ("B", None)])
        );
        assert_eq!(
            values(Format::Yaml, "\"A\": \"1\"\n\"B\": \"a\\\\b\"\n"),
            pairs(&[("A", Some("1")), ("B", None)])
        );
        assert_eq!(values(Format::Yaml, "{}\n"), pairs(&[]));
        assert_eq!(
            values(Format::GithubEnv, "A<<d1\nx\ny\nd1\nB=2\n"),
            pairs(&[("A", Some("x\ny")), ("B", Some("2"))])
        );
        assert_eq!(comparable(Format::GithubEnv, b"A<<d1\nx\n"), None);
        assert_eq!(comparable(Format::Json, b"[1]"), None);
        assert_eq!(comparable(Format::Dotenv, b"not a line\n"), None);
    }

    /// The same value spelled differently reads back the same; a spelling
    /// readers disagree on is left to be compared as written.
    #[test]
    fn values_not_spellings_where_every_reader_agrees() {
        assert_eq!(
            values(
                Format::Dotenv,
                "A=postgres\nB='postgres'\nC=\"postgres\"\nD=0.0.0.0:8080\n\
                 E=\"it's\"\nF='a\\b'\nG=\"a\\nb\"\nH='${X}'\nI='x\ny'\nJ=a?b=c\nK=é\nL=' x'\n"
            ),
            pairs(&[
                ("A", Some("postgres")),
                ("B", Some("postgres")),
                ("C", Some("postgres")),
                ("D", Some("0.0.0.0:8080")),
                ("E", Some("it's")),
                ("F", None),
                ("G", None),
                ("H", None),
                ("I", None),
                ("J", Some("a?b=c")),
                ("K", None),
                ("L", None),
            ])
        );
        assert_eq!(
            values(
                Format::Shell,
                "export A='it'\\''s'\nB=plain\nC=\"a\\$b\\\\c\\d\"\nD=a\\ b\nE=\"$HOME\"\nF=~/x\n"
            ),
            pairs(&[
                ("A", Some("it's")),
                ("B", Some("plain")),
                ("C", Some("a$b\\c\\d")),
                ("D", Some("a b")),
                ("E", None),
                ("F", None),
            ])
        );
        assert_eq!(
            values(
                Format::Systemd,
                "A=\"a\\\\b\\\"c\\$d\\`e'f\\x\"\nB='x\\y'\nC=plain\nD=\"$X\"\n"
            ),
            pairs(&[
                ("A", Some("a\\b\"c$d`e'f\\x")),
                ("B", None),
                ("C", Some("plain")),
                ("D", None),
            ])
        );
        assert_eq!(
            values(Format::Docker, "A='q'\nB=a b \n"),
            pairs(&[("A", Some("'q'")), ("B", Some("a b "))])
        );
        let old = Written {
            spelling: "x".into(),
            value: None,
        };
        let new = Written {
            spelling: "'x'".into(),
            value: Some("x".into()),
        };
        assert!(!old.same(&new), "an unknown value compares as written");
        assert!(old.same(&old.clone()));
    }
}
