//! Where runnable threads go: placement of new threads, wake-ups, and
//! making sure an idle CPU notices queued work.

use crate::cpu::{self, CpuId};
use crate::sync::PreemptGuard;
use crate::thread::{Thread, ThreadState};
use alloc::sync::Arc;
use core::sync::atomic::Ordering;

/// The online CPU with the fewest runnable threads.
pub(super) fn least_loaded_cpu() -> CpuId {
    cpu::online()
        .min_by_key(|block| (block.run_queue.load(), block.id()))
        .map(|block| block.id())
        .expect("the boot CPU is online")
}

/// An idle CPU with nothing queued, other than `except`.
fn idle_cpu_except(except: &[CpuId]) -> Option<CpuId> {
    cpu::online()
        .filter(|block| !except.contains(&block.id()))
        .find(|block| block.run_queue.is_idle() && block.run_queue.queued.load(Ordering::Relaxed) == 0)
        .map(|block| block.id())
}

/// Where a woken thread should run: its pinned CPU; else the CPU it last
/// ran on if that one is idle; else any idle CPU; else its last CPU.
fn wake_target(thread: &Thread) -> CpuId {
    if let Some(cpu) = thread.pinned_cpu() {
        return cpu;
    }
    match thread.last_cpu() {
        Some(last) if cpu::get(last).run_queue.is_idle() => last,
        Some(last) => idle_cpu_except(&[]).unwrap_or(last),
        None => idle_cpu_except(&[]).unwrap_or_else(least_loaded_cpu),
    }
}

/// Puts a runnable thread on `target`'s queue and makes sure someone runs
/// it: an idle target is told directly; a busy target's queued thread is
/// offered to an idle CPU (which steals it), since idle CPUs stop their
/// tick and would not look on their own.
pub(super) fn enqueue(thread: Arc<Thread>, target: CpuId) {
    let stealable = thread.pinned_cpu().is_none();
    crate::flight_recorder::migration(thread.id(), thread.last_cpu(), target);
    let queue = &cpu::get(target).run_queue;
    queue.enqueue(thread);
    // Store (queue) then load (is it idle?), against the idle CPU's store
    // (current = idle) then load (queue empty?) in
    // `stop_tick_if_nothing_to_time`: without a full fence on both sides each
    // could miss the other's store, and the work would sit on a halted CPU.
    core::sync::atomic::fence(Ordering::SeqCst);
    let guard = PreemptGuard::new();
    let me = cpu::this_cpu(&guard).id();
    if queue.is_idle() {
        if target == me {
            percpu::set_need_resched(true);
        } else {
            crate::ipi::send_reschedule(target);
        }
    } else if stealable {
        if let Some(helper) = idle_cpu_except(&[target, me]) {
            crate::ipi::send_reschedule(helper);
        }
    }
}

/// Makes a blocked or sleeping thread runnable again (no-op if it is
/// already awake).
pub fn wake_up(thread: &Arc<Thread>) {
    let woke = thread.transition(ThreadState::Blocked, ThreadState::Runnable)
        || thread.transition(ThreadState::Sleeping, ThreadState::Runnable);
    if woke {
        let target = wake_target(thread);
        crate::flight_recorder::wakeup(thread.id(), target.as_u32());
        enqueue(thread.clone(), target);
    }
}
