//! Page faults on user addresses, and user faults that end a process.
//!
//! - A fault in ring 3 is resolved through the process's memory (first
//!   touch of an allowed page) and the program goes on; otherwise the
//!   process is killed with a console line naming it, the signal and the
//!   address (signal delivery to handlers comes with signals).
//! - A fault in the kernel at the user-copy routine's one faulting
//!   instruction is resolved the same way; if it cannot be, the copy
//!   resumes at its recovery address and the system call returns EFAULT.

use super::current;
use crate::memory::process_memory::{Access, FaultError};
use arch::interrupt_frame::InterruptFrame;
use arch::vectors;

/// Page-fault error code bits (SDM vol. 3, "Interrupt 14").
const ERROR_WRITE: u64 = 1 << 1;
const ERROR_INSTRUCTION_FETCH: u64 = 1 << 4;

use super::signal::{SignalInfo, BUS_ADRALN, FPE_INTDIV, ILL_ILLOPN, SEGV_ACCERR, SEGV_MAPERR, SIGBUS, SIGFPE, SIGILL, SIGSEGV, SIGTRAP, SI_KERNEL, TRAP_BRKPT};

/// Page-fault error code bit: the page was present (a protection fault).
const ERROR_PRESENT: u64 = 1 << 0;

fn access_of(error_code: u64) -> Access {
    if error_code & ERROR_INSTRUCTION_FETCH != 0 {
        Access::Execute
    } else if error_code & ERROR_WRITE != 0 {
        Access::Write
    } else {
        Access::Read
    }
}

/// Resolves the fault at `address` in the current process's memory, and traces it.
fn resolve(address: u64, frame: &InterruptFrame) -> Result<(), FaultError> {
    let result = resolve_in_current_memory(address, frame.error_code);
    crate::flight_recorder::page_fault(address, frame.error_code, frame.rip, result.is_ok());
    result
}

fn resolve_in_current_memory(address: u64, error_code: u64) -> Result<(), FaultError> {
    let user = current().ok_or(FaultError::NotMapped)?;
    if !arch::syscall::is_user_address(address) {
        return Err(FaultError::NotMapped);
    }
    let memory = user.process.memory().map_err(|_| FaultError::NotMapped)?;
    memory.handle_fault(address, access_of(error_code))
}

/// A page fault from ring 3: `true` if dealt with: resolved, or turned
/// into a signal the program handles (return to the program either way).
/// Otherwise the process is killed (this does not return).
pub fn handle_user_page_fault(frame: &InterruptFrame) -> bool {
    if current().is_none() {
        return false; // a bare user thread of a kernel test: the caller kills it
    }
    let address = arch::cpu::page_fault_address();
    match resolve(address, frame) {
        Ok(()) => true,
        Err(FaultError::OutOfMemory) => {
            crate::kprintln!(
                "out of memory: process {} ({}) killed: no frame for its page at {:#x}",
                crate::sched::current_thread_id(),
                current().map(|user| user.process.name()).unwrap_or_default(),
                address
            );
            end_faulting_process(SIGSEGV)
        }
        Err(_) => {
            signal_current_for_fault(frame);
            true
        }
    }
}

/// A page fault in the kernel: `true` if it was at the user-copy routine
/// and is dealt with (resolved, or the copy redirected to fail with
/// EFAULT); `false` for any other kernel fault (a kernel bug).
pub fn resolve_kernel_user_access(frame: &mut InterruptFrame) -> bool {
    let Some(recovery) = arch::user_copy::recovery_for(frame.rip) else { return false };
    let access_allowed = frame.rflags & x86_64::registers::rflags::RFlags::ALIGNMENT_CHECK.bits() != 0;
    if arch::protection::SMAP_ACTIVE.load(core::sync::atomic::Ordering::Relaxed) && !access_allowed {
        // Without `stac` every copy faults on a present page: a kernel bug,
        // not a bad user pointer (and retrying would loop forever).
        panic!("user copy at rip {:#x} ran with RFLAGS.AC clear: SMAP blocks it (missing stac)", frame.rip);
    }
    if resolve(arch::cpu::page_fault_address(), frame).is_err() {
        frame.rip = recovery;
    }
    true
}

/// The signal Linux sends for an exception in ring 3, with its name.
fn signal_for(frame: &InterruptFrame) -> (SignalInfo, &'static str) {
    let at = |signal, code, address| SignalInfo { signal, code, address, sender_pid: 0 };
    match frame.vector as u8 {
        vectors::DIVIDE_ERROR => (at(SIGFPE, FPE_INTDIV, frame.rip), "SIGFPE"),
        vectors::X87_FLOATING_POINT | vectors::SIMD_FLOATING_POINT => (at(SIGFPE, 0, frame.rip), "SIGFPE"),
        vectors::INVALID_OPCODE => (at(SIGILL, ILL_ILLOPN, frame.rip), "SIGILL"),
        vectors::DEBUG | vectors::BREAKPOINT => (at(SIGTRAP, TRAP_BRKPT, frame.rip), "SIGTRAP"),
        vectors::ALIGNMENT_CHECK => (at(SIGBUS, BUS_ADRALN, frame.rip), "SIGBUS"),
        vectors::PAGE_FAULT => {
            let code = if frame.error_code & ERROR_PRESENT != 0 { SEGV_ACCERR } else { SEGV_MAPERR };
            (at(SIGSEGV, code, arch::cpu::page_fault_address()), "SIGSEGV")
        }
        _ => (at(SIGSEGV, SI_KERNEL, 0), "SIGSEGV"),
    }
}

/// An exception in ring 3 that the kernel could not resolve: the signal
/// goes to the faulting thread if it has a handler for it (returns, and
/// the handler runs on the way back to ring 3); otherwise the process is
/// killed with one console line: process, thread, CPU, signal, exception,
/// RIP and the faulting address (`si_addr`: CR2 for a page fault, the
/// instruction for #UD/#DE/#BP/#AC, 0 for #GP).
pub fn signal_current_for_fault(frame: &InterruptFrame) {
    let (info, signal_name) = signal_for(frame);
    let Some(user) = current() else { return };
    if super::signal::has_handler(&user, info.signal) {
        super::signal::send_to_thread(&user, info);
        return;
    }
    let (mnemonic, name) = vectors::exception_name(frame.vector).unwrap_or(("?", "?"));
    crate::kprintln!(
        "user fault: process {} ({}) thread {} on cpu {}: {} ({} {}) at rip {:#x}, address {:#x}, error {:#x}; process killed",
        user.process.pid(),
        user.process.name(),
        crate::sched::current_thread_id(),
        percpu::cpu_id(),
        signal_name,
        mnemonic,
        name,
        frame.rip,
        info.address,
        frame.error_code
    );
    drop(user);
    end_faulting_process(info.signal)
}

fn end_faulting_process(signal: u64) -> ! {
    // This frame never returns: undo the dispatcher's `irq_enter`, since
    // the thread leaves through the scheduler, as from a system call.
    percpu::irq_exit();
    arch::cpu::enable_interrupts();
    super::kill_current(signal)
}
