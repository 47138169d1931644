//! Guards that keep the running thread on its CPU: while one is alive the
//! thread cannot be preempted (and so cannot migrate), which is what makes
//! borrowing the running CPU's block sound.
//!
//! - [`PreemptGuard`]: preemption off (`inc gs:preempt_count`); interrupts
//!   still arrive. Its drop reschedules if a reschedule became due while it
//!   was held (the scheduler registers how, see `register_preemption_point`).
//! - [`IrqGuard`]: interrupts off as well, restored on drop.
//!
//! Both count in the same per-CPU `preempt_count`, so `schedule()` can
//! assert that nobody calls it while holding a guard.

use arch::hook::Hook;
use core::marker::PhantomData;

/// Called when a guard drops to preemption level 0 with a reschedule due and
/// interrupts on: the scheduler's "switch now" (registered at boot).
static PREEMPTION_POINT: Hook<fn()> = Hook::new();

/// Registers the scheduler's preemption point (once, at boot).
pub fn register_preemption_point(point: fn()) {
    PREEMPTION_POINT.set(point);
}

/// Something that keeps the running thread on its CPU while it lives.
/// Sealed: only the guards of this module implement it.
pub trait PinsCpu: sealed::Sealed {}

mod sealed {
    pub trait Sealed {}
}

/// Preemption off until dropped. Not `Send`: it must be dropped on the CPU
/// (and thread) that made it.
pub struct PreemptGuard {
    _not_send: PhantomData<*const ()>,
}

impl PreemptGuard {
    pub fn new() -> Self {
        // SAFETY: paired with the `preempt_enable` in `drop`.
        unsafe { percpu::preempt_disable() };
        Self { _not_send: PhantomData }
    }
}

impl Default for PreemptGuard {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for PreemptGuard {
    fn drop(&mut self) {
        // SAFETY: ends the `preempt_disable` of `new`.
        if unsafe { percpu::preempt_enable() } {
            reschedule_if_allowed();
        }
    }
}

impl sealed::Sealed for PreemptGuard {}
impl PinsCpu for PreemptGuard {}

/// Interrupts (and preemption) off until dropped; the interrupt flag is then
/// restored to what it was.
pub struct IrqGuard {
    interrupts_were_enabled: bool,
    _not_send: PhantomData<*const ()>,
}

impl IrqGuard {
    pub fn new() -> Self {
        let interrupts_were_enabled = arch::cpu::interrupts_enabled();
        arch::cpu::disable_interrupts();
        // SAFETY: paired with the `preempt_enable` in `drop` (or in
        // `end_keeping_interrupts_off`).
        unsafe { percpu::preempt_disable() };
        Self { interrupts_were_enabled, _not_send: PhantomData }
    }

    /// The guard of the `schedule()` that switched to a brand-new thread,
    /// taken over by that thread's first code (it was counted in this CPU's
    /// `preempt_count` by the thread that switched away, with interrupts
    /// off). Dropping it ends it with interrupts left off.
    ///
    /// # Safety
    /// Only for the first code of a new thread, right after the switch,
    /// with interrupts off, once.
    pub unsafe fn adopt_from_switch() -> Self {
        debug_assert!(!arch::cpu::interrupts_enabled());
        Self { interrupts_were_enabled: false, _not_send: PhantomData }
    }

    /// Ends the guard but leaves interrupts disabled (for a caller about to
    /// switch threads, which must not be preempted in between); returns
    /// whether they were enabled when the guard was made.
    pub fn end_keeping_interrupts_off(self) -> bool {
        let were_enabled = self.interrupts_were_enabled;
        core::mem::forget(self);
        // SAFETY: ends the `preempt_disable` of `new` (drop will not run).
        // Interrupts stay off, so a due reschedule is left to the caller's
        // `schedule`.
        unsafe { percpu::preempt_enable() };
        were_enabled
    }
}

impl Default for IrqGuard {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for IrqGuard {
    fn drop(&mut self) {
        // SAFETY: ends the `preempt_disable` of `new` (or of the adopted
        // guard of the switch).
        let reschedule_due = unsafe { percpu::preempt_enable() };
        if self.interrupts_were_enabled {
            arch::cpu::enable_interrupts();
            if reschedule_due {
                reschedule_if_allowed();
            }
        }
    }
}

impl sealed::Sealed for IrqGuard {}
impl PinsCpu for IrqGuard {}

/// The last guard is gone and a reschedule became due meanwhile (a wake-up
/// for this CPU, the end of a slice; `preempt_enable` said so): if this is
/// a context that may switch (interrupts on, not in an interrupt handler),
/// switch now rather than at the next tick. Out of line: the common drop is
/// one `dec` and a branch.
#[inline(never)]
fn reschedule_if_allowed() {
    if !percpu::in_interrupt() && arch::cpu::interrupts_enabled() {
        if let Some(point) = PREEMPTION_POINT.get() {
            point();
        }
    }
}
