//! Variable names: what a valid name is, how a raw key becomes one, and which
//! names are reserved because they change how programs or later steps run.
//!
//! Two lists of dangerous names, on purpose, because a file and an
//! environment reach different programs:
//! - [`reserved`] (here, 9 names and 6 prefixes), for a file (`--output`):
//!   the names that change how the loader, a shell that sources the file, or
//!   the runner behaves (`PATH`, `LD_*`, `BASH_ENV`, `GITHUB_*`…). The file's
//!   reader is the user's own app, which may well need `HTTPS_PROXY` or
//!   `JAVA_HOME`, so the list is short and `--allow-reserved-names` lifts it.
//! - `policy::denied` (`policy/deny.txt`, by program), for an export to
//!   later steps (`--export-env`, `--format github-env`) and `exec`'s
//!   command: there the value reaches every program those run, so every name
//!   that makes a program run code, load options or send traffic elsewhere is
//!   refused, and nothing lifts it.
//!
//! Every name [`reserved`] refuses is denied too (a unit test holds it).

pub(crate) mod policy;

use crate::error::Error;
use crate::secret::Variable;

/// Changes the case of every variable name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum NameTransformation {
    None,
    Uppercase,
    Lowercase,
}

/// `^[A-Za-z_][A-Za-z0-9_]*$`: a name every shell and env-file reader accepts.
#[must_use]
pub fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// Names that change how programs, shells or later workflow steps run: the
/// loader and shell (PATH, LD_*, DYLD_*, `BASH_ENV`, ENV, IFS, …), Node
/// (`NODE_OPTIONS`) and the runner (GITHUB_*, RUNNER_*, ACTIONS_*). A secret
/// key with such a name is refused unless the user says otherwise.
#[must_use]
pub fn reserved(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    EXACT.contains(&upper.as_str()) || PREFIXES.iter().any(|p| upper.starts_with(p))
}

/// The names [`reserved`] refuses.
const EXACT: [&str; 9] = [
    "PATH",
    "IFS",
    "ENV",
    "BASH_ENV",
    "SHELLOPTS",
    "BASHOPTS",
    "PS4",
    "PROMPT_COMMAND",
    "NODE_OPTIONS",
];
/// The prefixes of the names [`reserved`] refuses.
const PREFIXES: [&str; 6] = [
    "LD_",
    "DYLD_",
    "GITHUB_",
    "RUNNER_",
    "ACTIONS_",
    "BASH_FUNC_",
];

/// Refuses every variable with a [`reserved`] name; `hint` ends the message.
pub fn refuse_reserved(variables: &[Variable], hint: &'static str) -> Result<(), Error> {
    let errors: Vec<Error> = variables
        .iter()
        .filter(|v| reserved(&v.name))
        .map(|v| Error::Reserved {
            name: v.name.clone(),
            source_desc: v.source.clone(),
            hint,
        })
        .collect();
    Error::all(errors)
}

/// Where variables go beyond a file: later workflow steps (`--export-env`,
/// `--format github-env`) or a command's environment (`exec`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Destination {
    LaterSteps,
    Command,
}

/// The names the workflow declared for another process's environment: the
/// aliases of its selectors, `--allow-names` patterns, and (for `write`) the
/// keys of `--example` and `--base`. A secret chooses values, the repository
/// chooses names: a key that a secret adds and nothing declares is left out.
#[derive(Debug, Default)]
pub(crate) struct Declared {
    exact: Vec<String>,
    patterns: Vec<String>,
}

impl Declared {
    /// `exact` names (aliases, file keys) and `patterns` (`--allow-names`).
    pub(crate) fn new(exact: impl IntoIterator<Item = String>, patterns: &[String]) -> Declared {
        Declared {
            exact: exact.into_iter().collect(),
            patterns: patterns.to_vec(),
        }
    }

    /// Whether nothing at all is declared.
    pub(crate) fn is_empty(&self) -> bool {
        self.exact.is_empty() && self.patterns.is_empty()
    }

    /// Whether `name` is declared: equal to an exact name, or matched by a
    /// pattern (case-sensitively).
    pub(crate) fn covers(&self, name: &str) -> bool {
        self.exact.iter().any(|n| n == name) || policy::matches_any(&self.patterns, name)
    }
}

/// The variables `declared` covers (all of them for `None`: the drop-in,
/// or `exec` without `--allow-names`), and the names it leaves out, in order.
pub(crate) fn declared_only(
    variables: &[Variable],
    declared: Option<&Declared>,
) -> (Vec<Variable>, Vec<String>) {
    let mut kept = Vec::new();
    let mut left_out = Vec::new();
    for v in variables {
        if declared.is_none_or(|d| d.covers(&v.name)) {
            kept.push(v.clone());
        } else {
            left_out.push(v.name.clone());
        }
    }
    (kept, left_out)
}

/// Refuses, for every variable bound to another process's environment, a
/// name the [`policy`] denies, and for later steps a name the step's
/// environment already has unless `overwrite` names it. The caller has
/// already left out what the workflow did not declare ([`declared_only`]).
pub(crate) fn refuse_for(
    destination: Destination,
    variables: &[Variable],
    overwrite: &[String],
) -> Result<(), Error> {
    let verb = match destination {
        Destination::LaterSteps => "exported to later steps",
        Destination::Command => "set for the command",
    };
    let errors: Vec<Error> = variables
        .iter()
        .filter_map(|v| {
            let (name, source_desc) = (v.name.clone(), v.source.clone());
            if let Some(family) = policy::denied(&v.name) {
                Some(Error::Denied {
                    name,
                    source_desc,
                    verb,
                    article: family.article(),
                    family: family.name(),
                    reason: family.reason(),
                })
            } else if destination == Destination::LaterSteps
                && policy::refuses_replacing(&v.name, overwrite, |n| std::env::var_os(n).is_some())
            {
                Some(Error::Exists { name, source_desc })
            } else {
                None
            }
        })
        .collect();
    Error::all(errors)
}

/// The name rules: characters outside `[A-Za-z0-9_]` become `_`, a leading
/// digit gets a `_` in front, then the transformation applies.
#[must_use]
pub fn env_name(raw: &str, transformation: NameTransformation) -> String {
    let mut name: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    match transformation {
        NameTransformation::None => name,
        NameTransformation::Uppercase => name.to_ascii_uppercase(),
        NameTransformation::Lowercase => name.to_ascii_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names() {
        assert!(is_env_name("_a1") && is_env_name("DB_SOURCE"));
        assert!(!is_env_name("1a") && !is_env_name("a-b") && !is_env_name("") && !is_env_name("é"));
    }

    #[test]
    fn reserved_names() {
        for name in [
            "PATH",
            "path",
            "LD_PRELOAD",
            "DYLD_INSERT_LIBRARIES",
            "BASH_ENV",
            "ENV",
            "IFS",
            "NODE_OPTIONS",
            "GITHUB_TOKEN",
            "RUNNER_TEMP",
            "ACTIONS_RUNTIME_TOKEN",
            "PROMPT_COMMAND",
        ] {
            assert!(reserved(name), "{name}");
        }
        for name in [
            "DB_PATH",
            "PATHS",
            "ENVIRONMENT",
            "NODE_ENV",
            "GITHUB",
            "CI",
            "HOME",
        ] {
            assert!(!reserved(name), "{name}");
        }
    }

    /// The file list is a subset of the export deny set, in either case: a
    /// name too dangerous for a file is never exported or given to `exec`'s
    /// command.
    #[test]
    fn every_reserved_name_is_denied_for_exports_too() {
        let names = EXACT
            .iter()
            .map(|n| (*n).to_string())
            .chain(PREFIXES.iter().map(|p| format!("{p}X")));
        for name in names.flat_map(|n| [n.to_ascii_lowercase(), n]) {
            assert!(reserved(&name), "{name}");
            assert!(policy::denied(&name).is_some(), "{name}");
        }
    }

    #[test]
    fn name_rules() {
        assert_eq!(
            env_name("db.host-name", NameTransformation::None),
            "db_host_name"
        );
        assert_eq!(env_name("9lives", NameTransformation::Uppercase), "_9LIVES");
        assert_eq!(env_name("Ünï", NameTransformation::Lowercase), "_n_");
    }
}
