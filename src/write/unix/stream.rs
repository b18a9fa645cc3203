//! Streams, FIFOs and character devices: written in place, never
//! replaced. `/dev/stdout`, `/dev/stderr`, `/dev/fd/N` and
//! `/proc/self/fd/N` name an open descriptor; a FIFO or device is opened
//! without blocking; and the bytes are written with a deadline.

use super::staged::Staged;
use super::sys::{Dir, cvt, cvt_retry, errno, file_type, fstat, owned, refuse};
use std::ffi::CStr;
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::Instant;
use zeroize::Zeroizing;

/// The fd a stream path names: `/dev/stdout`, `/dev/stderr`,
/// `/dev/fd/N`, `/proc/self/fd/N`.
pub(super) fn stream_fd(path: &Path) -> Option<RawFd> {
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

/// True when `path` is the open file descriptor `fd` is: a stream path
/// naming `fd`, or any path whose `stat` (after symlinks) has the device and
/// inode of `fstat(fd)`. Nothing is opened, so a FIFO is not waited on.
pub(in crate::write) fn same_file_as_fd(path: &Path, fd: RawFd) -> bool {
    if stream_fd(path) == Some(fd) {
        return true;
    }
    match (std::fs::metadata(path), metadata_of(fd)) {
        (Ok(a), Some(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// True when descriptors `a` and `b` are open on the same regular file.
pub(in crate::write) fn same_regular_file(a: RawFd, b: RawFd) -> bool {
    match (metadata_of(a), metadata_of(b)) {
        (Some(x), Some(y)) => x.is_file() && x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

/// `fstat` of an open descriptor of this process (`None` if it is not open).
fn metadata_of(fd: RawFd) -> Option<std::fs::Metadata> {
    // SAFETY: F_GETFD on any int is safe; it tells whether `fd` is open.
    if unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0 {
        return None;
    }
    // SAFETY: `fd` is open (checked above) and stays open while borrowed here:
    // it is a standard stream of this process, closed by nobody.
    let borrowed = unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) };
    let owned = borrowed.try_clone_to_owned().ok()?;
    std::fs::File::from(owned).metadata().ok()
}

/// `/dev/stdout` and friends: a dup of the open descriptor, so the write
/// lands where the stream goes (appended for `>>`), never replacing it.
pub(super) fn stream(n: RawFd, bytes: &[u8], deadline: Instant) -> io::Result<Staged> {
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
            format!("file descriptor {n} is a block device; refusing to write secrets to a disk"),
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
pub(super) fn special(
    dir: &Dir,
    name: &CStr,
    bytes: &[u8],
    deadline: Instant,
) -> io::Result<Staged> {
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

/// POSIX's smallest `PIPE_BUF`: a write this size to a writable pipe does not block.
const PIPE_BUF: usize = 512;

/// Writes all of `bytes` to `fd`, waiting for it to be writable (poll) so
/// that a FIFO, device or pipe that stops taking data fails at `deadline`
/// instead of hanging. The descriptor's flags are not changed (a shared
/// stdout stays as its owner set it); writes to a non-regular file are
/// at most `PIPE_BUF` bytes, which a writable pipe takes without blocking.
pub(super) fn write_bounded(fd: RawFd, bytes: &[u8], deadline: Instant) -> io::Result<()> {
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
