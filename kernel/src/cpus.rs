//! The table of CPUs: dense CPU ids, their APIC ids and their PCRs.
//!
//! CPU 0 is the bootstrap processor; the others are numbered in MADT order.
//! A CPU appears here once its PCR is installed and it is running kernel code.

use core::sync::atomic::{AtomicPtr, AtomicU32, Ordering};
use percpu::{ProcessorControlRegion, MAX_CPUS};

static PCRS: [AtomicPtr<ProcessorControlRegion>; MAX_CPUS] =
    [const { AtomicPtr::new(core::ptr::null_mut()) }; MAX_CPUS];
static ONLINE_COUNT: AtomicU32 = AtomicU32::new(0);

/// Records that the CPU owning `pcr` is online.
pub fn mark_online(pcr: &'static ProcessorControlRegion) {
    pcr.online_tsc.store(arch::tsc::read(), Ordering::Relaxed);
    PCRS[pcr.cpu_id as usize].store(pcr as *const _ as *mut _, Ordering::Release);
    ONLINE_COUNT.fetch_add(1, Ordering::AcqRel);
}

/// The PCR of online CPU `cpu_id`.
pub fn pcr(cpu_id: u32) -> Option<&'static ProcessorControlRegion> {
    let pointer = PCRS.get(cpu_id as usize)?.load(Ordering::Acquire);
    // SAFETY: only 'static PCRs are stored, and never removed.
    (!pointer.is_null()).then(|| unsafe { &*pointer })
}

/// How many CPUs are online.
pub fn online_count() -> u32 {
    ONLINE_COUNT.load(Ordering::Acquire)
}

/// PCRs of all online CPUs, by CPU id.
pub fn online() -> impl Iterator<Item = &'static ProcessorControlRegion> {
    (0..MAX_CPUS as u32).filter_map(pcr)
}

/// The CPU whose APIC id is `apic_id`, if online.
pub fn cpu_with_apic_id(apic_id: u32) -> Option<u32> {
    online().find(|pcr| pcr.apic_id == apic_id).map(|pcr| pcr.cpu_id)
}
