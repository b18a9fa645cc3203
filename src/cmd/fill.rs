//! `write --base` and `--example`: both files read and checked before any
//! call to AWS, the base filled with the loaded variables, and every key of
//! the example held to what the secrets and the base provide — names only.

use crate::cli::WriteArgs;
use crate::error::{Error, sanitize};
use crate::github;
use crate::render::{self, EnvFile, Format, Reader};
use crate::secret::Variable;
use crate::write;
use std::path::{Path, PathBuf};

/// The files `--base` and `--example` name, read.
pub(crate) struct Files {
    base: Option<(PathBuf, EnvFile)>,
    example: Option<(PathBuf, Vec<String>)>,
}

impl Files {
    /// Reads both (the base first, so the output may be the base itself),
    /// with the output's rules (`write::read`).
    pub(crate) fn read(args: &WriteArgs, options: &write::Options) -> Result<Files, Error> {
        let format = args.format;
        if args.base.is_some() && !render::has_grammar(format) {
            let name = format.name();
            return Err(Error::Usage(format!(
                "--base works with the line formats (dotenv, shell, docker, systemd), not \
                 `{name}`: a {name} file cannot be kept byte for byte with only some values replaced"
            )));
        }
        let base = match &args.base {
            Some(path) => Some((path.clone(), parse(path, "--base", format, options)?)),
            None => None,
        };
        let example = match &args.example {
            Some(path) => {
                let file = parse(path, "--example", format, options)?;
                let mut keys: Vec<String> = Vec::new();
                for key in file.keys() {
                    if !keys.iter().any(|k| k == key) {
                        keys.push(key.to_string());
                    }
                }
                Some((path.clone(), keys))
            }
            None => None,
        };
        Ok(Files { base, example })
    }

    /// Every key of the example must be a variable or a key of the base:
    /// one error per missing key.
    pub(crate) fn check(&self, variables: &[Variable]) -> Result<(), Error> {
        let Some((example, keys)) = &self.example else {
            return Ok(());
        };
        let missing = keys
            .iter()
            .filter(|k| !variables.iter().any(|v| &v.name == *k) && !self.in_base(k))
            .map(|key| Error::NotProvided {
                key: key.clone(),
                example: example.clone(),
                with_base: self.base.is_some(),
            })
            .collect();
        Error::all(missing)
    }

    /// A notice naming the keys of the output that the example does not list.
    pub(crate) fn notice_unlisted(&self, variables: &[Variable]) {
        let Some((example, keys)) = &self.example else {
            return;
        };
        let mut unlisted: Vec<&str> = variables.iter().map(|v| v.name.as_str()).collect();
        if let Some((_, base)) = &self.base {
            for key in base.keys() {
                if !unlisted.contains(&key) {
                    unlisted.push(key);
                }
            }
        }
        unlisted.retain(|name| !keys.iter().any(|k| k == name));
        if unlisted.is_empty() {
            return;
        }
        let text = format!(
            "{} not listed in `{}`: {}",
            super::plural(unlisted.len(), "variable"),
            sanitize(&example.display().to_string()),
            unlisted.join(", ")
        );
        eprintln!("aws-secrets-env: notice: {text}");
        if github::active() {
            let _ = github::print_commands(&[format!(
                "::notice title=aws-secrets-env::{}",
                github::escape_data(&text)
            )]);
        }
    }

    /// The bytes to write: the base filled in, or the variables alone.
    pub(crate) fn render(
        &self,
        format: Format,
        variables: &[Variable],
        readers: &[Reader],
    ) -> Result<Vec<u8>, Error> {
        match &self.base {
            Some((_, base)) => base.fill(format, variables, readers),
            None => render::render(format, variables, readers),
        }
    }

    /// The keys of the example and the base: names the repository declares.
    pub(crate) fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = Vec::new();
        if let Some((_, example)) = &self.example {
            keys.extend(example.iter().cloned());
        }
        if let Some((_, base)) = &self.base {
            keys.extend(base.keys().map(str::to_string));
        }
        keys
    }

    /// The base's path, when `key` comes from it: a plan line's source.
    pub(crate) fn base_source(&self, key: &str) -> Option<String> {
        match &self.base {
            Some((path, base)) if base.has(key) => Some(format!("base `{}`", path.display())),
            _ => None,
        }
    }

    fn in_base(&self, key: &str) -> bool {
        self.base.as_ref().is_some_and(|(_, base)| base.has(key))
    }
}

/// Reads `path` with `format`'s grammar; an unreadable line is named by number.
fn parse(
    path: &Path,
    flag: &'static str,
    format: Format,
    options: &write::Options,
) -> Result<EnvFile, Error> {
    let bytes = write::read(path, options).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        flag,
        source,
    })?;
    EnvFile::parse(format, &bytes).map_err(|e| Error::EnvFile {
        path: path.to_path_buf(),
        flag,
        format: if render::has_grammar(format) {
            format.name()
        } else {
            Format::Dotenv.name()
        },
        line: e.line,
        reason: e.reason,
    })
}
