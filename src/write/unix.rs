//! The Unix write path: `prepare` stages the write for a path and
//! `Staged::commit` makes it visible. What the path names is decided in
//! `target`; streams, FIFOs and devices are written in `stream`; a regular
//! file's new content is staged and linked in by `stage`; what was staged is
//! `staged`, and the system-call helpers they share are `sys`.

mod read;
mod stage;
mod staged;
mod stream;
mod sys;
mod target;

pub(super) use read::read;
pub(super) use staged::Staged;
pub(super) use stream::{same_file_as_fd, same_regular_file};

use super::options::{Access, Options};
use std::io;
use std::os::fd::AsRawFd;
use std::path::Path;
use std::time::Instant;
use sys::refuse;
use target::{Found, find};

/// Checks what `path` names and stages the write: a stream, FIFO or
/// character device is opened, a regular file (or none yet) gets its new
/// content in a new file.
pub(super) fn prepare(
    path: &Path,
    bytes: &[u8],
    options: &Options,
    deadline: Instant,
) -> io::Result<Staged> {
    match find(path, options, Access::Write, 0)? {
        Found::Stream(n) => stream::stream(n, bytes, deadline),
        Found::Entry {
            dir,
            name,
            kind: kind @ (None | Some(libc::S_IFREG)),
        } => stage::file(
            dir,
            name,
            bytes,
            options.mode.unwrap_or(0o600),
            options.in_place,
            kind.is_some(),
        ),
        Found::Entry {
            dir,
            name,
            kind: Some(kind),
        } => target::non_regular(kind, &dir, &name, bytes, deadline),
    }
}

/// The checks of [`prepare`] that need no new file and no open stream: for
/// a plan, which must fail as the write would.
pub(super) fn check(path: &Path, options: &Options) -> io::Result<()> {
    match find(path, options, Access::Write, 0)? {
        Found::Entry {
            kind: Some(kind @ (libc::S_IFDIR | libc::S_IFBLK | libc::S_IFSOCK)),
            ..
        } => Err(target::refused_kind(kind)),
        _ => Ok(()),
    }
}

impl Staged {
    pub(super) fn commit(self) -> io::Result<()> {
        match self {
            Staged::Stream {
                fd,
                bytes,
                deadline,
            } => stream::write_bounded(fd.as_raw_fd(), &bytes, deadline),
            Staged::InPlace { dir, name, bytes } => stage::in_place(&dir, &name, &bytes),
            Staged::File {
                dir,
                name,
                temp,
                bytes,
                mode,
                in_place: allowed,
            } => {
                let linked = stage::link_in(&dir, &name, temp, &bytes, mode);
                let linked = match linked {
                    Err(e) if e.raw_os_error() == Some(libc::EBUSY) && allowed => {
                        stage::in_place(&dir, &name, &bytes)
                    }
                    Err(e) if e.raw_os_error() == Some(libc::EBUSY) => Err(refuse(
                        e.kind(),
                        "it is a mount point (a bind-mounted file, e.g. docker -v ./app.env:/app/app.env, or a Kubernetes subPath), which a rename cannot replace; mount its directory instead, or pass --in-place to overwrite it in place (not atomic)".into(),
                    )),
                    other => other,
                };
                linked?;
                // Make the rename durable. A failure here changes nothing visible.
                // SAFETY: dir.fd is open.
                unsafe { libc::fsync(dir.fd.as_raw_fd()) };
                Ok(())
            }
        }
    }
}

#[cfg(test)]
pub(super) fn in_place_for_test(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = target::open_dir(path.parent().unwrap())?;
    let name = sys::c_string(path.file_name().unwrap())?;
    stage::in_place(&dir, &name, bytes)
}
