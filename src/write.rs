//! Writing: atomically replace the target (temp file in its directory, mode
//! 0600, fsync, rename), or stream to standard output.

use crate::error::Error;
use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` so that readers see either the old file or the
/// whole new one, never a part; on any error the old file is untouched and no
/// temp file remains. A symlink is followed (the file it points to is
/// replaced, the link stays); a device, FIFO or socket (`/dev/null`,
/// `/dev/stdout`, a pipe) is written to in place, never replaced.
pub(crate) fn atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let fail = |source: std::io::Error| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    // Follows symlinks, so `/dev/stdout` is seen as the pipe or tty it is.
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            return Err(fail(std::io::Error::new(
                std::io::ErrorKind::IsADirectory,
                "it is a directory",
            )));
        }
        Ok(m) if !m.is_file() => {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(fail)?;
            return f.write_all(bytes).and_then(|()| f.flush()).map_err(fail);
        }
        _ => {}
    }
    let target = match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(path).map_err(|e| {
            fail(std::io::Error::new(
                e.kind(),
                format!("it is a symlink whose target cannot be resolved ({e})"),
            ))
        })?,
        _ => path.to_path_buf(),
    };
    let path = target.as_path();
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    // tempfile creates the file with mode 0600 on Unix; the rename keeps it.
    let mut temp = tempfile::Builder::new()
        .prefix(".aws-secrets-env.")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(fail)?;
    temp.write_all(bytes).map_err(fail)?;
    temp.as_file().sync_all().map_err(fail)?;
    temp.persist(path).map_err(|e| fail(e.error))?;
    // Make the rename itself durable. Not every platform can open a directory.
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Writes each `--binary-dir` `SecretBinary` to the file its variable names,
/// atomically and with mode 0600.
pub(crate) fn payloads(variables: &[crate::flatten::Variable]) -> Result<(), Error> {
    for v in variables {
        if let Some(bytes) = &v.payload {
            atomic(Path::new(v.value.expose()), bytes.expose())?;
        }
    }
    Ok(())
}

/// Writes `bytes` to standard output and flushes.
pub(crate) fn stdout(bytes: &[u8]) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(Error::Stdout)
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
    fn symlinks_are_followed_and_the_link_kept() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.env");
        let link = dir.path().join("app.env");
        std::fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink("real.env", &link).unwrap();
        atomic(&link, b"new\n").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read(&real).unwrap(), b"new\n");
        std::fs::remove_file(&real).unwrap();
        let err = atomic(&link, b"x").unwrap_err();
        assert!(err.to_string().contains("symlink"), "{err}");
    }

    /// A FIFO stands for `/dev/null` and `/dev/stdout`: written to, not replaced.
    #[cfg(unix)]
    #[test]
    fn special_files_are_written_in_place() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(fifo).unwrap())
        };
        atomic(&fifo, b"through the pipe\n").unwrap();
        assert_eq!(reader.join().unwrap(), b"through the pipe\n");
        assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    }

    #[test]
    fn missing_directory_fails_without_writing() {
        let dir = tempfile::tempdir().unwrap();
        let err = atomic(&dir.path().join("no/such/app.env"), b"x").unwrap_err();
        assert!(err.to_string().contains("no/such/app.env"), "{err}");
        assert!(atomic(dir.path(), b"x").is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
