//! SysRq `l`: a backtrace of every online CPU, one CPU at a time, each
//! from its handler of the backtrace IPI (a fixed, maskable vector: a CPU
//! with interrupts off does not answer and is named; an NMI would reach
//! it, but could interrupt the console's lock holder on that CPU and
//! deadlock the printing). The asking thread is not pinned (up to 500 ms
//! per silent CPU is too long to hold one), so it may migrate between
//! requests: which CPU is its own is decided at each CPU's turn, and that
//! one it walks itself (its own frames), without an IPI.

use crate::cpu;
use crate::sync::{IrqGuard, PreemptGuard};
use crate::vectors;
use arch::interrupt_frame::InterruptFrame;
use core::sync::atomic::{AtomicU32, Ordering};
use protocol::serial::SYSRQ;

/// How long one CPU may take to answer.
const ANSWER_TIMEOUT_MICROS: u64 = 500_000;
/// The CPU number + 1 of the last CPU that printed its backtrace (0: none).
static LAST_ANSWER: AtomicU32 = AtomicU32::new(0);

/// Registers the backtrace IPI's handler (once).
pub fn init() {
    arch::idt::register_handler(vectors::BACKTRACE, on_backtrace_request);
}

/// Asks every online CPU in turn (see the module doc).
pub fn print() {
    for block in cpu::online() {
        let target = block.id();
        let on_target = {
            let guard = PreemptGuard::new();
            let here = cpu::this_cpu(&guard).id() == target;
            if here {
                crate::backtrace::print_here("sysrq", crate::console::print);
            }
            here
        };
        if on_target {
            continue;
        }
        let answer = target.as_u32() + 1;
        LAST_ANSWER.store(0, Ordering::Release);
        crate::ipi::send_backtrace_request(target);
        if !crate::timer::spin_until(ANSWER_TIMEOUT_MICROS, || {
            LAST_ANSWER.load(Ordering::Acquire) == answer
        }) {
            crate::kprintln!("{SYSRQ} cpu {target} did not answer the backtrace IPI within {} ms (interrupts off?)", ANSWER_TIMEOUT_MICROS / 1000);
        }
    }
}

fn on_backtrace_request(frame: &mut InterruptFrame) {
    crate::flight_recorder::ipi_receive(vectors::BACKTRACE);
    let cpu_number = {
        let guard = IrqGuard::new();
        let this = cpu::this_cpu(&guard);
        this.lapic().end_of_interrupt();
        this.id().as_u32()
    };
    crate::backtrace::print_interrupted("sysrq", frame, crate::console::print);
    LAST_ANSWER.store(cpu_number + 1, Ordering::Release);
}
