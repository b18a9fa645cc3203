//! Signal cleanup of named temp files.
//!
//! Removes named temp files on SIGINT, SIGTERM and SIGHUP. While any is
//! registered, a handler for each of those signals (unless it was ignored)
//! unlinks every registered file, restores the previous disposition and
//! re-raises the signal, so the process ends as it would have.

use std::cell::UnsafeCell;
use std::ffi::CString;
use std::os::fd::RawFd;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};

const SIGNALS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

/// One registered file. Nodes are never freed (a few per run), so the
/// handler can walk the list at any time without locks.
struct Node {
    dirfd: RawFd,
    name: CString,
    active: AtomicBool,
    next: *mut Node,
}

// SAFETY: `next` and `name` never change once the node is published.
unsafe impl Sync for Node {}
// SAFETY: as above.
unsafe impl Send for Node {}

static HEAD: AtomicPtr<Node> = AtomicPtr::new(std::ptr::null_mut());

/// The dispositions we replaced, read by the handler.
struct Saved(UnsafeCell<[libc::sigaction; 3]>, [AtomicBool; 3]);
// SAFETY: written only under HOLDERS' lock while our handler is not installed for that slot.
unsafe impl Sync for Saved {}
// SAFETY: an all-zero sigaction is a valid value (SIG_DFL, empty mask).
static SAVED: Saved = Saved(
    UnsafeCell::new(unsafe { std::mem::zeroed() }),
    [const { AtomicBool::new(false) }; 3],
);
static HOLDERS: Mutex<usize> = Mutex::new(0);

extern "C" fn on_signal(signal: libc::c_int) {
    let mut node = HEAD.load(Ordering::Acquire);
    while !node.is_null() {
        // SAFETY: nodes are leaked, never freed or moved.
        let n = unsafe { &*node };
        if n.active.load(Ordering::Acquire) {
            // SAFETY: async-signal-safe; the name is a C string.
            unsafe { libc::unlinkat(n.dirfd, n.name.as_ptr(), 0) };
        }
        node = n.next;
    }
    if let Some(i) = SIGNALS.iter().position(|&s| s == signal) {
        // SAFETY: async-signal-safe; SAVED[i] was set before this handler was installed.
        unsafe {
            libc::sigaction(signal, &raw const (*SAVED.0.get())[i], std::ptr::null_mut());
            libc::raise(signal);
        }
    }
}

/// Keeps the handlers installed while alive.
pub(super) struct Hold(());

pub(super) fn hold() -> Hold {
    let mut holders = HOLDERS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if *holders == 0 {
        install();
    }
    *holders += 1;
    Hold(())
}

/// Another share of the hold: the handlers stay installed while either lives.
impl Clone for Hold {
    fn clone(&self) -> Hold {
        let mut holders = HOLDERS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // `self` is alive, so the handlers are installed already.
        *holders += 1;
        Hold(())
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        let mut holders = HOLDERS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *holders -= 1;
        if *holders == 0 {
            restore();
        }
    }
}

fn install() {
    for (i, &signal) in SIGNALS.iter().enumerate() {
        // SAFETY: plain sigaction calls with valid structs.
        unsafe {
            let mut new: libc::sigaction = std::mem::zeroed();
            new.sa_sigaction = on_signal as *const () as libc::sighandler_t;
            libc::sigfillset(&raw mut new.sa_mask);
            let mut old: libc::sigaction = std::mem::zeroed();
            libc::sigaction(signal, std::ptr::null(), &raw mut old);
            if old.sa_sigaction == libc::SIG_IGN {
                continue; // nohup and friends: the signal cannot end us
            }
            (*SAVED.0.get())[i] = old;
            libc::sigaction(signal, &raw const new, std::ptr::null_mut());
        }
        SAVED.1[i].store(true, Ordering::Release);
    }
}

fn restore() {
    for (i, &signal) in SIGNALS.iter().enumerate() {
        if SAVED.1[i].swap(false, Ordering::AcqRel) {
            // SAFETY: restores the saved disposition.
            unsafe {
                libc::sigaction(signal, &raw const (*SAVED.0.get())[i], std::ptr::null_mut())
            };
        }
    }
}

/// A registered file; dropping it unregisters (without unlinking).
pub(super) struct Registration {
    node: &'static Node,
    _hold: Hold,
}

impl Hold {
    /// Registers `name` in `dirfd` for removal on a signal. Call right
    /// after creating it; the handlers are already in place.
    pub(super) fn register(&self, dirfd: RawFd, name: CString) -> Registration {
        let node: &'static mut Node = Box::leak(Box::new(Node {
            dirfd,
            name,
            active: AtomicBool::new(true),
            next: std::ptr::null_mut(),
        }));
        let mut head = HEAD.load(Ordering::Acquire);
        loop {
            node.next = head;
            match HEAD.compare_exchange(head, node, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => break,
                Err(now) => head = now,
            }
        }
        Registration {
            node,
            _hold: self.clone(),
        }
    }
}

impl Registration {
    /// Unregisters without unlinking: the file is gone, or was never made.
    pub(super) fn disarm(self) {
        drop(self);
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.node.active.store(false, Ordering::Release);
    }
}
