//! The Unix write path: what `prepare` staged for a path and how
//! `Staged::commit` makes it visible, and the system-call helpers its
//! submodules share. What the path names is decided in `target`; streams,
//! FIFOs and devices are written in `stream`; a regular file's new content is
//! staged and linked in by `stage`.

mod read;
mod stage;
mod stream;
mod target;

pub(super) use read::read;
pub(super) use stream::{same_file_as_fd, same_regular_file};

use super::{Access, Options};
use std::ffi::{CString, OsStr};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::Instant;
use zeroize::Zeroizing;

/// What `prepare` staged.
pub(super) enum Staged {
    /// A stream, FIFO or character device, open for writing.
    Stream {
        fd: OwnedFd,
        bytes: Zeroizing<Vec<u8>>,
        deadline: Instant,
    },
    /// A new file with the content, fsynced, to be linked in as `name`.
    File {
        // Dropped first: a named temp file is removed while `dir` is open.
        temp: stage::Temp,
        dir: Dir,
        name: CString,
        /// Kept for the fallbacks at commit time (no linkat, in place).
        bytes: Zeroizing<Vec<u8>>,
        mode: u32,
        in_place: bool,
    },
    /// The existing file is to be overwritten in place (opted in).
    InPlace {
        dir: Dir,
        name: CString,
        bytes: Zeroizing<Vec<u8>>,
    },
}

/// An open directory and how to show it.
pub(super) struct Dir {
    fd: OwnedFd,
    shown: PathBuf,
}

fn errno() -> io::Error {
    io::Error::last_os_error()
}

fn cvt(r: libc::c_int) -> io::Result<libc::c_int> {
    if r < 0 { Err(errno()) } else { Ok(r) }
}

/// Retries on EINTR.
fn cvt_retry(mut f: impl FnMut() -> libc::c_int) -> io::Result<libc::c_int> {
    loop {
        match cvt(f()) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            other => return other,
        }
    }
}

fn c_string(s: &OsStr) -> io::Result<CString> {
    CString::new(s.as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "the path contains a NUL byte"))
}

fn refuse(kind: io::ErrorKind, text: String) -> io::Error {
    io::Error::new(kind, text)
}

fn owned(fd: libc::c_int) -> OwnedFd {
    // SAFETY: fd was just returned by a successful open/dup and is owned by nobody else.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

fn fstat(fd: RawFd) -> io::Result<libc::stat> {
    // SAFETY: zeroed is a valid `stat`; fstat fills it.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: fd is open; st is a valid out pointer.
    cvt(unsafe { libc::fstat(fd, &raw mut st) })?;
    Ok(st)
}

fn file_type(mode: libc::mode_t) -> libc::mode_t {
    mode & libc::S_IFMT
}

/// The OS's text for an error, without "(os error N)".
fn reason(e: &io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

fn write_all(fd: RawFd, bytes: &[u8]) -> io::Result<()> {
    let mut done = 0;
    while done < bytes.len() {
        let rest = &bytes[done..];
        // SAFETY: rest is valid for its length.
        let n = unsafe { libc::write(fd, rest.as_ptr().cast(), rest.len()) };
        if n < 0 {
            let e = errno();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        done += n as usize;
    }
    Ok(())
}

/// What `path` names once the checks every access shares are passed.
pub(super) enum Found {
    /// `/dev/stdout`, `/dev/stderr`, `/dev/fd/N`: that descriptor.
    Stream(RawFd),
    /// `name` in the open `dir`, of type `kind` (`None`: nothing there yet);
    /// never a symlink: one is refused or followed.
    Entry {
        dir: Dir,
        name: CString,
        kind: Option<libc::mode_t>,
    },
}

/// Checks what `path` names: its directory opened once, a symlink as the last
/// component refused or (if allowed) followed at `depth + 1`, and what a
/// file would be created, replaced or read in confined to `options.within`.
pub(super) fn find(
    path: &Path,
    options: &Options,
    access: Access,
    depth: u32,
) -> io::Result<Found> {
    if let Some(n) = stream::stream_fd(path) {
        return Ok(Found::Stream(n));
    }
    let (dir_path, name) = target::split(path)?;
    let dir = target::open_dir(dir_path)?;
    let cname = c_string(name)?;
    let kind = target::kind_at(&dir, &cname)?;
    if kind.is_none() && depth > 0 {
        return Err(refuse(
            io::ErrorKind::NotFound,
            "it is a symlink whose target does not exist".into(),
        ));
    }
    // Where a file would be created, replaced or read, and where a link
    // leads (checked again at its target): inside `within`.
    if !options.within.is_empty() && matches!(kind, None | Some(libc::S_IFREG | libc::S_IFLNK)) {
        target::confine(&dir, &options.within, access)?;
    }
    if kind == Some(libc::S_IFLNK) {
        let next = target::follow(
            &dir,
            &cname,
            dir_path,
            options.follow_symlinks,
            access,
            depth,
        )?;
        return find(&next, options, access, depth + 1);
    }
    Ok(Found::Entry {
        dir,
        name: cname,
        kind,
    })
}

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
    let name = c_string(path.file_name().unwrap())?;
    stage::in_place(&dir, &name, bytes)
}
