//! `test=late_switch_out`: a thread whose last CPU is slow to switch away
//! from it still runs, on a CPU that was idle with its tick stopped.
//!
//! The scheduler waits only briefly for a picked thread's `on_cpu` to clear
//! (`sched::switch`); after that it requeues the thread and runs its idle
//! thread with a reschedule due. Under host load a vCPU can stall for
//! milliseconds in the middle of a switch, so that wait does give up. This
//! test makes the stall as long as it likes: a worker pinned to an idle,
//! tickless CPU blocks; the test marks it as still on a CPU (standing in
//! for a CPU that has not reached `finish_switch` yet), wakes it, clears the
//! mark after `LATE_MS` without any interrupt (as `finish_switch` does), and
//! expects the worker to run. An idle CPU that halts with the thread queued
//! and its tick stopped never runs it: that is the hang `kernelcheck` hit
//! (TEAM_NOTES/idle-halt-after-switch-wait.md).

use crate::sched::WaitQueue;
use crate::thread::{Thread, ThreadState};
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, Ordering};

/// How long the worker's "last CPU" takes to switch away from it.
const LATE_MS: u64 = 20;
/// How long the worker may take to run once it is free to.
const STALL_MS: u64 = 1_000;
/// Polling step while waiting for a state.
const POLL_MICROS: u64 = 1_000;

static WORKER: spin::Mutex<Option<Arc<Thread>>> = spin::Mutex::new(None);
static GATE: WaitQueue = WaitQueue::new();
static RELEASED: AtomicBool = AtomicBool::new(false);
static RAN: AtomicBool = AtomicBool::new(false);

fn worker() {
    *WORKER.lock() = Some(crate::sched::current_thread());
    GATE.wait_until(|| RELEASED.load(Ordering::Acquire));
    RAN.store(true, Ordering::Release);
}

/// Polls `condition` every millisecond for up to `limit_ms`.
fn wait_for(limit_ms: u64, mut condition: impl FnMut() -> bool) -> bool {
    for _ in 0..limit_ms * 1000 / POLL_MICROS {
        if condition() {
            return true;
        }
        crate::sched::sleep_micros(POLL_MICROS);
    }
    condition()
}

pub fn run() -> Result<(), String> {
    let target = super::support::last_cpu();
    if target == super::support::first_cpu() {
        crate::kprintln!("late_switch_out: one CPU, nothing to test");
        return Ok(());
    }
    let handle = crate::sched::spawn_pinned(target, "late", worker).map_err(|error| format!("spawn: {error}"))?;
    let published = || WORKER.lock().clone();
    let switched_out = || published().is_some_and(|thread| thread.state() == ThreadState::Blocked && !thread.on_cpu.load(Ordering::Acquire));
    if !wait_for(STALL_MS, switched_out) {
        return Err(format!("the worker did not block on cpu {target}"));
    }
    let queue = &crate::cpu::get(target).run_queue;
    if !wait_for(STALL_MS, || queue.tick_stopped.load(Ordering::Relaxed)) {
        return Err(format!("idle cpu {target} did not stop its tick"));
    }
    let thread = published().ok_or("the worker vanished")?;
    // The worker is blocked and switched out: no CPU reads or writes its
    // `on_cpu` until it is woken. From here it looks as if its last CPU were
    // still saving its registers.
    thread.on_cpu.store(true, Ordering::Release);
    RELEASED.store(true, Ordering::Release);
    GATE.wake_one();
    crate::sched::sleep_micros(LATE_MS * 1000);
    // The "last CPU" finishes its switch: a plain store, no interrupt.
    thread.on_cpu.store(false, Ordering::Release);
    let ran = wait_for(STALL_MS, || RAN.load(Ordering::Acquire));
    drop(thread);
    WORKER.lock().take();
    if !ran {
        return Err(format!(
            "the worker stayed queued on cpu {target} (tick stopped: {}, {} queued) for {STALL_MS} ms after its last CPU let it go",
            queue.tick_stopped.load(Ordering::Relaxed),
            queue.queued.load(Ordering::Relaxed),
        ));
    }
    handle.join();
    crate::kprintln!("late_switch_out: the worker ran on cpu {target} after its last CPU took {LATE_MS} ms to switch away");
    Ok(())
}
