//! Staging a regular file's new content and linking it in: an anonymous
//! `O_TMPFILE` where possible, else a named temp file removed on drop and on
//! SIGINT/SIGTERM/SIGHUP (see `cleanup`); then the rename over the target, or
//! the opted-in overwrite in place.

use super::staged::{Named, Staged, Temp};
use super::sys::{
    Dir, c_string, cvt, cvt_retry, file_type, fstat, owned, reason, refuse, write_all,
};
use crate::write::cleanup;
use std::ffi::{CStr, CString, OsStr};
use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use zeroize::Zeroizing;

/// `mode` (`--mode`, 0600 by default) whatever the umask, set while the
/// file is still empty (created 0600 or narrower), then the content, and
/// fsync: no permission is widened once a byte is in it.
fn fill(fd: RawFd, bytes: &[u8], mode: u32) -> io::Result<()> {
    // SAFETY: fd is open.
    cvt(unsafe { libc::fchmod(fd, mode as libc::mode_t) })?;
    write_all(fd, bytes)?;
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
fn stage(dir: &Dir, bytes: &[u8], mode: u32) -> io::Result<Temp> {
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
                fill(fd.as_raw_fd(), bytes, mode)?;
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
    fill(named.fd.as_raw_fd(), bytes, mode)?;
    Ok(Temp::Named(named))
}

/// `.aws-secrets-env.RANDOM.tmp`, created exclusively with mode 0600, and
/// removed on drop or on SIGINT/SIGTERM/SIGHUP. The handlers are in place
/// before the file exists, so no signal can leave it behind.
fn create_named(dir: &Dir) -> io::Result<Named> {
    let hold = cleanup::hold();
    for _ in 0..100 {
        let name = temp_name()?;
        // SAFETY: dir.fd is open, name a C string.
        let fd = cvt_retry(|| unsafe {
            libc::openat(
                dir.fd.as_raw_fd(),
                name.as_ptr(),
                libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW | libc::O_CLOEXEC,
                0o600 as libc::c_uint,
            )
        });
        match fd {
            Ok(fd) => {
                let guard = hold.register(dir.fd.as_raw_fd(), name.clone());
                return Ok(Named {
                    fd: owned(fd),
                    dirfd: dir.fd.as_raw_fd(),
                    name,
                    guard: Some(guard),
                });
            }
            Err(e) if e.raw_os_error() == Some(libc::EEXIST) => {}
            Err(e) => return Err(e),
        }
    }
    Err(io::ErrorKind::AlreadyExists.into())
}

/// A fresh `.aws-secrets-env.RANDOM.tmp` name, for a file created
/// exclusively (a clash is tried again with another).
fn temp_name() -> io::Result<CString> {
    c_string(OsStr::new(&format!(
        ".aws-secrets-env.{:016x}.tmp",
        random()
    )))
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

/// Stages the new content of the regular file `name` in `dir` (`exists`:
/// one is there now). Where no file can be created in `dir`, an existing one
/// is overwritten in place if `allow_in_place`; otherwise that is refused,
/// with the reason and what to do.
pub(super) fn file(
    dir: Dir,
    name: CString,
    bytes: &[u8],
    mode: u32,
    allow_in_place: bool,
    exists: bool,
) -> io::Result<Staged> {
    match stage(&dir, bytes, mode) {
        Ok(temp) => Ok(Staged::File {
            dir,
            name,
            temp,
            bytes: Zeroizing::new(bytes.to_vec()),
            mode,
            in_place: allow_in_place,
        }),
        Err(e) if exists && allow_in_place && cannot_create(&e) => Ok(Staged::InPlace {
            dir,
            name,
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

fn cannot_create(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EACCES | libc::EPERM | libc::EROFS)
    )
}

/// Links the staged file in as `name`, replacing what is there.
pub(super) fn link_in(
    dir: &Dir,
    name: &CStr,
    temp: Temp,
    bytes: &[u8],
    mode: u32,
) -> io::Result<()> {
    match temp {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        Temp::Anonymous(fd) => {
            // No file there: link it in under its final name, and no other
            // name ever exists.
            match link_anonymous(&fd, dir, name) {
                Ok(()) => return Ok(()),
                Err(e) if e.raw_os_error() == Some(libc::EEXIST) => {}
                Err(e) if linkat_unsupported(&e) => {
                    let named = Temp::Named(stage_named(dir, bytes, mode)?);
                    return link_in(dir, name, named, bytes, mode);
                }
                Err(e) => return Err(e),
            }
            // A file is there: link to a temp name, rename over. That name
            // lives for two system calls; SIGINT/SIGTERM/SIGHUP in between
            // remove it, only SIGKILL or a crash there can leave it.
            let hold = cleanup::hold();
            for _ in 0..100 {
                let temp = temp_name()?;
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
                    fd,
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
fn stage_named(dir: &Dir, bytes: &[u8], mode: u32) -> io::Result<Named> {
    let named = create_named(dir)?;
    fill(named.fd.as_raw_fd(), bytes, mode)?;
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
pub(super) fn in_place(dir: &Dir, name: &CStr, bytes: &[u8]) -> io::Result<()> {
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

#[cfg(test)]
mod tests {
    use super::stage_named;
    use crate::write::unix::target::open_dir;

    /// The named fallback: mode 0600 from creation, removed on drop.
    #[test]
    fn a_named_temp_file_is_removed_when_dropped() {
        use std::os::unix::fs::PermissionsExt;
        let base = tempfile::tempdir().unwrap();
        let dir = open_dir(base.path()).unwrap();
        let named = stage_named(&dir, b"S=1\n", 0o600).unwrap();
        let entries: Vec<_> = std::fs::read_dir(base.path()).unwrap().flatten().collect();
        assert_eq!(entries.len(), 1);
        let mode = entries[0].metadata().unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        drop(named);
        assert_eq!(std::fs::read_dir(base.path()).unwrap().count(), 0);
    }
}
