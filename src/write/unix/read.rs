//! Reading a file the output is made from (`--base`, `--example`, the current
//! output a plan compares with): found as the output is — a symlink refused
//! unless followed, confined under Actions — then only a regular file,
//! opened without following a link and without blocking, and read up to
//! [`CAP`] bytes.

use super::sys::{cvt_retry, file_type, fstat, owned, refuse};
use super::target::{Found, find, kind_name};
use crate::write::options::{Access, Options};
use std::fs::File;
use std::io::{self, Read as _};
use std::os::fd::AsRawFd;
use std::path::Path;

/// The most a file read here may hold: far more than any env file.
pub(in crate::write) const CAP: u64 = 4 << 20;

/// The bytes of the regular file `path` names; see the module's text.
pub(in crate::write) fn read(path: &Path, options: &Options) -> io::Result<Vec<u8>> {
    let (dir, name) = match find(path, options, Access::Read, 0)? {
        Found::Entry {
            dir,
            name,
            kind: Some(libc::S_IFREG),
        } => (dir, name),
        Found::Entry { kind: None, .. } => {
            return Err(refuse(io::ErrorKind::NotFound, "it does not exist".into()));
        }
        Found::Entry {
            kind: Some(kind), ..
        } => return Err(not_regular(kind_name(kind))),
        Found::Stream(_) => return Err(not_regular("a stream")),
    };
    let flags =
        libc::O_RDONLY | libc::O_CLOEXEC | libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY;
    // SAFETY: dir.fd is open and name is a C string.
    let fd = cvt_retry(|| unsafe { libc::openat(dir.fd.as_raw_fd(), name.as_ptr(), flags) })?;
    let fd = owned(fd);
    // Replaced by something else since it was looked at: not read either.
    let kind = file_type(fstat(fd.as_raw_fd())?.st_mode);
    if kind != libc::S_IFREG {
        return Err(not_regular(kind_name(kind)));
    }
    let mut bytes = Vec::new();
    File::from(fd).take(CAP + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > CAP {
        return Err(refuse(
            io::ErrorKind::InvalidData,
            format!(
                "it is larger than {} MiB, more than an env file holds",
                CAP >> 20
            ),
        ));
    }
    Ok(bytes)
}

fn not_regular(what: &str) -> io::Error {
    refuse(
        io::ErrorKind::InvalidInput,
        format!("it is {what}; --base and --example read a regular file"),
    )
}
