//! `dotenv`: the portable rule — single quotes, else double quotes, else
//! refuse — read identically by python-dotenv, node dotenv, dotenvx, dotenvy,
//! godotenv, gotenv/viper, Docker Compose, systemd, bash and dash
//! (measured: docs/research/env-formats.md §2).

use super::{NONCHARACTER, NUL, Refusal, has_noncharacter};

const SUGGEST: &str = "`--format shell` (for `source`) or `--format json`";

/// `K='v'` when v has no `'` and no `\`; else `K="v"` when v has none of
/// `"`, `\`, `$`, backtick; else a refusal. CR and `${` are refused outright.
pub(super) fn line(name: &str, value: &str) -> Result<String, Refusal> {
    if value.contains('\0') {
        return Err(NUL);
    }
    if has_noncharacter(value) {
        return Err(NONCHARACTER);
    }
    if value.contains('\r') {
        return Err(Refusal {
            reason: "contains a carriage return (CR), which python-dotenv, node dotenv and gotenv drop",
            suggest: SUGGEST,
        });
    }
    if value.contains("${") {
        return Err(Refusal {
            reason: "contains `${`, which python-dotenv expands even inside single quotes",
            suggest: SUGGEST,
        });
    }
    if !value.contains(['\'', '\\']) {
        return Ok(format!("{name}='{value}'"));
    }
    if !value.contains(['"', '\\', '$', '`']) {
        return Ok(format!("{name}=\"{value}\""));
    }
    Err(Refusal {
        reason: if value.contains('\\') {
            "contains a backslash together with `\"`, `$`, backtick or `'`, which dotenv readers unescape differently"
        } else {
            "contains a single quote together with `\"`, `$` or backtick, so neither quote style reads back the same everywhere"
        },
        suggest: SUGGEST,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_choices() {
        assert_eq!(line("K", "plain").unwrap(), "K='plain'");
        assert_eq!(line("K", "").unwrap(), "K=''");
        assert_eq!(line("K", "a b#c;d$e\"f`g").unwrap(), "K='a b#c;d$e\"f`g'");
        assert_eq!(line("K", "multi\nline").unwrap(), "K='multi\nline'");
        assert_eq!(line("K", "it's").unwrap(), "K=\"it's\"");
        assert_eq!(line("K", "a\\b").unwrap_err().suggest, SUGGEST);
    }

    #[test]
    fn refusals_name_the_reason_not_the_value() {
        for (value, word) in [
            ("a\rb", "carriage return"),
            ("${HOME}", "`${`"),
            ("it's $5", "single quote"),
            ("a\\b", "backslash"),
            ("a\0b", "NUL"),
        ] {
            let r = line("K", value).unwrap_err();
            assert!(r.reason.contains(word), "{value:?}: {}", r.reason);
            assert!(!r.reason.contains(value));
        }
    }
}
