//! The `write` command: load, render, write the file (or standard output),
//! then the runner's files: `$GITHUB_ENV`, step outputs, the job summary.

use super::plural;
use crate::cli::WriteArgs;
use crate::error::{Error, sanitize};
use crate::github;
use crate::load::load;
use crate::names::{Destination, refuse_for, refuse_reserved};
use crate::render::{self, Format};
use crate::secret::Variable;
use std::io::Write as _;
use std::path::{Path, PathBuf};

pub(crate) fn run(args: &WriteArgs) -> Result<(), Error> {
    if args.export_env && std::env::var_os("GITHUB_ENV").is_none() {
        return Err(Error::Usage(
            "--export-env needs GITHUB_ENV, which only GitHub Actions (or act) sets".into(),
        ));
    }
    if args.output.as_os_str() == "-" {
        github::data_on_stdout();
    }
    let config = super::config(&args.load)?;
    let overwrite = super::patterns("--overwrite", &args.overwrite)?;
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

    // Render everything before touching any file, so a refusal writes nothing.
    let bytes = render::render(args.format, &variables)?;
    crate::write::payloads(&variables)?;
    let exported = if args.export_env {
        Some(render::render(Format::GithubEnv, &variables)?)
    } else {
        None
    };

    let target: Option<PathBuf> = if args.output.as_os_str() == "-" {
        crate::write::stdout(&bytes)?;
        None
    } else {
        crate::write::atomic(&args.output, &bytes)?;
        Some(absolute(&args.output))
    };
    if let Some(exported) = exported {
        github::export_env(&String::from_utf8_lossy(&exported))?;
    }
    github::write_outputs(target.as_deref(), &variables)?;
    let shown = target
        .as_ref()
        .map_or_else(|| "standard output".into(), |p| p.display().to_string());
    github::write_summary(&shown, args.format.name(), &variables)?;
    log_success(
        config.selectors.len(),
        &variables,
        &shown,
        args.format,
        args.export_env,
    );
    Ok(())
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
