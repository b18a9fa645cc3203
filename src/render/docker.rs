//! `docker`: `docker run --env-file` (docker/cli `pkg/kvfile`) takes the rest
//! of the line after the first `=` literally — no quotes, no escapes — so a
//! value is written raw, and whatever that reader cannot carry is refused.

use super::format::{NUL, Refusal};

/// bufio.Scanner's token limit in docker/cli: longer lines fail to load.
pub(super) const MAX_LINE: usize = 65_535;

const SUGGEST: &str = "`--format dotenv` with Docker Compose `env_file:`, or `--format json`";

pub(super) fn line(name: &str, value: &str) -> Result<String, Refusal> {
    if value.contains('\0') {
        return Err(NUL);
    }
    if value.contains('\n') {
        return Err(Refusal {
            reason: "contains a line break, and docker env files are one line per variable",
            suggest: SUGGEST,
        });
    }
    if value.ends_with('\r') {
        return Err(Refusal {
            reason: "ends with a carriage return (CR), which docker's line scanner drops",
            suggest: SUGGEST,
        });
    }
    let bytes = value.as_bytes();
    if bytes.len() >= 2 && matches!(bytes[0], b'"' | b'\'') && bytes[0] == bytes[bytes.len() - 1] {
        return Err(Refusal {
            reason: "is wrapped in matching quotes, which docker keeps today but is set to strip (docker/cli#6046)",
            suggest: SUGGEST,
        });
    }
    if name.len() + 1 + value.len() > MAX_LINE {
        return Err(Refusal {
            reason: "makes a line longer than 65,535 bytes, which docker cannot read",
            suggest: SUGGEST,
        });
    }
    Ok(format!("{name}={value}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_values_and_refusals() {
        assert_eq!(
            line("K", "a 'b' \"c\" $d #e").unwrap(),
            "K=a 'b' \"c\" $d #e"
        );
        assert_eq!(line("K", "a\rb").unwrap(), "K=a\rb");
        assert_eq!(line("K", "'").unwrap(), "K='");
        for bad in ["a\nb", "a\r", "'quoted'", "\"q\"", "\0"] {
            assert!(line("K", bad).is_err(), "{bad:?}");
        }
        assert!(line("K", &"x".repeat(MAX_LINE - 2)).is_ok());
        assert!(line("K", &"x".repeat(MAX_LINE - 1)).is_err());
    }
}
