//! `write --dry-run`: the plan of a write that is not made — one line per
//! variable with its name, its state against the current output file (added,
//! kept, removed) and its source. No value, hash or length reaches the plan.
//!
//! Values are compared only with `--compare-values` (kept becomes changed or
//! unchanged). By default they are not: whoever controls the current file
//! (a committed app.env) and reads the log could otherwise test a guess of
//! each value per run (issue 21, L5). A keyed hash with a per-run key would
//! not help — the answer, not the comparison, is the oracle.

use crate::error::sanitize;
use crate::github::{Append, markdown_text, name_cell};
use crate::render::{self, Format, Written};
use crate::secret::Variable;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

/// A variable's state against the current output file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Added,
    /// In the current file and in the new one; values not compared.
    Kept,
    Changed,
    Unchanged,
    Removed,
}

impl State {
    fn word(self) -> &'static str {
        match self {
            State::Added => "added",
            State::Kept => "kept",
            State::Changed => "changed",
            State::Unchanged => "unchanged",
            State::Removed => "removed",
        }
    }
}

/// One line of the plan.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Line {
    pub name: String,
    pub state: State,
    pub source: String,
}

/// The source of a key only the current file has.
const CURRENT_ONLY: &str = "the current file only";

/// Compares the bytes a write would make with the current file's (`None`:
/// there is none): the names, and the values too when `values` is set.
/// `source` names where a key of the new bytes comes from.
/// Values are compared, not their spelling: a variable's value against the
/// value the current file's readers read back, where they all read it the
/// same (`'postgres'` and `postgres` are unchanged); else as written.
/// Also returns false when the current file could not be read as `format`.
pub(crate) fn compare(
    format: Format,
    new: &[u8],
    current: Option<&[u8]>,
    variables: &[Variable],
    source: &dyn Fn(&str) -> String,
    values: bool,
) -> (Vec<Line>, bool) {
    let blank = || Written {
        spelling: String::new(),
        value: None,
    };
    let mut new = render::comparable(format, new).unwrap_or_else(|| {
        // Not reached for the tool's own output; the names still hold.
        variables
            .iter()
            .map(|v| (v.name.clone(), blank()))
            .collect()
    });
    // A variable's own value is exact, however the encoder spelled it.
    for (name, written) in &mut new {
        if let Some(v) = variables.iter().rev().find(|v| v.name == *name) {
            written.value = Some(v.value.expose().to_string());
        }
    }
    let (old, readable) = match current.map(|bytes| render::comparable(format, bytes)) {
        None => (Vec::new(), true),
        Some(Some(old)) => (old, true),
        Some(None) => (Vec::new(), false),
    };
    let mut lines: Vec<Line> = new
        .iter()
        .map(|(name, written)| Line {
            name: name.clone(),
            state: match old.iter().find(|(k, _)| k == name) {
                None => State::Added,
                Some(_) if !values => State::Kept,
                Some((_, before)) if before.same(written) => State::Unchanged,
                Some(_) => State::Changed,
            },
            source: source(name),
        })
        .collect();
    lines.extend(
        old.iter()
            .filter(|(k, _)| !new.iter().any(|(n, _)| n == k))
            .map(|(k, _)| Line {
                name: k.clone(),
                state: State::Removed,
                source: CURRENT_ONLY.into(),
            }),
    );
    (lines, readable)
}

/// The plan as printed: a header, then `  STATE  NAME  SOURCE` aligned.
pub(crate) fn text(target: &str, format: Format, lines: &[Line]) -> String {
    let mut out = format!(
        "aws-secrets-env: plan for {} ({}); dry run, nothing written:\n",
        sanitize(target),
        format.name()
    );
    // A removed name comes from the current file: outside text.
    let names: Vec<String> = lines.iter().map(|l| sanitize(&l.name)).collect();
    let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
    for (l, name) in lines.iter().zip(&names) {
        let _ = writeln!(
            out,
            "  {:<9}  {name:<width$}   {}",
            l.state.word(),
            sanitize(&l.source)
        );
    }
    if lines.is_empty() {
        out.push_str("  (no variables)\n");
    }
    out
}

/// The plan for the job summary: a table of names, states and sources.
pub(crate) fn summary(target: &str, format: Format, lines: &[Line]) -> String {
    let cell = |s: &str| markdown_text(&sanitize(s));
    let mut out = format!(
        "### aws-secrets-env (dry run)\n\nPlan for {} (format `{}`); nothing written.\n\n\
         | Variable | State | Source |\n|---|---|---|\n",
        cell(target),
        format.name()
    );
    for l in lines {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            name_cell(&l.name),
            l.state.word(),
            cell(&l.source)
        );
    }
    out.push('\n');
    out
}

/// How a plan is made: the format, where it would be written (`None`:
/// standard output or no file) and how that is shown, whether values are
/// compared (`--compare-values`).
pub(crate) struct Plan<'a> {
    pub format: Format,
    pub target: Option<&'a Path>,
    pub shown: &'a str,
    pub compare_values: bool,
}

/// Prints the plan of writing `new`, and appends it to the job summary
/// under Actions.
pub(crate) fn show(
    plan: &Plan<'_>,
    options: &crate::write::Options,
    new: &[u8],
    variables: &[Variable],
    source: &dyn Fn(&str) -> String,
) -> Result<(), crate::error::Error> {
    let Plan {
        format,
        target,
        shown,
        compare_values,
    } = *plan;
    // Read as `--base` is: only a regular file (a FIFO or a device is not
    // waited on), capped; anything else counts as no current file.
    let current = target.and_then(|p| crate::write::read(p, options).ok());
    let (lines, readable) = compare(
        format,
        new,
        current.as_deref(),
        variables,
        source,
        compare_values,
    );
    if !readable {
        eprintln!(
            "aws-secrets-env: notice: the current file is not {} as this tool writes it; \
             the plan counts every variable as added",
            format.name()
        );
    }
    let summary = Append::open("GITHUB_STEP_SUMMARY", summary(shown, format, &lines))?;
    let mut out = std::io::stdout().lock();
    out.write_all(text(shown, format, &lines).as_bytes())
        .and_then(|()| out.flush())
        .map_err(crate::error::Error::Stdout)?;
    if let Some(summary) = summary {
        summary.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn var(name: &str, value: &str) -> Variable {
        Variable::new(name, Secret::new(value), format!("secret `s` key `{name}`"))
    }

    #[test]
    fn four_states_and_no_value_in_any_line() {
        let vars = [var("A", "v-same"), var("B", "v-new"), var("C", "v-fresh")];
        let new = render::render(Format::Dotenv, &vars, &[]).unwrap();
        let current = b"A='v-same'\nB='v-old'\nD='v-gone'\n";
        let source = |name: &str| format!("secret `s` key `{name}`");
        let states = |values: bool| {
            let (lines, readable) =
                compare(Format::Dotenv, &new, Some(current), &vars, &source, values);
            assert!(readable);
            let shown = text("app.env", Format::Dotenv, &lines)
                + &summary("app.env", Format::Dotenv, &lines);
            for value in ["v-same", "v-new", "v-old", "v-fresh", "v-gone"] {
                assert!(!shown.contains(value), "{value} in {shown}");
            }
            lines
                .iter()
                .map(|l| (l.name.clone(), l.state))
                .collect::<Vec<_>>()
        };
        let named = |v: [(&str, State); 4]| v.map(|(n, s)| (n.to_string(), s)).to_vec();
        assert_eq!(
            states(true),
            named([
                ("A", State::Unchanged),
                ("B", State::Changed),
                ("C", State::Added),
                ("D", State::Removed)
            ])
        );
        // Issue 21 / review L5: by default the values are not compared.
        assert_eq!(
            states(false),
            named([
                ("A", State::Kept),
                ("B", State::Kept),
                ("C", State::Added),
                ("D", State::Removed)
            ])
        );
        let (_, readable) = compare(Format::Json, b"{}", Some(b"not json"), &[], &source, true);
        assert!(!readable);
    }

    /// Issue 22: the same value quoted otherwise is unchanged; a spelling
    /// readers may read differently is compared as written.
    #[test]
    fn values_are_compared_not_their_quoting() {
        let vars = [var("A", "v-same"), var("B", "a\\b"), var("C", "x")];
        let new = render::render(Format::Dotenv, &vars, &[]).unwrap();
        let source = |name: &str| format!("secret `s` key `{name}`");
        let current = b"A=v-same\nB=\"a\\\\b\"\nC=\"x\"\n";
        let (lines, _) = compare(Format::Dotenv, &new, Some(current), &vars, &source, true);
        let states: Vec<State> = lines.iter().map(|l| l.state).collect();
        assert_eq!(states, [State::Unchanged, State::Changed, State::Unchanged]);
    }
}
