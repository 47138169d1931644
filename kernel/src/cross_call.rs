//! Handing a function to another CPU: a one-slot mailbox per CPU plus a
//! wake-up IPI. The target runs the function from its idle loop (thread
//! context, its own stack), not inside the interrupt handler.

use crate::vectors;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use percpu::MAX_CPUS;

/// Posted function per CPU (0 = empty).
static MAILBOX: [AtomicUsize; MAX_CPUS] = [const { AtomicUsize::new(0) }; MAX_CPUS];
/// Functions each CPU has finished running.
static COMPLETED: [AtomicU64; MAX_CPUS] = [const { AtomicU64::new(0) }; MAX_CPUS];

/// Registers the wake-up IPI handler.
pub fn init() {
    arch::idt::register_handler(vectors::CALL_FUNCTION, |_frame| arch::lapic::end_of_interrupt());
}

/// Posts `work` to online CPU `cpu_id` and wakes it; does not wait for it to
/// run. Waits while an earlier posting to that CPU is still pending.
/// Returns false if the CPU is not online.
pub fn post(cpu_id: u32, work: fn()) -> bool {
    let Some(pcr) = crate::cpus::pcr(cpu_id) else { return false };
    let slot = &MAILBOX[cpu_id as usize];
    while slot.compare_exchange(0, work as usize, Ordering::AcqRel, Ordering::Acquire).is_err() {
        arch::cpu::pause();
    }
    if cpu_id != percpu::cpu_id() {
        arch::lapic::send(pcr.apic_id, arch::lapic::Ipi::Fixed(vectors::CALL_FUNCTION));
    }
    true
}

/// Runs `work` on CPU `cpu_id` and waits until it has returned. Callers
/// must not `post` to the same CPU concurrently (completion is a counter).
pub fn run_on(cpu_id: u32, work: fn()) -> bool {
    if cpu_id == percpu::cpu_id() {
        work();
        return true;
    }
    let before = COMPLETED[cpu_id as usize].load(Ordering::Acquire);
    if !post(cpu_id, work) {
        return false;
    }
    while COMPLETED[cpu_id as usize].load(Ordering::Acquire) == before {
        arch::cpu::pause();
    }
    true
}

/// Runs posted work for the calling CPU, if any. Returns whether it did.
pub fn run_pending() -> bool {
    let me = percpu::cpu_id() as usize;
    let work = MAILBOX[me].swap(0, Ordering::AcqRel);
    if work == 0 {
        return false;
    }
    // SAFETY: only `fn()` values are posted.
    let work: fn() = unsafe { core::mem::transmute(work) };
    work();
    COMPLETED[me].fetch_add(1, Ordering::AcqRel);
    true
}

/// Whether work is waiting for the calling CPU.
fn has_pending() -> bool {
    MAILBOX[percpu::cpu_id() as usize].load(Ordering::Acquire) != 0
}

/// The loop an idle CPU runs: do posted work, else halt until an interrupt.
/// The check and the halt are atomic with respect to interrupts (`sti; hlt`),
/// so a wake-up IPI cannot be lost between them.
pub fn idle_loop() -> ! {
    loop {
        arch::cpu::disable_interrupts();
        if has_pending() {
            arch::cpu::enable_interrupts();
            run_pending();
        } else {
            arch::cpu::enable_interrupts_and_halt();
        }
    }
}
