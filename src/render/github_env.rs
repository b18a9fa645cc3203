//! `github-env`: the `$GITHUB_ENV` file syntax of actions/runner's
//! `FileCommandManager` — every value as a `K<<DELIM` heredoc with a fresh
//! random delimiter, and names that would change how later steps run refused.

use super::format::{NUL, Refusal};
use crate::github::heredoc;

const SUGGEST: &str = "a plain file (`--format dotenv` or `shell`) read by the step that needs it";

pub(super) fn line(name: &str, value: &str) -> Result<String, Refusal> {
    if crate::names::policy::denied(name).is_some() {
        return Err(Refusal {
            reason: "has a name that would change how later steps run (see `--allow-reserved-names` in the README)",
            suggest: SUGGEST,
        });
    }
    if value.contains('\0') {
        return Err(NUL);
    }
    if value.ends_with('\r') || value.contains("\r\n") {
        return Err(Refusal {
            reason: "contains CR before a line break, which Windows runners drop",
            suggest: SUGGEST,
        });
    }
    Ok(heredoc(name, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heredoc_with_fresh_delimiters() {
        let a = line("K", "x\ny").unwrap();
        let b = line("K", "x\ny").unwrap();
        assert_ne!(a, b);
        let (head, rest) = a.split_once('\n').unwrap();
        let delim = head.strip_prefix("K<<").unwrap();
        assert_eq!(delim.len(), "ghadelimiter_".len() + 32);
        assert_eq!(rest, format!("x\ny\n{delim}"));
    }

    #[test]
    fn refuses_names_that_change_later_steps() {
        for name in [
            "PATH",
            "LD_PRELOAD",
            "NODE_OPTIONS",
            "GITHUB_TOKEN",
            "RUNNER_TEMP",
            "BASH_ENV",
        ] {
            assert!(line(name, "v").is_err(), "{name}");
        }
        assert!(line("DB_PATH", "v").is_ok());
        assert!(
            line("K", "a\r").is_err() && line("K", "a\r\nb").is_err() && line("K", "a\rb").is_ok()
        );
    }
}
