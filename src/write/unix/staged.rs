//! What `prepare` staged for a path: a stream, FIFO or device to write, a
//! new file to link in (anonymous, or named and removed on drop and on
//! SIGINT/SIGTERM/SIGHUP), or a file to overwrite in place. `Staged::commit`
//! (in `unix.rs`) makes it visible.

use super::sys::Dir;
use crate::write::cleanup;
use std::ffi::CString;
use std::os::fd::{OwnedFd, RawFd};
use std::time::Instant;
use zeroize::Zeroizing;

/// What `prepare` staged.
pub(in crate::write) enum Staged {
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

/// The staged new file.
pub(in crate::write) enum Temp {
    /// `O_TMPFILE`: no name until linked in.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    Anonymous(OwnedFd),
    /// A named temp file, removed on drop and on SIGINT/SIGTERM/SIGHUP.
    Named(Named),
}

pub(in crate::write) struct Named {
    pub(super) fd: OwnedFd,
    pub(super) dirfd: RawFd,
    pub(super) name: CString,
    pub(super) guard: Option<cleanup::Registration>,
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
    pub(super) fn disarm(&mut self) {
        self.guard = None;
    }
}
