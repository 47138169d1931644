//! Sleeping for a duration: per-CPU lists of sleepers with TSC deadlines,
//! woken by that CPU's timer tick (10 ms granularity at 100 Hz).

use crate::thread::{RunQueue, ThreadState};
use crate::cpu;
use crate::sync::IrqGuard;
use core::sync::atomic::Ordering;

/// Blocks the calling thread for at least `microseconds`.
pub fn sleep_micros(microseconds: u64) {
    let deadline = crate::timer::tsc_deadline_in(microseconds);
    let thread = super::current::current_thread();
    let guard = IrqGuard::new();
    thread.wake_deadline_tsc.store(deadline, Ordering::Relaxed);
    thread.set_state(ThreadState::Sleeping);
    cpu::this_cpu(&guard).run_queue.sleepers.lock().push(thread);
    // Interrupts stay off from the push to the switch.
    let interrupts_were_enabled = guard.end_keeping_interrupts_off();
    super::switch::schedule();
    if interrupts_were_enabled {
        arch::cpu::enable_interrupts();
    }
}

/// Like `sleep_micros`, but wakes early with `Interrupted` when a signal
/// becomes pending for the calling thread.
pub fn sleep_micros_interruptible(microseconds: u64) -> Result<(), super::Interrupted> {
    let deadline = crate::timer::tsc_deadline_in(microseconds);
    let thread = super::current::current_thread();
    let guard = IrqGuard::new();
    thread.wake_deadline_tsc.store(deadline, Ordering::Relaxed);
    thread.set_state(ThreadState::Sleeping);
    if thread.signal_pending() {
        thread.set_state(ThreadState::Running);
        return Err(super::Interrupted);
    }
    let this = cpu::this_cpu(&guard);
    let slept_on = this.id();
    this.run_queue.sleepers.lock().push(thread.clone());
    let interrupts_were_enabled = guard.end_keeping_interrupts_off();
    super::switch::schedule();
    if interrupts_were_enabled {
        arch::cpu::enable_interrupts();
    }
    if thread.signal_pending() && arch::tsc::read() < deadline {
        // Woken early: leave the sleepers list now rather than at the
        // deadline (it would keep the thread alive until then).
        cpu::get(slept_on).run_queue.sleepers.lock().retain(|sleeper| !alloc::sync::Arc::ptr_eq(sleeper, &thread));
        return Err(super::Interrupted);
    }
    Ok(())
}

/// Wakes every sleeper of `cpu` whose deadline has passed (timer tick).
pub fn wake_due_sleepers(cpu: &RunQueue) {
    let now = arch::tsc::read();
    let mut due = alloc::vec::Vec::new();
    {
        let mut sleepers = cpu.sleepers.lock();
        if sleepers.is_empty() {
            return;
        }
        let mut index = 0;
        while index < sleepers.len() {
            if sleepers[index].wake_deadline_tsc.load(Ordering::Relaxed) <= now {
                due.push(sleepers.swap_remove(index));
            } else {
                index += 1;
            }
        }
    }
    for thread in due {
        super::placement::wake_up(&thread);
    }
}
