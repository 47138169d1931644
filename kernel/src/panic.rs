//! The panic handler: report (CPU and location), stop every other CPU with
//! an NMI, dump the flight recorder, leave QEMU with the panic exit code.
//!
//! Line format: `PANIC cpu=K at FILE:LINE:COL: MESSAGE`, the panicking
//! code's backtrace (`@@BT` lines, TEAM_NOTES/kernel-backtraces.md), then
//! `panic: stopped M other CPUs`.

use crate::cpu;
use crate::sync::IrqGuard;
use protocol::serial::PANIC;
use core::sync::atomic::{AtomicBool, AtomicI64, Ordering};

/// Set by the first CPU to panic; NMIs received afterwards park the CPU.
static PANIC_IN_PROGRESS: AtomicBool = AtomicBool::new(false);
/// The CPU reporting the panic (-1: none yet, or a CPU without a PCR yet).
static PANIC_OWNER: AtomicI64 = AtomicI64::new(-1);
/// How long the other CPUs may go without one more of them acknowledging
/// the stop NMI before the report goes on without them. A stall bound, not
/// a total: hundreds of vCPUs on a small host take longer in all.
const STOP_STALL_TIMEOUT_MICROS: u64 = 500_000;

/// Whether a panic is being handled (the NMI handler parks CPUs then).
pub fn in_progress() -> bool {
    PANIC_IN_PROGRESS.load(Ordering::Acquire)
}

/// Called on a CPU told to stop (NMI) or panicking second: never returns.
pub fn park_this_cpu() -> ! {
    if percpu::pcr_is_loaded() {
        let guard = IrqGuard::new();
        if let Some(this) = cpu::try_this_cpu(&guard) {
            this.mark_parked();
        }
    }
    arch::cpu::halt_forever()
}

#[panic_handler]
fn on_panic(info: &core::panic::PanicInfo) -> ! {
    arch::cpu::disable_interrupts();
    // Decided per CPU: an AP may panic before it loaded its PCR (GS base 0).
    let percpu_ready = percpu::pcr_is_loaded();
    let cpu = if percpu_ready { percpu::cpu_id() as i64 } else { -1 };
    if PANIC_IN_PROGRESS.swap(true, Ordering::AcqRel) {
        crate::emergency_println!("{} cpu={} (while another panic is being reported): {}", PANIC, cpu, info.message());
        if PANIC_OWNER.load(Ordering::Acquire) == cpu {
            // The reporting CPU itself failed while reporting: leave now
            // rather than hang until the test harness times out.
            arch::qemu_exit::exit_qemu(protocol::GuestExit::Panic);
        }
        park_this_cpu();
    }
    PANIC_OWNER.store(cpu, Ordering::Release);
    match info.location() {
        Some(location) => crate::emergency_println!(
            "{} cpu={} at {}:{}:{}: {}",
            PANIC,
            cpu,
            location.file(),
            location.line(),
            location.column(),
            info.message()
        ),
        None => crate::emergency_println!("{} cpu={}: {}", PANIC, cpu, info.message()),
    }
    crate::backtrace::print_here("panic", crate::console::emergency_print);
    if percpu_ready {
        let guard = IrqGuard::new();
        if let Some(this) = cpu::try_this_cpu(&guard).filter(|this| this.lapic().is_ready()) {
            let (stopped, others) = stop_other_cpus(&this);
            crate::emergency_println!("panic: stopped {} other CPUs", stopped);
            if stopped < others {
                crate::emergency_println!("panic: {} CPUs did not acknowledge the stop; their trace may still change", others - stopped);
            }
            crate::flight_recorder::dump_all_cpus();
        }
    }
    arch::qemu_exit::exit_qemu(protocol::GuestExit::Panic)
}

/// Sends an NMI to every other online CPU and waits until they park, or
/// until they stop making progress. Returns (parked, asked).
fn stop_other_cpus(this: &cpu::ThisCpu) -> (usize, usize) {
    let me = this.id();
    let mut asked = 0;
    for block in cpu::online().filter(|block| block.id() != me) {
        this.lapic().send(block.apic_id(), arch::lapic::Ipi::Nmi);
        asked += 1;
    }
    let parked = || cpu::online().filter(|block| block.id() != me && block.is_parked()).count();
    let stopped = crate::timer::wait_while_progressing(asked, STOP_STALL_TIMEOUT_MICROS, parked);
    (stopped, asked)
}

/// NMI: during a panic it means "stop"; otherwise it is reported and ignored.
pub fn on_nmi(frame: &mut arch::interrupt_frame::InterruptFrame) {
    if in_progress() {
        park_this_cpu();
    }
    // Never force the console here: the interrupted code may hold its lock.
    crate::console::try_print(format_args!(
        "{} unexpected NMI on cpu {} at rip {:#x}\n",
        protocol::serial::WARNING,
        percpu::cpu_id(),
        frame.rip
    ));
}
