//! How to write ([`Options`]) and the refusals that the Unix descriptor walk
//! and the portable path check share: a symlink as the last component, too
//! many links, a directory outside `within`, a missing directory.

use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long a FIFO, device or stream may take to accept the bytes when the
/// caller sets no deadline.
pub(crate) const DEFAULT_WAIT: Duration = Duration::from_secs(30);

/// What a path is checked for: the words of the refusals differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Access {
    Write,
    Read,
}

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
    /// write fails. `None`: [`DEFAULT_WAIT`] from when [`prepare`](super::prepare) is called.
    pub deadline: Option<Instant>,
    /// Permissions of a new file (`--mode`), set before any byte is written,
    /// whatever the umask; `None`: 0600. An in-place overwrite keeps the
    /// file's own.
    pub mode: Option<u32>,
}

/// How many symlinks in a row are followed (with `follow_symlinks`).
pub(super) const MAX_LINKS: u32 = 16;

/// The refusal of a symlink as the last component.
pub(super) fn symlink_refused(target: &Path, access: Access) -> io::Error {
    let (refusal, verb) = match access {
        Access::Write => ("write secrets through it", "write to"),
        Access::Read => ("read it", "read"),
    };
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "it is a symlink (to `{}`); refusing to {refusal}. Remove the link, or pass --follow-symlinks to {verb} the file it points to",
            crate::error::sanitize(&target.to_string_lossy())
        ),
    )
}

pub(super) fn too_many_links() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, "too many levels of symlinks")
}

/// Whether the directory resolved to `real` lies in one of the (resolved)
/// roots of [`Options::within`], or below one.
pub(super) fn inside(real: &Path, within: &[PathBuf]) -> bool {
    within
        .iter()
        .filter_map(|root| std::fs::canonicalize(root).ok())
        .any(|root| real.starts_with(root))
}

/// The refusal of a directory (resolved to `real`) outside every root of
/// [`Options::within`].
pub(super) fn outside(real: &Path, within: &[PathBuf], access: Access) -> io::Error {
    let roots: Vec<String> = within
        .iter()
        .map(|r| format!("`{}`", r.display()))
        .collect();
    io::Error::new(
        io::ErrorKind::PermissionDenied,
        format!(
            "its directory resolves to `{}`, outside the workspace ({}); {} inside it, or pass --allow-outside-workspace",
            real.display(),
            roots.join(", "),
            match access {
                Access::Write => "write",
                Access::Read => "read",
            }
        ),
    )
}

/// "the directory `DIR` does not exist".
pub(super) fn missing_directory(dir: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!(
            "the directory `{}` does not exist; create it first (mkdir -p)",
            dir.display()
        ),
    )
}
