//! What a timer tick does for the scheduler (registered as the timer's tick
//! hook): wake due sleepers, charge the running thread's slice.

use crate::cpu;
use crate::sync::IrqGuard;
use core::sync::atomic::Ordering;

/// Timer tick on this CPU (interrupt context): wake due sleepers, charge the
/// slice.
pub(super) fn on_tick() {
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
    cpu.busy_ticks.fetch_add(1, Ordering::Relaxed);
    let left = cpu.slice_ticks_left.load(Ordering::Relaxed);
    if left <= 1 {
        percpu::set_need_resched(true);
    } else {
        cpu.slice_ticks_left.store(left - 1, Ordering::Relaxed);
    }
}
