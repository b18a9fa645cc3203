//! `systemd`: `EnvironmentFile=` (systemd `env-file.c`) — double quotes with a
//! backslash before `\`, `"`, `$` and backtick, line breaks kept literally, no
//! `export` (systemd drops such lines). Also valid POSIX shell.

use super::format::{NONCHARACTER, NUL, Refusal, has_noncharacter};

pub(super) fn line(name: &str, value: &str) -> Result<String, Refusal> {
    if value.contains('\0') {
        return Err(NUL);
    }
    if has_noncharacter(value) {
        return Err(NONCHARACTER);
    }
    let mut out = String::with_capacity(name.len() + value.len() + 3);
    out.push_str(name);
    out.push_str("=\"");
    for c in value.chars() {
        if matches!(c, '\\' | '"' | '$' | '`') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_the_four_specials_only() {
        assert_eq!(
            line("K", r#"a\b"c$d`e'f"#).unwrap(),
            r#"K="a\\b\"c\$d\`e'f""#
        );
        assert_eq!(line("K", "l1\nl2\r").unwrap(), "K=\"l1\nl2\r\"");
        // Regression (conformance suite): systemd rejects noncharacters.
        for bad in ["\u{ffff}", "a\u{fffe}", "\u{fdd0}", "\u{10ffff}"] {
            assert!(line("K", bad).is_err(), "{bad:?}");
        }
        assert!(line("K", "\u{fffd}\u{fdcf}\u{fdf0}").is_ok());
    }
}
