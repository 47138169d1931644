//! System calls from ring 3, Linux x86_64 ABI: number in RAX, arguments in
//! RDI, RSI, RDX, R10, R8, R9, result (or a negative errno) in RAX. The
//! entry path is `arch::syscall` (through the PCR); this is the dispatcher.
//! What is implemented so far is what the entry-path tests need; anything
//! else returns `-ENOSYS` and is counted.

use arch::interrupt_frame::InterruptFrame;
use core::sync::atomic::{AtomicU64, Ordering};

use protocol::linux_abi::{ENOSYS, SYS_EXIT, SYS_EXIT_GROUP, SYS_GETPID, SYS_GETTID, SYS_SCHED_YIELD};

/// System calls handled, and those that returned `-ENOSYS`.
static CALLS: AtomicU64 = AtomicU64::new(0);
static UNIMPLEMENTED_CALLS: AtomicU64 = AtomicU64::new(0);

/// Registers the dispatcher with the entry path (once, at boot).
pub fn init() {
    arch::syscall::register_handler(dispatch);
}

/// How many system calls were made so far.
pub fn calls() -> u64 {
    CALLS.load(Ordering::Relaxed)
}

/// How many system calls returned `-ENOSYS` so far.
pub fn unimplemented_calls() -> u64 {
    UNIMPLEMENTED_CALLS.load(Ordering::Relaxed)
}

/// Runs one system call with interrupts on (so the thread may be preempted
/// and migrate meanwhile: its frame is on its own kernel stack), and
/// returns with them off, as the entry path needs.
fn dispatch(frame: &mut InterruptFrame) {
    arch::cpu::enable_interrupts();
    CALLS.fetch_add(1, Ordering::Relaxed);
    let result = match frame.rax {
        SYS_GETPID | SYS_GETTID => i64::from(crate::sched::current_thread_id()),
        SYS_SCHED_YIELD => {
            crate::sched::yield_now();
            0
        }
        SYS_EXIT | SYS_EXIT_GROUP => crate::sched::exit(frame.rdi & 0xff),
        _ => {
            UNIMPLEMENTED_CALLS.fetch_add(1, Ordering::Relaxed);
            -ENOSYS
        }
    };
    arch::cpu::disable_interrupts();
    frame.rax = result as u64;
}
