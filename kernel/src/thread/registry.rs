//! Every thread the scheduler started (not the idle threads), by id, as
//! weak references: for SysRq's thread list, which must show kernel
//! threads blocked on wait queues too (no run queue holds them).
//!
//! A thread leaves the registry when it is dropped (`Thread`'s `Drop`):
//! a weak reference keeps the thread's allocation alive, so an entry left
//! behind would hold memory after the thread is gone (the allocator
//! tests, which compare the heap before and after threads come and go,
//! saw it). The list's room is reserved at boot ([`reserve`]), so
//! registering a thread does not allocate while fewer than
//! [`RESERVED_THREADS`] are alive.

use super::Thread;
use crate::sync::IrqSpinLock;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;

/// Threads the registry holds without growing.
pub const RESERVED_THREADS: usize = 512;

static THREADS: IrqSpinLock<Vec<(u32, Weak<Thread>)>> = IrqSpinLock::new(Vec::new());

/// Reserves room for [`RESERVED_THREADS`] entries (once, at boot).
pub fn reserve() {
    THREADS.lock().reserve(RESERVED_THREADS);
}

/// Registers a new thread.
pub fn register(thread: &Arc<Thread>) {
    THREADS.lock().push((thread.id(), Arc::downgrade(thread)));
}

/// Drops `thread`'s entry (called as it is dropped; idle threads were
/// never registered and are not found). Found by address, not id, so a
/// reused id could never remove another thread's entry.
pub(super) fn remove(thread: *const Thread) {
    let mut threads = THREADS.lock();
    if let Some(index) = threads.iter().position(|(_, entry)| core::ptr::eq(entry.as_ptr(), thread)) {
        threads.swap_remove(index);
    }
}

/// The threads still alive (an exited one is alive while something holds
/// it, e.g. its `JoinHandle`), by ascending id.
pub fn all() -> Vec<Arc<Thread>> {
    let mut threads: Vec<Arc<Thread>> = THREADS.lock().iter().filter_map(|(_, thread)| thread.upgrade()).collect();
    threads.sort_unstable_by_key(|thread| thread.id());
    threads
}

/// The thread with id `id`, if it is alive.
pub fn find(id: u32) -> Option<Arc<Thread>> {
    THREADS.lock().iter().find(|(entry, _)| *entry == id)?.1.upgrade()
}
