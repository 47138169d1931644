//! The panic handler: report (CPU and location), stop every other CPU with
//! an NMI, leave QEMU with the panic exit code.
//!
//! Line format: `PANIC cpu=K at FILE:LINE:COL: MESSAGE`, then
//! `panic: stopped M other CPUs`.

use core::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};

/// Set by the first CPU to panic; NMIs received afterwards park the CPU.
static PANIC_IN_PROGRESS: AtomicBool = AtomicBool::new(false);
/// The CPU reporting the panic (-1: none yet, or before per-CPU data).
static PANIC_OWNER: AtomicI64 = AtomicI64::new(-1);
/// Bit `cpu` set once that CPU has parked (each CPU counted once, however
/// many NMIs or panics reach it).
static CPUS_STOPPED: AtomicU64 = AtomicU64::new(0);
/// Set once the BSP's PCR is installed: before that, `cpu_id()` is unusable.
static PERCPU_READY: AtomicBool = AtomicBool::new(false);
/// How long to wait for the other CPUs to acknowledge the stop NMI.
const STOP_TIMEOUT_MICROS: u64 = 200_000;

/// Called once GS points at the BSP's PCR.
pub fn mark_percpu_ready() {
    PERCPU_READY.store(true, Ordering::Release);
}

/// Whether a panic is being handled (the NMI handler parks CPUs then).
pub fn in_progress() -> bool {
    PANIC_IN_PROGRESS.load(Ordering::Acquire)
}

/// Called on a CPU told to stop (NMI) or panicking second: never returns.
pub fn park_this_cpu() -> ! {
    if PERCPU_READY.load(Ordering::Acquire) {
        CPUS_STOPPED.fetch_or(1 << percpu::cpu_id(), Ordering::AcqRel);
    }
    arch::cpu::halt_forever()
}

#[panic_handler]
fn on_panic(info: &core::panic::PanicInfo) -> ! {
    arch::cpu::disable_interrupts();
    let percpu_ready = PERCPU_READY.load(Ordering::Acquire);
    let cpu = if percpu_ready { percpu::cpu_id() as i64 } else { -1 };
    if PANIC_IN_PROGRESS.swap(true, Ordering::AcqRel) {
        crate::emergency_println!("PANIC cpu={} (while another panic is being reported): {}", cpu, info.message());
        if PANIC_OWNER.load(Ordering::Acquire) == cpu {
            // The reporting CPU itself failed while reporting: leave now
            // rather than hang until the test harness times out.
            arch::qemu_exit::exit_qemu(arch::qemu_exit::ExitCode::Panic);
        }
        park_this_cpu();
    }
    PANIC_OWNER.store(cpu, Ordering::Release);
    match info.location() {
        Some(location) => crate::emergency_println!(
            "PANIC cpu={} at {}:{}:{}: {}",
            cpu,
            location.file(),
            location.line(),
            location.column(),
            info.message()
        ),
        None => crate::emergency_println!("PANIC cpu={}: {}", cpu, info.message()),
    }
    if percpu_ready && arch::lapic::is_ready_on_this_cpu() {
        let others = stop_other_cpus();
        crate::emergency_println!("panic: stopped {} other CPUs", others);
        crate::trace::dump_all_cpus();
    }
    arch::qemu_exit::exit_qemu(arch::qemu_exit::ExitCode::Panic)
}

/// Sends an NMI to every other online CPU and waits (bounded) until they park.
fn stop_other_cpus() -> u32 {
    let me = percpu::cpu_id();
    let mut targets: u64 = 0;
    for pcr in crate::cpus::online().filter(|pcr| pcr.cpu_id != me) {
        arch::lapic::send(pcr.apic_id, arch::lapic::Ipi::Nmi);
        targets |= 1 << pcr.cpu_id;
    }
    crate::timer::spin_until(STOP_TIMEOUT_MICROS, || CPUS_STOPPED.load(Ordering::Acquire) & targets == targets);
    (CPUS_STOPPED.load(Ordering::Acquire) & targets).count_ones()
}

/// NMI: during a panic it means "stop"; otherwise it is reported and ignored.
pub fn on_nmi(frame: &mut arch::interrupt_frame::InterruptFrame) {
    if in_progress() {
        park_this_cpu();
    }
    // Never force the console here: the interrupted code may hold its lock.
    crate::console::try_print(format_args!(
        "warning: unexpected NMI on cpu {} at rip {:#x}\n",
        percpu::cpu_id(),
        frame.rip
    ));
}
