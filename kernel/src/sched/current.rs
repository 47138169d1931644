//! The running thread, read from this CPU's run queue under a guard.

use crate::cpu;
use crate::sync::IrqGuard;
use crate::thread::Thread;
use alloc::sync::Arc;

/// The running thread.
pub fn current_thread() -> Arc<Thread> {
    let guard = IrqGuard::new();
    // SAFETY: the running CPU's run queue, under an IrqGuard.
    unsafe { cpu::this_cpu(&guard).run_queue.current() }
}

/// Calls `f` with the running thread, without a lock or a reference count,
/// so fault handlers may use it. `None` before this CPU has its block.
pub fn with_current_thread<R>(f: impl FnOnce(&Thread) -> R) -> Option<R> {
    let guard = IrqGuard::new();
    // SAFETY: the running CPU's run queue, under an IrqGuard.
    cpu::try_this_cpu(&guard).map(|this| unsafe { this.run_queue.with_current(f) })
}

/// The running thread's id (0 before this CPU has its block).
pub fn current_thread_id() -> u32 {
    with_current_thread(Thread::id).unwrap_or(0)
}
