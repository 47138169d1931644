//! Where runnable threads go: placement of new threads, wake-ups, and
//! making sure an idle CPU notices queued work. Every choice is among the
//! thread's allowed CPUs (its affinity); the switch checks again
//! (`affinity.rs`), so a choice made from a set that changed meanwhile
//! is corrected there.

use crate::cpu::{self, CpuId};
use crate::cpu_set::CpuSet;
use crate::sync::PreemptGuard;
use crate::thread::{Thread, ThreadState};
use alloc::sync::Arc;
use core::sync::atomic::Ordering;

/// The online CPU of `allowed` with the fewest runnable threads; if
/// `allowed` names no online CPU (only while another CPU replaces a
/// thread's set, see `AtomicCpuSet`), the least loaded of all: the
/// switch then moves the thread on.
pub(super) fn least_loaded_cpu(allowed: &CpuSet) -> CpuId {
    let least_loaded = |filter: &dyn Fn(CpuId) -> bool| {
        cpu::online()
            .filter(|block| filter(block.id()))
            .min_by_key(|block| (block.run_queue.load(), block.id()))
            .map(|block| block.id())
    };
    least_loaded(&|cpu| allowed.contains(cpu.index()))
        .or_else(|| least_loaded(&|_| true))
        .expect("the boot CPU is online")
}

/// An idle CPU of `allowed` with nothing queued, other than `except`.
fn idle_cpu_in(allowed: &CpuSet, except: &[CpuId]) -> Option<CpuId> {
    cpu::online()
        .filter(|block| allowed.contains(block.id().index()) && !except.contains(&block.id()))
        .find(|block| block.run_queue.is_idle() && block.run_queue.queued.load(Ordering::Relaxed) == 0)
        .map(|block| block.id())
}

/// Where a runnable thread should go, among its allowed CPUs: the CPU it
/// last ran on if that one is idle; else any idle CPU; else its last CPU;
/// else (it never ran there) the least loaded.
pub(super) fn target_for(thread: &Thread) -> CpuId {
    let allowed = thread.allowed_cpus();
    match thread.last_cpu().filter(|last| allowed.contains(last.index())) {
        Some(last) if cpu::get(last).run_queue.is_idle() => last,
        Some(last) => idle_cpu_in(&allowed, &[]).unwrap_or(last),
        None => idle_cpu_in(&allowed, &[]).unwrap_or_else(|| least_loaded_cpu(&allowed)),
    }
}

/// Puts a runnable thread on `target`'s queue and makes sure someone runs
/// it: an idle target is told directly; a busy target's queued thread is
/// offered to an idle CPU it may also run on (which steals it), since idle
/// CPUs stop their tick and would not look on their own.
pub(super) fn enqueue(thread: Arc<Thread>, target: CpuId) {
    let allowed = thread.allowed_cpus();
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
    } else if let Some(helper) = idle_cpu_in(&allowed, &[target, me]) {
        crate::ipi::send_reschedule(helper);
    }
}

/// Queues a runnable thread where [`target_for`] says.
pub(super) fn place(thread: Arc<Thread>) {
    let target = target_for(&thread);
    enqueue(thread, target);
}

/// Makes a blocked or sleeping thread runnable again (no-op if it is
/// already awake).
pub fn wake_up(thread: &Arc<Thread>) {
    let woke = thread.transition(ThreadState::Blocked, ThreadState::Runnable)
        || thread.transition(ThreadState::Sleeping, ThreadState::Runnable);
    if woke {
        let target = target_for(thread);
        crate::flight_recorder::wakeup(thread.id(), target.as_u32());
        enqueue(thread.clone(), target);
    }
}
