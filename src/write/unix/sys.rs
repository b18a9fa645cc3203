//! The system-call helpers the Unix write path shares: an open directory
//! ([`Dir`]), errno and return-value conversion (`EINTR` retried), C strings,
//! `fstat`, and a write loop.

use std::ffi::{CString, OsStr};
use std::io;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

/// An open directory and how to show it.
pub(in crate::write) struct Dir {
    pub(super) fd: OwnedFd,
    pub(super) shown: PathBuf,
}

pub(super) fn errno() -> io::Error {
    io::Error::last_os_error()
}

pub(super) fn cvt(r: libc::c_int) -> io::Result<libc::c_int> {
    if r < 0 { Err(errno()) } else { Ok(r) }
}

/// Retries on EINTR.
pub(super) fn cvt_retry(mut f: impl FnMut() -> libc::c_int) -> io::Result<libc::c_int> {
    loop {
        match cvt(f()) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            other => return other,
        }
    }
}

pub(super) fn c_string(s: &OsStr) -> io::Result<CString> {
    CString::new(s.as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "the path contains a NUL byte"))
}

pub(super) fn refuse(kind: io::ErrorKind, text: String) -> io::Error {
    io::Error::new(kind, text)
}

pub(super) fn owned(fd: libc::c_int) -> OwnedFd {
    // SAFETY: fd was just returned by a successful open/dup and is owned by nobody else.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

pub(super) fn fstat(fd: RawFd) -> io::Result<libc::stat> {
    // SAFETY: zeroed is a valid `stat`; fstat fills it.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: fd is open; st is a valid out pointer.
    cvt(unsafe { libc::fstat(fd, &raw mut st) })?;
    Ok(st)
}

pub(super) fn file_type(mode: libc::mode_t) -> libc::mode_t {
    mode & libc::S_IFMT
}

/// The OS's text for an error, without "(os error N)".
pub(super) fn reason(e: &io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

pub(super) fn write_all(fd: RawFd, bytes: &[u8]) -> io::Result<()> {
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
