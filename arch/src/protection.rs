//! Supervisor protections against user memory, per CPU: SMEP (the kernel
//! never executes a user page) and UMIP (user code cannot read the GDT,
//! IDT, LDT or TSS selectors with `sgdt`/`sidt`/`sldt`/`str`/`smsw`), each
//! when the CPU has it. SMAP comes with the user-copy module (it needs
//! `stac`/`clac` around every user access and `clac` on entry from ring 3).

use x86_64::registers::control::{Cr4, Cr4Flags};

/// What `enable_on_this_cpu` turned on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Protections {
    pub smep: bool,
    pub umip: bool,
}

/// Which protections the CPU offers (CPUID leaf 7).
pub fn available() -> Protections {
    let features = raw_cpuid::CpuId::new().get_extended_feature_info();
    Protections {
        smep: features.as_ref().is_some_and(|features| features.has_smep()),
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
    if offered.umip {
        flags |= Cr4Flags::USER_MODE_INSTRUCTION_PREVENTION;
    }
    // SAFETY: SMEP and UMIP only restrict what the kernel may execute (no
    // user page, and it never does) and what ring 3 may read; nothing the
    // kernel relies on changes.
    unsafe { Cr4::update(|cr4| cr4.insert(flags)) };
    offered
}
