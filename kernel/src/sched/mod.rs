//! The scheduler: kernel threads on per-CPU run queues, preempted by the
//! LAPIC timer, balanced by placement and work stealing. See
//! TEAM_NOTES/scheduler.md.
//!
//! API: `spawn` / `spawn_pinned` -> `JoinHandle::join`, `exit`, `yield_now`,
//! `sleep_micros`, `set_allowed_cpus` / `move_current_to`; the blocking primitives `WaitQueue`
//! and `Mutex`.
//!
//! Files, each importing only those below it: `current` (the running
//! thread) and `placement` (where runnable threads go) at the bottom;
//! `switch` (schedule, the idle loop); `sleep`, `tick`, `wait_queue`,
//! `lifecycle` (spawn, exit, join), `affinity` (the CPUs a thread may
//! use, and moving it) above; this file only registers the scheduler's
//! hooks.
//!
//! Layering: the types (`Thread`, `RunQueue`, `WaitQueue`) live in
//! `crate::thread`, below the per-CPU block (`crate::cpu`) that holds each
//! CPU's run queue; the logic here reaches this CPU's run queue through
//! `cpu::this_cpu(&guard)`.

mod affinity;
mod current;
mod lifecycle;
pub mod load_average;
mod mutex;
mod placement;
mod sleep;
mod switch;
mod tick;
mod wait_queue;

pub use crate::thread::WaitQueue;
pub use current::{current_thread, current_thread_id, with_current_thread, with_current_thread_preempt_off};
pub use affinity::{move_current_to, set_allowed_cpus};
pub use lifecycle::{
    exit, spawn, spawn_init, spawn_pinned, spawn_user, spawn_user_as, switch_address_space, yield_now, JoinHandle, SpawnError,
};
pub use mutex::Mutex;
pub use sleep::{sleep_micros, sleep_micros_interruptible};
pub use wait_queue::Interrupted;
pub use switch::run_idle_loop;

use crate::cpu;
use crate::sync::IrqGuard;
use crate::vectors;

/// Tells `thread` a signal is pending for it, waking it if it is blocked
/// in an interruptible wait or sleep (it then gives up that wait).
/// A thread running on another CPU gets a reschedule IPI, so that it
/// enters the kernel (and sees the flag on its way back to ring 3) at
/// once rather than at its next tick.
pub fn interrupt(thread: &alloc::sync::Arc<crate::thread::Thread>) {
    thread.set_signal_pending(true);
    placement::wake_up(thread);
    if thread.state() == crate::thread::ThreadState::Running {
        let guard = crate::sync::PreemptGuard::new();
        let here = cpu::this_cpu(&guard).id();
        if let Some(there) = thread.last_cpu().filter(|&there| there != here) {
            crate::ipi::send_reschedule(there);
        }
    }
}

/// Registers the scheduler's interrupt plumbing and preemption points (once,
/// on the BSP).
pub fn init() {
    crate::thread::registry::reserve();
    arch::idt::register_handler(vectors::RESCHEDULE, |_frame| {
        crate::flight_recorder::ipi_receive(vectors::RESCHEDULE);
        percpu::set_need_resched(true);
        let guard = IrqGuard::new();
        cpu::this_cpu(&guard).lapic().end_of_interrupt();
    });
    arch::idt::register_return_hook(switch::preempt_if_due);
    crate::sync::register_preemption_point(switch::preempt_if_due);
    crate::timer::register_tick_hook(tick::on_tick);
}
