//! Bringing up the application processors: INIT, SIPI, SIPI through the
//! real-mode trampoline, one AP at a time. Each AP gets its own guarded
//! kernel stack, IST stacks and PCR before it runs any Rust code.

use crate::memory::kernel_stacks::{self, KernelStack, StackKind, StackOwner};
use crate::{cpus, vectors};
use alloc::boxed::Box;
use arch::lapic::{Ipi, LapicVectors};
use arch::trampoline::{self, TrampolineParams, TRAMPOLINE_PHYSICAL_ADDRESS};
use core::sync::atomic::Ordering;
use crate::madt::CpuTopology;
use percpu::{ist, ProcessorControlRegion, MAX_CPUS};

/// Boot stack of every CPU (the BSP after its early switch, and each AP).
pub const BOOT_STACK_BYTES: u64 = 64 * 1024;
/// Each IST stack.
pub const IST_STACK_BYTES: u64 = 16 * 1024;
/// SDM: wait 10 ms after INIT before the first SIPI.
const INIT_DELAY_MICROS: u64 = 10_000;
/// SDM: wait 200 us between the two SIPIs.
const SIPI_DELAY_MICROS: u64 = 200;
/// How long an AP may take to reach `mark_online` after its SIPIs. Generous:
/// with --smp 16 under TCG on two host cores a vCPU may wait a long time to
/// be scheduled.
const AP_ONLINE_TIMEOUT_MICROS: u64 = 2_000_000;

/// The vectors every CPU's local APIC uses.
pub const LAPIC_VECTORS: LapicVectors = LapicVectors {
    timer: vectors::LAPIC_TIMER,
    error: vectors::LAPIC_ERROR,
    spurious: vectors::LAPIC_SPURIOUS,
};

/// Allocates the four guarded IST stacks of `cpu_id`; returns their tops.
pub fn allocate_ist_stacks(cpu_id: u32) -> [u64; ist::COUNT] {
    let mut tops = [0; ist::COUNT];
    for (index, top) in tops.iter_mut().enumerate() {
        let owner = StackOwner { kind: StackKind::Interrupt(index as u8 + 1), id: cpu_id };
        let stack = kernel_stacks::allocate(IST_STACK_BYTES, owner).expect("out of memory for IST stacks");
        *top = stack.top();
    }
    tops
}

/// Allocates a boot stack for `cpu_id`.
pub fn allocate_boot_stack(cpu_id: u32) -> KernelStack {
    kernel_stacks::allocate(BOOT_STACK_BYTES, StackOwner { kind: StackKind::Boot, id: cpu_id })
        .expect("out of memory for a CPU boot stack")
}

/// Starts every enabled CPU of the MADT other than the caller (the BSP).
/// Returns how many came up; names each one that did not.
pub fn start_application_processors(topology: &CpuTopology) -> u32 {
    let page = arch::layout::phys_to_virt(TRAMPOLINE_PHYSICAL_ADDRESS) as *mut u8;
    // SAFETY: the trampoline page is below 1 MiB, reserved from the frame
    // allocator, and mapped by the boot direct map.
    unsafe { trampoline::install(page) };
    let bsp_apic_id = percpu::current().apic_id;
    let cr3 = x86_64::registers::control::Cr3::read().0.start_address().as_u64();
    let mut next_cpu_id = 1u32;
    for entry in topology.enabled_cpus().filter(|entry| entry.apic_id != bsp_apic_id) {
        if next_cpu_id as usize >= MAX_CPUS {
            crate::kprintln!("smp: APIC id {} ignored: the kernel supports {} CPUs", entry.apic_id, MAX_CPUS);
            continue;
        }
        let stack = allocate_boot_stack(next_cpu_id);
        let pcr = Box::leak(Box::new(ProcessorControlRegion::new(
            next_cpu_id,
            entry.apic_id,
            allocate_ist_stacks(next_cpu_id),
        )));
        pcr.kernel_stack_top.store(stack.top(), Ordering::Relaxed);
        let params = TrampolineParams {
            cr3,
            stack_top: stack.top(),
            entry: ap_entry as *const () as u64,
            argument: pcr as *mut ProcessorControlRegion as u64,
        };
        // SAFETY: no AP is in the trampoline now: the previous one is online
        // or was sent back to wait-for-SIPI with INIT.
        unsafe { trampoline::set_params(page, params) };
        if start_one(next_cpu_id, entry.apic_id) {
            next_cpu_id += 1;
        } else {
            crate::kprintln!(
                "smp: cpu {} (APIC id {}) did not come up within {} ms; continuing without it",
                next_cpu_id,
                entry.apic_id,
                AP_ONLINE_TIMEOUT_MICROS / 1000
            );
            // Park it so it cannot wake later on the next AP's parameters.
            arch::lapic::send(entry.apic_id, Ipi::Init);
        }
    }
    cpus::online_count()
}

/// INIT, SIPI, SIPI to one AP, then wait until it is online.
fn start_one(cpu_id: u32, apic_id: u32) -> bool {
    arch::lapic::send(apic_id, Ipi::Init);
    crate::timer::delay_micros(INIT_DELAY_MICROS);
    for _ in 0..2 {
        arch::lapic::send(apic_id, Ipi::Startup(trampoline::startup_page()));
        crate::timer::delay_micros(SIPI_DELAY_MICROS);
    }
    crate::timer::spin_until(AP_ONLINE_TIMEOUT_MICROS, || cpus::pcr(cpu_id).is_some())
}

/// First Rust code on an AP, called by the trampoline on the AP's own boot
/// stack with its PCR.
extern "C" fn ap_entry(pcr_address: u64) -> ! {
    // SAFETY: the BSP made this PCR for this AP alone (leaked Box, never
    // freed or moved) and wrote its address into the trampoline parameters.
    let pcr = unsafe { &mut *(pcr_address as *mut ProcessorControlRegion) };
    let stack_top = pcr.kernel_stack_top.load(Ordering::Relaxed);
    // SAFETY: first thing on this AP, interrupts off, PCR is 'static.
    unsafe { pcr.install(stack_top) };
    arch::idt::load();
    arch::lapic::init_this_cpu(LAPIC_VECTORS);
    crate::trace::init_this_cpu();
    crate::ipi::init_this_cpu();
    crate::sched::init_this_cpu();
    crate::timer::start_tick_on_this_cpu();
    cpus::mark_online(percpu::current());
    crate::sched::run_idle_loop()
}
