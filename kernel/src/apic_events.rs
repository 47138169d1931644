//! The local APIC's own housekeeping interrupts: spurious (counted, never
//! acknowledged, as the SDM requires) and error (reported, acknowledged).

use crate::cpu;
use crate::sync::IrqGuard;
use crate::vectors;
use arch::interrupt_frame::InterruptFrame;
use core::sync::atomic::{AtomicU64, Ordering};

static SPURIOUS_COUNT: AtomicU64 = AtomicU64::new(0);

/// Registers both handlers.
pub fn init() {
    arch::idt::register_handler(vectors::LAPIC_SPURIOUS, on_spurious);
    arch::idt::register_handler(vectors::LAPIC_ERROR, on_error);
}

fn on_spurious(_frame: &mut InterruptFrame) {
    SPURIOUS_COUNT.fetch_add(1, Ordering::Relaxed);
}

fn on_error(_frame: &mut InterruptFrame) {
    let guard = IrqGuard::new();
    let this = cpu::this_cpu(&guard);
    let flags = this.lapic().read_and_clear_error_flags();
    crate::kwarn!("local APIC error on cpu {}: {:?}", this.id(), flags);
    this.lapic().end_of_interrupt();
}
