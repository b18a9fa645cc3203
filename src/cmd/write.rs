//! The `write` command: load, render, then every side effect prepared before
//! any is made — the `--binary-dir` files, the output, the runner's files
//! (`$GITHUB_ENV`, step outputs, the job summary) — and committed last.

use super::fill::Files;
use super::{plan, plural};
use crate::cli::Mask;
use crate::cli::WriteArgs;
use crate::error::{Error, sanitize};
use crate::github::{self, Append};
use crate::load::load;
use crate::names::{Declared, Destination, declared_only, refuse_for, refuse_reserved};
use crate::render::{self, Format};
use crate::secret::Variable;
use crate::write::{self, Options};
use std::path::{Path, PathBuf};
use std::time::Instant;

pub(crate) fn run(args: &WriteArgs) -> Result<(), Error> {
    let started = Instant::now();
    let to_stdout = args.output.as_os_str() == "-";
    let data_on_stdout = route_commands(&args.output);
    let route = Route::of(args, to_stdout)?;
    let config = super::config(&args.load)?;
    if data_on_stdout {
        streams_apart(config.masking)?;
    }
    let overwrite = super::patterns("--overwrite", &args.overwrite)?;
    applies(args)?;
    // Everything that can fail happens before anything is visible: render,
    // stage the files, open the runner's files. The whole run, waits on a
    // FIFO or device included, ends within --timeout.
    let options = Options {
        follow_symlinks: args.follow_symlinks,
        in_place: args.in_place,
        within: confinement(args.allow_outside_workspace),
        deadline: Some(started + config.limits.total),
        mode: Some(args.mode),
    };
    // --base and --example: read (as the output is written: no symlink
    // unless followed, in the workspace) and checked before any call to AWS.
    let files = Files::read(args, &options)?;
    // A secret chooses values, the repository chooses names.
    let declared = declared(&config, &files);
    if route.exporting && declared.as_ref().is_some_and(Declared::is_empty) {
        return Err(Error::Usage(NOTHING_DECLARED.into()));
    }
    let variables = load(&config)?;
    let (exported, left_out) = if route.exporting {
        let (exported, left_out) = declared_only(&variables, declared.as_ref());
        // The deny policy on what was declared: the second line
        // (`allow-names: *` declares it all).
        refuse_for(Destination::LaterSteps, &exported, &overwrite)?;
        (exported, left_out)
    } else {
        (Vec::new(), Vec::new())
    };
    let writes_file = !(route.into_github_env || args.no_file);
    // A `github-env` output is an export itself: declared names only.
    let written = if args.format == Format::GithubEnv {
        &exported
    } else {
        &variables
    };
    if writes_file && args.format != Format::GithubEnv && !args.allow_reserved_names {
        refuse_reserved(
            &variables,
            "; or pass `--allow-reserved-names` to write it to this file anyway",
        )?;
    }

    files.check(&variables)?;
    notice_undeclared(&left_out);
    // No file, no file rules: with `--no-file` (or an output that is
    // $GITHUB_ENV) nothing reads the output format, so its readers refuse
    // nothing; each value is refused only for what its real consumer
    // ($GITHUB_ENV) cannot carry.
    let bytes = if writes_file {
        files.render(args.format, written, &args.reader)?
    } else {
        Vec::new()
    };
    files.notice_unlisted(&variables);
    crate::load::within(&config, config.deadline, "rendering the file")?;
    let exported_bytes = if route.export {
        Some(render::render(Format::GithubEnv, &exported, &[])?)
    } else {
        None
    };
    if args.dry_run {
        let planned = if writes_file { written } else { &exported[..] };
        return dry_run(args, &route, &options, &files, &bytes, planned);
    }
    let payloads = write::prepare_payloads(&variables, &options)?;
    let (output, target) = if to_stdout || !writes_file {
        (None, None)
    } else {
        let prepared = write::prepare(&args.output, &bytes, &options)?;
        (Some(prepared), Some(absolute(&args.output)))
    };
    let shown = match &target {
        Some(p) => p.display().to_string(),
        None if !writes_file => "no file".into(),
        None => "standard output".into(),
    };
    let runner = runner_files(
        exported_bytes,
        target.as_deref(),
        &shown,
        args.format,
        written,
    )?;

    // Commit: the files the variables point to, the output, then the runner.
    write::commit_all(payloads)?;
    match output {
        Some(prepared) => prepared.commit()?,
        None if !writes_file => {}
        None => write::stdout(&bytes)?,
    }
    for append in runner {
        append.commit()?;
    }
    log_success(
        config.selectors.len(),
        written,
        &shown,
        args.format,
        route.export.then_some(&exported[..]),
    );
    Ok(())
}

/// Flags that apply only with another one.
fn applies(args: &WriteArgs) -> Result<(), Error> {
    if args.compare_values && !args.dry_run {
        return Err(Error::Usage("--compare-values applies to --dry-run".into()));
    }
    if !args.reader.is_empty() && args.format != Format::Dotenv {
        return Err(Error::Usage(format!(
            "--reader applies to `--format dotenv`; `--format {}` has its own reader",
            args.format.name()
        )));
    }
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

/// The runner's files, opened: `$GITHUB_ENV` (the export), the step
/// outputs, the job summary.
fn runner_files(
    exported_bytes: Option<Vec<u8>>,
    target: Option<&Path>,
    shown: &str,
    format: Format,
    written: &[Variable],
) -> Result<Vec<Append>, Error> {
    let mut runner: Vec<Append> = Vec::new();
    if let Some(bytes) = exported_bytes {
        runner.extend(Append::open(
            "GITHUB_ENV",
            String::from_utf8_lossy(&bytes).into_owned(),
        )?);
    }
    runner.extend(Append::open(
        "GITHUB_OUTPUT",
        github::outputs(target, written),
    )?);
    runner.extend(Append::open(
        "GITHUB_STEP_SUMMARY",
        github::summary(shown, format.name(), written),
    )?);
    Ok(runner)
}

/// Where the variables go besides the output.
struct Route {
    /// The output is the runner's `$GITHUB_ENV` (by path, `/dev/stdout`, or
    /// `-o - >> "$GITHUB_ENV"`): an export, appended, instead of a file.
    into_github_env: bool,
    /// Appended to `$GITHUB_ENV` (`--export-env`, or the above).
    export: bool,
    /// Bound for later steps at all (also `--format github-env`): declared
    /// names only.
    exporting: bool,
}

impl Route {
    /// Checked before anything else: an export needs `GITHUB_ENV` and masks.
    fn of(args: &WriteArgs, to_stdout: bool) -> Result<Route, Error> {
        if args.export_env && std::env::var_os("GITHUB_ENV").is_none() {
            return Err(Error::Usage(
                "--export-env needs GITHUB_ENV, which only GitHub Actions (or act) sets".into(),
            ));
        }
        let into_github_env = !args.no_file && into_github_env(args, to_stdout)?;
        let export = args.export_env || into_github_env;
        let exporting = export || args.format == Format::GithubEnv;
        if exporting && args.load.mask == Mask::Never {
            return Err(Error::Usage(
                "--mask never with an export: every later step would get the values unmasked, and any of them that prints one would show it in the log; keep masking on (the action's `mask: true`)".into(),
            ));
        }
        Ok(Route {
            into_github_env,
            export,
            exporting,
        })
    }
}

/// The error for an export that declares no name (before any AWS call).
const NOTHING_DECLARED: &str = "nothing is declared for export: later steps get only the names the workflow declares, never the keys a secret adds; declare them with an alias in the selector (`DB_PASSWORD,prod/db:password`), --allow-names patterns (the action's `allow-names`, e.g. `DB_*,API_TOKEN`), or the keys of --example or --base (the action's `example` and `base`)";

/// What the workflow declared for export: the aliases, `--allow-names` and
/// the keys of `--example` and `--base`. `None` for the drop-in
/// (`--compat official`) without `--allow-names`: it exports every key, as
/// the official action does, through the deny set.
fn declared(config: &crate::load::Config, files: &Files) -> Option<Declared> {
    if config.official && config.allow.is_empty() {
        return None;
    }
    let mut exact = super::aliases(&config.selectors);
    exact.extend(files.keys());
    Some(Declared::new(exact, &config.allow))
}

/// Names the variables left out of an export, on stderr and, under
/// Actions, as a notice: never an error, so a key added to a secret never
/// breaks a deploy.
fn notice_undeclared(left_out: &[String]) {
    if left_out.is_empty() {
        return;
    }
    let text = format!(
        "{} not exported because the workflow does not declare {}: {}; declare a name with an alias (`NAME,ID:KEY`), allow-names, or the example or base file",
        plural(left_out.len(), "variable"),
        if left_out.len() == 1 { "it" } else { "them" },
        left_out.join(", ")
    );
    eprintln!("aws-secrets-env: notice: {text}");
    if github::active() {
        let _ = github::print_commands(&[format!(
            "::notice title=aws-secrets-env::{}",
            github::escape_data(&text)
        )]);
    }
}

/// The runner's files that take workflow commands or publish what is
/// written to them: never an output. `$GITHUB_ENV` is an export instead.
const RUNNER_FILES: [&str; 5] = [
    "GITHUB_ENV",
    "GITHUB_PATH",
    "GITHUB_OUTPUT",
    "GITHUB_STATE",
    "GITHUB_STEP_SUMMARY",
];

/// Whether the output (`-`: standard output) is the same file as
/// `$GITHUB_ENV`; an error if it is another of the [`RUNNER_FILES`], or
/// `$GITHUB_ENV` in a format the runner does not read.
fn into_github_env(args: &WriteArgs, to_stdout: bool) -> Result<bool, Error> {
    let output = if to_stdout {
        stdout_identity()
    } else {
        identity(&args.output)
    };
    let Some(output) = output else {
        return Ok(false);
    };
    let runner = RUNNER_FILES.into_iter().find(|var| {
        std::env::var_os(var)
            .filter(|p| !p.is_empty())
            .and_then(|p| identity(Path::new(&p)))
            .is_some_and(|id| id == output)
    });
    match runner {
        None => Ok(false),
        Some("GITHUB_ENV") if matches!(args.format, Format::GithubEnv | Format::Docker) => {
            if args.base.is_some() {
                return Err(Error::Usage(
                    "--base fills a file of your own; the output is the runner's $GITHUB_ENV file, to which variables are appended: use --example (the action's `example`) to declare the names".into(),
                ));
            }
            Ok(true)
        }
        Some("GITHUB_ENV") => Err(Error::Usage(format!(
            "the output is the runner's $GITHUB_ENV file, which reads only its own syntax, not `{}`: use --export-env (the action's `export-env`), or --format github-env",
            args.format.name()
        ))),
        Some(var) => Err(Error::Usage(format!(
            "the output is the runner's ${var} file, which is not for secrets: write to a file of your own"
        ))),
    }
}

/// `--dry-run`: the plan instead of the write, once everything a write
/// checks before its first side effect has passed (`src/cmd/plan.rs`).
fn dry_run(
    args: &WriteArgs,
    route: &Route,
    options: &Options,
    files: &Files,
    bytes: &[u8],
    variables: &[Variable],
) -> Result<(), Error> {
    if args.no_file || route.into_github_env {
        // Nothing to compare with: every variable is planned as added, as
        // its consumer ($GITHUB_ENV, else none: JSON carries any value) gets it.
        let format = if route.export {
            Format::GithubEnv
        } else {
            Format::Json
        };
        let new = render::render(format, variables, &[])?;
        let plan = plan::Plan {
            format,
            target: None,
            shown: "no file",
            compare_values: args.compare_values,
        };
        return plan::show(&plan, options, &new, variables, &|name| {
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
    let plan = plan::Plan {
        format: args.format,
        target: target.as_deref(),
        shown: &shown,
        compare_values: args.compare_values,
    };
    plan::show(&plan, options, bytes, variables, &|name| {
        source_of(files, variables, name)
    })
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

/// A file's identity, following symlinks: device and inode on Unix, the
/// canonical path elsewhere. `None` when it does not exist.
#[cfg(unix)]
fn identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt as _;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn identity(path: &Path) -> Option<PathBuf> {
    std::fs::canonicalize(path).ok()
}

/// The identity of what standard output is (a file under `>>`, a pipe…).
#[cfg(unix)]
fn stdout_identity() -> Option<(u64, u64)> {
    use std::os::fd::AsFd as _;
    use std::os::unix::fs::MetadataExt as _;
    let fd = std::io::stdout().as_fd().try_clone_to_owned().ok()?;
    let m = std::fs::File::from(fd).metadata().ok()?;
    Some((m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn stdout_identity() -> Option<PathBuf> {
    None
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
    exported: Option<&[Variable]>,
) {
    let names: Vec<&str> = variables.iter().map(|v| v.name.as_str()).collect();
    let mut lines = vec![format!(
        "aws-secrets-env: wrote {} from {} to {} ({}): {}",
        plural(variables.len(), "variable"),
        plural(selectors, "selector"),
        sanitize(target),
        format.name(),
        names.join(", "),
    )];
    match exported {
        Some(exported) if exported.len() == variables.len() => {
            lines.push("aws-secrets-env: exported them to later steps through GITHUB_ENV".into());
        }
        Some(exported) => {
            let names: Vec<&str> = exported.iter().map(|v| v.name.as_str()).collect();
            lines.push(format!(
                "aws-secrets-env: exported {} of them to later steps through GITHUB_ENV: {}",
                exported.len(),
                names.join(", ")
            ));
        }
        None => {}
    }
    if github::active() {
        lines.insert(0, "::group::aws-secrets-env".into());
        lines.push("::endgroup::".into());
        let _ = github::print_lines(github::Stream::Stderr, &lines);
    } else {
        for line in lines {
            eprintln!("{line}");
        }
    }
}
