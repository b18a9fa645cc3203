//! What `execve` can take: no NUL byte in a value, and on Linux each
//! environment string and the whole of them (with the arguments) within the
//! kernel's limits. Checked before the command starts, and under `--watch`
//! before the running command is stopped for new values, so that a value no
//! environment can carry is refused instead of ending the app.

use crate::error::Error;
use crate::flatten::Variable;
use std::ffi::OsString;

/// Removed from the command's environment (see `exec::command`).
pub(super) const REMOVED: [&str; 2] = ["AWS_SECRETS_ENV_SECRET_ID", "AWS_SECRETS_ENV_WATCH"];

/// Ok if `execve` can start `args` with `variables` added to this process's
/// environment; else the first variable it cannot carry, or the total.
pub(super) fn check(program: &str, args: &[OsString], variables: &[Variable]) -> Result<(), Error> {
    let refuse = |v: &Variable, reason: String| Error::Unpassable {
        name: v.name.clone(),
        source_desc: v.source.clone(),
        program: program.to_string(),
        reason,
    };
    for v in variables {
        if v.value.expose().contains('\0') {
            return Err(refuse(
                v,
                "its value holds a NUL byte, which no environment can carry".into(),
            ));
        }
    }
    let Some(kernel) = Kernel::read() else {
        return Ok(());
    };
    // Each string is copied with its terminating NUL.
    let string = |name: &str, value: usize| name.len() + 1 + value + 1;
    for v in variables {
        let bytes = string(&v.name, v.value.expose().len());
        if bytes > kernel.max_string {
            return Err(refuse(
                v,
                format!(
                    "`{}=` and its value take {bytes} bytes, over the kernel's limit of {} for one environment string",
                    v.name, kernel.max_string
                ),
            ));
        }
    }
    let inherited = std::env::vars_os().filter(|(name, _)| {
        let name = name.to_string_lossy();
        !REMOVED.contains(&name.as_ref()) && !variables.iter().any(|v| v.name == name)
    });
    let mut strings = 0;
    let mut bytes = 0;
    for (name, value) in inherited {
        strings += 1;
        bytes += name.len() + 1 + value.len() + 1;
    }
    for v in variables {
        strings += 1;
        bytes += string(&v.name, v.value.expose().len());
    }
    for arg in args {
        strings += 1;
        bytes += arg.len() + 1;
    }
    // The kernel also copies the program's path (at most PATH_MAX) and
    // counts a pointer for every string.
    bytes += 4096 + strings * std::mem::size_of::<usize>();
    if bytes > kernel.max_total {
        return Err(Error::TooBigToExec {
            program: program.to_string(),
            bytes,
            limit: kernel.max_total,
        });
    }
    Ok(())
}

/// The limits of Linux's `execve` (fs/exec.c).
struct Kernel {
    /// `MAX_ARG_STRLEN`: 32 pages for one string, its NUL included.
    max_string: usize,
    /// A quarter of the stack's soft limit, at most 6 MiB (3/4 of
    /// `_STK_LIM`), at least `ARG_MAX` (128 KiB).
    max_total: usize,
}

impl Kernel {
    #[cfg(target_os = "linux")]
    fn read() -> Option<Kernel> {
        // SAFETY: sysconf has no memory effects.
        let page = usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).ok()?;
        let mut stack = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: `stack` is a valid place for the limits.
        let stack = if unsafe { libc::getrlimit(libc::RLIMIT_STACK, &raw mut stack) } == 0 {
            stack.rlim_cur
        } else {
            libc::RLIM_INFINITY
        };
        let six_mib = 6 << 20;
        let quarter = if stack == libc::RLIM_INFINITY {
            six_mib
        } else {
            usize::try_from(stack / 4).unwrap_or(six_mib).min(six_mib)
        };
        Some(Kernel {
            max_string: 32 * page,
            max_total: quarter.max(128 << 10),
        })
    }

    #[cfg(not(target_os = "linux"))]
    fn read() -> Option<Kernel> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn var(name: &str, value: &str) -> Variable {
        Variable::new(name, Secret::new(value), "secret `s`, key `A`")
    }

    #[test]
    fn a_nul_byte_is_refused_by_name() {
        let err = check("app", &[], &[var("OK", "fine"), var("A", "x\0y")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "variable `A` (from secret `s`, key `A`) cannot be passed to `app`: its value holds a NUL byte, which no environment can carry"
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn one_string_past_32_pages_is_refused_and_one_within_passes() {
        let page = 4096; // the page size of every Linux this runs on in CI
        let fits = "v".repeat(32 * page - "A=".len() - 1);
        check("app", &[], &[var("A", &fits)]).unwrap();
        let over = format!("{fits}v");
        let err = check("app", &[], &[var("A", &over)]).unwrap_err();
        assert!(
            err.to_string().ends_with(
                "`A=` and its value take 131073 bytes, over the kernel's limit of 131072 for one environment string"
            ),
            "{err}"
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_whole_past_the_limit_is_refused() {
        let max_total = Kernel::read().unwrap().max_total;
        let chunk = "v".repeat(100 << 10);
        let many: Vec<Variable> = (0..=max_total / chunk.len())
            .map(|i| var(&format!("V{i}"), &chunk))
            .collect();
        let err = check("app", &[], &many).unwrap_err();
        assert!(matches!(err, Error::TooBigToExec { limit, .. } if limit == max_total));
    }
}
