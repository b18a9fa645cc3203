//! `dotenv`: no syntax is read alike by every dotenv reader, so the encoder
//! writes each value in the first encoding ([`readers::Encoding`]) that every
//! reader of the file reads back exactly — `K='v'`, `K="v"`, `K="…\\n…"`,
//! `K=v`, and each reader's own escapes: `K="…\\"…\\$…"` (bash, dash,
//! systemd, gotenv, Ruby), `K="…\\"…"` (python-dotenv, phpdotenv), `` K=`…` ``
//! (node dotenv) — or refuses, naming the first reader that would misread it
//! and the one change that carries it (a `--reader` list, `ExcludeCharacters`
//! for a generated password, or a format). The readers are the ones named with
//! `--reader`, or [`Reader::DEFAULT`]: python-dotenv, node dotenv, dotenvx,
//! godotenv, gotenv, viper, Ruby dotenv, phpdotenv, django-environ, bash,
//! dash and systemd (measured: tests/readers/, docs/research/env-formats.md).

pub(super) mod readers;

use super::format::{NUL, Refusal};
use crate::error::Error;
use crate::secret::Variable;
pub use readers::Reader;

/// `K=v` for the default readers, or a refusal (the per-line entry point of
/// `render`; [`document`] also names the reader and the `--reader` choice).
pub(super) fn line(name: &str, value: &str) -> Result<String, Refusal> {
    if value.contains('\0') {
        return Err(NUL);
    }
    match readers::encode(name, value, &Reader::DEFAULT) {
        Ok(line) => Ok(line),
        Err(r) => Err(Refusal {
            reason: r.reason,
            suggest: "`--reader` naming only the readers of the file, `--format shell` (for `source`) or `--format json`",
        }),
    }
}

/// The whole file for the readers in `readers` (empty: [`Reader::DEFAULT`]):
/// one `K=v` line per variable, each read back exactly by every one of them,
/// or the first refusal, which names the key, the format, the reader and the
/// `--reader` choice that would carry the value — never the value.
#[cfg(test)]
fn document(variables: &[Variable], readers: &[Reader]) -> Result<String, Error> {
    let mut out = String::new();
    for v in variables {
        out.push_str(&encode_for(v, readers)?);
        out.push('\n');
    }
    Ok(out)
}

/// One variable's line for the readers in `readers` (empty:
/// [`Reader::DEFAULT`]), or the refusal naming the key, the format, the
/// reader and the `--reader` choice that would carry the value.
pub(super) fn encode_for(v: &Variable, readers: &[Reader]) -> Result<String, Error> {
    let value = v.value.expose();
    if value.contains('\0') {
        return Err(Error::Refused {
            key: v.name.clone(),
            format: "dotenv",
            reason: NUL.reason,
            suggest: NUL.suggest,
        });
    }
    readers::encode(&v.name, value, readers).map_err(|r| Error::RefusedForReader {
        key: v.name.clone(),
        format: "dotenv",
        reader: r.reader.name(),
        reason: r.reason,
        suggest: r.suggest(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn var(value: &str) -> Variable {
        Variable::new("K", Secret::new(value), "test")
    }

    #[test]
    fn quoting_choices() {
        assert_eq!(line("K", "plain").unwrap(), "K='plain'");
        assert_eq!(line("K", "").unwrap(), "K=''");
        assert_eq!(line("K", "a b#c;d$e\"f`g").unwrap(), "K='a b#c;d$e\"f`g'");
        assert_eq!(line("K", "it's").unwrap(), "K=\"it's\"");
        assert_eq!(line("K", "a\\b").unwrap(), "K='a\\b'");
        // Regression (issue 14): Ruby dotenv, viper and gotenv read the second
        // line as a variable of its own.
        assert!(line("K", "multi\nline").is_err());
        assert!(line("K", "x\nDB_SOURCE=evil").is_err());
    }

    #[test]
    fn refusals_name_the_reason_not_the_value() {
        for (value, word) in [
            ("a\rb", "carriage return"),
            ("${HOME}", "`${`"),
            ("it's $5", "single quote"),
            ("it's \\", "backslash"),
            ("a\0b", "NUL"),
            ("a\nb", "line break"),
            ("\"dq wrapped\"", "double quotes"),
        ] {
            let r = line("K", value).unwrap_err();
            assert!(r.reason.contains(word), "{value:?}: {}", r.reason);
            assert!(!r.reason.contains(value));
        }
    }

    #[test]
    fn document_names_the_reader_and_the_reader_choice() {
        let pem = "-----BEGIN KEY-----\nMIIB\n-----END KEY-----\n";
        let err = document(&[var(pem)], &[]).unwrap_err().to_string();
        assert!(err.contains("`K`") && err.contains("`dotenv`"), "{err}");
        assert!(err.contains("to reader `"), "{err}");
        assert!(err.contains("--reader python-dotenv,node-dotenv"), "{err}");
        assert!(!err.contains("MIIB"), "{err}");
        let ok = document(&[var(pem)], &[Reader::PythonDotenv, Reader::NodeDotenv]).unwrap();
        assert_eq!(ok, format!("K='{pem}'\n"));
        let err = document(&[var("a\0b")], &[Reader::Bash]).unwrap_err();
        assert!(err.to_string().contains("NUL"));
    }
}

/// Issue 22: each refusal names the one change that carries the value.
#[cfg(test)]
mod messages {
    use super::*;
    use crate::secret::Secret;

    fn refusal(value: &str, readers: &[Reader]) -> String {
        let v = Variable::new("DB_PASSWORD", Secret::new(value), "test");
        encode_for(&v, readers).unwrap_err().to_string()
    }

    #[test]
    fn a_generated_password_is_told_the_characters_to_exclude() {
        assert_eq!(
            refusal("k'9\"Xq2$mZ!p7@Lw#r4^Tn8&Vb1*Hs6", &[]),
            "format `dotenv` cannot carry the value of `DB_PASSWORD` to reader `python-dotenv`: \
             it contains a single quote together with `\"`, `$` or backtick, which needs escapes \
             this reader does not read back exactly; use a password generated with \
             `ExcludeCharacters` set to `\"'\\$` (every reader of the file reads the others \
             alike) instead"
        );
    }

    #[test]
    fn named_readers_are_narrowed_to_those_that_carry_the_value() {
        assert_eq!(
            refusal(
                "k'9\"Xq2$mZ!p7@Lw#r4^Tn8&Vb1*Hs6",
                &[Reader::PythonDotenv, Reader::Bash]
            ),
            "format `dotenv` cannot carry the value of `DB_PASSWORD` to reader `python-dotenv`: \
             it contains a single quote together with `\"`, `$` or backtick, which needs escapes \
             this reader does not read back exactly; use `--reader bash` if only those read the \
             file instead"
        );
    }

    #[test]
    fn a_pem_key_is_told_the_readers_that_carry_it() {
        assert_eq!(
            refusal("-----BEGIN KEY-----\nMIIB\n-----END KEY-----\n", &[]),
            "format `dotenv` cannot carry the value of `DB_PASSWORD` to reader `gotenv`: it \
             contains a line break, and Debian's gotenv (also under viper 1.10) ends the line \
             there, raw or written `\\n`: a later line can even set another variable; use \
             `--reader python-dotenv,node-dotenv,dotenvx,godotenv,phpdotenv,bash,dash,systemd` \
             if only those read the file instead"
        );
    }

    #[test]
    fn a_value_no_reader_of_the_set_carries_is_told_a_format() {
        assert_eq!(
            refusal("line one\n$HOME", &[Reader::DjangoEnviron]),
            "format `dotenv` cannot carry the value of `DB_PASSWORD` to reader `django-environ`: \
             it contains a line break (LF, VT, FF, U+001C–U+001E, U+0085, U+2028 or U+2029), \
             where django-environ's `str.splitlines()` ends the line; use `--format shell` (for \
             `source`) or `--format json` instead"
        );
    }
}
