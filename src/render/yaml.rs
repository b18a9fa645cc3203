//! `yaml`: a mapping of double-quoted scalars, keys quoted too, so every YAML
//! 1.1 and 1.2 reader takes each as a string (no `yes`, `on`, `0x1F` or `1e3`
//! surprises), with everything outside printable text escaped.

use crate::secret::Variable;
use std::fmt::Write as _;

pub(super) fn document(variables: &[Variable]) -> String {
    if variables.is_empty() {
        return "{}\n".into();
    }
    let mut out = String::new();
    for v in variables {
        out.push_str(&quote(&v.name));
        out.push_str(": ");
        out.push_str(&quote(v.value.expose()));
        out.push('\n');
    }
    out
}

/// A YAML double-quoted scalar. Escapes `"` and `\`, C0 and C1 controls,
/// DEL, the line and paragraph separators and the BOM (which some readers
/// strip or fold), U+FFFE and U+FFFF (outside YAML's printable set: readers
/// reject them raw; found by fuzzing), and nothing else.
pub(super) fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20
                || (0x7f..=0x9f).contains(&(c as u32))
                || matches!(
                    c,
                    '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
                ) =>
            {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(quote("yes"), "\"yes\"");
        // Regression (fuzz/encoders): PyYAML and ruamel reject these raw.
        assert_eq!(quote("\u{FFFE}\u{FFFF}"), "\"\\uFFFE\\uFFFF\"");
        assert_eq!(
            quote("a\"b\\c\nd\te\u{0}\u{85}\u{2028}é"),
            "\"a\\\"b\\\\c\\nd\\te\\u0000\\u0085\\u2028é\""
        );
    }
}
