//! Processes: what the threads of one program share (memory, open files,
//! signal dispositions, identity), and the per-thread user data the
//! scheduler's `Thread` does not hold (the `clear_child_tid` word, the
//! signal mask, the alternate signal stack).
//!
//! A user thread's `Thread` carries its `UserThread` (type-erased, since
//! processes sit above the scheduler); `current()` gets it back. Process
//! ids and thread ids come from one counter (`thread::allocate_id`): a
//! process's id is the id of its first thread, as on Linux.
//!
//! Lock rule: never copy user memory (`uaccess`) while holding `memory`:
//! the copy may fault, and the fault handler takes `memory`. `memory` is
//! an `IrqSpinLock` because the page-fault handler runs in exception
//! context (a sleeping lock taken with interrupts on, as Linux's
//! `mmap_lock`, would need faults handled in process context first).

mod exit;
mod start;
mod user_fault;

pub use exit::{exit_current, kill_current, power_off, EXIT_STATUS_CANNOT_RUN};
pub use start::start_program;
pub use user_fault::{handle_user_page_fault, kill_current_for_fault, resolve_kernel_user_access};

use crate::file::FdTable;
use crate::memory::process_memory::ProcessMemory;
use crate::sync::{IrqSpinLock, SpinLock};
use alloc::string::String;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// What every thread of a process shares.
pub struct Process {
    pid: u32,
    parent_pid: AtomicU32,
    /// The command name (`comm`): the last path component of the program.
    name: SpinLock<String>,
    pub memory: IrqSpinLock<ProcessMemory>,
    pub files: SpinLock<FdTable>,
    /// `sigaction` dispositions, stored raw per signal (1..=64) until
    /// delivery arrives: handler, flags, restorer, mask.
    pub signal_actions: SpinLock<[[u64; 4]; 64]>,
}

/// The user side of one thread.
pub struct UserThread {
    pub process: Arc<Process>,
    /// `set_tid_address`: zeroed and futex-woken when the thread exits.
    pub clear_child_tid: AtomicU64,
    /// Blocked signals (bit n-1 for signal n).
    pub signal_mask: AtomicU64,
    /// `sigaltstack`: base, flags, size.
    pub alternate_stack: SpinLock<[u64; 3]>,
}

/// The process id of PID 1.
pub const INIT_PID: u32 = 1;

impl Process {
    /// A new process with `memory` and `files`.
    pub fn new(pid: u32, parent_pid: u32, name: String, memory: ProcessMemory, files: FdTable) -> Arc<Process> {
        Arc::new(Process {
            pid,
            parent_pid: AtomicU32::new(parent_pid),
            name: SpinLock::new(name),
            memory: IrqSpinLock::new(memory),
            files: SpinLock::new(files),
            signal_actions: SpinLock::new([[0; 4]; 64]),
        })
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    pub fn parent_pid(&self) -> u32 {
        self.parent_pid.load(Ordering::Relaxed)
    }

    /// The command name.
    pub fn name(&self) -> String {
        self.name.lock().clone()
    }
}

impl UserThread {
    /// The user side of a new thread of `process`.
    pub fn new(process: Arc<Process>) -> Arc<UserThread> {
        Arc::new(UserThread {
            process,
            clear_child_tid: AtomicU64::new(0),
            signal_mask: AtomicU64::new(0),
            alternate_stack: SpinLock::new([0, 0, 0]),
        })
    }
}

/// The running thread's user side; `None` for a kernel thread.
pub fn current() -> Option<Arc<UserThread>> {
    let erased = crate::sched::with_current_thread(|thread| thread.process().cloned()).flatten()?;
    erased.downcast::<UserThread>().ok()
}

/// The command name of the last path component of `path`.
pub fn command_name(path: &[u8]) -> String {
    let last = path.rsplit(|&byte| byte == b'/').next().unwrap_or(path);
    String::from_utf8_lossy(last).into_owned()
}
