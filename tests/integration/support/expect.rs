//! Expectations stated before the run, as in just's `Test` builder
//! (`tests/test.rs` in casey/just): the exit status, stdout and stderr
//! compared exactly, and files, all checked by `Test::run`, every mismatch
//! reported at once with a line diff.
//!
//! ```ignore
//! Test::new()
//!     .secret("k", r#"{"present":"x"}"#)
//!     .select("k:absent")
//!     .status(1)
//!     .stderr("aws-secrets-env: error: secret `[test]-k` has no JSON key `absent`\n")
//!     .expect_no_file("app.env")
//!     .run();
//! ```
//!
//! Once anything is stated, what is not stated is expected empty (stdout,
//! stderr) or 0 (the status). The text compared is the run's output after
//! `Test::normalize`: the test's temporary directory reads `[dir]`, the moto
//! endpoint `[moto]`, and this test's unique name prefix `[test]-` (in SSM
//! paths `/[test]/`), so expected text holds no port or temporary path.

use super::{MOTO, Outcome, Test};
use std::fmt::Write as _;

/// What a stream must hold.
enum Expected {
    /// Exactly this text (the default).
    Exact(String),
    /// Each of these pieces, somewhere: for text that is not deterministic.
    Contains(Vec<String>),
    /// Exactly this text once the `::add-mask::` lines are left out: for a
    /// stream that carries the masks of many values with their derived forms
    /// (`mask.rs`'s own tests state those), which the test checks through
    /// `Outcome::masks`.
    ExactBesidesMasks(String),
    /// Not compared by `run`: data the test reads from the returned
    /// `Outcome` itself (`out.json()` of an `--output -` run).
    ReadAfter,
}

#[derive(Default)]
pub(super) struct Expectations {
    status: Option<i32>,
    stdout: Option<Expected>,
    stderr: Option<Expected>,
    /// Files in the test's directory: `Some(contents)`, or `None` for absent.
    files: Vec<(String, Option<String>)>,
}

impl Expectations {
    fn stated(&self) -> bool {
        self.status.is_some()
            || self.stdout.is_some()
            || self.stderr.is_some()
            || !self.files.is_empty()
    }

    /// The exit status stated, if any.
    pub(super) fn status(&self) -> Option<i32> {
        self.status
    }
}

impl Test {
    /// The run must exit with `code` (0 if never stated).
    #[must_use = "expectations are checked by .run()"]
    pub(crate) fn status(mut self, code: i32) -> Test {
        self.expect.status = Some(code);
        self
    }

    /// Standard output must be exactly `text` (after `normalize`).
    #[must_use = "expectations are checked by .run()"]
    pub(crate) fn stdout(mut self, text: impl Into<String>) -> Test {
        self.expect.stdout = Some(Expected::Exact(text.into()));
        self
    }

    /// Standard output must contain `piece` (after `normalize`): for output
    /// with parts that are not stated, such as the masks before a plan. May
    /// be called more than once.
    #[must_use = "expectations are checked by .run()"]
    pub(crate) fn stdout_contains(mut self, piece: impl Into<String>) -> Test {
        match &mut self.expect.stdout {
            Some(Expected::Contains(pieces)) => pieces.push(piece.into()),
            _ => self.expect.stdout = Some(Expected::Contains(vec![piece.into()])),
        }
        self
    }

    /// Standard error must be exactly `text` (after `normalize`).
    #[must_use = "expectations are checked by .run()"]
    pub(crate) fn stderr(mut self, text: impl Into<String>) -> Test {
        self.expect.stderr = Some(Expected::Exact(text.into()));
        self
    }

    /// Standard output is data the test checks itself on the returned
    /// `Outcome` (`out.json()`, `out.stdout`), so `run` does not compare it;
    /// stderr and the status are still compared exactly.
    #[must_use = "expectations are checked by .run()"]
    pub(crate) fn stdout_read_after(mut self) -> Test {
        self.expect.stdout = Some(Expected::ReadAfter);
        self
    }

    /// Standard error, its `::add-mask::` lines left out, must be exactly
    /// `text` (after `normalize`): for an `--output -` run whose masks, many
    /// values each with its derived forms, go to stderr; the test checks the
    /// masks itself through `Outcome::masks`.
    #[must_use = "expectations are checked by .run()"]
    pub(crate) fn stderr_besides_masks(mut self, text: impl Into<String>) -> Test {
        self.expect.stderr = Some(Expected::ExactBesidesMasks(text.into()));
        self
    }

    /// After the run, file `name` in the test's directory holds exactly
    /// `contents`.
    #[must_use = "expectations are checked by .run()"]
    pub(crate) fn expect_file(mut self, name: &str, contents: impl Into<String>) -> Test {
        self.expect.files.push((name.into(), Some(contents.into())));
        self
    }

    /// After the run, there is no file `name` in the test's directory.
    #[must_use = "expectations are checked by .run()"]
    pub(crate) fn expect_no_file(mut self, name: &str) -> Test {
        self.expect.files.push((name.into(), None));
        self
    }

    /// `text` with what changes from run to run replaced by placeholders:
    /// `[dir]` for the test's directory, `[moto]` for the moto endpoint,
    /// `[test]-` for this test's name prefix (`/[test]/` in SSM paths).
    pub(crate) fn normalize(&self, text: &str) -> String {
        let mut text = text.to_string();
        let dir = self.dir.path();
        if let Ok(real) = dir.canonicalize() {
            text = text.replace(&real.display().to_string(), "[dir]");
        }
        text = text.replace(&dir.display().to_string(), "[dir]");
        if let Some(moto) = MOTO.get() {
            text = text.replace(&moto.endpoint, "[moto]");
        }
        let stem = self.prefix.trim_end_matches('-');
        text.replace(&self.prefix, "[test]-")
            .replace(&format!("/{stem}/"), "/[test]/")
    }
}

impl Outcome {
    /// Asserts what the test stated before the run, if it stated anything;
    /// every mismatch is reported, each stream with a diff.
    #[track_caller]
    pub(super) fn check_expectations(&self) {
        let expect = &self.test.expect;
        if !expect.stated() {
            return;
        }
        let mut report = String::new();
        let status = expect.status.unwrap_or(0);
        if self.code != Some(status) {
            let _ = writeln!(
                report,
                "exit status: expected {status}, got {:?}",
                self.code
            );
        }
        let empty = Expected::Exact(String::new());
        for (name, expected, actual) in [
            ("stdout", expect.stdout.as_ref(), &self.stdout),
            ("stderr", expect.stderr.as_ref(), &self.stderr),
        ] {
            compare(
                &mut report,
                name,
                expected.unwrap_or(&empty),
                &self.test.normalize(actual),
            );
        }
        for (name, expected) in &expect.files {
            let actual = std::fs::read_to_string(self.test.path(name)).ok();
            match (expected, actual) {
                (None, None) => {}
                (None, Some(_)) => {
                    let _ = writeln!(report, "file {name}: expected none, but the run left one");
                }
                (Some(_), None) => {
                    let _ = writeln!(report, "file {name}: expected, but there is none");
                }
                (Some(want), Some(have)) => {
                    compare(
                        &mut report,
                        &format!("file {name}"),
                        &Expected::Exact(want.clone()),
                        &have,
                    );
                }
            }
        }
        if !report.is_empty() {
            let _ = write!(
                report,
                "--- the whole run, normalized\nexit status: {:?}\nstdout:\n{}\nstderr:\n{}",
                self.code,
                self.test.normalize(&self.stdout),
                self.test.normalize(&self.stderr)
            );
            panic!("the run did not do what the test expected:\n{report}");
        }
    }
}

/// Appends to `report` how `actual` differs from `expected`, if it does.
fn compare(report: &mut String, name: &str, expected: &Expected, actual: &str) {
    match expected {
        Expected::Exact(want) if want != actual => {
            let _ = writeln!(
                report,
                "{name} differs (- expected, + actual):\n{}",
                diff(want, actual)
            );
        }
        Expected::Contains(pieces) => {
            for piece in pieces.iter().filter(|p| !actual.contains(p.as_str())) {
                let _ = writeln!(report, "{name} lacks {piece:?}");
            }
        }
        Expected::ExactBesidesMasks(want) => {
            let rest: String = actual
                .split_inclusive('\n')
                .filter(|line| !line.starts_with("::add-mask::"))
                .collect();
            if *want != rest {
                let _ = writeln!(
                    report,
                    "{name} besides its masks differs (- expected, + actual):\n{}",
                    diff(want, &rest)
                );
            }
        }
        Expected::Exact(_) | Expected::ReadAfter => {}
    }
}

/// How `actual` differs from `expected`, as a line diff (`- ` expected,
/// `+ ` actual), for checks made outside `Test::run` (a running process).
pub(super) fn line_diff(expected: &str, actual: &str) -> String {
    diff(expected, actual)
}

/// A line diff of two texts (longest common subsequence): `  ` for a line
/// both have, `- ` for one only `expected` has, `+ ` for one only `actual`
/// has. Lines are shown escaped if they hold control characters or end in
/// white space, and a last line without a newline is marked.
fn diff(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.split_inclusive('\n').collect();
    let b: Vec<&str> = actual.split_inclusive('\n').collect();
    // lcs[i][j]: the length of the longest common subsequence of a[i..] and b[j..].
    let mut lcs = vec![vec![0_usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut out = String::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            show(&mut out, ' ', a[i]);
            (i, j) = (i + 1, j + 1);
        } else if j == b.len() || (i < a.len() && lcs[i + 1][j] >= lcs[i][j + 1]) {
            show(&mut out, '-', a[i]);
            i += 1;
        } else {
            show(&mut out, '+', b[j]);
            j += 1;
        }
    }
    out
}

fn show(out: &mut String, mark: char, line: &str) {
    let (text, newline) = match line.strip_suffix('\n') {
        Some(text) => (text, true),
        None => (line, false),
    };
    let plain = !text.chars().any(char::is_control) && !text.ends_with(char::is_whitespace);
    let _ = if plain {
        write!(out, "{mark} {text}")
    } else {
        write!(out, "{mark} {text:?}")
    };
    out.push_str(if newline {
        "\n"
    } else {
        " (no newline at end)\n"
    });
}

#[cfg(test)]
mod tests {
    use super::{Expected, compare, diff};

    #[test]
    fn besides_masks_leaves_out_only_the_mask_lines() {
        let actual = "\n::add-mask::v\nwrote 1\n::add-mask::w\n";
        let mut report = String::new();
        compare(
            &mut report,
            "stderr",
            &Expected::ExactBesidesMasks("\nwrote 1\n".into()),
            actual,
        );
        assert_eq!(report, "");
        compare(
            &mut report,
            "stderr",
            &Expected::ExactBesidesMasks("wrote 1\n".into()),
            actual,
        );
        assert!(
            report.contains("stderr besides its masks differs"),
            "{report}"
        );
    }

    #[test]
    fn diff_marks_lines_only_one_side_has() {
        assert_eq!(diff("a\nb\nc\n", "a\nx\nc\n"), "  a\n- b\n+ x\n  c\n");
        assert_eq!(diff("a\n", "a"), "- a\n+ a (no newline at end)\n");
        assert_eq!(diff("", "tab\t \n"), "+ \"tab\\t \"\n");
    }
}
