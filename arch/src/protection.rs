//! Supervisor protections against user memory, per CPU: SMEP (the kernel
//! never executes a user page) and UMIP (user code cannot read the GDT,
//! IDT, LDT or TSS selectors with `sgdt`/`sidt`/`sldt`/`str`/`smsw`), each
//! when the CPU has it, and SMAP (the kernel never reads or writes a user
//! page except inside `user_copy`, which brackets the access with
//! `stac`/`clac`; every entry from ring 3 clears AC).

use core::sync::atomic::{AtomicBool, Ordering};
use x86_64::registers::control::{Cr4, Cr4Flags};

/// Whether SMAP is on (then `stac`/`clac` exist and are needed). Read by
/// the assembly of `user_copy` and the entry stubs, which skip the two
/// instructions when it is false (they are #UD on a CPU without SMAP).
/// Set before any CPU enters ring 3; every CPU gets the same answer.
pub static SMAP_ACTIVE: AtomicBool = AtomicBool::new(false);

/// Set by `refuse_smap` (kernel argument `nosmap`).
static SMAP_REFUSED: AtomicBool = AtomicBool::new(false);

/// Keeps SMAP off on every CPU enabled from now on (call before the first).
pub fn refuse_smap() {
    SMAP_REFUSED.store(true, Ordering::Relaxed);
}

/// What `enable_on_this_cpu` turned on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Protections {
    pub smep: bool,
    pub smap: bool,
    pub umip: bool,
}

/// Which protections the CPU offers (CPUID leaf 7); SMAP reads as absent
/// when it was refused.
pub fn available() -> Protections {
    let features = raw_cpuid::CpuId::new().get_extended_feature_info();
    Protections {
        smep: features.as_ref().is_some_and(|features| features.has_smep()),
        smap: features.as_ref().is_some_and(|features| features.has_smap()) && !SMAP_REFUSED.load(Ordering::Relaxed),
        umip: features.as_ref().is_some_and(|features| features.has_umip()),
    }
}

/// Turns on every protection the CPU offers, on the calling CPU; returns
/// which.
pub fn enable_on_this_cpu() -> Protections {
    let offered = available();
    let mut flags = Cr4Flags::empty();
    if offered.smep {
        flags |= Cr4Flags::SUPERVISOR_MODE_EXECUTION_PROTECTION;
    }
    if offered.smap && !SMAP_REFUSED.load(Ordering::Relaxed) {
        flags |= Cr4Flags::SUPERVISOR_MODE_ACCESS_PREVENTION;
        SMAP_ACTIVE.store(true, Ordering::Relaxed);
    }
    if offered.umip {
        flags |= Cr4Flags::USER_MODE_INSTRUCTION_PREVENTION;
    }
    // SAFETY: SMEP, SMAP and UMIP only restrict what the kernel may execute
    // (no user page, and it never does), what it may access (user pages
    // only inside `user_copy`, which opens them with `stac`) and what ring 3
    // may read; nothing the kernel relies on changes.
    unsafe { Cr4::update(|cr4| cr4.insert(flags)) };
    offered
}
