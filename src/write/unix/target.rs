//! What the path names, and whether it may be written: the directory it is
//! in (opened once, every later step relative to it), the type of its last
//! component, symlinks (refused or followed), the `within` confinement, and
//! the refusal of directories, block devices and sockets.

use super::staged::Staged;
use super::stream::{special, stream_fd};
use super::sys::{Dir, c_string, cvt, cvt_retry, errno, file_type, owned, reason, refuse};
use crate::write::options::{
    Access, MAX_LINKS, Options, inside, missing_directory, outside, symlink_refused, too_many_links,
};
use std::ffi::{CStr, CString, OsStr};
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The directory `path` is in (`.` if none given) and its last component;
/// an empty path, and one that names a directory, are refused.
pub(super) fn split(path: &Path) -> io::Result<(&Path, &OsStr)> {
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
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    Ok((dir, name))
}

pub(super) fn open_dir(dir: &Path) -> io::Result<Dir> {
    let c = c_string(dir.as_os_str())?;
    let open = |flags| {
        // SAFETY: c is a C string.
        cvt_retry(|| unsafe { libc::open(c.as_ptr(), flags | libc::O_DIRECTORY | libc::O_CLOEXEC) })
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

/// The type (`S_IFMT` bits) of `name` in `dir`, a symlink not followed;
/// `None` if nothing is there.
pub(super) fn kind_at(dir: &Dir, name: &CStr) -> io::Result<Option<libc::mode_t>> {
    // SAFETY: zeroed is a valid `stat`.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: dir.fd is open, name is a C string, st a valid out pointer.
    let found = cvt(unsafe {
        libc::fstatat(
            dir.fd.as_raw_fd(),
            name.as_ptr(),
            &raw mut st,
            libc::AT_SYMLINK_NOFOLLOW,
        )
    });
    match found {
        Ok(_) => Ok(Some(file_type(st.st_mode))),
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => Ok(None),
        Err(e) => Err(e),
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

pub(super) fn confine(dir: &Dir, within: &[PathBuf], access: Access) -> io::Result<()> {
    let real = real_path(dir)?;
    if inside(&real, within) {
        return Ok(());
    }
    Err(outside(&real, within, access))
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

/// Where the symlink `name` in `dir` (at `dir_path`) leads, if following it
/// is allowed (`follow_symlinks`) and `depth` links have not been too many.
pub(super) fn follow(
    dir: &Dir,
    name: &CStr,
    dir_path: &Path,
    follow_symlinks: bool,
    access: Access,
    depth: u32,
) -> io::Result<PathBuf> {
    let target = read_link(dir, name)?;
    if !follow_symlinks {
        return Err(symlink_refused(&target, access));
    }
    if depth >= MAX_LINKS {
        return Err(too_many_links());
    }
    Ok(if target.is_absolute() {
        target
    } else {
        dir_path.join(target)
    })
}

/// `name` in `dir` exists and is of type `kind`, neither a regular file nor
/// a symlink: a directory, block device or socket is refused; a FIFO or a
/// character device (`/dev/null`, a tty) is written to in place, without
/// blocking.
pub(super) fn non_regular(
    kind: libc::mode_t,
    dir: &Dir,
    name: &CStr,
    bytes: &[u8],
    deadline: Instant,
) -> io::Result<Staged> {
    match kind {
        libc::S_IFDIR | libc::S_IFBLK | libc::S_IFSOCK => Err(refused_kind(kind)),
        _ => special(dir, name, bytes, deadline),
    }
}

/// Why a directory, block device or socket is never written to.
pub(super) fn refused_kind(kind: libc::mode_t) -> io::Error {
    match kind {
        libc::S_IFDIR => refuse(io::ErrorKind::IsADirectory, "it is a directory".into()),
        libc::S_IFBLK => refuse(
            io::ErrorKind::InvalidInput,
            "it is a block device; refusing to write secrets to a disk".into(),
        ),
        _ => refuse(
            io::ErrorKind::InvalidInput,
            "it is a socket; write to a file, or to standard output with `-`".into(),
        ),
    }
}

/// What a file of type `kind` is, in a message: "a FIFO".
pub(super) fn kind_name(kind: libc::mode_t) -> &'static str {
    match kind {
        libc::S_IFDIR => "a directory",
        libc::S_IFBLK => "a block device",
        libc::S_IFCHR => "a character device",
        libc::S_IFIFO => "a FIFO",
        libc::S_IFSOCK => "a socket",
        libc::S_IFLNK => "a symlink",
        _ => "not a regular file",
    }
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
    if let Some(n) = stream_fd(path) {
        return Ok(Found::Stream(n));
    }
    let (dir_path, name) = split(path)?;
    let dir = open_dir(dir_path)?;
    let cname = c_string(name)?;
    let kind = kind_at(&dir, &cname)?;
    if kind.is_none() && depth > 0 {
        return Err(refuse(
            io::ErrorKind::NotFound,
            "it is a symlink whose target does not exist".into(),
        ));
    }
    // Where a file would be created, replaced or read, and where a link
    // leads (checked again at its target): inside `within`.
    if !options.within.is_empty() && matches!(kind, None | Some(libc::S_IFREG | libc::S_IFLNK)) {
        confine(&dir, &options.within, access)?;
    }
    if kind == Some(libc::S_IFLNK) {
        let next = follow(
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
