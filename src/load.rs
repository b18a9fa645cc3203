//! The pipeline `write` and `exec` share: fetch what the selectors ask for,
//! flatten it into variables, print the masks — from a validated [`Config`].

use crate::error::{self, Error};
use crate::fetch::{self, Limits, Replicas, Request, Results};
use crate::flatten::{self, Variable};
use crate::github;
use crate::mask;
use crate::select::{Selector, Source};
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher as _, RandomState};
use std::time::Instant;

/// The largest value AWS stores: a `SecretString` or `SecretBinary` holds at
/// most 64 KiB, a parameter 8 KiB. A larger one is refused before it is
/// parsed, so a hostile endpoint cannot make a reply just under the reply cap
/// into hundreds of thousands of variables.
pub(crate) const MAX_VALUE: usize = 65_536;

/// The most variables one run loads: about what one 64 KiB secret of short
/// keys holds, and far more than an environment carries in practice.
pub(crate) const MAX_VARIABLES: usize = 10_000;

/// What to load and how; every usage error was raised building it.
#[derive(Debug)]
pub(crate) struct Config {
    pub(crate) selectors: Vec<Selector>,
    /// Print `::add-mask::` lines before anything else.
    pub(crate) masking: bool,
    pub(crate) flatten: flatten::Options,
    pub(crate) limits: Limits,
    pub(crate) region: Option<String>,
    /// `--allow-names`: what may be exported or injected (empty: no limit).
    pub(crate) allow: Vec<String>,
    /// `--compat official`: the official action's names (`compat`).
    pub(crate) official: bool,
    /// `--role-arn`: the role every call is made as.
    pub(crate) role: Option<fetch::credentials::Role>,
    /// `--fallback-region`: where to read replicas when a secret's region
    /// has an outage.
    pub(crate) fallback_regions: Vec<String>,
    /// When the run must have ended (`--timeout` from its start): the fetch,
    /// flattening, masks, rendering and writing included.
    pub(crate) deadline: Instant,
}

/// The mask lines printed so far, as keyed hashes (never the text), so a
/// load repeated by `exec --watch` prints masks only for new values.
#[derive(Default)]
pub(crate) struct Masked {
    printed: HashSet<u64>,
    keys: RandomState,
}

impl Masked {
    /// True the first time `line` is seen.
    fn first(&mut self, line: &str) -> bool {
        self.printed.insert(self.keys.hash_one(line))
    }
}

/// Fetches, flattens and masks what `config` selects, by the run's
/// deadline. Mask lines are printed (and flushed) before anything else,
/// errors included.
pub(crate) fn load(config: &Config) -> Result<Vec<Variable>, Error> {
    pipeline(config, &mut Masked::default(), config.deadline)
}

/// [`load`] again (`exec --watch`), within `--timeout` from now, printing
/// only the mask lines that `masked` has not seen.
pub(crate) fn load_again(config: &Config, masked: &mut Masked) -> Result<Vec<Variable>, Error> {
    pipeline(config, masked, Instant::now() + config.limits.total)
}

/// Fails with [`Error::RunTimeout`] once `deadline` has passed, naming what
/// was still to do.
pub(crate) fn within(config: &Config, deadline: Instant, stage: &'static str) -> Result<(), Error> {
    if Instant::now() >= deadline {
        return Err(Error::RunTimeout {
            seconds: config.limits.total.as_secs_f64(),
            stage,
        });
    }
    Ok(())
}

fn pipeline(
    config: &Config,
    masked: &mut Masked,
    deadline: Instant,
) -> Result<Vec<Variable>, Error> {
    // Each selector's request, computed once: fetch runs the distinct ones,
    // collect finds each selector's outcome by it.
    let requests: Vec<Request> = config.selectors.iter().map(Request::of).collect();
    let (fetched, replicas) = fetch(&requests, config, deadline)?;
    within(config, deadline, "reading the values")?;
    let (variables, errors, skipped) =
        collect(&config.selectors, &requests, (fetched, &replicas), config);
    within(config, deadline, "reading the values")?;
    if config.masking {
        // A `--binary-dir` variable holds a file path, not the secret; a
        // SecretBinary that is text is masked as that text too.
        let values = variables
            .iter()
            .filter_map(|v| v.value.text())
            .chain(variables.iter().filter_map(|v| v.binary_text.as_ref()));
        let lines: Vec<String> = mask::bounded_mask_lines(values, deadline)
            .map_err(|over| match over {
                mask::Over::Deadline => Error::RunTimeout {
                    seconds: config.limits.total.as_secs_f64(),
                    stage: "preparing the masks",
                },
                mask::Over::Lines => Error::TooManyMasks {
                    lines: mask::MAX_LINES,
                    bytes: mask::MAX_BYTES,
                },
            })?
            .into_iter()
            .filter(|line| masked.first(line))
            .collect();
        github::print_commands(&lines).map_err(Error::Stdout)?;
    }
    // After the masks: which values came from a replica, and why.
    let mut told = HashSet::new();
    for request in &requests {
        if let Some(replica) = replicas.get(request).filter(|_| told.insert(request)) {
            eprintln!(
                "aws-secrets-env: warning: {}; read its replica in {} instead",
                error::sanitize(&replica.why),
                replica.region
            );
        }
    }
    for selector in skipped {
        eprintln!(
            "aws-secrets-env: optional selector `{}` found nothing; skipped",
            error::sanitize(&selector.raw)
        );
    }
    Error::all(errors)?;
    Ok(variables)
}

/// Runs every distinct request by `deadline`, failing over to the
/// `--fallback-region` replicas.
fn fetch(
    requests: &[Request],
    config: &Config,
    deadline: Instant,
) -> Result<(Results, Replicas), Error> {
    let mut distinct: Vec<Request> = Vec::new();
    for r in requests {
        if !distinct.contains(r) {
            distinct.push(r.clone());
        }
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(Error::Runtime)?;
    let limits = config.limits;
    let region = config.region.clone();
    runtime.block_on(async {
        let work = async {
            let sdk = fetch::load_config(region, &limits).await;
            // Only a full ARN names its region; anything else needs one.
            if sdk.region().is_none() && distinct.iter().any(|r| r.arn_region().is_none()) {
                return Err(Error::NoRegion);
            }
            let sdk = match &config.role {
                // Boxed: the SDK's STS futures are large.
                Some(role) => {
                    Box::pin(fetch::credentials::assume(sdk, role, config.masking)).await?
                }
                None => sdk,
            };
            Ok(fetch::fetch_all(&sdk, distinct, &config.fallback_regions).await)
        };
        tokio::time::timeout_at(deadline.into(), work)
            .await
            .map_err(|_| Error::Timeout {
                seconds: limits.total.as_secs_f64(),
            })?
    })
}

/// What separates two variables of one name, the first from `first`, the
/// second from `second`: an alias, unless both come from one wildcard or
/// path, whose alias would prefix both alike.
fn collision_fix(first: &Selector, second: &Selector) -> String {
    let what = match &second.source {
        _ if !std::ptr::eq(first, second) => None,
        Source::Secret { prefix: true, .. } => Some("wildcard so it matches"),
        Source::ParameterPath { .. } => Some("path so it holds"),
        _ => None,
    };
    match what {
        Some(what) => format!(
            ", both under `{}`, whose alias would prefix both alike; narrow the {what} one of \
             them, or select the two by name, each with its own alias (`ALIAS,ID`)",
            second.raw
        ),
        None => "; rename one with an alias (`ALIAS,ID`)".into(),
    }
}

/// Turns fetched values into variables in selector order, gathering every
/// error (each failed request once) and every name collision. Optional
/// selectors whose request found nothing are returned as skipped.
/// Each variable read from a replica says so in its source (the log, the
/// job summary, the plan): `… (replica in REGION)`.
fn collect<'a>(
    selectors: &'a [Selector],
    requests: &[Request],
    (mut fetched, replicas): (Results, &Replicas),
    config: &Config,
) -> (Vec<Variable>, Vec<Error>, Vec<&'a Selector>) {
    let mut variables: Vec<Variable> = Vec::new();
    let mut errors = Vec::new();
    let mut skipped = Vec::new();
    let mut seen: HashMap<String, (usize, &Selector)> = HashMap::new();
    for (selector, request) in selectors.iter().zip(requests) {
        let items = match fetched.get(request) {
            Some(Ok(items)) => items,
            Some(Err(e)) if selector.optional && e.is_absence() => {
                skipped.push(selector);
                continue;
            }
            Some(Err(_)) => {
                if let Some(Err(e)) = fetched.remove(request) {
                    errors.push(e);
                }
                continue;
            }
            // Its error was reported with an earlier selector.
            None => continue,
        };
        if let Some(e) = items.iter().find_map(|item| too_large(request, item)) {
            errors.push(e);
            continue;
        }
        let found = if config.official {
            let opts = &config.flatten;
            let parse = opts.parse_json != flatten::ParseJson::Never;
            crate::compat::variables(selector, items, parse, opts.transformation)
        } else {
            flatten::variables(selector, items, &config.flatten)
        };
        let replica = replicas.get(request).map(|r| &r.region);
        match found {
            Ok(found) => {
                for mut v in found {
                    if let Some(region) = replica {
                        v.source = format!("{} (replica in {region})", v.source);
                    }
                    if let Some(&(i, from)) = seen.get(&v.name) {
                        errors.push(Error::Collision {
                            name: v.name.clone(),
                            first: variables[i].source.clone(),
                            second: v.source.clone(),
                            fix: collision_fix(from, selector),
                        });
                    } else {
                        seen.insert(v.name.clone(), (variables.len(), selector));
                        variables.push(v);
                    }
                }
            }
            Err(e) => errors.push(e),
        }
        if variables.len() > MAX_VARIABLES {
            errors.push(Error::TooManyVariables {
                limit: MAX_VARIABLES,
            });
            break;
        }
    }
    (variables, errors, skipped)
}

/// The error for an item whose value is larger than AWS stores.
fn too_large(request: &Request, item: &crate::secret::Item) -> Option<Error> {
    let bytes = item
        .value
        .expose()
        .len()
        .max(item.binary.as_ref().map_or(0, |b| b.expose().len()));
    (bytes > MAX_VALUE).then(|| Error::ValueTooLarge {
        what: match request {
            Request::Ssm(_) => format!("parameter `{}`", item.name),
            Request::SecretsManager(_) => format!("secret `{}`", item.name),
        },
        bytes,
        limit: MAX_VALUE,
    })
}
