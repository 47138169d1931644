//! Choosing the next thread and switching to it.
//!
//! Protocol (see TEAM_NOTES/scheduler.md):
//! - `schedule` runs with interrupts off. A `Running` thread that is not
//!   idle goes back to the end of this CPU's queue; `Blocked`, `Sleeping`
//!   and `Exited` threads are left to whoever wakes or reaps them; a thread
//!   already made `Runnable` again by a waker is in some queue already.
//! - Before switching to `next`, wait until `next.on_cpu` is clear: the CPU
//!   that last ran it may still be saving its registers.
//! - After the switch, the new thread calls `finish_switch`, which clears
//!   the previous thread's `on_cpu` (its context is now saved) and reaps it
//!   if it exited.

use super::cpu_scheduler::{self, CpuScheduler, TIME_SLICE_TICKS};
use super::thread::{Thread, ThreadState};
use alloc::sync::Arc;
use core::sync::atomic::Ordering;

/// Gives up the CPU to the next runnable thread (or keeps running if there
/// is none and the current thread can go on). Interrupts must be off.
pub fn schedule() {
    debug_assert!(!arch::cpu::interrupts_enabled(), "schedule() with interrupts on");
    debug_assert!(percpu::preempt_count() == 0, "schedule() with preemption disabled (a SpinLock held?)");
    let cpu = cpu_scheduler::this_cpu();
    let previous = cpu.current();
    cpu.need_resched.store(false, Ordering::Relaxed);
    if previous.state() == ThreadState::Running && !previous.is_idle() {
        previous.set_state(ThreadState::Runnable);
        cpu.enqueue(previous.clone());
    }
    let next = pick_next(cpu);
    if Arc::ptr_eq(&next, &previous) {
        previous.set_state(ThreadState::Running);
        cpu.slice_ticks_left.store(TIME_SLICE_TICKS, Ordering::Relaxed);
        return;
    }
    if !next.is_idle() {
        cpu.ensure_tick();
    }
    while next.on_cpu.load(Ordering::Acquire) {
        arch::cpu::pause();
    }
    next.on_cpu.store(true, Ordering::Relaxed);
    next.set_state(ThreadState::Running);
    next.set_last_cpu(cpu.cpu_id);
    crate::trace::context_switch(previous.id(), next.id(), previous.state());
    cpu.slice_ticks_left.store(TIME_SLICE_TICKS, Ordering::Relaxed);
    cpu.switches.fetch_add(1, Ordering::Relaxed);
    let previous_rsp_slot = previous.saved_rsp_slot();
    let (next_rsp, next_stack_top) = (next.saved_rsp(), next.stack_top());
    let displaced = cpu.replace_current(next);
    cpu.set_previous(displaced);
    drop(previous);
    // SAFETY: interrupts are off; `next` is not running anywhere (on_cpu was
    // clear and is now ours); the previous thread's Arc is parked in
    // `cpu.previous`, so its RSP slot outlives the switch.
    unsafe { arch::context_switch::switch_context(previous_rsp_slot, next_rsp, next_stack_top) };
    finish_switch();
}

/// The next thread for this CPU: its own queue, else one stolen from the
/// busiest other CPU, else its idle thread.
fn pick_next(cpu: &CpuScheduler) -> Arc<Thread> {
    if let Some(thread) = cpu.dequeue() {
        return thread;
    }
    steal_for(cpu).unwrap_or_else(|| cpu.idle.clone())
}

/// Work stealing: take an unpinned queued thread from the CPU with the
/// longest queue.
fn steal_for(cpu: &CpuScheduler) -> Option<Arc<Thread>> {
    let victim = crate::cpus::online()
        .filter(|pcr| pcr.cpu_id != cpu.cpu_id)
        .filter_map(cpu_scheduler::of)
        .filter(|other| other.queued.load(Ordering::Acquire) > 0)
        .max_by_key(|other| other.queued.load(Ordering::Acquire))?;
    victim.steal()
}

/// Completes a switch on the thread that was switched to: the previous
/// thread's context is saved now, so other CPUs may run it; an exited one
/// gives its stack back.
pub fn finish_switch() {
    let cpu = cpu_scheduler::this_cpu();
    let Some(previous) = cpu.take_previous() else { return };
    previous.on_cpu.store(false, Ordering::Release);
    if previous.state() == ThreadState::Exited {
        if let Some(stack) = previous.take_stack() {
            crate::memory::kernel_stacks::release(stack);
        }
    }
}

/// Timer tick on this CPU: wake due sleepers, charge the slice.
pub fn on_tick() {
    let Some(cpu) = cpu_scheduler::of(percpu::current()) else { return };
    super::sleep::wake_due_sleepers(cpu);
    if cpu.is_idle() {
        // The idle thread has no slice; it only makes way for queued work.
        if cpu.queued.load(Ordering::Relaxed) > 0 {
            cpu.need_resched.store(true, Ordering::Relaxed);
        }
        return;
    }
    let left = cpu.slice_ticks_left.load(Ordering::Relaxed);
    if left <= 1 {
        cpu.need_resched.store(true, Ordering::Relaxed);
    } else {
        cpu.slice_ticks_left.store(left - 1, Ordering::Relaxed);
    }
}

/// Run before an interrupt returns to code that had interrupts enabled:
/// switch if a reschedule is due and preemption is allowed.
pub fn preempt_on_interrupt_return() {
    let Some(cpu) = cpu_scheduler::of(percpu::current()) else { return };
    if cpu.need_resched.load(Ordering::Relaxed) && percpu::preempt_count() == 0 {
        schedule();
    }
}

/// First Rust code of every new thread (called by `arch_thread_start` on its
/// own stack, interrupts off).
pub extern "C" fn thread_entry(_unused: u64) -> ! {
    finish_switch();
    arch::cpu::enable_interrupts();
    let thread = super::current_thread();
    let entry = thread.entry.lock().take();
    drop(thread);
    if let Some(entry) = entry {
        entry();
    }
    super::exit(0)
}
