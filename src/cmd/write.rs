//! The `write` command: load, render, then every side effect prepared before
//! any is made — the `--binary-dir` files, the output, the runner's files
//! (`$GITHUB_ENV`, step outputs, the job summary) — and committed last.

use super::fill::Files;
use super::{plan, plural};
use crate::cli::WriteArgs;
use crate::error::{Error, sanitize};
use crate::github::{self, Append};
use crate::load::load;
use crate::names::{Destination, refuse_for, refuse_reserved};
use crate::render::{self, Format};
use crate::secret::Variable;
use crate::write::{self, Options};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

pub(crate) fn run(args: &WriteArgs) -> Result<(), Error> {
    let started = Instant::now();
    let to_stdout = args.output.as_os_str() == "-";
    let data_on_stdout = route_commands(&args.output);
    if args.export_env && std::env::var_os("GITHUB_ENV").is_none() {
        return Err(Error::Usage(
            "--export-env needs GITHUB_ENV, which only GitHub Actions (or act) sets".into(),
        ));
    }
    let config = super::config(&args.load)?;
    if data_on_stdout {
        streams_apart(config.masking)?;
    }
    let overwrite = super::patterns("--overwrite", &args.overwrite)?;
    if !args.reader.is_empty() && args.format != Format::Dotenv {
        return Err(Error::Usage(format!(
            "--reader applies to `--format dotenv`; `--format {}` has its own reader",
            args.format.name()
        )));
    }
    // Everything that can fail happens before anything is visible: render,
    // stage the files, open the runner's files. The whole run, waits on a
    // FIFO or device included, ends within --timeout.
    let options = Options {
        follow_symlinks: args.follow_symlinks,
        in_place: args.in_place,
        within: confinement(args.allow_outside_workspace),
        deadline: Some(started + config.limits.total),
    };
    // --base and --example: read (as the output is written: no symlink
    // unless followed, in the workspace) and checked before any call to AWS.
    let files = Files::read(args, &options)?;
    let variables = load(&config)?;
    if args.export_env || args.format == Format::GithubEnv {
        // Bound for later steps' environments: the whole deny policy.
        refuse_for(
            Destination::LaterSteps,
            &variables,
            &config.allow,
            &overwrite,
        )?;
    } else if !args.allow_reserved_names {
        refuse_reserved(
            &variables,
            "; or pass `--allow-reserved-names` to write it to this file anyway",
        )?;
    }

    files.check(&variables)?;
    // No file, no file rules: with `--no-file` nothing reads the output
    // format, so its readers refuse nothing; each value is refused only for
    // what its real consumer ($GITHUB_ENV) cannot carry.
    let bytes = if args.no_file {
        Vec::new()
    } else {
        files.render(args.format, &variables, &args.reader)?
    };
    files.notice_unlisted(&variables);
    let exported = if args.export_env {
        Some(render::render(Format::GithubEnv, &variables, &[])?)
    } else {
        None
    };
    if args.dry_run {
        return dry_run(args, &options, &files, &bytes, &variables);
    }
    let payloads = write::prepare_payloads(&variables, &options)?;
    let (output, target) = if to_stdout || args.no_file {
        (None, None)
    } else {
        let prepared = write::prepare(&args.output, &bytes, &options)?;
        (Some(prepared), Some(absolute(&args.output)))
    };
    let shown = match &target {
        Some(p) => p.display().to_string(),
        None if args.no_file => "no file".into(),
        None => "standard output".into(),
    };
    let mut runner: Vec<Append> = Vec::new();
    if let Some(exported) = exported {
        runner.extend(Append::open(
            "GITHUB_ENV",
            String::from_utf8_lossy(&exported).into_owned(),
        )?);
    }
    runner.extend(Append::open(
        "GITHUB_OUTPUT",
        github::outputs(target.as_deref(), &variables),
    )?);
    runner.extend(Append::open(
        "GITHUB_STEP_SUMMARY",
        github::summary(&shown, args.format.name(), &variables),
    )?);

    // Commit: the files the variables point to, the output, then the runner.
    write::commit_all(payloads)?;
    match output {
        Some(prepared) => prepared.commit()?,
        None if args.no_file => {}
        None => write::stdout(&bytes)?,
    }
    for append in runner {
        append.commit()?;
    }
    log_success(
        config.selectors.len(),
        &variables,
        &shown,
        args.format,
        args.export_env,
    );
    Ok(())
}

/// Sends workflow commands to stderr when standard output is the data,
/// which is decided from the file written, not from its spelling: `-`,
/// `/dev/stdout`, `/dev/fd/1`, a link to them, the file stdout is redirected
/// to. Returns whether it is.
fn route_commands(output: &Path) -> bool {
    let data_on_stdout = write::is_stdout(output);
    if data_on_stdout {
        github::data_on_stdout();
    }
    data_on_stdout
}

/// With the data on standard output, standard error must not be the same
/// file when workflow commands are printed: they would go into the data.
fn streams_apart(masking: bool) -> Result<(), Error> {
    if (masking || github::active()) && write::stdout_and_stderr_share_a_file() {
        // No stream is left for the workflow commands, not even this error's.
        github::no_command_stream();
        return Err(Error::Usage(
            "standard output (the data) and standard error are the same file, so the masks \
             would go into the data; send standard error elsewhere (`2>&1` is the cause), or \
             write with `--output FILE`"
                .into(),
        ));
    }
    Ok(())
}

/// `--dry-run`: the plan instead of the write, once everything a write
/// checks before its first side effect has passed (`src/cmd/plan.rs`).
fn dry_run(
    args: &WriteArgs,
    options: &Options,
    files: &Files,
    bytes: &[u8],
    variables: &[Variable],
) -> Result<(), Error> {
    if args.no_file {
        // Nothing to compare with: every variable is planned as added, as
        // its consumer ($GITHUB_ENV, else none: JSON carries any value) gets it.
        let format = if args.export_env {
            Format::GithubEnv
        } else {
            Format::Json
        };
        let new = render::render(format, variables, &[])?;
        return plan::show(format, None, options, "no file", &new, variables, &|name| {
            source_of(files, variables, name)
        });
    }
    let to_file = args.output.as_os_str() != "-";
    if to_file {
        // What the write would refuse before creating anything.
        write::check(&args.output, options)?;
    }
    let target = to_file.then(|| absolute(&args.output));
    let shown = match &target {
        Some(p) => p.display().to_string(),
        None => "standard output".into(),
    };
    plan::show(
        args.format,
        target.as_deref(),
        options,
        &shown,
        bytes,
        variables,
        &|name| source_of(files, variables, name),
    )
}

/// Where a planned key comes from: its secret, else the `--base` file.
fn source_of(files: &Files, variables: &[Variable], name: &str) -> String {
    variables
        .iter()
        .find(|v| v.name == name)
        .map(|v| v.source.clone())
        .or_else(|| files.base_source(name))
        .unwrap_or_default()
}

/// Under GitHub Actions the output must lie in the workspace or the runner's
/// temp directory (after symlinks), unless the user opts out.
fn confinement(allow_outside: bool) -> Vec<PathBuf> {
    if allow_outside || !github::active() {
        return Vec::new();
    }
    ["GITHUB_WORKSPACE", "RUNNER_TEMP"]
        .into_iter()
        .filter_map(std::env::var_os)
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .collect()
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The closing log: names and sources, never values.
fn log_success(
    selectors: usize,
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
        "aws-secrets-env: wrote {} from {} to {} ({}): {}",
        plural(variables.len(), "variable"),
        plural(selectors, "selector"),
        sanitize(target),
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
