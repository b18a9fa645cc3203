//! aws-secrets-env: AWS Secrets Manager secrets into env files that their real
//! consumers read back exactly. The modules follow the data path:
//! cli → select → fetch → flatten → mask → render → write (or exec).

pub mod cli;
pub mod error;
pub mod exec;
pub mod fetch;
pub mod flatten;
pub mod github;
pub mod mask;
pub mod render;
pub mod secret;
pub mod select;
pub mod write;

use clap::Parser;
use cli::{Cli, Command, Format, LoadArgs, Mask, WriteArgs};
use error::Error;
use fetch::{Request, Results};
use flatten::Variable;
use select::Selector;
use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Parses the command line, runs it, reports errors; returns the exit code
/// (0 success, 1 failure, 2 usage).
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            if !e.use_stderr() {
                return ExitCode::SUCCESS; // --help, --version
            }
            if github::active() {
                // clap's first line names the flag and the rejected input (never a secret).
                let first = e.to_string();
                let first = first.lines().next().unwrap_or("invalid arguments");
                println!("{}", github::usage_annotation(first));
            }
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        Command::Write(args) => run_write(args),
        Command::Exec(args) => exec::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            report(&err);
            ExitCode::from(err.exit_code())
        }
    }
}

/// Prints each error on its own line, and as an annotation under Actions.
fn report(err: &Error) {
    let mut stderr = std::io::stderr().lock();
    let on_actions = github::active();
    for e in err.flatten() {
        let _ = writeln!(stderr, "aws-secrets-env: error: {e}");
        if on_actions {
            // Annotations go to stdout like every workflow command we print.
            println!("{}", github::error_annotation(e));
        }
    }
    let _ = std::io::stdout().flush();
}

/// Fetches, flattens and masks what `args` selects: the shared front half of
/// `write` and `exec`. Mask lines are printed (and flushed) before anything
/// else, errors included.
pub fn load(args: &LoadArgs, selectors: &[Selector]) -> Result<Vec<Variable>, Error> {
    let masking = match args.mask {
        Mask::Always => true,
        Mask::Never => false,
        Mask::Auto => github::active(),
    };
    let opts = flatten::Options {
        parse_json: args.parse_json,
        transformation: args.name_transformation,
        binary: match (&args.binary_dir, args.binary_base64) {
            (Some(dir), _) => flatten::BinaryMode::Dir(dir.clone()),
            (None, true) => flatten::BinaryMode::Base64,
            (None, false) => flatten::BinaryMode::Refuse,
        },
    };
    let fetched = fetch(selectors, args)?;
    let (variables, errors, skipped) = collect(selectors, fetched, &opts);
    if masking {
        let mut out = std::io::stdout().lock();
        // A `--binary-dir` variable holds a file path, not the secret.
        let values = variables
            .iter()
            .filter(|v| v.payload.is_none())
            .map(|v| &v.value);
        for line in mask::mask_lines(values) {
            writeln!(out, "{line}").map_err(Error::Stdout)?;
        }
        out.flush().map_err(Error::Stdout)?;
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

/// The `write` command: fetch, flatten, mask, render, write.
pub fn run_write(args: WriteArgs) -> Result<(), Error> {
    let selectors = Selector::parse_all(&args.load.secret_ids)?;
    if args.export_env && std::env::var_os("GITHUB_ENV").is_none() {
        return Err(Error::Usage(
            "--export-env needs GITHUB_ENV, which only GitHub Actions (or act) sets".into(),
        ));
    }
    let variables = load(&args.load, &selectors)?;
    let plain_file = args.format != Format::GithubEnv && !args.export_env;
    let hint = if plain_file {
        "; or pass `--allow-reserved-names` to write it to this file anyway"
    } else {
        "; `github-env` and `--export-env` never export such names"
    };
    check_reserved(&variables, hint, plain_file && args.allow_reserved_names)?;

    // Render everything before touching any file, so a refusal writes nothing.
    let bytes = render::render_for(args.format, &variables, &args.reader)?;
    write::payloads(&variables)?;
    let exported = if args.export_env {
        Some(render::render(Format::GithubEnv, &variables)?)
    } else {
        None
    };

    let to_stdout = args.output.as_os_str() == "-";
    let target: Option<PathBuf> = if to_stdout {
        write::stdout(&bytes)?;
        None
    } else {
        write::atomic(&args.output, &bytes)?;
        Some(absolute(&args.output))
    };
    if let Some(exported) = exported {
        github::export_env(&String::from_utf8_lossy(&exported))?;
    }
    github::write_outputs(target.as_deref(), &variables)?;
    let shown = target
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "standard output".into());
    github::write_summary(&shown, args.format.name(), &variables)?;
    log_success(&selectors, &variables, &shown, args.format, args.export_env);
    Ok(())
}

/// Refuses variables whose names change how programs run, unless `allowed`.
pub(crate) fn check_reserved(
    variables: &[Variable],
    hint: &'static str,
    allowed: bool,
) -> Result<(), Error> {
    if allowed {
        return Ok(());
    }
    let errors: Vec<Error> = variables
        .iter()
        .filter(|v| flatten::reserved(&v.name))
        .map(|v| Error::Reserved {
            name: v.name.clone(),
            source_desc: v.source.clone(),
            hint,
        })
        .collect();
    Error::all(errors)
}

/// Fetches every distinct request the selectors make, within `--timeout`.
pub(crate) fn fetch(selectors: &[Selector], args: &LoadArgs) -> Result<Results, Error> {
    let mut requests: Vec<Request> = Vec::new();
    for s in selectors {
        let r = Request::of(s);
        if !requests.contains(&r) {
            requests.push(r);
        }
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(Error::Runtime)?;
    let limits = fetch::Limits {
        total: std::time::Duration::from_secs_f64(args.timeout),
        connect: std::time::Duration::from_secs_f64(args.connect_timeout),
        max_attempts: args.max_attempts,
    };
    let region = args.region.clone();
    runtime.block_on(async {
        let work = async {
            let config = fetch::load_config(region, &limits).await;
            fetch::fetch_all(&config, requests).await
        };
        tokio::time::timeout(limits.total, work)
            .await
            .map_err(|_| Error::Timeout {
                seconds: args.timeout,
            })
    })
}

/// Turns fetched values into variables in selector order, gathering every
/// error (each failed request once) and every name collision. Optional
/// selectors whose request found nothing are returned as skipped.
fn collect<'a>(
    selectors: &'a [Selector],
    mut fetched: Results,
    opts: &flatten::Options,
) -> (Vec<Variable>, Vec<Error>, Vec<&'a Selector>) {
    let mut variables: Vec<Variable> = Vec::new();
    let mut errors = Vec::new();
    let mut skipped = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for selector in selectors {
        let request = Request::of(selector);
        let items = match fetched.get(&request) {
            Some(Ok(items)) => items,
            Some(Err(e)) if selector.optional && Request::is_absence(e) => {
                skipped.push(selector);
                continue;
            }
            Some(Err(_)) => {
                if let Some(Err(e)) = fetched.remove(&request) {
                    errors.push(e);
                }
                continue;
            }
            // Its error was reported with an earlier selector.
            None => continue,
        };
        match flatten::variables(selector, items, opts) {
            Ok(found) => {
                for v in found {
                    if let Some(&i) = seen.get(&v.name) {
                        errors.push(Error::Collision {
                            name: v.name.clone(),
                            first: variables[i].source.clone(),
                            second: v.source.clone(),
                        });
                    } else {
                        seen.insert(v.name.clone(), variables.len());
                        variables.push(v);
                    }
                }
            }
            Err(e) => errors.push(e),
        }
    }
    (variables, errors, skipped)
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The closing log: names and sources, never values.
fn log_success(
    selectors: &[Selector],
    variables: &[Variable],
    target: &str,
    format: Format,
    exported: bool,
) {
    let on_actions = github::active();
    let mut err = std::io::stderr().lock();
    if on_actions {
        let _ = writeln!(err, "::group::aws-secrets-env");
    }
    let names: Vec<&str> = variables.iter().map(|v| v.name.as_str()).collect();
    let _ = writeln!(
        err,
        "aws-secrets-env: wrote {} variable{} from {} selector{} to {} ({}): {}",
        variables.len(),
        if variables.len() == 1 { "" } else { "s" },
        selectors.len(),
        if selectors.len() == 1 { "" } else { "s" },
        error::sanitize(target),
        format.name(),
        names.join(", "),
    );
    if exported {
        let _ = writeln!(
            err,
            "aws-secrets-env: exported them to later steps through GITHUB_ENV"
        );
    }
    if on_actions {
        let _ = writeln!(err, "::endgroup::");
    }
}
