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

// TEMPORARY, removed when this file is split (issue 11: every module under 500 lines).
#![allow(
    clippy::needless_continue,
    clippy::too_many_lines,
    clippy::unused_self,
    clippy::used_underscore_binding
)]

use crate::error::Error;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long a FIFO, device or stream may take to accept the bytes when the
/// caller sets no deadline.
pub(crate) const DEFAULT_WAIT: Duration = Duration::from_secs(30);

/// How to write. `Options::default()` is the safe default.
#[derive(Debug, Clone, Default)]
pub(crate) struct Options {
    /// Write through a symlink that is the last component of the path (to the
    /// file it points to; the link stays). Off: such a link is refused.
    pub follow_symlinks: bool,
    /// Where the file cannot be replaced by a rename (a bind-mounted file,
    /// `EBUSY`; a directory we may not create files in, `EACCES`/`EROFS`),
    /// overwrite the existing file in place: truncate, write, fsync. Not
    /// atomic (a reader can see a part, a crash can leave one) and the file
    /// keeps its mode. Off: refused with an explanation.
    pub in_place: bool,
    /// If not empty, the file (after following any symlinks) must lie in one
    /// of these directories or below. Streams (`/dev/stdout`…) are exempt.
    pub within: Vec<PathBuf>,
    /// When a FIFO, device or stream must have taken every byte; after it the
    /// write fails. `None`: [`DEFAULT_WAIT`] from when [`prepare`] is called.
    pub deadline: Option<Instant>,
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
        let inner = unix::prepare(path, bytes, options, deadline, 0).map_err(fail)?;
        Ok(Prepared {
            shown: path.to_path_buf(),
            inner,
        })
    }
    #[cfg(not(unix))]
    {
        let _ = deadline;
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        if !dir.is_dir() {
            return Err(fail(missing_directory(dir)));
        }
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
            target: path.to_path_buf(),
        })
    }
}

#[cfg(not(unix))]
fn strip_path(e: &io::Error) -> String {
    // tempfile appends the temp file's path; show only the cause.
    io::Error::from(e.kind()).to_string()
}

/// "the directory `DIR` does not exist".
fn missing_directory(dir: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!(
            "the directory `{}` does not exist; create it first (mkdir -p)",
            dir.display()
        ),
    )
}

/// Prepares every `--binary-dir` `SecretBinary` file; commit them with
/// [`commit_all`].
pub(crate) fn prepare_payloads(
    variables: &[crate::secret::Variable],
    options: &Options,
) -> Result<Vec<Prepared>, Error> {
    variables
        .iter()
        .filter_map(|v| {
            v.payload
                .as_ref()
                .map(|bytes| prepare(Path::new(v.value.expose()), bytes.expose(), options))
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
/// atomically and with mode 0600. All are prepared before any is committed.
pub(crate) fn payloads(variables: &[crate::secret::Variable]) -> Result<(), Error> {
    commit_all(prepare_payloads(variables, &Options::default())?)
}

/// Writes `bytes` to standard output and flushes.
pub(crate) fn stdout(bytes: &[u8]) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(Error::Stdout)
}

#[cfg(unix)]
mod unix {
    use super::{Options, missing_directory};
    use std::ffi::{CStr, CString, OsStr};
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
            temp: Temp,
            dir: Dir,
            name: CString,
            /// Kept for the fallbacks at commit time (no linkat, in place).
            bytes: Zeroizing<Vec<u8>>,
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

    /// The staged new file.
    pub(super) enum Temp {
        /// `O_TMPFILE`: no name until linked in.
        #[cfg(any(target_os = "linux", target_os = "android"))]
        Anonymous(OwnedFd),
        /// A named temp file, removed on drop and on SIGINT/SIGTERM/SIGHUP.
        Named(Named),
    }

    pub(super) struct Named {
        _fd: OwnedFd,
        dirfd: RawFd,
        name: CString,
        guard: Option<super::cleanup::Registration>,
    }

    impl Drop for Named {
        fn drop(&mut self) {
            if self.guard.is_some() {
                // SAFETY: dirfd is open (the Dir outlives the Temp it stages) and name is a C string.
                unsafe { libc::unlinkat(self.dirfd, self.name.as_ptr(), 0) };
            }
            self.guard = None;
        }
    }

    impl Named {
        /// After a successful rename: the name is gone, nothing to remove.
        fn disarm(&mut self) {
            self.guard = None;
        }
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
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => return other,
            }
        }
    }

    fn c_string(s: &OsStr) -> io::Result<CString> {
        CString::new(s.as_bytes()).map_err(|_| {
            io::Error::new(io::ErrorKind::InvalidInput, "the path contains a NUL byte")
        })
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

    /// The fd a stream path names: `/dev/stdout`, `/dev/stderr`,
    /// `/dev/fd/N`, `/proc/self/fd/N`.
    fn stream_fd(path: &Path) -> Option<RawFd> {
        let bytes = path.as_os_str().as_bytes();
        match bytes {
            b"/dev/stdout" => return Some(1),
            b"/dev/stderr" => return Some(2),
            _ => {}
        }
        let n = bytes
            .strip_prefix(b"/dev/fd/")
            .or_else(|| bytes.strip_prefix(b"/proc/self/fd/"))?;
        if n.is_empty() || !n.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(n).ok()?.parse().ok()
    }

    fn file_type(mode: libc::mode_t) -> libc::mode_t {
        mode & libc::S_IFMT
    }

    pub(super) fn prepare(
        path: &Path,
        bytes: &[u8],
        options: &Options,
        deadline: Instant,
        depth: u32,
    ) -> io::Result<Staged> {
        if let Some(n) = stream_fd(path) {
            return stream(n, bytes, deadline);
        }
        let raw = path.as_os_str().as_bytes();
        if raw.is_empty() {
            return Err(refuse(
                io::ErrorKind::InvalidInput,
                "the path is empty".into(),
            ));
        }
        let name = match path.file_name() {
            Some(name) if !raw.ends_with(b"/") && !raw.ends_with(b"/.") => name,
            _ => {
                return Err(refuse(
                    io::ErrorKind::IsADirectory,
                    "it names a directory; give a file name".into(),
                ));
            }
        };
        let dir_path = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let dir = open_dir(dir_path)?;
        let cname = c_string(name)?;
        // SAFETY: zeroed is a valid `stat`.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: dir.fd is open, cname is a C string, st a valid out pointer.
        let found = cvt(unsafe {
            libc::fstatat(
                dir.fd.as_raw_fd(),
                cname.as_ptr(),
                &raw mut st,
                libc::AT_SYMLINK_NOFOLLOW,
            )
        });
        let exists = match found {
            Ok(_) => true,
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => false,
            Err(e) => return Err(e),
        };
        if !exists && depth > 0 {
            return Err(refuse(
                io::ErrorKind::NotFound,
                "it is a symlink whose target does not exist".into(),
            ));
        }
        // Where a file would be created or replaced, and where a link leads
        // (checked again at its target): inside `within`.
        let kind = file_type(st.st_mode);
        if !options.within.is_empty() && (!exists || kind == libc::S_IFREG || kind == libc::S_IFLNK)
        {
            confine(&dir, &options.within)?;
        }
        if exists {
            match kind {
                libc::S_IFREG => {}
                libc::S_IFLNK => {
                    let target = read_link(&dir, &cname)?;
                    if !options.follow_symlinks {
                        return Err(refuse(
                            io::ErrorKind::InvalidInput,
                            format!(
                                "it is a symlink (to `{}`); refusing to write secrets through it. Remove the link, or pass --follow-symlinks to write to the file it points to",
                                crate::error::sanitize(&target.to_string_lossy())
                            ),
                        ));
                    }
                    if depth >= 16 {
                        return Err(refuse(
                            io::ErrorKind::InvalidInput,
                            "too many levels of symlinks".into(),
                        ));
                    }
                    let next = if target.is_absolute() {
                        target
                    } else {
                        dir_path.join(target)
                    };
                    return prepare(&next, bytes, options, deadline, depth + 1);
                }
                libc::S_IFDIR => {
                    return Err(refuse(
                        io::ErrorKind::IsADirectory,
                        "it is a directory".into(),
                    ));
                }
                libc::S_IFBLK => {
                    return Err(refuse(
                        io::ErrorKind::InvalidInput,
                        "it is a block device; refusing to write secrets to a disk".into(),
                    ));
                }
                libc::S_IFSOCK => {
                    return Err(refuse(
                        io::ErrorKind::InvalidInput,
                        "it is a socket; write to a file, or to standard output with `-`".into(),
                    ));
                }
                // A FIFO or a character device (`/dev/null`, a tty): written
                // to in place, without blocking.
                _ => return special(&dir, &cname, bytes, deadline),
            }
        }
        let staged = stage(&dir, bytes);
        match staged {
            Ok(temp) => Ok(Staged::File {
                dir,
                name: cname,
                temp,
                bytes: Zeroizing::new(bytes.to_vec()),
                in_place: options.in_place,
            }),
            Err(e) if exists && options.in_place && cannot_create(&e) => Ok(Staged::InPlace {
                dir,
                name: cname,
                bytes: Zeroizing::new(bytes.to_vec()),
            }),
            Err(e) if cannot_create(&e) => Err(refuse(
                e.kind(),
                format!(
                    "cannot create a file in the directory `{}` ({}), which replacing it atomically needs{}",
                    dir.shown.display(),
                    reason(&e),
                    if exists {
                        "; pass --in-place to overwrite the existing file in place instead (not atomic)"
                    } else {
                        ""
                    }
                ),
            )),
            Err(e) => Err(e),
        }
    }

    /// The OS's text for an error, without "(os error N)".
    fn reason(e: &io::Error) -> String {
        let text = e.to_string();
        match text.find(" (os error") {
            Some(i) => text[..i].to_string(),
            None => text,
        }
    }

    fn cannot_create(e: &io::Error) -> bool {
        matches!(
            e.raw_os_error(),
            Some(libc::EACCES | libc::EPERM | libc::EROFS)
        )
    }

    fn open_dir(dir: &Path) -> io::Result<Dir> {
        let c = c_string(dir.as_os_str())?;
        let open = |flags| {
            // SAFETY: c is a C string.
            cvt_retry(|| unsafe {
                libc::open(c.as_ptr(), flags | libc::O_DIRECTORY | libc::O_CLOEXEC)
            })
        };
        let fd = open(libc::O_RDONLY);
        // A directory we may search but not read: O_PATH still works for *at calls.
        #[cfg(any(target_os = "linux", target_os = "android"))]
        let fd = match fd {
            Err(e) if e.raw_os_error() == Some(libc::EACCES) => open(libc::O_PATH),
            other => other,
        };
        let shown = dir.to_path_buf();
        match fd {
            Ok(fd) => Ok(Dir {
                fd: owned(fd),
                shown,
            }),
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => Err(missing_directory(dir)),
            Err(e) if e.raw_os_error() == Some(libc::ENOTDIR) => Err(refuse(
                io::ErrorKind::NotADirectory,
                format!("`{}` is not a directory", dir.display()),
            )),
            Err(e) => Err(refuse(
                e.kind(),
                format!(
                    "cannot open the directory `{}`: {}",
                    dir.display(),
                    reason(&e)
                ),
            )),
        }
    }

    /// The directory's real path, resolved from the open descriptor.
    fn real_path(dir: &Dir) -> io::Result<PathBuf> {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if let Ok(p) = std::fs::read_link(format!("/proc/self/fd/{}", dir.fd.as_raw_fd())) {
            return Ok(p);
        }
        std::fs::canonicalize(&dir.shown)
    }

    fn confine(dir: &Dir, within: &[PathBuf]) -> io::Result<()> {
        let real = real_path(dir)?;
        let inside = within
            .iter()
            .filter_map(|root| std::fs::canonicalize(root).ok())
            .any(|root| real.starts_with(root));
        if inside {
            return Ok(());
        }
        let roots: Vec<String> = within
            .iter()
            .map(|r| format!("`{}`", r.display()))
            .collect();
        Err(refuse(
            io::ErrorKind::PermissionDenied,
            format!(
                "its directory resolves to `{}`, outside the workspace ({}); write inside it, or pass --allow-outside-workspace",
                real.display(),
                roots.join(", ")
            ),
        ))
    }

    fn read_link(dir: &Dir, name: &CStr) -> io::Result<PathBuf> {
        let mut buf = vec![0u8; libc::PATH_MAX as usize + 1];
        // SAFETY: dir.fd is open, name a C string, buf writable for its length.
        let n = unsafe {
            libc::readlinkat(
                dir.fd.as_raw_fd(),
                name.as_ptr(),
                buf.as_mut_ptr().cast(),
                buf.len(),
            )
        };
        if n < 0 {
            return Err(errno());
        }
        buf.truncate(n as usize);
        Ok(PathBuf::from(OsStr::from_bytes(&buf)))
    }

    /// `/dev/stdout` and friends: a dup of the open descriptor, so the write
    /// lands where the stream goes (appended for `>>`), never replacing it.
    fn stream(n: RawFd, bytes: &[u8], deadline: Instant) -> io::Result<Staged> {
        // SAFETY: F_DUPFD_CLOEXEC on any int is safe; EBADF if not open.
        let fd = cvt(unsafe { libc::fcntl(n, libc::F_DUPFD_CLOEXEC, 3) }).map_err(|e| {
            if e.raw_os_error() == Some(libc::EBADF) {
                refuse(
                    io::ErrorKind::NotFound,
                    format!("file descriptor {n} is not open"),
                )
            } else {
                e
            }
        })?;
        let fd = owned(fd);
        let st = fstat(fd.as_raw_fd())?;
        match file_type(st.st_mode) {
            libc::S_IFBLK => Err(refuse(
                io::ErrorKind::InvalidInput,
                format!(
                    "file descriptor {n} is a block device; refusing to write secrets to a disk"
                ),
            )),
            libc::S_IFDIR => Err(refuse(
                io::ErrorKind::IsADirectory,
                format!("file descriptor {n} is a directory"),
            )),
            _ => Ok(Staged::Stream {
                fd,
                bytes: Zeroizing::new(bytes.to_vec()),
                deadline,
            }),
        }
    }

    /// A FIFO or character device, opened without blocking (a FIFO nobody
    /// reads fails at once) and without following a symlink swapped in since
    /// we looked.
    fn special(dir: &Dir, name: &CStr, bytes: &[u8], deadline: Instant) -> io::Result<Staged> {
        let flags =
            libc::O_WRONLY | libc::O_NONBLOCK | libc::O_NOFOLLOW | libc::O_NOCTTY | libc::O_CLOEXEC;
        // SAFETY: dir.fd is open, name a C string.
        let fd = cvt_retry(|| unsafe { libc::openat(dir.fd.as_raw_fd(), name.as_ptr(), flags) })
            .map_err(|e| match e.raw_os_error() {
                Some(libc::ENXIO) => refuse(
                    io::ErrorKind::BrokenPipe,
                    "it is a FIFO (named pipe) and nothing is reading it; start its reader first, or write to a regular file".into(),
                ),
                Some(libc::ELOOP) => refuse(
                    io::ErrorKind::InvalidInput,
                    "it became a symlink while being written; refusing".into(),
                ),
                _ => e,
            })?;
        let fd = owned(fd);
        let st = fstat(fd.as_raw_fd())?;
        match file_type(st.st_mode) {
            libc::S_IFIFO | libc::S_IFCHR => Ok(Staged::Stream {
                fd,
                bytes: Zeroizing::new(bytes.to_vec()),
                deadline,
            }),
            _ => Err(refuse(
                io::ErrorKind::InvalidInput,
                "it changed type while being written; refusing".into(),
            )),
        }
    }

    /// Writes all of `bytes` to `fd`, waiting for it to be writable (poll) so
    /// that a FIFO, device or pipe that stops taking data fails at `deadline`
    /// instead of hanging. The descriptor's flags are not changed (a shared
    /// stdout stays as its owner set it); writes to a non-regular file are
    /// at most `PIPE_BUF` bytes, which a writable pipe takes without blocking.
    /// POSIX's smallest `PIPE_BUF`: a write this size to a writable pipe does not block.
    const PIPE_BUF: usize = 512;

    fn write_bounded(fd: RawFd, bytes: &[u8], deadline: Instant) -> io::Result<()> {
        let regular = file_type(fstat(fd)?.st_mode) == libc::S_IFREG;
        let mut done = 0;
        while done < bytes.len() {
            let now = Instant::now();
            if now >= deadline {
                return Err(refuse(
                    io::ErrorKind::TimedOut,
                    "nothing took the data before the deadline (--timeout); is its reader running?"
                        .into(),
                ));
            }
            let wait = (deadline - now).as_millis().clamp(1, i32::MAX as u128) as libc::c_int;
            let mut p = libc::pollfd {
                fd,
                events: libc::POLLOUT,
                revents: 0,
            };
            // SAFETY: p is one valid pollfd.
            match cvt(unsafe { libc::poll(&raw mut p, 1, wait) }) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
                Ok(0) => continue,
                Ok(_) => {}
            }
            let rest = &bytes[done..];
            let len = if regular {
                rest.len()
            } else {
                rest.len().min(PIPE_BUF)
            };
            // SAFETY: rest is valid for len bytes.
            let n = unsafe { libc::write(fd, rest.as_ptr().cast(), len) };
            if n < 0 {
                let e = errno();
                match e.raw_os_error() {
                    Some(libc::EINTR | libc::EAGAIN) => continue,
                    Some(libc::EPIPE) => {
                        return Err(refuse(
                            io::ErrorKind::BrokenPipe,
                            "its reader went away before taking all the data".into(),
                        ));
                    }
                    _ => return Err(e),
                }
            }
            if n == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            done += n as usize;
        }
        Ok(())
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

    /// Content, mode 0600 whatever the umask, and fsync.
    fn fill(fd: RawFd, bytes: &[u8]) -> io::Result<()> {
        write_all(fd, bytes)?;
        // SAFETY: fd is open.
        cvt(unsafe { libc::fchmod(fd, 0o600) })?;
        // SAFETY: fd is open.
        cvt_retry(|| unsafe { libc::fsync(fd) })?;
        Ok(())
    }

    /// Test-only switch (debug builds): skip `O_TMPFILE` to exercise the
    /// named fallback. Release builds do not contain it.
    fn force_named() -> bool {
        cfg!(debug_assertions) && std::env::var_os("AWS_SECRETS_ENV_TEST_NAMED_TEMP").is_some()
    }

    /// The new content in a new file in `dir`: anonymous where possible.
    fn stage(dir: &Dir, bytes: &[u8]) -> io::Result<Temp> {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if !force_named() {
            let dot = c".";
            // SAFETY: dir.fd is open, dot a C string.
            let fd = cvt_retry(|| unsafe {
                libc::openat(
                    dir.fd.as_raw_fd(),
                    dot.as_ptr(),
                    libc::O_TMPFILE | libc::O_WRONLY | libc::O_CLOEXEC,
                    0o600 as libc::c_uint,
                )
            });
            match fd {
                Ok(fd) => {
                    let fd = owned(fd);
                    fill(fd.as_raw_fd(), bytes)?;
                    return Ok(Temp::Anonymous(fd));
                }
                // No O_TMPFILE on this file system or kernel.
                Err(e)
                    if matches!(
                        e.raw_os_error(),
                        Some(libc::EOPNOTSUPP | libc::EISDIR | libc::EINVAL | libc::ENOENT)
                    ) => {}
                Err(e) => return Err(e),
            }
        }
        let _ = force_named;
        let named = create_named(dir)?;
        fill(named._fd.as_raw_fd(), bytes)?;
        Ok(Temp::Named(named))
    }

    /// `.aws-secrets-env.RANDOM.tmp`, created exclusively with mode 0600, and
    /// removed on drop or on SIGINT/SIGTERM/SIGHUP. The handlers are in place
    /// before the file exists, so no signal can leave it behind.
    fn create_named(dir: &Dir) -> io::Result<Named> {
        let hold = super::cleanup::hold();
        for _ in 0..100 {
            let name = c_string(OsStr::new(&format!(
                ".aws-secrets-env.{:016x}.tmp",
                random()
            )))?;
            // SAFETY: dir.fd is open, name a C string.
            let fd = cvt_retry(|| unsafe {
                libc::openat(
                    dir.fd.as_raw_fd(),
                    name.as_ptr(),
                    libc::O_WRONLY
                        | libc::O_CREAT
                        | libc::O_EXCL
                        | libc::O_NOFOLLOW
                        | libc::O_CLOEXEC,
                    0o600 as libc::c_uint,
                )
            });
            match fd {
                Ok(fd) => {
                    let guard = hold.register(dir.fd.as_raw_fd(), name.clone());
                    return Ok(Named {
                        _fd: owned(fd),
                        dirfd: dir.fd.as_raw_fd(),
                        name,
                        guard: Some(guard),
                    });
                }
                Err(e) if e.raw_os_error() == Some(libc::EEXIST) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(io::ErrorKind::AlreadyExists.into())
    }

    fn random() -> u64 {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        h.write_u32(std::process::id());
        h.finish()
    }

    impl Staged {
        pub(super) fn commit(self) -> io::Result<()> {
            match self {
                Staged::Stream {
                    fd,
                    bytes,
                    deadline,
                } => write_bounded(fd.as_raw_fd(), &bytes, deadline),
                Staged::InPlace { dir, name, bytes } => in_place(&dir, &name, &bytes),
                Staged::File {
                    dir,
                    name,
                    temp,
                    bytes,
                    in_place: allowed,
                } => {
                    let linked = link_in(&dir, &name, temp, &bytes);
                    let linked = match linked {
                        Err(e) if e.raw_os_error() == Some(libc::EBUSY) && allowed => {
                            in_place(&dir, &name, &bytes)
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

    /// Links the staged file in as `name`, replacing what is there.
    fn link_in(dir: &Dir, name: &CStr, temp: Temp, bytes: &[u8]) -> io::Result<()> {
        match temp {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Temp::Anonymous(fd) => {
                // No file there: link it in under its final name, and no other
                // name ever exists.
                match link_anonymous(&fd, dir, name) {
                    Ok(()) => return Ok(()),
                    Err(e) if e.raw_os_error() == Some(libc::EEXIST) => {}
                    Err(e) if linkat_unsupported(&e) => {
                        return link_in(dir, name, Temp::Named(stage_named(dir, bytes)?), bytes);
                    }
                    Err(e) => return Err(e),
                }
                // A file is there: link to a temp name, rename over. That name
                // lives for two system calls; SIGINT/SIGTERM/SIGHUP in between
                // remove it, only SIGKILL or a crash there can leave it.
                let hold = super::cleanup::hold();
                for _ in 0..100 {
                    let temp = c_string(OsStr::new(&format!(
                        ".aws-secrets-env.{:016x}.tmp",
                        random()
                    )))?;
                    let guard = hold.register(dir.fd.as_raw_fd(), temp.clone());
                    match link_anonymous(&fd, dir, &temp) {
                        Ok(()) => {}
                        Err(e) if e.raw_os_error() == Some(libc::EEXIST) => {
                            guard.disarm();
                            continue;
                        }
                        Err(e) => {
                            guard.disarm();
                            return Err(e);
                        }
                    }
                    let named = Named {
                        _fd: fd,
                        dirfd: dir.fd.as_raw_fd(),
                        name: temp,
                        guard: Some(guard),
                    };
                    return rename_in(dir, name, named);
                }
                Err(io::ErrorKind::AlreadyExists.into())
            }
            Temp::Named(named) => rename_in(dir, name, named),
        }
    }

    #[cfg(any(target_os = "linux", target_os = "android", test))]
    fn stage_named(dir: &Dir, bytes: &[u8]) -> io::Result<Named> {
        let named = create_named(dir)?;
        fill(named._fd.as_raw_fd(), bytes)?;
        Ok(named)
    }

    /// Renames the named temp file over `name`; on failure it is removed.
    fn rename_in(dir: &Dir, name: &CStr, mut named: Named) -> io::Result<()> {
        let d = dir.fd.as_raw_fd();
        // SAFETY: d is open, both names are C strings.
        cvt_retry(|| unsafe { libc::renameat(d, named.name.as_ptr(), d, name.as_ptr()) })?;
        named.disarm();
        Ok(())
    }

    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn linkat_unsupported(e: &io::Error) -> bool {
        matches!(
            e.raw_os_error(),
            Some(libc::ENOENT | libc::EPERM | libc::EACCES | libc::EOPNOTSUPP | libc::EINVAL)
        )
    }

    /// linkat of an `O_TMPFILE`: `AT_EMPTY_PATH` (needs `CAP_DAC_READ_SEARCH` on
    /// older kernels), else through /proc/self/fd.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn link_anonymous(fd: &OwnedFd, dir: &Dir, name: &CStr) -> io::Result<()> {
        let empty = c"";
        // SAFETY: fd and dir.fd are open; the names are C strings.
        let direct = cvt_retry(|| unsafe {
            libc::linkat(
                fd.as_raw_fd(),
                empty.as_ptr(),
                dir.fd.as_raw_fd(),
                name.as_ptr(),
                libc::AT_EMPTY_PATH,
            )
        });
        match direct {
            Ok(_) => return Ok(()),
            Err(e) if e.raw_os_error() == Some(libc::EEXIST) => return Err(e),
            Err(_) => {}
        }
        let proc = c_string(OsStr::new(&format!("/proc/self/fd/{}", fd.as_raw_fd())))?;
        // SAFETY: as above.
        cvt_retry(|| unsafe {
            libc::linkat(
                libc::AT_FDCWD,
                proc.as_ptr(),
                dir.fd.as_raw_fd(),
                name.as_ptr(),
                libc::AT_SYMLINK_FOLLOW,
            )
        })
        .map(|_| ())
    }

    /// Overwrites the existing regular file in place (opted in): truncate,
    /// write, fsync. Not atomic.
    fn in_place(dir: &Dir, name: &CStr, bytes: &[u8]) -> io::Result<()> {
        // SAFETY: dir.fd is open, name a C string.
        let fd = cvt_retry(|| unsafe {
            libc::openat(
                dir.fd.as_raw_fd(),
                name.as_ptr(),
                libc::O_WRONLY | libc::O_NOFOLLOW | libc::O_NOCTTY | libc::O_CLOEXEC,
            )
        })?;
        let fd = owned(fd);
        if file_type(fstat(fd.as_raw_fd())?.st_mode) != libc::S_IFREG {
            return Err(refuse(
                io::ErrorKind::InvalidInput,
                "it is no longer a regular file; refusing".into(),
            ));
        }
        // SAFETY: fd is open.
        cvt_retry(|| unsafe { libc::ftruncate(fd.as_raw_fd(), 0) })?;
        write_all(fd.as_raw_fd(), bytes)?;
        // SAFETY: fd is open.
        cvt_retry(|| unsafe { libc::fsync(fd.as_raw_fd()) })?;
        Ok(())
    }

    /// The named fallback: mode 0600 from creation, removed on drop.
    #[test]
    fn a_named_temp_file_is_removed_when_dropped() {
        use std::os::unix::fs::PermissionsExt;
        let base = tempfile::tempdir().unwrap();
        let dir = open_dir(base.path()).unwrap();
        let named = stage_named(&dir, b"S=1\n").unwrap();
        let entries: Vec<_> = std::fs::read_dir(base.path()).unwrap().flatten().collect();
        assert_eq!(entries.len(), 1);
        let mode = entries[0].metadata().unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        drop(named);
        assert_eq!(std::fs::read_dir(base.path()).unwrap().count(), 0);
    }

    #[cfg(test)]
    pub(super) fn in_place_for_test(path: &Path, bytes: &[u8]) -> io::Result<()> {
        let dir = open_dir(path.parent().unwrap())?;
        let name = c_string(path.file_name().unwrap())?;
        in_place(&dir, &name, bytes)
    }
}

/// Removes named temp files on SIGINT, SIGTERM and SIGHUP. While any is
/// registered, a handler for each of those signals (unless it was ignored)
/// unlinks every registered file, restores the previous disposition and
/// re-raises the signal, so the process ends as it would have.
#[cfg(unix)]
mod cleanup {
    use std::cell::UnsafeCell;
    use std::ffi::CString;
    use std::os::fd::RawFd;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};

    const SIGNALS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

    /// One registered file. Nodes are never freed (a few per run), so the
    /// handler can walk the list at any time without locks.
    struct Node {
        dirfd: RawFd,
        name: CString,
        active: AtomicBool,
        next: *mut Node,
    }

    // SAFETY: `next` and `name` never change once the node is published.
    unsafe impl Sync for Node {}
    // SAFETY: as above.
    unsafe impl Send for Node {}

    static HEAD: AtomicPtr<Node> = AtomicPtr::new(std::ptr::null_mut());

    /// The dispositions we replaced, read by the handler.
    struct Saved(UnsafeCell<[libc::sigaction; 3]>, [AtomicBool; 3]);
    // SAFETY: written only under HOLDERS' lock while our handler is not installed for that slot.
    unsafe impl Sync for Saved {}
    // SAFETY: an all-zero sigaction is a valid value (SIG_DFL, empty mask).
    static SAVED: Saved = Saved(
        UnsafeCell::new(unsafe { std::mem::zeroed() }),
        [const { AtomicBool::new(false) }; 3],
    );
    static HOLDERS: Mutex<usize> = Mutex::new(0);

    extern "C" fn on_signal(signal: libc::c_int) {
        let mut node = HEAD.load(Ordering::Acquire);
        while !node.is_null() {
            // SAFETY: nodes are leaked, never freed or moved.
            let n = unsafe { &*node };
            if n.active.load(Ordering::Acquire) {
                // SAFETY: async-signal-safe; the name is a C string.
                unsafe { libc::unlinkat(n.dirfd, n.name.as_ptr(), 0) };
            }
            node = n.next;
        }
        if let Some(i) = SIGNALS.iter().position(|&s| s == signal) {
            // SAFETY: async-signal-safe; SAVED[i] was set before this handler was installed.
            unsafe {
                libc::sigaction(signal, &raw const (*SAVED.0.get())[i], std::ptr::null_mut());
                libc::raise(signal);
            }
        }
    }

    /// Keeps the handlers installed while alive.
    pub(super) struct Hold(());

    pub(super) fn hold() -> Hold {
        let mut holders = HOLDERS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if *holders == 0 {
            install();
        }
        *holders += 1;
        Hold(())
    }

    impl Drop for Hold {
        fn drop(&mut self) {
            let mut holders = HOLDERS
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            *holders -= 1;
            if *holders == 0 {
                restore();
            }
        }
    }

    fn install() {
        for (i, &signal) in SIGNALS.iter().enumerate() {
            // SAFETY: plain sigaction calls with valid structs.
            unsafe {
                let mut new: libc::sigaction = std::mem::zeroed();
                new.sa_sigaction = on_signal as *const () as libc::sighandler_t;
                libc::sigfillset(&raw mut new.sa_mask);
                let mut old: libc::sigaction = std::mem::zeroed();
                libc::sigaction(signal, std::ptr::null(), &raw mut old);
                if old.sa_sigaction == libc::SIG_IGN {
                    continue; // nohup and friends: the signal cannot end us
                }
                (*SAVED.0.get())[i] = old;
                libc::sigaction(signal, &raw const new, std::ptr::null_mut());
            }
            SAVED.1[i].store(true, Ordering::Release);
        }
    }

    fn restore() {
        for (i, &signal) in SIGNALS.iter().enumerate() {
            if SAVED.1[i].swap(false, Ordering::AcqRel) {
                // SAFETY: restores the saved disposition.
                unsafe {
                    libc::sigaction(signal, &raw const (*SAVED.0.get())[i], std::ptr::null_mut())
                };
            }
        }
    }

    /// A registered file; dropping it unregisters (without unlinking).
    pub(super) struct Registration {
        node: &'static Node,
        _hold: Hold,
    }

    impl Hold {
        /// Registers `name` in `dirfd` for removal on a signal. Call right
        /// after creating it; the handlers are already in place.
        pub(super) fn register(&self, dirfd: RawFd, name: CString) -> Registration {
            let node: &'static mut Node = Box::leak(Box::new(Node {
                dirfd,
                name,
                active: AtomicBool::new(true),
                next: std::ptr::null_mut(),
            }));
            let mut head = HEAD.load(Ordering::Acquire);
            loop {
                node.next = head;
                match HEAD.compare_exchange(head, node, Ordering::AcqRel, Ordering::Acquire) {
                    Ok(_) => break,
                    Err(now) => head = now,
                }
            }
            Registration {
                node,
                _hold: hold(),
            }
        }
    }

    impl Registration {
        pub(super) fn disarm(self) {}
    }

    impl Drop for Registration {
        fn drop(&mut self) {
            self.node.active.store(false, Ordering::Release);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_with_mode_0600_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.env");
        std::fs::write(&path, "old").unwrap();
        atomic(&path, b"new\n").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_followed_only_when_asked_and_the_link_kept() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.env");
        let link = dir.path().join("app.env");
        std::fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink("real.env", &link).unwrap();
        let follow = Options {
            follow_symlinks: true,
            ..Options::default()
        };
        write(&link, b"new\n", &follow).unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read(&real).unwrap(), b"new\n");
        // A dangling link is refused even then: it would create a file
        // wherever it points.
        std::fs::remove_file(&real).unwrap();
        let err = write(&link, b"x", &follow).unwrap_err();
        assert!(
            err.to_string()
                .contains("symlink whose target does not exist"),
            "{err}"
        );
        assert!(!real.exists());
    }

    /// A FIFO with a reader, and a character device: written to, not replaced.
    #[cfg(unix)]
    #[test]
    fn special_files_are_written_in_place() {
        use std::io::Read;
        use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let mut reader = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&fifo)
            .unwrap();
        atomic(&fifo, b"through the pipe\n").unwrap();
        let mut got = Vec::new();
        reader.read_to_end(&mut got).unwrap();
        assert_eq!(got, b"through the pipe\n");
        assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
        atomic(Path::new("/dev/null"), b"gone\n").unwrap();
        assert!(
            std::fs::metadata("/dev/null")
                .unwrap()
                .file_type()
                .is_char_device()
        );
    }

    #[test]
    fn missing_directory_fails_without_writing() {
        let dir = tempfile::tempdir().unwrap();
        let err = atomic(&dir.path().join("no/such/app.env"), b"x").unwrap_err();
        assert!(err.to_string().contains("no/such/app.env"), "{err}");
        assert!(atomic(dir.path(), b"x").is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    // ---- issue 13: written against 0.1.0's `atomic`, which failed each ----

    #[cfg(unix)]
    #[test]
    fn a_symlink_as_the_last_component_is_refused_by_default() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.env");
        let link = dir.path().join("app.env");
        std::fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink("real.env", &link).unwrap();
        let err = atomic(&link, b"new\n").unwrap_err().to_string();
        assert!(err.contains("is a symlink"), "{err}");
        assert!(err.contains("--follow-symlinks"), "{err}");
        assert_eq!(std::fs::read(&real).unwrap(), b"old");
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }

    /// `/dev/fd/N` is the stream N: appended to (`O_APPEND` here), never replaced.
    #[cfg(target_os = "linux")]
    #[test]
    fn dev_fd_n_is_written_as_a_stream() {
        use std::os::fd::AsRawFd;
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("build.log");
        std::fs::write(&log, "first\n").unwrap();
        let file = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
        let path = format!("/dev/fd/{}", file.as_raw_fd());
        atomic(Path::new(&path), b"second\n").unwrap();
        assert_eq!(std::fs::read(&log).unwrap(), b"first\nsecond\n");
        let proc_path = format!("/proc/self/fd/{}", file.as_raw_fd());
        atomic(Path::new(&proc_path), b"third\n").unwrap();
        assert_eq!(std::fs::read(&log).unwrap(), b"first\nsecond\nthird\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    /// Runs `f` on a thread; None if it did not finish within `limit`.
    fn within<T: Send + 'static>(
        limit: std::time::Duration,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Option<T> {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(f());
        });
        rx.recv_timeout(limit).ok()
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_nobody_reads_fails_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("app.env");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let result = within(std::time::Duration::from_secs(5), move || {
            atomic(&fifo, b"x\n").map_err(|e| e.to_string())
        })
        .expect("writing to a FIFO with no reader hung");
        let err = result.unwrap_err();
        assert!(
            err.contains("FIFO") && err.contains("nothing is reading"),
            "{err}"
        );
    }

    #[test]
    fn a_missing_directory_is_named_and_no_temp_path_shown() {
        let dir = tempfile::tempdir().unwrap();
        let err = atomic(&dir.path().join("no/such/app.env"), b"x")
            .unwrap_err()
            .to_string();
        let missing = dir.path().join("no/such");
        assert!(
            err.contains(&format!(
                "the directory `{}` does not exist",
                missing.display()
            )),
            "{err}"
        );
        assert!(!err.contains(".aws-secrets-env"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_block_device_is_refused() {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            return; // mknod needs root
        }
        let dir = tempfile::tempdir().unwrap();
        let dev = dir.path().join("disk");
        // Major 240 is for local use: no driver behind it.
        assert!(
            std::process::Command::new("mknod")
                .arg(&dev)
                .args(["b", "240", "1"])
                .status()
                .unwrap()
                .success()
        );
        let err = atomic(&dev, b"x").unwrap_err().to_string();
        assert!(err.contains("is a block device"), "{err}");
    }

    // ---- the new API ----

    /// A reader that opens the FIFO but never reads: the write ends at the deadline.
    #[cfg(unix)]
    #[test]
    fn a_fifo_whose_reader_stalls_fails_at_the_deadline() {
        use std::os::unix::fs::OpenOptionsExt;
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("app.env");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let _reader = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&fifo)
            .unwrap();
        let options = Options {
            deadline: Some(std::time::Instant::now() + std::time::Duration::from_millis(500)),
            ..Options::default()
        };
        let start = std::time::Instant::now();
        let big = vec![b'x'; 1 << 20];
        let err = within(std::time::Duration::from_secs(10), move || {
            write(&fifo, &big, &options).map_err(|e| e.to_string())
        })
        .expect("hung")
        .unwrap_err();
        assert!(err.contains("before the deadline"), "{err}");
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }

    /// Nothing is visible before commit; a dropped Prepared leaves no trace.
    #[test]
    fn prepared_writes_show_nothing_until_committed() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("old.env");
        let new = dir.path().join("new.env");
        std::fs::write(&old, "OLD=1\n").unwrap();
        let a = prepare(&old, b"A=2\n", &Options::default()).unwrap();
        let b = prepare(&new, b"B=2\n", &Options::default()).unwrap();
        assert_eq!(a.path(), old.as_path());
        assert!(!format!("{a:?}").contains("A=2"));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        assert_eq!(std::fs::read(&old).unwrap(), b"OLD=1\n");
        drop(a);
        b.commit().unwrap();
        assert_eq!(std::fs::read(&old).unwrap(), b"OLD=1\n");
        assert_eq!(std::fs::read(&new).unwrap(), b"B=2\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
        commit_all(vec![prepare(&old, b"A=3\n", &Options::default()).unwrap()]).unwrap();
        assert_eq!(std::fs::read(&old).unwrap(), b"A=3\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    /// `within`: the real directory (symlinked directories resolved) and a
    /// followed link's target must lie inside.
    #[cfg(unix)]
    #[test]
    fn within_confines_the_real_location() {
        let base = tempfile::tempdir().unwrap();
        let ws = base.path().join("ws");
        let outside = base.path().join("outside");
        std::fs::create_dir_all(ws.join("sub")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::os::unix::fs::symlink(&outside, ws.join("cfg")).unwrap();
        std::fs::write(outside.join("t.env"), "T=1\n").unwrap();
        std::os::unix::fs::symlink(outside.join("t.env"), ws.join("link.env")).unwrap();
        let options = Options {
            within: vec![ws.clone()],
            follow_symlinks: true,
            ..Options::default()
        };
        write(&ws.join("sub/app.env"), b"A=1\n", &options).unwrap();
        for path in [
            ws.join("cfg/app.env"),
            ws.join("../outside/app.env"),
            outside.join("app.env"),
            ws.join("link.env"),
        ] {
            let err = write(&path, b"A=1\n", &options).unwrap_err().to_string();
            assert!(err.contains("outside the workspace"), "{err}");
            assert!(err.contains("--allow-outside-workspace"), "{err}");
        }
        assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 1);
        assert_eq!(std::fs::read(outside.join("t.env")).unwrap(), b"T=1\n");
    }

    #[cfg(unix)]
    #[test]
    fn in_place_overwrites_and_keeps_the_inode() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.env");
        std::fs::write(&path, "a much longer old content\n").unwrap();
        let inode = std::fs::metadata(&path).unwrap().ino();
        unix::in_place_for_test(&path, b"NEW=1\n").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"NEW=1\n");
        assert_eq!(std::fs::metadata(&path).unwrap().ino(), inode);
    }

    /// The replaced file gets mode 0600 even if the old one was 0644, and a
    /// new file whatever the umask.
    #[cfg(unix)]
    #[test]
    fn a_replaced_file_is_0600() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.env");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        atomic(&path, b"new").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_stream_that_is_not_open_is_named() {
        let err = atomic(Path::new("/dev/fd/987"), b"x")
            .unwrap_err()
            .to_string();
        assert!(err.contains("file descriptor 987 is not open"), "{err}");
    }
}
