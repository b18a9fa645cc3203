//! Who reads a `dotenv` file. There is no single dotenv syntax: bash, dash
//! and systemd read `\n` inside double quotes as two characters, Ruby dotenv
//! 2.4 needs it for a line break; Ruby, PHP and Django split lines before
//! they look at quotes. Each [`Reader`] says, for each way the encoder can
//! write a value ([`Encoding`]), whether it reads the value back exactly —
//! rules measured with the real programs (tests/readers/, exercised by
//! tests/integration/conformance.rs).

use clap::ValueEnum;

/// A program that reads the `dotenv` file (`--reader`). Versions are the
/// ones the conformance suite runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ValueEnum)]
pub enum Reader {
    /// python-dotenv 1.2.4 (`load_dotenv`, `dotenv_values`; `${VAR}` interpolation on).
    PythonDotenv,
    /// node `dotenv` 18 (`require('dotenv').config()`), without dotenv-expand.
    NodeDotenv,
    /// `@dotenvx/dotenvx` 2.38.
    Dotenvx,
    /// Go `github.com/joho/godotenv` 1.5.1.
    Godotenv,
    /// Go `github.com/subosito/gotenv` as packaged by Debian 12 (2019).
    Gotenv,
    /// Go viper 1.10 (Debian 12) `SetConfigType("env")`, on that gotenv.
    Viper,
    /// Ruby `dotenv` 2.4 (Debian 12; dotenv-rails).
    RubyDotenv,
    /// PHP `vlucas/phpdotenv` 5.4 (Debian 12; Laravel).
    Phpdotenv,
    /// `django-environ` 0.14: `Env.read_env()` then `env.str()`.
    DjangoEnviron,
    /// bash 5.2: `set -a; . ./app.env`.
    Bash,
    /// dash 0.5.12: `set -a; . ./app.env`.
    Dash,
    /// systemd 252 `EnvironmentFile=`.
    Systemd,
    /// `docker run --env-file` (docker CLI 28): no quoting at all, so only
    /// bare values (`[A-Za-z0-9_./:@%+,-]`); `--format docker` carries more.
    Docker,
}

impl Reader {
    /// Without `--reader`: every dotenv reader but `docker run --env-file`
    /// (which keeps quotes: `--format docker` is for it). A value any of them
    /// would misread is refused.
    pub const DEFAULT: [Reader; 12] = [
        Reader::PythonDotenv,
        Reader::NodeDotenv,
        Reader::Dotenvx,
        Reader::Godotenv,
        Reader::Gotenv,
        Reader::Viper,
        Reader::RubyDotenv,
        Reader::Phpdotenv,
        Reader::DjangoEnviron,
        Reader::Bash,
        Reader::Dash,
        Reader::Systemd,
    ];

    /// The `--reader` name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Reader::PythonDotenv => "python-dotenv",
            Reader::NodeDotenv => "node-dotenv",
            Reader::Dotenvx => "dotenvx",
            Reader::Godotenv => "godotenv",
            Reader::Gotenv => "gotenv",
            Reader::Viper => "viper",
            Reader::RubyDotenv => "ruby-dotenv",
            Reader::Phpdotenv => "phpdotenv",
            Reader::DjangoEnviron => "django-environ",
            Reader::Bash => "bash",
            Reader::Dash => "dash",
            Reader::Systemd => "systemd",
            Reader::Docker => "docker",
        }
    }

    /// Why this reader would not read `value`, written in `encoding` as the
    /// line `line` (`NAME=…`, no line end), back exactly; `None` when it would.
    /// The reason completes "the value …" and never quotes the value.
    #[must_use]
    // One arm per reader and encoding, as measured: arms that happen to agree
    // stay apart so each reader's rule reads whole.
    #[allow(clippy::match_same_arms)]
    pub fn misreads(self, encoding: Encoding, value: &str, line: &str) -> Option<&'static str> {
        use Encoding::{
            Backtick, Bare, Double, DoubleBackslash, DoubleEscaped, DoubleEscapedNewline, Single,
        };
        use Reader::{
            Bash, Dash, DjangoEnviron, Docker, Dotenvx, Godotenv, Gotenv, NodeDotenv, Phpdotenv,
            PythonDotenv, RubyDotenv, Systemd, Viper,
        };
        let has = |set: &[char]| value.contains(set);
        let lf = value.contains('\n');
        let cr = value.contains('\r');
        match (self, encoding) {
            (Docker | Gotenv | Viper, _) if line.len() >= MAX_LINE => Some(
                "makes a line longer than 64 KiB, which docker refuses and where Debian's gotenv (also under viper 1.10) silently stops reading the file",
            ),
            (Docker, Bare) | (Bash | Dash, Single | Double | Bare | DoubleEscaped) => None,
            (Docker, _) => Some(
                "needs quotes, which `docker run --env-file` keeps as part of the value (use `--format docker` for it)",
            ),
            (Systemd, _) if super::super::format::has_noncharacter(value) => Some(
                "contains a Unicode noncharacter (U+FDD0–U+FDEF, U+FFFE, U+FFFF…), which systemd rejects",
            ),
            (Systemd, Single | Double | Bare | DoubleEscaped) => None,
            (Bash | Dash | Systemd, DoubleEscapedNewline) => Some(
                "contains a line break, written `\\n` inside double quotes for the readers that need it, which bash, dash and systemd read as two characters",
            ),
            (_, _) if cr => Some(match self {
                PythonDotenv => {
                    "contains a carriage return (CR), which python-dotenv turns into LF"
                }
                NodeDotenv | Dotenvx => {
                    "contains a carriage return (CR), which node dotenv and dotenvx turn into LF"
                }
                Godotenv | Gotenv | Viper => {
                    "contains a carriage return (CR), which Go godotenv, gotenv and viper drop or read as a line end"
                }
                _ => {
                    "contains a carriage return (CR), where Ruby dotenv, phpdotenv and django-environ end the line"
                }
            }),
            // Measured on generated passwords with the real readers: Go
            // gotenv and Ruby dotenv unescape `\"`, `\\`, `\$` and backtick
            // alike, but read `\\n`/`\\r` as a line break or CR.
            (Gotenv | Viper | RubyDotenv, DoubleEscaped)
                if !lf && !value.contains("\\n") && !value.contains("\\r") =>
            {
                None
            }
            // python-dotenv and phpdotenv unescape `\"` and `\\` in double
            // quotes, but expand `${…}` there.
            (PythonDotenv, DoubleBackslash) if !value.contains("${") => None,
            (Phpdotenv, DoubleBackslash) if !value.contains("${") && php_one_entry(line) => None,
            // node dotenv's backtick quotes: no escapes at all.
            (NodeDotenv, Backtick) if !value.ends_with('\\') => None,
            (_, DoubleEscaped | DoubleBackslash | Backtick) => Some(if !value.contains('\'') {
                "needs escapes inside quotes, which this reader does not read back exactly"
            } else if value.contains('\\') {
                "contains a single quote together with a backslash, which needs escapes this reader does not read back exactly"
            } else {
                "contains a single quote together with `\"`, `$` or backtick, which needs escapes this reader does not read back exactly"
            }),
            (DjangoEnviron, _) if has(SPLITLINES) => Some(
                "contains a line break (LF, VT, FF, U+001C–U+001E, U+0085, U+2028 or U+2029), where django-environ's `str.splitlines()` ends the line",
            ),
            (DjangoEnviron, _) if value.starts_with('$') => Some(
                "starts with `$`, which django-environ's `env.str()` follows as a reference to another variable",
            ),
            (DjangoEnviron, Single | Bare)
                if value.len() >= 2 && value.starts_with('"') && value.ends_with('"') =>
            {
                Some(
                    "is wrapped in double quotes, which django-environ strips after the single quotes",
                )
            }
            (DjangoEnviron, _) => None,
            (Gotenv | Viper, _) if lf => Some(
                "contains a line break, and Debian's gotenv (also under viper 1.10) ends the line there, raw or written `\\n`: a later line can even set another variable",
            ),
            (RubyDotenv, Single | Double) if lf => Some(
                "contains a line break, and Ruby dotenv 2.4 splits the file into lines before parsing: a later line can even set another variable",
            ),
            (Phpdotenv, Single) if lf => Some(
                "contains a line break, and phpdotenv reads multi-line values only in double quotes",
            ),
            (Phpdotenv, _) if !php_one_entry(line) => {
                Some("contains `=\"`, where phpdotenv starts or fails to end a multi-line value")
            }
            (PythonDotenv, Single) if value.contains("${") => {
                Some("contains `${`, which python-dotenv expands even inside single quotes")
            }
            (PythonDotenv, Single) if value.contains("\\\\") || value.ends_with('\\') => Some(
                "contains `\\\\` or ends with `\\`, which python-dotenv unescapes inside single quotes",
            ),
            (Gotenv | Viper, Single) if value.contains("\\$") => Some(
                "contains `\\$`, which Debian's gotenv (also under viper 1.10) unescapes inside single quotes",
            ),
            (NodeDotenv | Dotenvx | Godotenv | Gotenv | Viper, Single) if value.ends_with('\\') => {
                Some(
                    "ends with `\\`, which node dotenv, dotenvx and the Go readers take as escaping the closing quote",
                )
            }
            _ => None,
        }
    }
}

/// bufio.Scanner's 64 KiB buffer in docker's env-file reader and Debian's
/// gotenv: a line of this many bytes (without its LF) or more is not read
/// (gotenv read 65,534, not 65,536; docker reads 65,535).
const MAX_LINE: usize = 65_535;

/// What `str.splitlines()` splits at (besides CR, handled before).
const SPLITLINES: &[char] = &[
    '\n', '\u{b}', '\u{c}', '\u{1c}', '\u{1d}', '\u{1e}', '\u{85}', '\u{2028}', '\u{2029}',
];

/// Whether phpdotenv 5.4 (`Lines::process`) takes `line` (`NAME=…`) as
/// exactly one entry: it starts a multi-line value at a line holding `="`
/// and at most one `"` after a character other than `\` (every `\\`
/// removed first), even in single quotes or on the line that should close
/// the value, and ends it at a line with one such `"` that does not start one.
fn php_one_entry(line: &str) -> bool {
    let quotes = |line: &str| {
        let chars: Vec<char> = line.replace("\\\\", "").chars().collect();
        chars
            .windows(2)
            .filter(|w| w[0] != '\\' && w[1] == '"')
            .count()
    };
    let stop = |line: &str, started: bool| {
        line == "\""
            || if started {
                quotes(line) > 1
            } else {
                quotes(line) >= 1
            }
    };
    let lines: Vec<&str> = line.split('\n').collect();
    let mut multiline = false;
    for (i, line) in lines.iter().enumerate() {
        let started = line.contains("=\"") && !stop(line, true);
        multiline |= started;
        if multiline && stop(line, started) {
            multiline = false;
        }
        if !multiline && i + 1 < lines.len() {
            return false;
        }
    }
    !multiline
}

/// How the encoder can write a value after `K=`, in order of preference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// `'v'`: v has no `'`; line breaks kept literally.
    Single,
    /// `"v"`: v has none of `"` `\` `$` backtick; line breaks kept literally.
    Double,
    /// `"v"` with each LF written `\n`: v has a LF and none of `"` `\` `$`
    /// backtick CR (the only way to carry a line break to Ruby dotenv).
    DoubleEscapedNewline,
    /// `v`: only `[A-Za-z0-9_./:@%+,-]`, not empty (what `docker run
    /// --env-file` needs, and every other reader reads alike).
    Bare,
    /// `"v"` with a `\` before each `\`, `"`, `$` and backtick, line breaks
    /// kept literally: POSIX shell double quotes, which systemd's
    /// `EnvironmentFile=` reads alike (the `--format systemd` encoding). It
    /// carries any value but NUL to bash, dash and systemd.
    DoubleEscaped,
    /// `"v"` with a `\` before each `\` and `"` only: python-dotenv and
    /// phpdotenv (without `${`).
    DoubleBackslash,
    /// `` `v` ``: v has no backtick (node dotenv).
    Backtick,
}

impl Encoding {
    pub const ALL: [Encoding; 7] = [
        Encoding::Single,
        Encoding::Double,
        Encoding::DoubleEscapedNewline,
        Encoding::Bare,
        Encoding::DoubleEscaped,
        Encoding::DoubleBackslash,
        Encoding::Backtick,
    ];

    /// `value` as written after `K=`, or `None` when this encoding cannot
    /// hold it at all.
    pub fn write(self, value: &str) -> Option<String> {
        let dq_special = ['"', '\\', '$', '`'];
        match self {
            Encoding::Single => (!value.contains('\'')).then(|| format!("'{value}'")),
            Encoding::Double => (!value.contains(dq_special)).then(|| format!("\"{value}\"")),
            Encoding::DoubleEscapedNewline => {
                (value.contains('\n') && !value.contains(dq_special) && !value.contains('\r'))
                    .then(|| format!("\"{}\"", value.replace('\n', "\\n")))
            }
            Encoding::Bare => (!value.is_empty()
                && value
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_./:@%+,-".contains(c)))
            .then(|| value.to_string()),
            Encoding::DoubleEscaped => Some(escaped(value, &dq_special)),
            Encoding::DoubleBackslash => Some(escaped(value, &['"', '\\'])),
            Encoding::Backtick => (!value.contains('`')).then(|| format!("`{value}`")),
        }
    }
}

/// `"value"` with a `\` before each of `special`.
fn escaped(value: &str, special: &[char]) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if special.contains(&c) {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Why no encoding carries a value to every reader of the set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReaderRefusal {
    /// The first reader (in the set's order) that would misread the value in
    /// the encoding fewest readers misread.
    pub reader: Reader,
    /// Completes "the value …"; never quotes the value.
    pub reason: &'static str,
    /// The readers of the set that would read that encoding back exactly:
    /// `--reader` naming only them lets the value through.
    pub carriers: Vec<Reader>,
    /// The one change to suggest ([`ReaderRefusal::suggest`]).
    pub change: Change,
}

/// What lets a refused value through, one change per message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    /// `--reader` naming only the carriers.
    Readers,
    /// A password Secrets Manager generates with `ExcludeCharacters` set to
    /// [`EXCLUDE`]: the value without those characters is carried.
    ExcludeCharacters,
    /// Another format.
    Format,
}

/// `ExcludeCharacters` for `GetRandomPassword` (or a rotation function) that
/// makes every generated password pass every reader but docker: without
/// `"`, `'`, `\` and `$`, each is written `'…'` and read back alike
/// (measured: `generated_password_refusals` below).
pub(crate) const EXCLUDE: &str = "\"'\\$";

/// Whether `value` could be a password `GetRandomPassword` made with its
/// defaults: 12 or more characters of printable ASCII without spaces, with a
/// lower-case and an upper-case letter, a digit and a punctuation character.
fn looks_generated(value: &str) -> bool {
    let b = value.as_bytes();
    let has = |f: fn(&u8) -> bool| b.iter().any(f);
    b.len() >= 12
        && b.iter().all(u8::is_ascii_graphic)
        && has(u8::is_ascii_lowercase)
        && has(u8::is_ascii_uppercase)
        && has(u8::is_ascii_digit)
        && has(u8::is_ascii_punctuation)
}

impl ReaderRefusal {
    /// What to do instead: the `--reader` choice that would carry the value
    /// (when some reader of the set can), else the formats that carry it.
    pub(crate) fn suggest(&self) -> String {
        match self.change {
            Change::Readers => {
                let names: Vec<&str> = self.carriers.iter().map(|r| r.name()).collect();
                format!("`--reader {}` if only those read the file", names.join(","))
            }
            Change::ExcludeCharacters => format!(
                "a password generated with `ExcludeCharacters` set to `{EXCLUDE}` (every reader of the file reads the others alike)"
            ),
            Change::Format => "`--format shell` (for `source`) or `--format json`".to_string(),
        }
    }
}

/// The line `NAME=…` (no line end) that every reader in `readers` reads back
/// as `value` exactly (an empty set means [`Reader::DEFAULT`]), or why not.
pub(crate) fn encode(name: &str, value: &str, readers: &[Reader]) -> Result<String, ReaderRefusal> {
    let named = !readers.is_empty();
    let readers: &[Reader] = if named { readers } else { &Reader::DEFAULT };
    let mut refusal = match refuse(name, value, readers) {
        Ok(line) => return Ok(line),
        Err(refusal) => refusal,
    };
    // One change per message: the readers the user named, narrowed; else
    // for a generated password, the characters to exclude; else the
    // default set narrowed; else another format.
    let excluded = || {
        let rest: String = value.chars().filter(|c| !EXCLUDE.contains(*c)).collect();
        looks_generated(value) && refuse(name, &rest, readers).is_ok()
    };
    refusal.change = if named && !refusal.carriers.is_empty() {
        Change::Readers
    } else if excluded() {
        Change::ExcludeCharacters
    } else if refusal.carriers.is_empty() {
        Change::Format
    } else {
        Change::Readers
    };
    Err(refusal)
}

/// [`encode`] for a non-empty `readers`, its refusal's change not yet chosen.
fn refuse(name: &str, value: &str, readers: &[Reader]) -> Result<String, ReaderRefusal> {
    // (misreaders, reason of the first one) of the best encoding so far
    let mut best: Option<(Vec<Reader>, &'static str)> = None;
    for encoding in Encoding::ALL {
        let Some(written) = encoding.write(value) else {
            continue;
        };
        let line = format!("{name}={written}");
        let mut misreaders = Vec::new();
        let mut first_reason = None;
        for &r in readers {
            if let Some(reason) = r.misreads(encoding, value, &line) {
                first_reason.get_or_insert(reason);
                if !misreaders.contains(&r) {
                    misreaders.push(r);
                }
            }
        }
        let Some(reason) = first_reason else {
            return Ok(line);
        };
        if best
            .as_ref()
            .is_none_or(|(m, _)| misreaders.len() < m.len())
        {
            best = Some((misreaders, reason));
        }
    }
    Err(match best {
        Some((misreaders, reason)) => ReaderRefusal {
            reader: misreaders[0],
            reason,
            carriers: readers
                .iter()
                .copied()
                .filter(|r| !misreaders.contains(r))
                .fold(Vec::new(), |mut v, r| {
                    if !v.contains(&r) {
                        v.push(r);
                    }
                    v
                }),
            change: Change::Format,
        },
        None => ReaderRefusal {
            reader: readers[0],
            reason: if value.contains('\\') {
                "contains a backslash together with `'`, `\"`, `$` or backtick, which dotenv readers unescape differently"
            } else {
                "contains a single quote together with `\"`, `$` or backtick, so neither quote style reads back the same"
            },
            carriers: Vec::new(),
            change: Change::Format,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEM: &str = "-----BEGIN KEY-----\nMIIB\n-----END KEY-----\n";

    #[test]
    fn names_round_trip_through_clap() {
        for &r in Reader::value_variants() {
            assert_eq!(Reader::from_str(r.name(), false), Ok(r));
        }
    }

    #[test]
    fn a_pem_key_is_refused_by_default_naming_a_reader_and_carried_for_python_and_node() {
        let r = encode("K", PEM, &[]).unwrap_err();
        assert!(Reader::DEFAULT.contains(&r.reader));
        assert!(!r.carriers.is_empty());
        assert!(r.suggest().contains("--reader "));
        assert_eq!(
            encode("K", PEM, &[Reader::PythonDotenv, Reader::NodeDotenv]).unwrap(),
            format!("K='{PEM}'")
        );
        // Ruby needs `\n`; bash reads it as two characters.
        assert_eq!(
            encode("K", "a\nb", &[Reader::RubyDotenv, Reader::Phpdotenv]).unwrap(),
            "K=\"a\\nb\""
        );
        let r = encode("K", "a\nb", &[Reader::RubyDotenv, Reader::Bash]).unwrap_err();
        assert_eq!(r.reader, Reader::RubyDotenv);
        assert_eq!(r.carriers, [Reader::Bash]);
    }

    #[test]
    fn injection_lines_are_refused_for_line_splitting_readers() {
        for reader in [
            Reader::Gotenv,
            Reader::Viper,
            Reader::RubyDotenv,
            Reader::DjangoEnviron,
        ] {
            for v in ["x\nDB_SOURCE=evil", "x\u{2028}DB=1", "x\rDB=1"] {
                if let Ok(line) = encode("K", v, &[reader]) {
                    assert!(
                        !line.contains(['\n', '\r', '\u{2028}']) || reader != Reader::DjangoEnviron,
                        "{reader:?} {v:?} -> {line:?}"
                    );
                    assert!(!line.contains(['\n', '\r']), "{reader:?} {v:?} -> {line:?}");
                }
            }
        }
    }

    #[test]
    fn django_quirks() {
        let d = [Reader::DjangoEnviron];
        assert!(encode("K", "\"dq wrapped\"", &d).is_err());
        assert!(encode("K", "$HOME", &d).is_err());
        assert_eq!(encode("K", "a\"b", &d).unwrap(), "K='a\"b'");
        assert_eq!(encode("K", "'sq'", &d).unwrap(), "K=\"'sq'\"");
    }

    #[test]
    fn php_lines_match_phpdotenv() {
        assert!(!php_one_entry("K='a=\"b'"));
        assert!(php_one_entry("K='a=\"\"'"));
        assert!(php_one_entry("K=\"x\""));
        assert!(php_one_entry("K='plain'"));
        assert!(php_one_entry("K=\"l1\nl2\""));
        assert!(php_one_entry("K=\"l1\n\""));
        assert!(!php_one_entry("K=\"l1"));
        // Found by the conformance suite: the closing line holds `="`.
        assert!(!php_one_entry("K=\"_Z} *=\n/0=\""));
    }

    #[test]
    fn docker_gets_bare_values_only() {
        assert_eq!(
            encode("K", "abc-1.2", &[Reader::Docker]).unwrap(),
            "K=abc-1.2"
        );
        let r = encode("K", "a b", &[Reader::Docker, Reader::Bash]).unwrap_err();
        assert_eq!(r.reader, Reader::Docker);
        assert!(r.reason.contains("--format docker"));
    }
}

/// Issue 22: how many generated passwords each reader (alone, and the
/// default set) refuses — the figures of the README's reader table.
#[cfg(test)]
mod generated {
    use super::*;
    use crate::passwords::Seeded;

    /// Passwords measured: 32 characters, `GetRandomPassword`'s defaults.
    const N: usize = 2000;

    fn refused(readers: &[Reader], passwords: &[String]) -> usize {
        passwords
            .iter()
            .filter(|p| encode("K", p, readers).is_err())
            .count()
    }

    /// `refused` of `N` as the README prints it: a percentage, one decimal.
    fn percent(refused: usize) -> String {
        format!("{:.1} %", refused as f64 * 100.0 / N as f64)
    }

    /// The measured figures, by `--reader` name (`default`: no `--reader`).
    fn measured() -> Vec<(&'static str, String)> {
        let passwords = Seeded::new(2026).passwords(N, 32);
        let mut out = vec![("default", percent(refused(&[], &passwords)))];
        for &r in Reader::value_variants() {
            out.push((r.name(), percent(refused(&[r], &passwords))));
        }
        out
    }

    #[test]
    fn generated_password_refusals() {
        let passwords = Seeded::new(2026).passwords(N, 32);
        // Shell double quotes with escapes carry any password.
        for r in [Reader::Bash, Reader::Dash, Reader::Systemd] {
            assert_eq!(refused(&[r], &passwords), 0, "{}", r.name());
        }
        // Without EXCLUDE's characters, no password is refused by the default set.
        let mut rng = Seeded::new(7);
        let excluded: Vec<String> = (0..N)
            .map(|_| {
                rng.password(40)
                    .chars()
                    .filter(|c| !EXCLUDE.contains(*c))
                    .collect()
            })
            .collect();
        assert_eq!(refused(&[], &excluded), 0);
    }

    /// The README's reader table prints the measured figures.
    #[test]
    fn the_readme_prints_the_measured_refusal_rates() {
        let readme = include_str!("../../../README.md");
        let mut lines = readme.lines();
        let header = lines
            .find(|l| l.contains("| generated passwords refused |"))
            .expect("the README's reader table has a `generated passwords refused` column");
        let cells =
            |l: &str| -> Vec<String> { l.split('|').map(|c| c.trim().to_string()).collect() };
        let column = cells(header)
            .iter()
            .position(|c| c == "generated passwords refused")
            .unwrap();
        let mut printed = std::collections::BTreeMap::new();
        for line in lines.skip(1).take_while(|l| l.starts_with('|')) {
            let row = cells(line);
            if let Some(name) = row[1].strip_prefix('`').and_then(|r| r.split('`').next()) {
                printed.insert(name.to_string(), row[column].clone());
            }
        }
        for (name, figure) in measured() {
            if name == "default" {
                let sentence = format!("The default set refuses {figure} of them");
                assert!(readme.contains(&sentence), "README lacks {sentence:?}");
            } else {
                assert_eq!(printed.get(name), Some(&figure), "README row of `{name}`");
            }
        }
    }
}
