//! What happens on a CPU exception: a one-line report naming the CPU (from
//! its PCR), vector, error code, RIP, RSP and CR2; kernel stack overflows
//! recognised by their guard page; breakpoints resumed; everything else fatal.
//!
//! Report format (read by tests, see TEAM_NOTES/serial-protocol.md):
//! `EXCEPTION cpu=K vector=V (#XX name) error=0x.. rip=0x.. rsp=0x.. cr2=0x..`

use crate::memory::kernel_stacks;
use arch::vectors::exception_name;
use arch::interrupt_frame::InterruptFrame;
use arch::hook::Hook;

const VECTOR_BREAKPOINT: u64 = arch::vectors::BREAKPOINT as u64;
const VECTOR_INVALID_OPCODE: u64 = arch::vectors::INVALID_OPCODE as u64;
const VECTOR_DOUBLE_FAULT: u64 = arch::vectors::DOUBLE_FAULT as u64;
const VECTOR_PAGE_FAULT: u64 = arch::vectors::PAGE_FAULT as u64;

/// Called after the report of a resumable exception (a breakpoint or the
/// deliberate #UD), before resuming; tests hook in here.
static RESUMABLE_EXCEPTION_OBSERVER: Hook<fn(&InterruptFrame)> = Hook::new();

/// Installs `observer` to be told of every resumable exception (once).
pub fn set_resumable_exception_observer(observer: fn(&InterruptFrame)) {
    RESUMABLE_EXCEPTION_OBSERVER.set(observer);
}

fn notify_observer(frame: &InterruptFrame) {
    if let Some(observer) = RESUMABLE_EXCEPTION_OBSERVER.get() {
        observer(frame);
    }
}

/// Routes every vector without its own handler here.
pub fn install() {
    arch::idt::register_fallback_handler(on_unhandled_vector);
}

fn report(frame: &InterruptFrame) {
    crate::flight_recorder::exception(frame.vector as u8, frame.rip);
    let (mnemonic, name) = exception_name(frame.vector).unwrap_or(("IRQ", "unexpected interrupt"));
    crate::emergency_println!(
        "{} cpu={} vector={} ({} {}) error={:#x} rip={:#x} rsp={:#x} cr2={:#x}",
        protocol::serial::EXCEPTION,
        percpu::cpu_id(),
        frame.vector,
        mnemonic,
        name,
        frame.error_code,
        frame.rip,
        frame.rsp,
        arch::cpu::page_fault_address()
    );
}

fn on_unhandled_vector(frame: &mut InterruptFrame) {
    if frame.vector == VECTOR_PAGE_FAULT {
        if frame.from_user_mode() {
            if crate::process::handle_user_page_fault(frame) {
                return;
            }
        } else if crate::process::resolve_kernel_user_access(frame) {
            return;
        }
    }
    if frame.from_user_mode() && frame.vector < 32 {
        if crate::process::current().is_some() {
            crate::process::signal_current_for_fault(frame);
            return;
        }
        kill_faulting_user_thread(frame);
    }
    if frame.vector >= 32 {
        crate::kwarn!("cpu {} got unexpected interrupt vector {}", percpu::cpu_id(), frame.vector);
        let guard = crate::sync::IrqGuard::new();
        if let Some(this) = crate::cpu::try_this_cpu(&guard) {
            this.lapic().end_of_interrupt();
        }
        return;
    }
    report(frame);
    if frame.vector == VECTOR_BREAKPOINT {
        notify_observer(frame);
        return;
    }
    if frame.vector == VECTOR_INVALID_OPCODE {
        if let Some(resume_at) = arch::cpu::resume_after_deliberate_invalid_opcode(frame.rip) {
            notify_observer(frame);
            frame.rip = resume_at;
            return;
        }
    }
    if frame.vector == VECTOR_PAGE_FAULT || frame.vector == VECTOR_DOUBLE_FAULT {
        check_stack_overflow(frame);
    }
    let (mnemonic, name) = exception_name(frame.vector).unwrap_or(("?", "?"));
    panic!("fatal {} ({}) at rip {:#x}", mnemonic, name, frame.rip);
}

/// Exit status of a user thread killed by an exception: 128 + the vector
/// (signals arrive with processes; until then the vector says what it was).
const USER_FAULT_EXIT_BASE: u64 = 128;

/// An exception in ring 3 ends only the thread that raised it: one line on
/// the console, then the thread exits; the kernel and every other thread go
/// on.
fn kill_faulting_user_thread(frame: &InterruptFrame) -> ! {
    let (mnemonic, name) = exception_name(frame.vector).unwrap_or(("?", "?"));
    crate::kprintln!(
        "user fault: thread {} on cpu {}: {} ({}) at rip {:#x}, address {:#x}, error {:#x}, cs {:#x} ss {:#x} rsp {:#x}; thread killed",
        crate::sched::current_thread_id(),
        percpu::cpu_id(),
        mnemonic,
        name,
        frame.rip,
        arch::cpu::page_fault_address(),
        frame.error_code,
        frame.cs,
        frame.ss,
        frame.rsp
    );
    // This frame never returns: undo the dispatcher's `irq_enter`, since the
    // thread leaves through the scheduler, as from a system call.
    percpu::irq_exit();
    crate::sched::exit(USER_FAULT_EXIT_BASE + frame.vector)
}

/// A fault on a kernel stack's guard page is a stack overflow: say whose.
/// On #DF (the usual case: the #PF could not be delivered on the overflowed
/// stack) CR2 still holds the guard-page address.
fn check_stack_overflow(frame: &InterruptFrame) {
    let fault_address = arch::cpu::page_fault_address();
    let Some(owner) = kernel_stacks::guard_page_owner(fault_address) else { return };
    let cpu = percpu::cpu_id();
    crate::emergency_println!(
        "{} cpu={}: guard page {:#x} of the {} was hit (rip={:#x} rsp={:#x})",
        protocol::serial::STACK_OVERFLOW,
        cpu,
        fault_address,
        owner,
        frame.rip,
        frame.rsp
    );
    crate::sched::with_current_thread(|thread| {
        crate::emergency_println!("{} cpu={}: running thread {} '{}'", protocol::serial::STACK_OVERFLOW, cpu, thread.id(), thread.name());
    });
    panic!("kernel stack overflow on cpu {} ({})", cpu, owner);
}
