//! Writing: atomically replace the target (temp file in its directory, mode
//! 0600, fsync, rename), or stream to standard output.

use crate::error::Error;
use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` so that readers see either the old file or the
/// whole new one, never a part; on any error the old file is untouched and no
/// temp file remains.
pub fn atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let fail = |source: std::io::Error| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    if path.is_dir() {
        return Err(fail(std::io::Error::new(
            std::io::ErrorKind::IsADirectory,
            "it is a directory",
        )));
    }
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

/// Writes each `--binary-dir` SecretBinary to the file its variable names,
/// atomically and with mode 0600.
pub fn payloads(variables: &[crate::flatten::Variable]) -> Result<(), Error> {
    for v in variables {
        if let Some(bytes) = &v.payload {
            atomic(Path::new(v.value.expose()), bytes.expose())?;
        }
    }
    Ok(())
}

/// Writes `bytes` to standard output and flushes.
pub fn stdout(bytes: &[u8]) -> Result<(), Error> {
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

    #[test]
    fn missing_directory_fails_without_writing() {
        let dir = tempfile::tempdir().unwrap();
        let err = atomic(&dir.path().join("no/such/app.env"), b"x").unwrap_err();
        assert!(err.to_string().contains("no/such/app.env"), "{err}");
        assert!(atomic(dir.path(), b"x").is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
