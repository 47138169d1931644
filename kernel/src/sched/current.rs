//! The running thread, read from this CPU's run queue under a guard.

use crate::cpu;
use crate::sync::{IrqGuard, PreemptGuard};
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

/// [`with_current_thread`] with preemption off instead of interrupts off,
/// for hot paths (every system call) whose `f` reads only what interrupt
/// handlers leave alone: the id, an atomic flag, the process link. Under
/// TCG every `popf`/`sti` that may enable interrupts ends a translation
/// block; the preempt count is two `gs:` increments (see
/// TEAM_NOTES/user-benchmarks-vs-linux.md).
pub fn with_current_thread_preempt_off<R>(f: impl FnOnce(&Thread) -> R) -> Option<R> {
    let guard = PreemptGuard::new();
    // SAFETY: the running CPU's run queue, preemption off until `guard`
    // drops after the call; the callers' `f`s need no more.
    cpu::try_this_cpu(&guard).map(|this| unsafe { this.run_queue.with_current_preempt_off(f) })
}

/// The running thread's id (0 before this CPU has its block).
pub fn current_thread_id() -> u32 {
    with_current_thread_preempt_off(Thread::id).unwrap_or(0)
}
