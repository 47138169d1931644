//! What a timer tick does for the scheduler (registered as the timer's tick
//! hook): wake due sleepers, charge the running thread's slice and its CPU
//! time (user or system, by the mode the tick interrupted).

use crate::cpu;
use crate::sync::IrqGuard;
use core::sync::atomic::Ordering;

/// Timer tick on this CPU (interrupt context): wake due sleepers, charge the
/// slice and the CPU time; `in_user_mode` says whether the tick
/// interrupted ring 3.
pub(super) fn on_tick(in_user_mode: bool) {
    let guard = IrqGuard::new();
    let Some(this) = cpu::try_this_cpu(&guard) else { return };
    let cpu = &this.run_queue;
    if this.id().index() == 0 {
        super::load_average::on_tick_of_first_cpu();
    }
    super::sleep::wake_due_sleepers(cpu);
    if cpu.is_idle() {
        // The idle thread has no slice; it only makes way for queued work.
        if cpu.queued.load(Ordering::Relaxed) > 0 {
            percpu::set_need_resched(true);
        }
        return;
    }
    let cpu_counter = if in_user_mode { &cpu.user_ticks } else { &cpu.system_ticks };
    cpu_counter.fetch_add(1, Ordering::Relaxed);
    // SAFETY: this CPU's own run queue, interrupts off (the guard).
    unsafe { cpu.with_current(|thread| thread.cpu_time.charge_tick(in_user_mode)) };
    let left = cpu.slice_ticks_left.load(Ordering::Relaxed);
    if left <= 1 {
        percpu::set_need_resched(true);
    } else {
        cpu.slice_ticks_left.store(left - 1, Ordering::Relaxed);
    }
}
