//! The commands, peers above the shared pipeline: `write` renders to a file,
//! `exec` starts a program. This module turns the arguments they share into
//! the pipeline's validated [`Config`], raising every usage error before any
//! call to AWS.

pub(crate) mod exec;
mod fill;
mod plan;
pub(crate) mod write;

use crate::cli::{Compat, LoadArgs, Mask};
use crate::error::Error;
use crate::fetch::Limits;
use crate::fetch::credentials::Role;
use crate::flatten::{self, BinaryMode, ParseJson};
use crate::github;
use crate::load::Config;
use crate::names::{Declared, Destination, declared_only, refuse_for};
use crate::secret::Variable;
use crate::select::{Selector, Source};
use std::time::Duration;

/// Name patterns (`--allow-names`, `--overwrite`), each value split and checked.
pub(crate) fn patterns(flag: &str, values: &[String]) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    for value in values {
        let parsed = crate::names::policy::parse_patterns(value)
            .map_err(|why| Error::Usage(format!("{flag}: {why}")))?;
        out.extend(parsed);
    }
    Ok(out)
}

/// Validates `args` into the pipeline's configuration.
pub(crate) fn config(args: &LoadArgs) -> Result<Config, Error> {
    let official = args.compat == Compat::Official;
    let selectors = if official {
        crate::compat::parse_lines(&args.secret_ids, args.name_transformation)?
    } else {
        Selector::parse_all(&args.secret_ids)?
    };
    if args.parse_json == ParseJson::Never {
        let keyed: Vec<Error> = selectors
            .iter()
            .filter(|s| {
                matches!(
                    s.source,
                    Source::Secret {
                        json_key: Some(_),
                        ..
                    }
                )
            })
            .map(|s| {
                Error::Usage(format!(
                    "selector `{}` selects a JSON key, which --parse-json never forbids",
                    s.raw
                ))
            })
            .collect();
        Error::all(keyed)?;
    }
    Ok(Config {
        allow: patterns("--allow-names", &args.allow_names)?,
        selectors,
        masking: match args.mask {
            Mask::Always => true,
            Mask::Never => false,
            Mask::Auto => github::active(),
        },
        flatten: flatten::Options {
            parse_json: args.parse_json,
            transformation: args.name_transformation,
            binary: match (&args.binary_dir, args.binary_base64) {
                (Some(dir), _) => BinaryMode::Dir(dir.clone()),
                (None, true) => BinaryMode::Base64,
                (None, false) => BinaryMode::Refuse,
            },
        },
        deadline: std::time::Instant::now() + Duration::from_secs_f64(args.timeout),
        limits: Limits {
            total: Duration::from_secs_f64(args.timeout),
            connect: Duration::from_secs_f64(args.connect_timeout),
            max_attempts: args.max_attempts,
        },
        region: args.region.clone(),
        fallback_regions: args.fallback_regions.clone(),
        official,
        role: args.role_arn.as_ref().map(|arn| Role {
            arn: arn.clone(),
            session_name: args
                .role_session_name
                .clone()
                .unwrap_or_else(Role::default_session_name),
            duration: Duration::from_secs(args.role_duration.into()),
            external_id: args.role_external_id.clone(),
        }),
    })
}

/// The aliases of `selectors`. An alias names one variable, or prefixes a
/// JSON secret's keys; only the first declares a name (`names::Declared`
/// compares whole names).
pub(crate) fn aliases(selectors: &[Selector]) -> Vec<String> {
    selectors.iter().filter_map(|s| s.alias.clone()).collect()
}

/// `exec`'s variables: what `--allow-names` and the aliases declare when
/// `--allow-names` is given, every one otherwise; a notice names the rest
/// (a key added to a secret never stops the app); then the deny set.
pub(crate) fn for_command(variables: &[Variable], config: &Config) -> Result<Vec<Variable>, Error> {
    let declared = (!config.allow.is_empty())
        .then(|| Declared::new(aliases(&config.selectors), &config.allow));
    let (kept, left_out) = declared_only(variables, declared.as_ref());
    if !left_out.is_empty() {
        eprintln!(
            "aws-secrets-env: notice: {} not set for the command because {} not declared: {}; declare a name with an alias (`NAME,ID:KEY`) or --allow-names",
            plural(left_out.len(), "variable"),
            if left_out.len() == 1 {
                "it is"
            } else {
                "they are"
            },
            left_out.join(", ")
        );
    }
    refuse_for(Destination::Command, &kept, &[])?;
    Ok(kept)
}

/// `1 variable`, `2 variables`.
pub(crate) fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}
