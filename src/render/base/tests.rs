//! The base grammar: what each format's lines may be, what is kept, what is refused.

use super::*;
use crate::secret::Secret;

fn var(name: &str, value: &str) -> Variable {
    Variable::new(name, Secret::new(value), format!("secret `s` key `{name}`"))
}

fn fill(format: Format, base: &str, vars: &[Variable]) -> String {
    let file = EnvFile::parse(format, base.as_bytes()).expect("base parses");
    String::from_utf8(file.fill(format, vars, &[]).unwrap()).unwrap()
}

fn error(format: Format, base: &str) -> LineError {
    EnvFile::parse(format, base.as_bytes())
        .err()
        .expect("base is refused")
}

#[test]
fn dotenv_keeps_every_byte_but_the_replaced_values() {
    let base = "# c\n\n  # indented\nexport A=\"old\" # note\nB='x y'\nC=plain  # tail\nM='one\ntwo'\nA=again";
    assert_eq!(
        fill(Format::Dotenv, base, &[var("A", "new"), var("M", "m")]),
        "# c\n\n  # indented\nexport A='new' # note\nB='x y'\nC=plain  # tail\nM='m'\nA='new'"
    );
    let file = EnvFile::parse(Format::Dotenv, base.as_bytes()).unwrap();
    assert_eq!(file.keys().collect::<Vec<_>>(), ["A", "B", "C", "M", "A"]);
    assert_eq!(file.values()[0], ("A".into(), "again".into()));
}

#[test]
fn appended_keys_are_sorted_after_the_comment() {
    assert_eq!(
        fill(Format::Dotenv, "", &[var("Z", "1"), var("A", "2")]),
        format!("{APPENDED}\nA='2'\nZ='1'\n")
    );
    assert_eq!(
        fill(Format::Shell, "K=1", &[var("B", "it's")]),
        format!("K=1\n{APPENDED}\nexport B='it'\\''s'\n")
    );
}

#[test]
fn refusals_are_the_encoders() {
    let file = EnvFile::parse(Format::Dotenv, b"K=1\n").unwrap();
    let err = file
        .fill(Format::Dotenv, &[var("K", "a\\b'")], &[])
        .unwrap_err();
    // The dotenv encoder's own refusal, naming the reader.
    assert!(matches!(err, Error::RefusedForReader { .. }), "{err}");
}

#[test]
fn lines_that_are_not_read_exactly_are_named_by_number() {
    for (format, base, line, reason) in [
        (
            Format::Dotenv,
            "A=1\nnot an assignment\n",
            2,
            NOT_ASSIGNMENT,
        ),
        (Format::Dotenv, "A = 1\n", 1, NOT_ASSIGNMENT),
        (Format::Dotenv, "1A=1\n", 1, NOT_ASSIGNMENT),
        (Format::Dotenv, "A=1\nB='open\nC=3\n", 2, UNCLOSED),
        (Format::Dotenv, "A=it's\n", 1, UNQUOTED),
        (Format::Dotenv, "A='x' y\n", 1, TRAILING),
        (Format::Dotenv, "A=1\r\n", 1, CR),
        (Format::Dotenv, "\u{feff}A=1\n", 1, BOM),
        (Format::Shell, "A=a b\n", 1, TRAILING),
        (Format::Shell, "A=$(id)\n", 1, SHELL_SYNTAX),
        (Format::Shell, "A=\"`id`\"\n", 1, SHELL_SYNTAX),
        (Format::Shell, "A=x;y\n", 1, SHELL_SYNTAX),
        (Format::Shell, "A=x\\\ny\n", 1, SHELL_SYNTAX),
        (Format::Docker, "export A=1\n", 1, NOT_ASSIGNMENT),
        (Format::Docker, "BARE\n", 1, NOT_ASSIGNMENT),
        (Format::Systemd, "export A=1\n", 1, NOT_ASSIGNMENT),
        (Format::Systemd, "A='x' # c\n", 1, TRAILING),
        (Format::Systemd, "A=a\\b\n", 1, UNQUOTED),
    ] {
        let e = error(format, base);
        assert_eq!(
            (e.line, e.reason),
            (line, reason),
            "{base:?} as {}",
            format.name()
        );
    }
    let e = EnvFile::parse(Format::Dotenv, b"A=1\nB=\xff\n")
        .err()
        .unwrap();
    assert_eq!((e.line, e.reason), (2, NOT_UTF8));
}

#[test]
fn shell_words_docker_raw_and_systemd_comments() {
    assert_eq!(
        fill(
            Format::Shell,
            "A='it'\\''s'\"x\"y # c\nB=$HOME/x\n",
            &[var("A", "v")]
        ),
        "A='v' # c\nB=$HOME/x\n"
    );
    assert_eq!(
        fill(
            Format::Docker,
            "# c\nA=raw 'x' # not a comment \nB=1\n",
            &[var("A", "v w")]
        ),
        "# c\nA=v w\nB=1\n"
    );
    assert_eq!(
        fill(
            Format::Systemd,
            "; c\nA=\"a\\\"b\"  \nB=x\n",
            &[var("A", "$")]
        ),
        "; c\nA=\"\\$\"  \nB=x\n"
    );
}

/// python-dotenv and node dotenv read `\'` inside single quotes as an
/// escaped quote, so `A='x\'` runs on to the next quote for them: the line
/// reads differently, and is refused (red team L6).
#[test]
fn a_single_quoted_dotenv_value_ending_in_a_backslash_is_refused() {
    let base = "A='x\\'\nDB_PASSWORD=placeholder\n# '\n";
    assert_eq!(
        error(Format::Dotenv, base),
        LineError {
            line: 1,
            reason: BACKSLASH_QUOTE
        }
    );
    // Shells read it as `x\`, as the shell grammar does.
    assert_eq!(fill(Format::Shell, "A='x\\'\n", &[]), "A='x\\'\n");
}

/// Lines that run code when a shell sources the file are refused by every
/// grammar that a shell may source (red team I1): command substitution in
/// double quotes or unquoted, and expansions beyond `${NAME}` and its
/// default forms (`${B@P}` runs the command substitutions held in B).
#[test]
fn lines_that_run_code_when_sourced_are_refused() {
    for (format, base) in [
        (Format::Dotenv, "A=\"$(touch pwned)\"\n"),
        (Format::Dotenv, "A=\"x`touch pwned`\"\n"),
        (Format::Dotenv, "A=$(touch pwned)\n"),
        (Format::Dotenv, "A=\"${B@P}\"\n"),
        (Format::Dotenv, "A=${B@P}\n"),
        (Format::Shell, "B='$(touch pwned)'\nA=${B@P}\n"),
        (Format::Shell, "A=\"${B@P}\"\n"),
        (Format::Shell, "A=${B:C}\n"),
        (Format::Shell, "A=${B:-$(touch pwned)}\n"),
    ] {
        let err = error(format, base);
        assert_eq!(err.reason, SHELL_SYNTAX, "{format:?} {base:?}");
    }
    // Plain and default expansions stay, as python-dotenv and shells read them.
    for (format, base) in [
        (Format::Dotenv, "A=\"${B}\"\nC=\"${D:-x y}\"\nE=${F-g}\n"),
        (Format::Shell, "A=\"${B}\"\nC=${D:-x}\nE=$F\n"),
    ] {
        assert_eq!(fill(format, base, &[]), base, "{format:?}");
    }
}
