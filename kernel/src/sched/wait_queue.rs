//! Waiting and waking on a `WaitQueue` (the type is in `thread.rs`): a
//! thread sleeps until a condition holds; wakers change the condition, then
//! wake.
//!
//! No lost wakeups: the waiter checks the condition and enqueues itself
//! under the queue's lock, and marks itself blocked before releasing it; a
//! waker that changed the condition then takes the same lock, so either the
//! waiter saw the new condition or the waker finds the waiter queued. A
//! wakeup that lands between the unlock and the switch is safe too: the
//! thread is then runnable again and `schedule` simply keeps or requeues it
//! (see `sched::switch`).

use crate::thread::{Thread, WaitQueue};

/// A wait given up because a signal arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interrupted;
use alloc::collections::VecDeque;
use alloc::sync::Arc;

impl WaitQueue {
    /// Blocks the calling thread until `condition()` is true. The condition
    /// is evaluated with the queue lock held and interrupts off: keep it
    /// short and lock-free (an atomic load, a flag).
    pub fn wait_until(&self, mut condition: impl FnMut() -> bool) {
        loop {
            let mut waiters = self.waiters.lock();
            if condition() {
                return;
            }
            let current = super::current::current_thread();
            current.mark_blocked();
            waiters.push_back(current);
            // Interrupts stay off from here to the switch.
            let interrupts_were_enabled = waiters.unlock_keeping_interrupts_off();
            super::switch::schedule();
            if interrupts_were_enabled {
                arch::cpu::enable_interrupts();
            }
        }
    }

    /// Like `wait_until`, but gives up with `Interrupted` when a signal
    /// becomes pending for the calling thread (`sched::interrupt`). The
    /// thread marks itself blocked before it looks at the flag, and the
    /// sender sets the flag before it wakes the thread, so one of them
    /// sees the other.
    pub fn wait_until_interruptible(&self, mut condition: impl FnMut() -> bool) -> Result<(), Interrupted> {
        loop {
            let mut waiters = self.waiters.lock();
            if condition() {
                return Ok(());
            }
            let current = super::current::current_thread();
            current.mark_blocked();
            if current.signal_pending() {
                current.set_state(crate::thread::ThreadState::Running);
                return Err(Interrupted);
            }
            waiters.push_back(current);
            // Interrupts stay off from here to the switch.
            let interrupts_were_enabled = waiters.unlock_keeping_interrupts_off();
            super::switch::schedule();
            if interrupts_were_enabled {
                arch::cpu::enable_interrupts();
            }
        }
    }

    /// Wakes the longest waiter; returns whether there was one.
    pub fn wake_one(&self) -> bool {
        let thread = self.waiters.lock().pop_front();
        match thread {
            Some(thread) => {
                super::placement::wake_up(&thread);
                true
            }
            None => false,
        }
    }

    /// Wakes every waiter; returns how many.
    pub fn wake_all(&self) -> usize {
        let threads: VecDeque<Arc<Thread>> = core::mem::take(&mut *self.waiters.lock());
        let count = threads.len();
        for thread in threads {
            super::placement::wake_up(&thread);
        }
        count
    }
}
