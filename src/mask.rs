//! Masking: the `::add-mask::` lines that make GitHub (and act, Gitea, Forgejo)
//! hide every value, printed before anything else.

use crate::github::escape_data;
use crate::secret::Secret;
use std::collections::BTreeSet;

/// The mask lines for `values`: one per value, plus one per non-empty line of
/// a multi-line value (runners that do not split values themselves need
/// them). Empty values are skipped, duplicates dropped, and the longest comes
/// first: runners that apply masks in registration order would otherwise let
/// a short value such as `postgres` cut into `postgresql://…` and leave the
/// rest of the longer one readable.
pub(crate) fn mask_lines<'a>(values: impl IntoIterator<Item = &'a Secret>) -> Vec<String> {
    let mut texts = BTreeSet::new();
    for value in values {
        let value = value.expose();
        if value.trim().is_empty() {
            continue;
        }
        texts.insert(value.to_string());
        if value.contains(['\n', '\r']) {
            for line in value.split(['\n', '\r']) {
                let line = line.trim();
                if !line.is_empty() {
                    texts.insert(line.to_string());
                }
            }
        }
    }
    let mut texts: Vec<String> = texts.into_iter().collect();
    // Longest first; ties in byte order so the output is deterministic.
    texts.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    texts
        .iter()
        .map(|t| format!("::add-mask::{}", escape_data(t)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_percent_before_line_breaks() {
        assert_eq!(escape_data("50%\r\n%0A"), "50%25%0D%0A%250A");
    }

    #[test]
    fn longest_first_with_each_line_and_no_empties() {
        let values = [
            Secret::new("postgres"),
            Secret::new("postgresql://root:pw@host/db"),
            Secret::new(""),
            Secret::new("line one\n  line two \n\n"),
            Secret::new("postgres"),
        ];
        assert_eq!(
            mask_lines(&values),
            [
                "::add-mask::postgresql://root:pw@host/db",
                "::add-mask::line one%0A  line two %0A%0A",
                "::add-mask::line one",
                "::add-mask::line two",
                "::add-mask::postgres",
            ]
        );
    }
}
