//! Writing secrets to files, failing closed.
//!
//! A regular file is replaced atomically: the bytes go to a new file in the
//! target's directory (mode 0600, fsynced) that is renamed over the target,
//! so readers see the old file or the whole new one, and any error leaves the
//! old file untouched. On Linux the new file is an anonymous `O_TMPFILE`: it
//! has no name until it is linked in at the very end, so a run killed at any
//! earlier point (even by `SIGKILL`) leaves no copy of the secrets. Elsewhere,
//! or where the file system has no `O_TMPFILE`, a named temp file
//! `.aws-secrets-env.*.tmp` is used, and `SIGINT`, `SIGTERM` and `SIGHUP`
//! remove it before the process ends.
//!
//! Refused by default, with a message that says why and what to do:
//! - a symlink as the last component (it would send the secrets wherever it
//!   points); [`Options::follow_symlinks`] opts in. Symlinks among the
//!   directories of the path are followed, as by every tool; confine the
//!   result with [`Options::within`].
//! - a block device, a socket, a directory;
//! - a FIFO nobody reads (opened without blocking), and a FIFO or device that
//!   does not take the bytes before the deadline.
//!
//! Written in place, never replaced: `/dev/stdout`, `/dev/stderr`,
//! `/dev/fd/N` and `/proc/self/fd/N` (the open stream itself, so a redirected
//! `>> build.log` is appended to), FIFOs and character devices such as
//! `/dev/null`.
//!
//! [`prepare`] does everything that can fail before anything is visible and
//! returns a [`Prepared`] whose [`Prepared::commit`] links the file in, so a
//! caller with several side effects can prepare them all, then commit.

use crate::error::Error;
use crate::secret::Value;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[cfg(unix)]
mod cleanup;
mod options;
#[cfg(test)]
mod tests;
#[cfg(unix)]
mod unix;

use options::DEFAULT_WAIT;
pub(crate) use options::Options;
#[cfg(not(unix))]
use options::{
    Access, MAX_LINKS, inside, missing_directory, outside, symlink_refused, too_many_links,
};

/// Without the Unix descriptor walk (Windows): the same refusals, on paths.
/// A symlink as the last component is refused unless followed, and the
/// directory of the file finally named must lie in [`Options::within`].
/// Returns the path to use, links followed.
#[cfg(not(unix))]
fn checked(path: &Path, options: &Options, access: Access) -> io::Result<PathBuf> {
    let mut path = path.to_path_buf();
    let mut depth = 0;
    while std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
        let target = std::fs::read_link(&path)?;
        if !options.follow_symlinks {
            return Err(symlink_refused(&target, access));
        }
        depth += 1;
        if depth > MAX_LINKS {
            return Err(too_many_links());
        }
        path = match path.parent() {
            Some(dir) if !target.is_absolute() => dir.join(target),
            _ => target,
        };
    }
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(missing_directory(dir));
    }
    if !options.within.is_empty() {
        let real = std::fs::canonicalize(dir)?;
        if !inside(&real, &options.within) {
            return Err(outside(&real, &options.within, access));
        }
    }
    Ok(path)
}

/// A write that can no longer fail for any reason we can check in advance:
/// for a file, the new content sits fsynced in an unnamed (or, as a
/// fallback, a named and signal-guarded) file in the target's directory.
/// [`Prepared::commit`] makes it visible; dropping it instead leaves no trace
/// and the old file untouched.
pub(crate) struct Prepared {
    /// The path as the caller gave it, for messages.
    shown: PathBuf,
    #[cfg(unix)]
    inner: unix::Staged,
    #[cfg(not(unix))]
    inner: tempfile::NamedTempFile,
    #[cfg(not(unix))]
    target: PathBuf,
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the bytes.
        f.debug_struct("Prepared")
            .field("path", &self.shown)
            .finish_non_exhaustive()
    }
}

impl Prepared {
    /// The path as given to [`prepare`].
    #[cfg(test)]
    pub(crate) fn path(&self) -> &Path {
        &self.shown
    }

    /// Makes the write visible: renames the file in (atomic), or writes the
    /// stream, FIFO or device.
    pub(crate) fn commit(self) -> Result<(), Error> {
        let shown = self.shown;
        let fail = |source| Error::Write {
            path: shown.clone(),
            source,
        };
        #[cfg(unix)]
        return self.inner.commit().map_err(fail);
        #[cfg(not(unix))]
        {
            self.inner
                .persist(&self.target)
                .map(|_| ())
                .map_err(|e| fail(e.error))
        }
    }
}

/// Writes `bytes` to `path` with the default [`Options`]: readers see either
/// the old file or the whole new one, never a part; on any error the old file
/// is untouched and no file holding the bytes remains.
#[cfg(test)]
pub(crate) fn atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    write(path, bytes, &Options::default())
}

/// [`prepare`], then [`Prepared::commit`].
#[cfg(test)]
pub(crate) fn write(path: &Path, bytes: &[u8], options: &Options) -> Result<(), Error> {
    prepare(path, bytes, options)?.commit()
}

/// Checks the target and stages the new content; see [`Prepared`].
pub(crate) fn prepare(path: &Path, bytes: &[u8], options: &Options) -> Result<Prepared, Error> {
    let fail = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let deadline = options
        .deadline
        .unwrap_or_else(|| Instant::now() + DEFAULT_WAIT);
    #[cfg(unix)]
    {
        let inner = unix::prepare(path, bytes, options, deadline).map_err(fail)?;
        Ok(Prepared {
            shown: path.to_path_buf(),
            inner,
        })
    }
    #[cfg(not(unix))]
    {
        // No in-place fallback here: the rename of `tempfile::persist`.
        let _ = (deadline, options.in_place);
        let target = checked(path, options, Access::Write).map_err(fail)?;
        let dir = match target.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let mut temp = tempfile::Builder::new()
            .prefix(".aws-secrets-env.")
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(|e| fail(io::Error::new(e.kind(), strip_path(&e))))?;
        temp.write_all(bytes).map_err(fail)?;
        temp.as_file().sync_all().map_err(fail)?;
        Ok(Prepared {
            shown: path.to_path_buf(),
            inner: temp,
            target,
        })
    }
}

#[cfg(not(unix))]
fn strip_path(e: &io::Error) -> String {
    // tempfile appends the temp file's path; show only the cause.
    io::Error::from(e.kind()).to_string()
}

/// The checks [`prepare`] makes before it creates anything (a symlink, the
/// workspace, a directory, a block device or a socket, a missing directory):
/// a plan fails as the write would, and writes nothing.
pub(crate) fn check(path: &Path, options: &Options) -> Result<(), Error> {
    let fail = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    #[cfg(unix)]
    return unix::check(path, options).map_err(fail);
    #[cfg(not(unix))]
    {
        checked(path, options, Access::Write)
            .map(|_| ())
            .map_err(fail)
    }
}

/// The bytes of the regular file `path` (`--base`, `--example`, a plan's
/// current file), with the output's rules: a symlink as the last component
/// is refused unless [`Options::follow_symlinks`], the file must lie in
/// [`Options::within`], a FIFO, device or stream is refused (never waited
/// on), and so is a file of more than 4 MiB.
pub(crate) fn read(path: &Path, options: &Options) -> io::Result<Vec<u8>> {
    #[cfg(unix)]
    return unix::read(path, options);
    #[cfg(not(unix))]
    {
        let path = &checked(path, options, Access::Read)?;
        let meta = std::fs::metadata(path)?;
        if !meta.is_file() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "it is not a regular file; --base and --example read a regular file",
            ));
        }
        if meta.len() > 4 << 20 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "it is larger than 4 MiB, more than an env file holds",
            ));
        }
        std::fs::read(path)
    }
}

/// Prepares every `--binary-dir` `SecretBinary` file; commit them with
/// [`commit_all`].
pub(crate) fn prepare_payloads(
    variables: &[crate::secret::Variable],
    options: &Options,
) -> Result<Vec<Prepared>, Error> {
    variables
        .iter()
        .filter_map(|v| match &v.value {
            Value::File { path, bytes } => {
                Some(prepare(Path::new(path.expose()), bytes.expose(), options))
            }
            Value::Text(_) => None,
        })
        .collect()
}

/// Commits each in order; stops at the first failure (those before it stay
/// committed, those after it are dropped, leaving no trace).
pub(crate) fn commit_all(prepared: Vec<Prepared>) -> Result<(), Error> {
    for p in prepared {
        p.commit()?;
    }
    Ok(())
}

/// Writes each `--binary-dir` `SecretBinary` to the file its variable names,
/// atomically and with mode 0600, a FIFO or device taking the bytes by
/// `deadline` (the run's `--timeout`). All are prepared before any is
/// committed.
pub(crate) fn payloads(
    variables: &[crate::secret::Variable],
    deadline: Instant,
) -> Result<(), Error> {
    let options = Options {
        deadline: Some(deadline),
        ..Options::default()
    };
    commit_all(prepare_payloads(variables, &options)?)
}

/// True when writing to `path` writes to standard output: `-`, a stream
/// path naming descriptor 1 (`/dev/stdout`, `/dev/fd/1`,
/// `/proc/self/fd/1`), or any path that is the same file as descriptor 1
/// (a link to one of those, the file stdout is redirected to).
pub(crate) fn is_stdout(path: &Path) -> bool {
    if path.as_os_str() == "-" {
        return true;
    }
    #[cfg(unix)]
    return unix::same_file_as_fd(path, 1);
    #[cfg(not(unix))]
    false
}

/// True when standard output and standard error are open on the same
/// regular file (`> app.env 2>&1`).
pub(crate) fn stdout_and_stderr_share_a_file() -> bool {
    #[cfg(unix)]
    return unix::same_regular_file(1, 2);
    #[cfg(not(unix))]
    false
}

/// Writes `bytes` to standard output and flushes.
pub(crate) fn stdout(bytes: &[u8]) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(Error::Stdout)
}
