//! `test=address_space`: seed lesson 2 (a kernel stack missing after a CR3
//! switch). Every CPU switches to a new address space that has only the
//! shared kernel half, takes timer interrupts there (the CPU pushes each
//! interrupt frame onto the current kernel stack), uses the heap, and
//! switches back. A kernel stack, IST stack, PCR, heap page or APIC mapping
//! outside the shared half would fault here.

use crate::cpu::CpuId;
use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use x86_64::registers::control::Cr3;
use x86_64::structures::paging::PhysFrame;
use x86_64::PhysAddr;

const TICKS_TO_TAKE: u64 = 3;
const TICK_TIMEOUT_MS: u64 = 10_000;

static ROOT: AtomicU64 = AtomicU64::new(0);
static CPUS_PASSED: AtomicU32 = AtomicU32::new(0);

/// Runs pinned to `cpu`.
fn visit_new_address_space(cpu: CpuId) {
    let (kernel_root, flags) = Cr3::read();
    let new_root = PhysFrame::containing_address(PhysAddr::new(ROOT.load(Ordering::Acquire)));
    // SAFETY: the new root shares the whole kernel half with the current one,
    // and the kernel runs only on kernel-half addresses; switched back below.
    // A thread preempting this one meanwhile runs on this root too, which is
    // just as safe: all kernel threads live in the shared half.
    unsafe { Cr3::write(new_root, flags) };
    let pcr = crate::cpu::get(cpu).pcr();
    let ticks_before = pcr.timer_ticks.load(Ordering::Relaxed);
    let ticked = crate::timer::spin_until(TICK_TIMEOUT_MS * 1000, || {
        pcr.timer_ticks.load(Ordering::Relaxed) >= ticks_before + TICKS_TO_TAKE
    });
    let boxed = core::hint::black_box(Box::new([cpu.as_u32(); 256]));
    let heap_ok = boxed.iter().all(|value| *value == cpu.as_u32());
    drop(boxed);
    let still_there = Cr3::read().0 == new_root;
    // SAFETY: back to the kernel's own root.
    unsafe { Cr3::write(kernel_root, flags) };
    if ticked && heap_ok && still_there {
        crate::kprintln!("address_space: cpu {} took {} ticks and used the heap in a new address space", cpu, TICKS_TO_TAKE);
        CPUS_PASSED.fetch_add(1, Ordering::AcqRel);
    } else {
        crate::kprintln!("address_space: cpu {} failed (ticked {}, heap {}, cr3 kept {})", cpu, ticked, heap_ok, still_there);
    }
}

pub fn run() -> Result<(), String> {
    let root = crate::memory::paging::new_address_space_root().ok_or("out of memory for a PML4")?;
    ROOT.store(root, Ordering::Release);
    let cpus = super::support::online_cpus();
    for &cpu in &cpus {
        let visitor = crate::sched::spawn_pinned(cpu, "cr3-visitor", move || visit_new_address_space(cpu))
            .map_err(|error| format!("spawn: {error}"))?;
        visitor.join();
    }
    crate::memory::frames::free(root).map_err(|error| format!("freeing the test PML4: {error}"))?;
    let passed = CPUS_PASSED.load(Ordering::Acquire);
    if passed == cpus.len() as u32 {
        Ok(())
    } else {
        Err(format!("{passed} of {} CPUs survived the CR3 switch", cpus.len()))
    }
}
