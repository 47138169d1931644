//! Bringing up CPUs: the one per-CPU initialisation list that the BSP and
//! every AP run (`init_this_cpu`), the per-CPU blocks allocated for the CPUs
//! the MADT lists, and starting all APs at once through the real-mode
//! trampoline (INIT to all, SIPI to all, SIPI to all). Each AP finds its own
//! stack and block in the trampoline's table by its APIC id.

use crate::cpu::{self, PerCpu};
use crate::madt::CpuTopology;
use crate::memory::kernel_stacks::{self, KernelStack, StackKind, StackOwner};
use crate::sync::IrqGuard;
use crate::{timer, vectors};
use alloc::boxed::Box;
use alloc::vec::Vec;
use arch::lapic::{Ipi, LapicVectors};
use arch::trampoline::{self, ApStart, TrampolineParams, TRAMPOLINE_PHYSICAL_ADDRESS};
use core::sync::atomic::{AtomicU32, Ordering};
use percpu::ist;

/// Boot stack of every CPU (the BSP after its early switch, and each AP).
pub const BOOT_STACK_BYTES: u64 = 64 * 1024;
/// Each IST stack.
pub const IST_STACK_BYTES: u64 = 16 * 1024;
/// SDM: wait 10 ms after INIT before the first SIPI.
const INIT_DELAY_MICROS: u64 = 10_000;
/// SDM: wait 200 us between the two SIPIs.
const SIPI_DELAY_MICROS: u64 = 200;
/// How long the APs may go without one more of them coming online before
/// the rest are given up on. A stall bound, not a total: hundreds of vCPUs
/// on a two-core host come up over seconds, but steadily.
const AP_STALL_TIMEOUT_MICROS: u64 = 2_000_000;
/// The xAPIC destination field is 8 bits and 0xFF is the broadcast
/// destination, so in xAPIC mode only ids below this can be addressed.
const XAPIC_BROADCAST_ID: u32 = 0xff;

/// Fault injection (`stall_ap=N`): CPU N stalls in its bring-up, before it
/// marks itself online, until well past the BSP's stall bound, so the
/// "did not come up" path runs. `u32::MAX`: none.
static STALLED_AP: AtomicU32 = AtomicU32::new(u32::MAX);
/// How long the injected stall lasts (longer than `AP_STALL_TIMEOUT_MICROS`).
const INJECTED_STALL_MICROS: u64 = 2 * AP_STALL_TIMEOUT_MICROS;

/// Makes CPU `index` stall in its bring-up (kernel argument `stall_ap=N`).
pub fn inject_stall(index: u32) {
    STALLED_AP.store(index, Ordering::Relaxed);
}

/// The vectors every CPU's local APIC uses.
pub const LAPIC_VECTORS: LapicVectors = LapicVectors {
    timer: vectors::LAPIC_TIMER,
    error: vectors::LAPIC_ERROR,
    spurious: vectors::LAPIC_SPURIOUS,
};

/// Everything a CPU does to join the kernel, in one order, on the BSP and on
/// every AP: load its PCR (GDT, TSS, GS), the IDT, enable its local APIC,
/// enable SYSCALL (STAR/LSTAR/SFMASK/EFER.SCE) and SMEP/UMIP, start its
/// tick, and only then become visible as online. Interrupts off.
/// Returns the LAPIC timer ticks per millisecond.
pub fn init_this_cpu(block: &'static PerCpu) -> u32 {
    // SAFETY: every CPU runs this once, on itself, with interrupts off, for
    // the block allocated for it.
    unsafe { block.load_on_this_cpu() };
    arch::idt::load();
    let guard = IrqGuard::new();
    let this = cpu::this_cpu(&guard);
    this.lapic().init(LAPIC_VECTORS);
    arch::syscall::init_this_cpu();
    arch::protection::enable_on_this_cpu();
    arch::fpu::enable_on_this_cpu();
    let ticks_per_ms = timer::init_this_cpu(&this);
    if this.id().as_u32() == STALLED_AP.load(Ordering::Relaxed) {
        timer::delay_micros(INJECTED_STALL_MICROS);
    }
    if !cpu::mark_online(&this) {
        // The BSP gave up on this CPU (and sent it INIT); stay out of the way.
        arch::cpu::halt_forever();
    }
    ticks_per_ms
}

/// Allocates the four guarded IST stacks of CPU `index`; returns their tops.
fn allocate_ist_stacks(index: u32) -> [u64; ist::COUNT] {
    let mut tops = [0; ist::COUNT];
    for (slot, top) in tops.iter_mut().enumerate() {
        let owner = StackOwner { kind: StackKind::Interrupt(slot as u8 + 1), id: index };
        let stack = kernel_stacks::allocate(IST_STACK_BYTES, owner).expect("out of memory for IST stacks");
        *top = stack.top();
    }
    tops
}

/// Allocates a boot stack for CPU `index`.
pub fn allocate_boot_stack(index: u32) -> KernelStack {
    kernel_stacks::allocate(BOOT_STACK_BYTES, StackOwner { kind: StackKind::Boot, id: index })
        .expect("out of memory for a CPU boot stack")
}

/// Allocates a block for the BSP (running on the stack ending at
/// `bsp_stack_top`) and for every enabled CPU of the MADT the kernel can
/// drive, registers them all, and returns the BSP's block and the
/// trampoline table for the APs.
pub fn allocate_blocks(topology: &CpuTopology, bsp_stack_top: u64) -> (&'static PerCpu, Vec<ApStart>) {
    let bsp_apic_id = arch::lapic::apic_id_from_cpuid();
    let bsp = PerCpu::allocate(0, bsp_apic_id, allocate_ist_stacks(0), bsp_stack_top);
    let mut blocks = alloc::vec![bsp];
    let mut table = Vec::new();
    for entry in topology.enabled_cpus().filter(|entry| entry.apic_id != bsp_apic_id) {
        let index = blocks.len() as u32;
        if index >= protocol::MAX_CPUS {
            crate::kprintln!("smp: APIC id {} ignored: the kernel supports {} CPUs", entry.apic_id, protocol::MAX_CPUS);
            continue;
        }
        if !arch::lapic::is_x2apic() && entry.apic_id >= XAPIC_BROADCAST_ID {
            crate::kprintln!(
                "smp: APIC id {} ignored: the xAPIC cannot address it (ids {} and up are the broadcast destination)",
                entry.apic_id,
                XAPIC_BROADCAST_ID
            );
            continue;
        }
        let stack = allocate_boot_stack(index);
        let block = PerCpu::allocate(index, entry.apic_id, allocate_ist_stacks(index), stack.top());
        table.push(ApStart {
            apic_id: u64::from(entry.apic_id),
            stack_top: stack.top(),
            argument: block as *const PerCpu as u64,
        });
        blocks.push(block);
    }
    cpu::install_all(blocks.into_boxed_slice());
    (bsp, table)
}

/// Starts every AP of `table` at once and waits until they are online (or
/// stop coming). Returns how many came up; names each one that did not.
pub fn start_application_processors(table: Vec<ApStart>) -> usize {
    if table.is_empty() {
        return 0;
    }
    let page = arch::layout::phys_to_virt(TRAMPOLINE_PHYSICAL_ADDRESS) as *mut u8;
    // The table must outlive any AP that may still read it: keep it for good.
    let table: &'static [ApStart] = Box::leak(table.into_boxed_slice());
    let params = TrampolineParams {
        cr3: x86_64::registers::control::Cr3::read().0.start_address().as_u64(),
        entry: ap_entry as *const () as u64,
        table: table.as_ptr() as u64,
        table_len: table.len() as u64,
    };
    // SAFETY: the trampoline page is below 1 MiB, reserved from the frame
    // allocator and mapped by the boot direct map; no AP runs yet; the table
    // is leaked above.
    unsafe {
        trampoline::install(page);
        trampoline::set_params(page, params);
    }
    let started_tsc = arch::tsc::read();
    let online_before = cpu::online_count() as usize;
    send_to_all(table, Ipi::Init);
    timer::delay_micros(INIT_DELAY_MICROS);
    for _ in 0..2 {
        send_to_all(table, Ipi::Startup(trampoline::startup_page()));
        timer::delay_micros(SIPI_DELAY_MICROS);
    }
    timer::wait_while_progressing(table.len(), AP_STALL_TIMEOUT_MICROS, || {
        cpu::online_count() as usize - online_before
    });
    // Give up on the stragglers: each is either abandoned here (and parked
    // with INIT, so it cannot wake later and run on a block nobody expects)
    // or came online just now and stays.
    let abandoned: Vec<u32> = (online_before..cpu::count())
        .filter_map(cpu::block)
        .filter(|block| cpu::abandon(block))
        .map(|block| {
            send(block.apic_id(), Ipi::Init);
            block.apic_id()
        })
        .collect();
    let came_up = cpu::online_count() as usize - online_before;
    crate::kprintln!(
        "smp: started {} of {} APs at once in {} ms",
        came_up,
        table.len(),
        timer::tsc_delta_micros(started_tsc, arch::tsc::read()) / 1000
    );
    for apic_id in abandoned {
        crate::kprintln!(
            "smp: the CPU with APIC id {} did not come up (no progress for {} ms); continuing without it",
            apic_id,
            AP_STALL_TIMEOUT_MICROS / 1000
        );
    }
    came_up
}

fn send(apic_id: u32, ipi: Ipi) {
    let guard = IrqGuard::new();
    cpu::this_cpu(&guard).lapic().send(apic_id, ipi);
}

fn send_to_all(table: &[ApStart], ipi: Ipi) {
    for start in table {
        send(start.apic_id as u32, ipi);
    }
}

/// First Rust code on an AP, called by the trampoline on the AP's own boot
/// stack with its block.
extern "C" fn ap_entry(block_address: u64) -> ! {
    // SAFETY: the trampoline passes the `argument` of this AP's table entry:
    // the address of the leaked (never freed, never moved) block that
    // `allocate_blocks` made for this APIC id.
    let block = unsafe { &*(block_address as *const PerCpu) };
    init_this_cpu(block);
    crate::sched::run_idle_loop()
}
