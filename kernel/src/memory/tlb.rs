//! TLB shootdown for kernel mappings: memory code asks for it here; the IPI
//! layer, which sits above memory, registers how it is done. Before that
//! (one CPU, early boot) only the local TLB needs flushing.

use arch::hook::Hook;

static SHOOTDOWN: Hook<fn()> = Hook::new();

/// Registers the function that flushes every online CPU's TLB (once).
pub fn register_shootdown(shootdown: fn()) {
    SHOOTDOWN.set(shootdown);
}

/// Flushes the TLB of every online CPU. Interrupts must be enabled once the
/// shootdown is registered (it waits for the other CPUs).
pub fn shootdown() {
    match SHOOTDOWN.get() {
        Some(shootdown) => shootdown(),
        None => x86_64::instructions::tlb::flush_all(),
    }
}
