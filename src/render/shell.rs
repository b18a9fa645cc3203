//! `shell`: `export K='v'`, each `'` written `'\''` — POSIX single quotes are
//! fully literal, so bash and dash read back every value but NUL.

use super::format::{NUL, Refusal};

pub(super) fn line(name: &str, value: &str) -> Result<String, Refusal> {
    if value.contains('\0') {
        return Err(NUL);
    }
    Ok(format!("export {name}='{}'", value.replace('\'', "'\\''")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_quotes_are_closed_escaped_and_reopened() {
        assert_eq!(line("K", "it's").unwrap(), "export K='it'\\''s'");
        assert_eq!(line("K", "$(x)\n`y`\\").unwrap(), "export K='$(x)\n`y`\\'");
        assert!(line("K", "\0").is_err());
    }
}
