//! Fuzz target for the env-file encoders (`aws_secrets_env::render::render`).
//!
//! For each value taken from the input and each format, `render` must either
//! refuse (an `Error::Refused` whose message does not depend on the value) or
//! write bytes that a strict in-process re-parser for that format reads back as
//! exactly the names and values given, in order. The re-parsers accept only what
//! the encoders are documented to write (src/render/*.rs module docs and
//! shared/reference/env-formats.md §5), with the readers' semantics. Whether a
//! value is refused is checked against a model of the documented rules too.
//!
//! Input: the whole input (lossy UTF-8) is one value rendered alone as `K0`; if
//! the input contains a 0xFF byte, the parts before and after the first one are
//! also rendered together as `K0` and `K1`.

#![no_main]

use aws_secrets_env::error::Error;
use aws_secrets_env::render::{Format, render};
use aws_secrets_env::secret::{Secret, Variable};
use libfuzzer_sys::fuzz_target;

/// docker/cli reads env files with a bufio.Scanner of this token limit.
const DOCKER_MAX_LINE: usize = 65_535;

type Pairs = Vec<(String, String)>;

fuzz_target!(|data: &[u8]| {
    let whole = String::from_utf8_lossy(data);
    check(&[&whole]);
    if let Some(i) = data.iter().position(|&b| b == 0xFF) {
        let a = String::from_utf8_lossy(&data[..i]);
        let b = String::from_utf8_lossy(&data[i + 1..]);
        check(&[&a, &b]);
    }
});

fn variables(values: &[&str], names: &[String]) -> Vec<Variable> {
    values
        .iter()
        .zip(names)
        .map(|(v, name)| Variable::new(name.clone(), Secret::new(*v), format!("fuzz input `{name}`")))
        .collect()
}

fn check(values: &[&str]) {
    let names: Vec<String> = (0..values.len()).map(|i| format!("K{i}")).collect();
    let vars = variables(values, &names);
    let expected: Pairs = names
        .iter()
        .zip(values)
        .map(|(n, v)| (n.clone(), (*v).to_string()))
        .collect();
    for &format in Format::all() {
        // The first variable the documented rules refuse, if any: render stops there.
        let refused = names
            .iter()
            .zip(values)
            .find(|(n, v)| model_refuses(format, n, v))
            .map(|(n, _)| n.as_str());
        match render(format, &vars, &[]) {
            Ok(bytes) => {
                if let Some(name) = refused {
                    panic!(
                        "{}: `{name}` was written, but the documented rules refuse it",
                        format.name()
                    );
                }
                check_output(format, &expected, &bytes);
            }
            Err(err) => check_refusal(format, values, refused, &err),
        }
    }
}

/// Whether the documented rules (module docs of src/render/*.rs) refuse `v`.
fn model_refuses(format: Format, name: &str, v: &str) -> bool {
    let nul = v.contains('\0');
    // Unicode noncharacters, which systemd rejects (dotenv and systemd refuse).
    let nonchar = v.chars().any(|c| {
        let n = c as u32;
        (0xFDD0..=0xFDEF).contains(&n) || n & 0xFFFE == 0xFFFE
    });
    match format {
        Format::Shell => nul,
        Format::Systemd => nul || nonchar,
        Format::Json | Format::Yaml => false,
        // The default readers (python-dotenv … django-environ, bash, dash,
        // systemd): `K='v'` or `K="v"` on one line, or refused.
        Format::Dotenv => {
            let line_break = v.contains([
                '\r', '\n', '\u{b}', '\u{c}', '\u{1c}', '\u{1d}', '\u{1e}', '\u{85}', '\u{2028}',
                '\u{2029}',
            ]);
            let single = !v.contains('\'')
                && !v.contains("${")
                && !v.contains("\\\\")
                && !v.ends_with('\\')
                && !v.contains("\\$")
                && !(v.len() >= 2 && v.starts_with('"') && v.ends_with('"'))
                && !php_starts_multiline(&format!("K='{v}'"));
            let double = !v.contains(['"', '\\', '$', '`']);
            // Debian's gotenv stops at a line over 64 KiB.
            let long = name.len() + 3 + v.len() >= 65_535;
            nul || nonchar || line_break || long || v.starts_with('$') || !(single || double)
        }
        Format::Docker => {
            let b = v.as_bytes();
            nul || v.contains('\n')
                || v.ends_with('\r')
                || (b.len() >= 2 && matches!(b[0], b'"' | b'\'') && b[0] == b[b.len() - 1])
                || name.len() + 1 + v.len() > DOCKER_MAX_LINE
        }
        // K0/K1 are never reserved names; a value cannot contain a fresh
        // random delimiter it was written before.
        Format::GithubEnv => nul || v.ends_with('\r') || v.contains("\r\n"),
    }
}

/// phpdotenv 5.4 reads a line holding `="` and at most one `"` after a
/// character other than `\` as the start of a multi-line value.
fn php_starts_multiline(line: &str) -> bool {
    let chars: Vec<char> = line.chars().collect();
    line.contains("=\"")
        && chars
            .windows(2)
            .filter(|w| w[0] != '\\' && w[1] == '"')
            .count()
            <= 1
}

/// Values each format refuses, one per documented reason: a refusal message
/// must be exactly the message of the example with the same reason.
fn canonical_refused(format: Format) -> Vec<String> {
    let mut v: Vec<String> = vec!["\0".into()];
    match format {
        Format::Dotenv => {
            v.extend(
                [
                    "\u{ffff}",
                    "a\rb",
                    "${",
                    "a\\",
                    "a\\$b",
                    "a\nb",
                    "a\u{2028}b",
                    "$a",
                    "\"x\"",
                    "a=\"b",
                    "'\"",
                    "'\\",
                    "$\\",
                ]
                .map(String::from),
            );
            v.push("x".repeat(65_535));
        }
        Format::Systemd => v.push("\u{ffff}".into()),
        Format::Docker => {
            v.extend(["a\nb", "a\r", "'x'"].map(String::from));
            v.push("x".repeat(DOCKER_MAX_LINE));
        }
        Format::GithubEnv => v.push("a\r".into()),
        _ => {}
    }
    v
}

fn check_refusal(format: Format, values: &[&str], refused: Option<&str>, err: &Error) {
    // `dotenv` names the reader that would misread the value as well.
    let (Error::Refused {
        key,
        format: fname,
        reason,
        ..
    }
    | Error::RefusedForReader {
        key,
        format: fname,
        reason,
        ..
    }) = err
    else {
        panic!(
            "{}: render failed with a non-refusal error: {err}",
            format.name()
        );
    };
    assert_eq!(*fname, format.name(), "refusal names the wrong format");
    match refused {
        Some(name) => assert_eq!(key, name, "{}: refusal names the wrong key", format.name()),
        None => panic!(
            "{}: `{key}` refused ({reason}), but the documented rules accept it",
            format.name()
        ),
    }
    let msg = err.to_string();
    assert!(
        !msg.contains(['\n', '\r', '\0']),
        "{}: refusal message is not one line: {msg:?}",
        format.name()
    );
    // The message must not depend on the value: it equals the message for a
    // fixed example refused for the same reason under the same key.
    let canonical = canonical_messages(format, key);
    let Some((_, example, expected)) = canonical.iter().find(|(r, _, _)| r == reason) else {
        panic!(
            "{}: refusal reason with no canonical example: {reason}",
            format.name()
        );
    };
    // Except, for `dotenv`, the `--reader` list it suggests: the readers of
    // the set that do carry this value (reader names, never value text).
    let (stated, suggested) = msg.split_once("; use ").unwrap_or((&msg, ""));
    let expected = expected.split_once("; use ").map_or(expected.as_str(), |(s, _)| s);
    assert_eq!(
        stated,
        expected,
        "{}: refusal message depends on the value (example {example:?})",
        format.name()
    );
    if let Some(list) = suggested.strip_prefix("`--reader ") {
        let readers = list.split('`').next().unwrap_or_default();
        assert!(
            readers
                .split(',')
                .all(|r| r.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')),
            "{}: the suggested readers are not reader names: {msg:?}",
            format.name()
        );
    }
    for v in values {
        // A value that is part of the fixed wording (e.g. "`${`") is no leak:
        // the message for some other value has it too.
        let wording = canonical
            .iter()
            .any(|(_, c, m)| !c.contains(*v) && m.contains(*v));
        if v.len() >= 4 && msg.contains(*v) && !wording {
            panic!(
                "{}: refusal message contains the value: {msg:?}",
                format.name()
            );
        }
    }
}

type Canonical = Vec<(&'static str, String, String)>;

/// (reason, example value, message) of each canonical refusal of `format`
/// for `key`, computed once.
fn canonical_messages(format: Format, key: &str) -> std::rc::Rc<Canonical> {
    thread_local! {
        static CACHE: std::cell::RefCell<std::collections::HashMap<(&'static str, String), std::rc::Rc<Canonical>>> =
            Default::default();
    }
    CACHE.with(|cache| {
        cache
            .borrow_mut()
            .entry((format.name(), key.to_string()))
            .or_insert_with(|| {
                let list = canonical_refused(format)
                    .into_iter()
                    .map(|example| {
                        let vars = variables(&[&example], &[key.to_string()]);
                        match render(format, &vars, &[]) {
                            Err(
                                e @ (Error::Refused { reason, .. }
                                | Error::RefusedForReader { reason, .. }),
                            ) => (reason, example, e.to_string()),
                            other => panic!("canonical example {example:?} not refused: {other:?}"),
                        }
                    })
                    .collect();
                std::rc::Rc::new(list)
            })
            .clone()
    })
}

fn check_output(format: Format, expected: &Pairs, bytes: &[u8]) {
    let f = format.name();
    let text =
        std::str::from_utf8(bytes).unwrap_or_else(|e| panic!("{f}: output is not UTF-8: {e}"));
    assert!(text.ends_with('\n'), "{f}: output does not end with LF");
    assert!(!text.contains('\0'), "{f}: output contains NUL");
    assert!(
        !text.starts_with('\u{feff}'),
        "{f}: output starts with a BOM"
    );
    // Raw CR may appear only inside values of the formats that carry it
    // literally; everywhere else (and in the syntax around values) never.
    let value_crs: usize = expected.iter().map(|(_, v)| v.matches('\r').count()).sum();
    let allowed_crs = match format {
        Format::Shell | Format::Systemd | Format::Docker | Format::GithubEnv => value_crs,
        Format::Dotenv | Format::Json | Format::Yaml => 0,
    };
    assert_eq!(
        text.matches('\r').count(),
        allowed_crs,
        "{f}: raw CR outside a value"
    );
    if format == Format::GithubEnv {
        assert!(
            !text.contains("\r\n"),
            "{f}: CRLF, which Windows runners split on"
        );
    }

    let parsed = match format {
        Format::Shell => parse_shell(text),
        Format::Dotenv => parse_dotenv(text),
        Format::Systemd => parse_systemd(text),
        Format::Docker => parse_docker(text),
        Format::GithubEnv => parse_github_env(text).and_then(|strict| {
            for windows in [false, true] {
                let runner = runner_github_env(text, windows)?;
                if runner != strict {
                    return Err(format!("runner port (windows={windows}) reads {runner:?}"));
                }
            }
            Ok(strict)
        }),
        Format::Json => parse_json(text),
        Format::Yaml => parse_yaml(text),
    };
    match parsed {
        Ok(pairs) => assert_eq!(
            &pairs, expected,
            "{f}: does not read back\noutput: {text:?}"
        ),
        Err(e) => panic!("{f}: strict re-parse failed: {e}\noutput: {text:?}"),
    }
}

// ---------------------------------------------------------------------------
// Strict re-parsers. Each returns the (name, value) pairs in file order.

/// A name matching `^[A-Za-z_][A-Za-z0-9_]*$` at the start of `s`.
fn take_name(s: &str) -> Result<(String, &str), String> {
    let end = s
        .find(|c: char| !(c == '_' || c.is_ascii_alphanumeric()))
        .unwrap_or(s.len());
    let name = &s[..end];
    match name.chars().next() {
        Some(c) if c == '_' || c.is_ascii_alphabetic() => Ok((name.to_string(), &s[end..])),
        _ => Err(format!("no valid name at {:?}", head(s))),
    }
}

fn head(s: &str) -> &str {
    match s.char_indices().nth(24) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

fn expect<'a>(s: &'a str, token: &str) -> Result<&'a str, String> {
    s.strip_prefix(token)
        .ok_or_else(|| format!("expected {token:?} at {:?}", head(s)))
}

/// `export K=WORD\n`, WORD a POSIX concatenation of `'...'` and `\'`.
fn parse_shell(text: &str) -> Result<Pairs, String> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        rest = expect(rest, "export ")?;
        let (name, r) = take_name(rest)?;
        rest = expect(r, "=")?;
        let mut value = String::new();
        let mut tokens = 0;
        loop {
            if let Some(r) = rest.strip_prefix('\'') {
                let end = r.find('\'').ok_or("unterminated single quote")?;
                value.push_str(&r[..end]);
                rest = &r[end + 1..];
            } else if let Some(r) = rest.strip_prefix("\\'") {
                value.push('\'');
                rest = r;
            } else if let Some(r) = rest.strip_prefix('\n') {
                rest = r;
                break;
            } else {
                return Err(format!("unquoted text at {:?}", head(rest)));
            }
            tokens += 1;
        }
        if tokens == 0 {
            return Err("unquoted empty value".into());
        }
        out.push((name, value));
    }
    Ok(out)
}

/// `K='v'\n` (v without `'` and `\`) or, only when v has a `'`,
/// `K="v"\n` (v without `"`, `\`, `$`, backtick). Never CR or `${`.
fn parse_dotenv(text: &str) -> Result<Pairs, String> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let (name, r) = take_name(rest)?;
        let r = expect(r, "=")?;
        let (value, r) = if let Some(r) = r.strip_prefix('\'') {
            let end = r.find('\'').ok_or("unterminated single quote")?;
            (&r[..end], &r[end + 1..])
        } else if let Some(r) = r.strip_prefix('"') {
            let end = r.find('"').ok_or("unterminated double quote")?;
            let v = &r[..end];
            if v.contains(['\\', '$', '`']) {
                return Err("backslash, `$` or backtick inside double quotes".into());
            }
            if !v.contains('\'') {
                return Err("double quotes for a value single quotes can carry".into());
            }
            (v, &r[end + 1..])
        } else {
            return Err(format!("unquoted value at {:?}", head(r)));
        };
        if value.contains('\r') || value.contains("${") {
            return Err("CR or `${` inside a value".into());
        }
        rest = expect(r, "\n")?;
        out.push((name, value.to_string()));
    }
    Ok(out)
}

/// `K="v"\n` with `\` before each `\`, `"`, `$`, backtick, and only those.
fn parse_systemd(text: &str) -> Result<Pairs, String> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let (name, r) = take_name(rest)?;
        let r = expect(r, "=\"")?;
        let mut value = String::new();
        let mut chars = r.char_indices();
        let end = loop {
            match chars.next() {
                None => return Err("unterminated double quote".into()),
                Some((i, '"')) => break i + 1,
                Some((_, '\\')) => match chars.next() {
                    Some((_, c @ ('\\' | '"' | '$' | '`'))) => value.push(c),
                    other => return Err(format!("backslash before {other:?}")),
                },
                Some((_, c @ ('$' | '`'))) => return Err(format!("unescaped {c:?}")),
                Some((_, c)) => value.push(c),
            }
        };
        rest = expect(&r[end..], "\n")?;
        out.push((name, value));
    }
    Ok(out)
}

/// `K=v\n`, v the rest of the line taken literally, as docker/cli reads it.
fn parse_docker(text: &str) -> Result<Pairs, String> {
    let mut out = Vec::new();
    for line in text.split_terminator('\n') {
        if line.len() > DOCKER_MAX_LINE {
            return Err("line longer than docker's scanner takes".into());
        }
        let (name, r) = take_name(line)?;
        let value = expect(r, "=")?;
        if value.ends_with('\r') {
            return Err("trailing CR, which docker's scanner drops".into());
        }
        let b = value.as_bytes();
        if b.len() >= 2 && matches!(b[0], b'"' | b'\'') && b[0] == b[b.len() - 1] {
            return Err("value wrapped in matching quotes (docker/cli#6046 strips them)".into());
        }
        out.push((name, value.to_string()));
    }
    Ok(out)
}

/// `K<<DELIM\nvalue\nDELIM\n`, DELIM `ghadelimiter_` + 32 hex digits, fresh
/// per value, and no line of the value equal to it.
fn parse_github_env(text: &str) -> Result<Pairs, String> {
    let mut out = Vec::new();
    let mut delims = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let (name, r) = take_name(rest)?;
        let r = expect(r, "<<")?;
        let (delim, mut r) = r.split_once('\n').ok_or("header without LF")?;
        let hex = delim
            .strip_prefix("ghadelimiter_")
            .ok_or("delimiter without the ghadelimiter_ prefix")?;
        if hex.len() != 32 || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(format!(
                "delimiter is not 32 lowercase hex digits: {delim:?}"
            ));
        }
        if delims.contains(&delim) {
            return Err("delimiter reused".into());
        }
        delims.push(delim);
        let mut lines = Vec::new();
        loop {
            let (line, after) = r.split_once('\n').ok_or("heredoc not closed")?;
            r = after;
            if line == delim {
                break;
            }
            lines.push(line);
        }
        if lines.is_empty() {
            return Err("heredoc without a value line".into());
        }
        rest = r;
        out.push((name, lines.join("\n")));
    }
    for (_, value) in &out {
        for delim in &delims {
            if value.split('\n').any(|l| l == *delim) {
                return Err("a value line equals a delimiter".into());
            }
        }
    }
    Ok(out)
}

/// actions/runner `FileCommandManager` (`EnvFileKeyValuePairs`): lines split
/// on LF, and on Windows runners also on CRLF.
fn runner_github_env(text: &str, windows: bool) -> Result<Pairs, String> {
    // (line, newline length) from `*idx`, or None at the end.
    fn read_line<'a>(text: &'a str, idx: &mut usize, windows: bool) -> Option<(&'a str, usize)> {
        let start = *idx;
        if start >= text.len() {
            return None;
        }
        let Some(lf) = text[start..].find('\n').map(|i| start + i) else {
            *idx = text.len();
            return Some((&text[start..], 0));
        };
        if windows {
            if let Some(crlf) = text[start..].find("\r\n").map(|i| start + i) {
                if crlf < lf {
                    *idx = crlf + 2;
                    return Some((&text[start..crlf], 2));
                }
            }
        }
        *idx = lf + 1;
        Some((&text[start..lf], 1))
    }

    let mut out = Vec::new();
    let mut idx = 0;
    while let Some((line, _)) = read_line(text, &mut idx, windows) {
        if line.is_empty() {
            continue;
        }
        let eq = line.find('=');
        let hd = line.find("<<");
        let (name, value) = match (eq, hd) {
            (Some(e), h) if h.is_none_or(|h| e < h) => (&line[..e], line[e + 1..].to_string()),
            (_, Some(h)) => {
                let (name, delim) = (&line[..h], &line[h + 2..]);
                if name.is_empty() || delim.is_empty() {
                    return Err(format!("Invalid format '{line}'"));
                }
                let start = idx;
                let mut end = idx;
                loop {
                    let Some((cur, nl)) = read_line(text, &mut idx, windows) else {
                        return Err(format!("Matching delimiter not found '{delim}'"));
                    };
                    if cur == delim {
                        break;
                    }
                    if nl == 0 {
                        return Err("EOF marker missing new line".into());
                    }
                    end = idx - nl;
                }
                (
                    name,
                    if end > start {
                        text[start..end].to_string()
                    } else {
                        String::new()
                    },
                )
            }
            _ => return Err(format!("Invalid format '{line}'")),
        };
        if name.is_empty() {
            return Err(format!("Invalid format '{line}'. Name must not be empty"));
        }
        out.push((name.to_string(), value));
    }
    Ok(out)
}

fn parse_json(text: &str) -> Result<Pairs, String> {
    let doc: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let serde_json::Value::Object(map) = doc else {
        return Err("not a JSON object".into());
    };
    map.into_iter()
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => Ok((k, s)),
            other => Err(format!("`{k}` is not a string: {other}")),
        })
        .collect()
}

/// `"K": "v"\n` per variable, both double-quoted scalars on one line.
fn parse_yaml(text: &str) -> Result<Pairs, String> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let (name, r) = yaml_double_quoted(rest)?;
        if !matches!(take_name(&name), Ok((ref n, "")) if *n == name) {
            return Err(format!("key {name:?} is not an env name"));
        }
        let r = expect(r, ": ")?;
        let (value, r) = yaml_double_quoted(r)?;
        rest = expect(r, "\n")?;
        out.push((name, value));
    }
    Ok(out)
}

/// YAML 1.2 c-printable: the only characters a YAML stream may hold.
fn yaml_printable(c: char) -> bool {
    matches!(c as u32,
        0x09 | 0x0A | 0x0D | 0x20..=0x7E | 0x85 | 0xA0..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

/// A double-quoted scalar at the start of `s`, limited to the escapes the
/// encoder writes (`\" \\ \n \r \t \uXXXX`), with every character the
/// documented rules escape (C0, DEL, C1, U+2028/9, BOM) and every character
/// YAML does not allow raw in a stream refused when raw.
fn yaml_double_quoted(s: &str) -> Result<(String, &str), String> {
    let r = expect(s, "\"")?;
    let mut out = String::new();
    let mut chars = r.char_indices();
    loop {
        match chars.next() {
            None => return Err("unterminated double-quoted scalar".into()),
            Some((i, '"')) => return Ok((out, &r[i + 1..])),
            Some((_, '\\')) => match chars.next() {
                Some((_, '"')) => out.push('"'),
                Some((_, '\\')) => out.push('\\'),
                Some((_, 'n')) => out.push('\n'),
                Some((_, 'r')) => out.push('\r'),
                Some((_, 't')) => out.push('\t'),
                Some((i, 'u')) => {
                    let hex = r.get(i + 1..i + 5).ok_or("short \\u escape")?;
                    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                        return Err(format!("bad \\u escape {hex:?}"));
                    }
                    let code = u32::from_str_radix(hex, 16).map_err(|e| e.to_string())?;
                    let c = char::from_u32(code).ok_or("\\u escape of a surrogate")?;
                    out.push(c);
                    for _ in 0..4 {
                        chars.next();
                    }
                }
                other => return Err(format!("unexpected escape {other:?}")),
            },
            Some((_, c)) => {
                let must_escape = (c as u32) < 0x20
                    || (0x7F..=0x9F).contains(&(c as u32))
                    || matches!(c, '\u{2028}' | '\u{2029}' | '\u{FEFF}');
                if must_escape || !yaml_printable(c) {
                    return Err(format!(
                        "raw {c:?} (U+{:04X}) in a double-quoted scalar",
                        c as u32
                    ));
                }
                out.push(c);
            }
        }
    }
}
