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

/// Left alone, as tini leaves them: the synchronous signals (a fault of the
/// thread that gets them) and the terminal's stop signals for background
/// reads and writes. `SIGKILL` and `SIGSTOP` cannot be caught at all. Every
/// other signal is forwarded to the child, but `SIGCHLD` (reaping) and the
/// supervisor's own wake-up.
const NOT_COLLECTED: [c_int; 9] = [
    libc::SIGFPE,
    libc::SIGILL,
    libc::SIGSEGV,
    libc::SIGBUS,
    libc::SIGABRT,
    libc::SIGTRAP,
    libc::SIGSYS,
    libc::SIGTTIN,
    libc::SIGTTOU,
];

/// Those that ask the child to end: after one, a change no longer restarts
/// it (see [`Blocked::ends`]).
fn ends(signal: c_int) -> bool {
    matches!(signal, libc::SIGTERM | libc::SIGINT | libc::SIGQUIT)
}

/// Queued by the watcher thread to wake the supervisor (`sigqueue`), with
/// a random cookie as its value: told apart from a `SIGALRM` sent from
/// outside (which is forwarded) by that cookie, which no other process
/// knows.
const WAKE: c_int = libc::SIGALRM;

/// The wake-up's cookie, drawn when the signals are blocked.
static COOKIE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A signal taken by [`Blocked::wait`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Received {
    /// To forward to the child.
    Forward(c_int),
    /// A child ended, or the watcher has news: look around.
    Look,
}

/// The blocked set: every signal but [`NOT_COLLECTED`]; and those of the
/// signals that [`ends`] that this process inherited ignored.
pub(super) struct Blocked(libc::sigset_t, Vec<c_int>);

impl Blocked {
    /// Blocks the set in the calling thread and so in every thread it starts
    /// afterwards: call it before any thread exists, from the thread that
    /// supervises. (A child inherits the mask: `supervise::spawn` empties
    /// it in the child before `execve`.)
    pub(super) fn block() -> io::Result<Blocked> {
        let ignored = [libc::SIGTERM, libc::SIGINT, libc::SIGQUIT]
            .into_iter()
            .filter(|&signal| ignored(signal))
            .collect();
        let mut set = MaybeUninit::<libc::sigset_t>::uninit();
        // SAFETY: `set` is initialized by sigfillset before any other use;
        // the signal numbers are valid. (glibc's sigfillset leaves out the
        // signals it reserves for its threads.)
        let set = unsafe {
            libc::sigfillset(set.as_mut_ptr());
            let mut set = set.assume_init();
            for signal in NOT_COLLECTED {
                libc::sigdelset(&raw mut set, signal);
            }
            set
        };
        // SAFETY: `set` is a valid, initialized signal set.
        let rc =
            unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &raw const set, std::ptr::null_mut()) };
        if rc != 0 {
            return Err(io::Error::from_raw_os_error(rc));
        }
        COOKIE.store(
            usize::try_from(fastrand::u64(1..)).unwrap_or(usize::MAX),
            std::sync::atomic::Ordering::SeqCst,
        );
        Ok(Blocked(set, ignored))
    }

    /// Whether `signal` asks the child to end ([`ends`]), unless this
    /// process inherited it ignored: SIGINT and SIGQUIT in a background job
    /// of a script (which a Ctrl-C in its terminal still sends), SIGHUP
    /// under `nohup`. Such a signal is forwarded all the same, as tini
    /// does; the child inherits it ignored, as it would without the
    /// supervisor, and if it ends anyway, its end is the end.
    pub(super) fn ends(&self, signal: c_int) -> bool {
        ends(signal) && !self.1.contains(&signal)
    }

    /// The next signal of the set, or `None` after `timeout`.
    pub(super) fn wait(&self, timeout: Duration) -> Option<Received> {
        let timeout = libc::timespec {
            tv_sec: libc::time_t::try_from(timeout.as_secs()).unwrap_or(libc::time_t::MAX),
            tv_nsec: libc::c_long::from(timeout.subsec_nanos().cast_signed()),
        };
        let mut info = MaybeUninit::<libc::siginfo_t>::zeroed();
        // SAFETY: the set, the siginfo and the timespec are valid.
        let signal =
            unsafe { libc::sigtimedwait(&raw const self.0, info.as_mut_ptr(), &raw const timeout) };
        if signal <= 0 {
            return None;
        }
        // SAFETY: sigtimedwait filled `info` for the signal it returned;
        // si_value is valid to read for SI_QUEUE.
        let own = unsafe {
            let info = info.assume_init();
            info.si_code == libc::SI_QUEUE
                && info.si_value().sival_ptr as usize
                    == COOKIE.load(std::sync::atomic::Ordering::SeqCst)
        };
        Some(match signal {
            libc::SIGCHLD => Received::Look,
            WAKE if own => Received::Look,
            _ => Received::Forward(signal),
        })
    }
}

/// Whether `signal`'s disposition is `SIG_IGN`.
fn ignored(signal: c_int) -> bool {
    let mut action = MaybeUninit::<libc::sigaction>::zeroed();
    // SAFETY: only reads the disposition of a valid signal into `action`.
    let rc = unsafe { libc::sigaction(signal, std::ptr::null(), action.as_mut_ptr()) };
    // SAFETY: sigaction filled `action` when it returned 0.
    rc == 0 && unsafe { action.assume_init() }.sa_sigaction == libc::SIG_IGN
}

/// Wakes the supervisor's [`Blocked::wait`] (from another thread).
pub(super) fn wake() {
    let cookie = COOKIE.load(std::sync::atomic::Ordering::SeqCst);
    let value = libc::sigval {
        sival_ptr: cookie as *mut libc::c_void,
    };
    // SAFETY: queueing a signal every thread blocks to this very process;
    // no memory is shared through the value.
    unsafe {
        libc::sigqueue(libc::getpid(), WAKE, value);
    }
}

/// Sends `signal` to every process of the group `pgid` (the app started
/// as the leader of a group of its own, and what it started in it).
pub(super) fn send_group(pgid: u32, signal: c_int) {
    let Ok(pgid) = libc::pid_t::try_from(pgid) else {
        return;
    };
    // SAFETY: kill has no memory effects; `-pgid` names a group of ours.
    unsafe {
        libc::kill(-pgid, signal);
    }
}

/// Whether any process of group `pgid` is still there (zombies included,
/// until they are reaped).
pub(super) fn group_alive(pgid: u32) -> bool {
    let Ok(pgid) = libc::pid_t::try_from(pgid) else {
        return false;
    };
    // SAFETY: signal 0 only checks that the group exists.
    unsafe { libc::kill(-pgid, 0) == 0 }
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
    fn forwarded_signals_are_all_but_the_synchronous_ones() {
        let blocked = Blocked::block().unwrap();
        // SAFETY: reading a valid, initialized signal set.
        let member = |s| unsafe { libc::sigismember(&raw const blocked.0, s) } == 1;
        for s in [
            libc::SIGTERM,
            libc::SIGALRM,
            libc::SIGPWR,
            libc::SIGURG,
            libc::SIGTSTP,
        ] {
            assert!(member(s), "{s} collected");
        }
        assert!(member(libc::SIGRTMIN() + 3) && member(libc::SIGRTMAX()));
        for s in NOT_COLLECTED {
            assert!(!member(s), "{s} left alone");
        }
        // This test's thread blocked them: unblock again.
        // SAFETY: `blocked.0` is a valid set.
        unsafe {
            libc::pthread_sigmask(
                libc::SIG_UNBLOCK,
                &raw const blocked.0,
                std::ptr::null_mut(),
            )
        };
    }

    #[test]
    fn a_signal_inherited_ignored_does_not_end_supervision() {
        // SAFETY: setting valid signals' dispositions, restored below.
        let old = unsafe {
            [
                libc::signal(libc::SIGQUIT, libc::SIG_IGN),
                libc::signal(libc::SIGTERM, libc::SIG_DFL),
            ]
        };
        let blocked = Blocked::block().unwrap();
        // SAFETY: restoring what was found; `blocked.0` is a valid set.
        unsafe {
            libc::signal(libc::SIGQUIT, old[0]);
            libc::signal(libc::SIGTERM, old[1]);
            libc::pthread_sigmask(
                libc::SIG_UNBLOCK,
                &raw const blocked.0,
                std::ptr::null_mut(),
            );
        }
        assert!(!blocked.ends(libc::SIGQUIT));
        assert!(blocked.ends(libc::SIGTERM));
    }

    #[test]
    fn only_terminating_signals_end_supervision() {
        assert!(ends(libc::SIGTERM) && ends(libc::SIGINT) && ends(libc::SIGQUIT));
        assert!(!ends(libc::SIGHUP) && !ends(libc::SIGUSR1) && !ends(libc::SIGWINCH));
    }
}
