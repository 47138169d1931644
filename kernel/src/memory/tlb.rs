//! TLB shootdown: for kernel mappings (every CPU) and for a user address
//! space (the CPUs that have it loaded). Memory code asks for it here; the
//! IPI layer, which sits above memory, registers how it is done. Before
//! that (one CPU, early boot) only the local TLB needs flushing.

use super::active_cpus::ActiveCpus;
use arch::hook::Hook;

static SHOOTDOWN: Hook<fn()> = Hook::new();
static USER_SHOOTDOWN: Hook<fn(&ActiveCpus)> = Hook::new();

/// Registers the function that flushes the TLB of every other CPU in a
/// set (once).
pub fn register_user_shootdown(shootdown: fn(&ActiveCpus)) {
    USER_SHOOTDOWN.set(shootdown);
}

/// Flushes the TLB of every CPU in `cpus` other than this one (this one
/// flushed its own entries as it edited). Interrupts must be enabled when
/// another CPU is in the set (it waits for them).
pub fn shootdown_user(cpus: &ActiveCpus) {
    if let Some(shootdown) = USER_SHOOTDOWN.get() {
        shootdown(cpus);
    }
}

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
