//! The supervisor's signals and children, through libc as tini does it: the
//! signals it handles are blocked in every thread and taken one at a time
//! with `sigtimedwait` (no handlers, nothing async-signal-unsafe), the
//! supervisor thread's children are reaped with `waitpid` (never the AWS
//! SDK's helpers), and the process is made a child subreaper so that
//! orphaned grandchildren come to it to be reaped, PID 1 or not.

use libc::c_int;
use std::io;
use std::mem::MaybeUninit;
use std::time::Duration;

/// Forwarded to the child, as tini forwards them.
pub(super) const FORWARDED: [c_int; 7] = [
    libc::SIGTERM,
    libc::SIGINT,
    libc::SIGHUP,
    libc::SIGQUIT,
    libc::SIGUSR1,
    libc::SIGUSR2,
    libc::SIGWINCH,
];

/// Those that ask the child to end: after one, a change no longer restarts it.
pub(super) fn ends(signal: c_int) -> bool {
    matches!(signal, libc::SIGTERM | libc::SIGINT | libc::SIGQUIT)
}

/// Raised by the watcher thread to wake the supervisor; never forwarded.
const WAKE: c_int = libc::SIGALRM;

/// The blocked set: [`FORWARDED`], `SIGCHLD` and the wake-up signal.
pub(super) struct Blocked(libc::sigset_t);

impl Blocked {
    /// Blocks the set in the calling thread and so in every thread it starts
    /// afterwards: call it before any thread exists. (A child started with
    /// `std::process::Command` gets an empty mask again.)
    pub(super) fn block() -> io::Result<Blocked> {
        let mut set = MaybeUninit::<libc::sigset_t>::uninit();
        // SAFETY: `set` is initialized by sigemptyset before any other use;
        // the signal numbers are valid.
        let set = unsafe {
            libc::sigemptyset(set.as_mut_ptr());
            let mut set = set.assume_init();
            for signal in FORWARDED.into_iter().chain([libc::SIGCHLD, WAKE]) {
                libc::sigaddset(&raw mut set, signal);
            }
            set
        };
        // SAFETY: `set` is a valid, initialized signal set.
        let rc =
            unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &raw const set, std::ptr::null_mut()) };
        if rc != 0 {
            return Err(io::Error::from_raw_os_error(rc));
        }
        Ok(Blocked(set))
    }

    /// The next signal of the set, or `None` after `timeout`.
    pub(super) fn wait(&self, timeout: Duration) -> Option<c_int> {
        let timeout = libc::timespec {
            tv_sec: libc::time_t::try_from(timeout.as_secs()).unwrap_or(libc::time_t::MAX),
            tv_nsec: libc::c_long::from(timeout.subsec_nanos().cast_signed()),
        };
        // SAFETY: the set and the timespec are valid; no siginfo is wanted.
        let signal = unsafe {
            libc::sigtimedwait(&raw const self.0, std::ptr::null_mut(), &raw const timeout)
        };
        (signal > 0).then_some(signal)
    }
}

/// Wakes the supervisor's [`Blocked::wait`] (from another thread).
pub(super) fn wake() {
    // SAFETY: signalling this very process with a blocked signal.
    unsafe {
        libc::kill(libc::getpid(), WAKE);
    }
}

/// Sends `signal` to process `pid`; a process already gone is no error.
pub(super) fn send(pid: u32, signal: c_int) {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return;
    };
    // SAFETY: kill has no memory effects; `pid` is a child of ours (positive).
    unsafe {
        libc::kill(pid, signal);
    }
}

/// Every child of the supervisor's own thread that has ended, reaped: its
/// PID and wait status. Call it from the thread that started the app.
///
/// Those are the app (started from this thread) and the orphans that come
/// to this process as a subreaper (the kernel hands them to the first live
/// thread, this one). Children of the other threads are not touched: the
/// AWS SDK starts a profile's `credential_process` helper from the watcher's
/// runtime and waits for it by PID, and would fail with `ECHILD` if the
/// helper were reaped here. Where `/proc/self/task/TID/children` does not
/// exist (a kernel built without it), every ended child is reaped.
pub(super) fn reap() -> Vec<(u32, c_int)> {
    // SAFETY: gettid has no preconditions.
    let tid = unsafe { libc::gettid() };
    let Ok(list) = std::fs::read_to_string(format!("/proc/self/task/{tid}/children")) else {
        return reap_any();
    };
    list.split_ascii_whitespace()
        .filter_map(|pid| pid.parse::<libc::pid_t>().ok())
        .filter_map(|pid| {
            let mut status: c_int = 0;
            // SAFETY: `status` is a valid place for the wait status.
            let reaped = unsafe { libc::waitpid(pid, &raw mut status, libc::WNOHANG) };
            (reaped == pid).then(|| (pid.unsigned_abs(), status))
        })
        .collect()
}

/// Every child that has ended, whoever started it.
fn reap_any() -> Vec<(u32, c_int)> {
    let mut ended = Vec::new();
    loop {
        let mut status: c_int = 0;
        // SAFETY: `status` is a valid place for the wait status.
        let pid = unsafe { libc::waitpid(-1, &raw mut status, libc::WNOHANG) };
        if pid <= 0 {
            return ended;
        }
        ended.push((pid.unsigned_abs(), status));
    }
}

/// The exit status a shell would give: the child's own code, or 128+N when
/// signal N ended it.
pub(super) fn exit_code(status: c_int) -> i32 {
    if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else if libc::WIFSIGNALED(status) {
        128 + libc::WTERMSIG(status)
    } else {
        1
    }
}

/// Makes orphaned descendants children of this process (as PID 1 they are
/// anyway), so that they are reaped here and leave no zombie.
pub(super) fn become_subreaper() {
    // SAFETY: PR_SET_CHILD_SUBREAPER takes one integer argument.
    unsafe {
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_become_exit_codes() {
        // Encoded as the kernel does: code << 8 for an exit, N for signal N.
        assert_eq!(exit_code(7 << 8), 7);
        assert_eq!(exit_code(0), 0);
        assert_eq!(exit_code(libc::SIGTERM), 143);
        assert_eq!(exit_code(libc::SIGKILL), 137);
    }

    #[test]
    fn only_terminating_signals_end_supervision() {
        assert!(ends(libc::SIGTERM) && ends(libc::SIGINT) && ends(libc::SIGQUIT));
        assert!(!ends(libc::SIGHUP) && !ends(libc::SIGUSR1) && !ends(libc::SIGWINCH));
    }
}
