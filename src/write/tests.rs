//! Tests of the write path through the module's API: replacing files,
//! symlinks, streams, FIFOs and devices, deadlines, `within`, prepare and
//! commit.

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

/// A directory with `real.env` ("old") and `app.env`, a symlink to it.
#[cfg(unix)]
fn linked() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.env");
    let link = dir.path().join("app.env");
    std::fs::write(&real, "old").unwrap();
    std::os::unix::fs::symlink("real.env", &link).unwrap();
    (dir, real, link)
}

#[cfg(unix)]
#[test]
fn symlinks_are_followed_only_when_asked_and_the_link_kept() {
    let (_dir, real, link) = linked();
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
    let fifo = fifo_in(dir.path(), "pipe");
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
    let (_dir, real, link) = linked();
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
#[cfg(unix)]
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

/// A FIFO `name` made in `dir`.
#[cfg(unix)]
fn fifo_in(dir: &Path, name: &str) -> PathBuf {
    let fifo = dir.join(name);
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    fifo
}

#[cfg(unix)]
#[test]
fn a_fifo_nobody_reads_fails_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = fifo_in(dir.path(), "app.env");
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
    let fifo = fifo_in(dir.path(), "app.env");
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
