//! Processes: what the threads of one program share (memory, open files,
//! signal dispositions, identity, children), and the per-thread user data
//! the scheduler's `Thread` does not hold (the `clear_child_tid` word, the
//! signal mask, the alternate signal stack).
//!
//! A user thread's `Thread` carries its `UserThread` (type-erased, since
//! processes sit above the scheduler); `current()` gets it back. Process
//! ids and thread ids come from one counter (`thread::allocate_id`): a
//! process's id is the id of its first thread, as on Linux; PID 1 is kept
//! for init.
//!
//! Lock rules: never copy user memory (`uaccess`) inside
//! `AddressSpace::with_memory`: the copy may fault, and the fault handler
//! takes that lock (an `IrqSpinLock`, since faults are handled in
//! exception context). Lock order: `children` before anything of a child.

mod clone;
mod execve;
mod exit;
mod futex;
mod job_control;
pub mod process_group;
pub mod signal;
mod start;
mod user_fault;
mod wait;

pub use clone::{clone, CloneRequest, CLONE_VFORK, CLONE_VM};
pub use execve::execve;
pub use futex::futex;
pub use exit::{exit_current, exit_group, kill_current, on_session_leader_exit, power_off, return_to_user_work, EXIT_STATUS_CANNOT_RUN};
pub use start::start_program;
pub use user_fault::{handle_user_page_fault, resolve_kernel_user_access, signal_current_for_fault};
pub use wait::{wait4, waitid};

use crate::file::FdTable;
use crate::memory::address_space::AddressSpace;
use crate::memory::process_memory::ProcessMemory;
use crate::sync::{IrqSpinLock, SpinLock};
use crate::thread::WaitQueue;
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use protocol::linux_abi::Errno;

/// A process's memory, shared by `CLONE_VM` (threads, and a `vfork` child
/// until it calls `execve`).
pub type SharedMemory = Arc<AddressSpace>;

/// What every thread of a process shares.
pub struct Process {
    pid: u32,
    parent: SpinLock<Weak<Process>>,
    /// The command name (`comm`): the last path component of the program.
    /// (`IrqSpinLock`s here and below: the fault handler reads them.)
    name: IrqSpinLock<String>,
    /// `None` once the process has exited (zombies hold no memory).
    memory: IrqSpinLock<Option<SharedMemory>>,
    pub files: SpinLock<FdTable>,
    /// argv joined with NULs (`/proc/[pid]/cmdline`).
    pub command_line: SpinLock<Vec<u8>>,
    /// The path of the program (`/proc/[pid]/exe`).
    pub executable: SpinLock<Vec<u8>>,
    /// The working directory, as a canonical absolute path.
    pub cwd: SpinLock<Vec<u8>>,
    /// The file-mode creation mask.
    pub umask: AtomicU32,
    /// Process group and session ids.
    pub group: AtomicU32,
    pub session: AtomicU32,
    /// Resource limits (soft, hard), indexed by `RLIMIT_*`.
    pub limits: SpinLock<[[u64; 2]; RESOURCE_COUNT]>,
    /// `sigaction` dispositions, stored raw per signal (1..=64) until
    /// delivery arrives: handler, flags, restorer, mask.
    pub signal_actions: IrqSpinLock<[[u64; 4]; 64]>,
    /// Children not yet reaped (zombies included).
    children: SpinLock<Vec<Arc<Process>>>,
    /// Woken when a child becomes a zombie.
    child_exited: WaitQueue,
    /// Threads of this process that have not exited.
    live_threads: AtomicU32,
    /// Set by `exit_group` (or a fatal signal): every thread leaves at its
    /// next return to user mode; `exit_status` says how.
    exiting: AtomicBool,
    /// The status `wait4` reports (Linux encoding), valid once exiting.
    exit_status: AtomicU32,
    /// True once the last thread is gone: a zombie until reaped.
    zombie: AtomicBool,
    /// Signals sent to the process, not yet taken by a thread.
    pub pending_signals: IrqSpinLock<Vec<signal::SignalInfo>>,
    /// Job control: stopped by a stop signal, until SIGCONT.
    stopped: AtomicBool,
    /// Woken by SIGCONT.
    continued: WaitQueue,
    /// A stop not yet reported to `wait4(WUNTRACED)` (its wait status).
    stop_report: AtomicU32,
    /// A continue not yet reported to `wait4(WCONTINUED)`.
    continue_report: AtomicBool,
    /// `vfork`: the parent waits here until this child execs or exits.
    vfork_done: AtomicBool,
    vfork_waiters: WaitQueue,
    /// When the process started, and the CPU time of its threads that
    /// have exited (`/proc/[pid]/stat`).
    pub cpu_time: crate::thread::CpuTime,
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
    /// Signals sent to this thread (`tgkill`, faults), not yet delivered.
    pub pending_signals: IrqSpinLock<Vec<signal::SignalInfo>>,
    /// The scheduler's thread, to interrupt its waits (set by `attach_current`).
    pub thread: spin::Once<Weak<crate::thread::Thread>>,
    /// The number of a system call being restarted after a signal.
    pub restart_number: AtomicU64,
    /// `set_robust_list`'s head.
    pub robust_list: AtomicU64,
    /// The mask `rt_sigsuspend` replaced, for the signal frame
    /// (`signal::SAVED_MASK_VALID` set when it holds one).
    pub mask_after_suspend: AtomicU64,
}

/// Resource numbers (`RLIMIT_*`, 0..16).
pub const RESOURCE_COUNT: usize = 16;
/// Most processes at once, and the default `RLIMIT_NPROC`: a fork bomb
/// gets `EAGAIN` here instead of exhausting memory.
pub const MAX_PROCESSES: u64 = 4096;

/// Linux's defaults: 8 MiB stack, 1024 descriptors, no other limit; and
/// our process cap.
fn default_limits() -> [[u64; 2]; RESOURCE_COUNT] {
    use protocol::linux_abi::misc::{RLIMIT_NOFILE, RLIMIT_NPROC, RLIMIT_STACK, RLIM_INFINITY};
    let mut limits = [[RLIM_INFINITY; 2]; RESOURCE_COUNT];
    limits[RLIMIT_STACK as usize] = [crate::memory::process_memory::STACK_BYTES, RLIM_INFINITY];
    limits[RLIMIT_NOFILE as usize] = [crate::file::MAX_FDS as u64; 2];
    limits[RLIMIT_NPROC as usize] = [MAX_PROCESSES; 2];
    limits
}

/// The process id of PID 1.
pub const INIT_PID: u32 = 1;

/// Every process by pid, for `kill`, reparenting and `/proc`. An
/// `IrqSpinLock`: the last reference to a process may go in an interrupt
/// handler (a timer tick dropping a sleeper), and `Drop` takes it.
static PROCESSES: IrqSpinLock<alloc::collections::BTreeMap<u32, Weak<Process>>> = IrqSpinLock::new(alloc::collections::BTreeMap::new());

impl Process {
    /// A new process with one thread to come, `memory` and `files`.
    pub fn new(pid: u32, parent: Weak<Process>, name: String, memory: ProcessMemory, files: FdTable) -> Arc<Process> {
        Process::with_shared_memory(pid, parent, name, Arc::new(AddressSpace::new(memory)), files)
    }

    fn with_shared_memory(pid: u32, parent: Weak<Process>, name: String, memory: SharedMemory, files: FdTable) -> Arc<Process> {
        let process = Arc::new(Process {
            pid,
            parent: SpinLock::new(parent),
            name: IrqSpinLock::new(name),
            memory: IrqSpinLock::new(Some(memory)),
            files: SpinLock::new(files),
            cwd: SpinLock::new(alloc::vec![b'/']),
            command_line: SpinLock::new(Vec::new()),
            executable: SpinLock::new(Vec::new()),
            umask: AtomicU32::new(0o022),
            limits: SpinLock::new(default_limits()),
            group: AtomicU32::new(pid),
            session: AtomicU32::new(pid),
            signal_actions: IrqSpinLock::new([[0; 4]; 64]),
            children: SpinLock::new(Vec::new()),
            child_exited: WaitQueue::new(),
            live_threads: AtomicU32::new(1),
            exiting: AtomicBool::new(false),
            exit_status: AtomicU32::new(0),
            zombie: AtomicBool::new(false),
            pending_signals: IrqSpinLock::new(Vec::new()),
            stopped: AtomicBool::new(false),
            continued: WaitQueue::new(),
            stop_report: AtomicU32::new(0),
            continue_report: AtomicBool::new(false),
            vfork_done: AtomicBool::new(false),
            vfork_waiters: WaitQueue::new(),
            cpu_time: crate::thread::CpuTime::new(),
        });
        PROCESSES.lock().insert(pid, Arc::downgrade(&process));
        process
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    pub fn parent_pid(&self) -> u32 {
        self.parent.lock().upgrade().map_or(0, |parent| parent.pid)
    }

    /// The command name.
    pub fn name(&self) -> String {
        self.name.lock().clone()
    }

    /// `path` made absolute against the working directory.
    pub fn absolute_path(&self, path: &[u8]) -> Vec<u8> {
        crate::vfs::absolute(&self.cwd.lock(), path)
    }

    /// The process's memory (`ESRCH` once it has exited).
    pub fn memory(&self) -> Result<SharedMemory, Errno> {
        self.memory.lock().clone().ok_or(Errno::ESRCH)
    }

    /// Releases a parent waiting in `vfork` (at `execve` or exit).
    fn release_vfork_parent(&self) {
        self.vfork_done.store(true, Ordering::Release);
        self.vfork_waiters.wake_all();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        // Ids are never reused, so the entry is this process's.
        PROCESSES.lock().remove(&self.pid);
    }
}

/// Every process, alive or zombie, by pid.
pub fn all() -> Vec<Arc<Process>> {
    PROCESSES.lock().values().filter_map(Weak::upgrade).collect()
}

/// The live (not yet exited) members of process group `group`.
pub fn group_members(group: u32) -> Vec<Arc<Process>> {
    all()
        .into_iter()
        .filter(|process| process.group.load(Ordering::Relaxed) == group && !process.zombie.load(Ordering::Acquire))
        .collect()
}

/// Threads in `process` that have not exited.
pub fn thread_count(process: &Process) -> u32 {
    process.live_threads.load(Ordering::Relaxed)
}

/// Whether `process` has exited and awaits its parent.
pub fn is_zombie(process: &Process) -> bool {
    process.zombie.load(Ordering::Acquire)
}

/// Whether `process` is stopped by a stop signal (job control).
pub fn is_stopped(process: &Process) -> bool {
    process.stopped.load(Ordering::Acquire)
}

/// Renames `process` (`prctl(PR_SET_NAME)`).
pub fn set_name(process: &Process, name: &[u8]) {
    *process.name.lock() = String::from_utf8_lossy(name).into_owned();
}

/// Records what `process` runs (for `/proc`).
pub fn set_program(process: &Process, path: &[u8], arguments: &[&[u8]]) {
    *process.executable.lock() = path.to_vec();
    *process.command_line.lock() = arguments.iter().flat_map(|argument| argument.iter().copied().chain(core::iter::once(0))).collect();
}

/// The process with id `pid`, if it is alive or a zombie.
pub fn find(pid: u32) -> Option<Arc<Process>> {
    PROCESSES.lock().get(&pid)?.upgrade()
}

impl UserThread {
    /// The user side of a new thread of `process`.
    pub fn new(process: Arc<Process>) -> Arc<UserThread> {
        Arc::new(UserThread {
            process,
            clear_child_tid: AtomicU64::new(0),
            signal_mask: AtomicU64::new(0),
            alternate_stack: SpinLock::new([0, 0, 0]),
            pending_signals: IrqSpinLock::new(Vec::new()),
            thread: spin::Once::new(),
            restart_number: AtomicU64::new(0),
            robust_list: AtomicU64::new(0),
            mask_after_suspend: AtomicU64::new(0),
        })
    }
}

/// Every user thread by id (for `tgkill`); an `IrqSpinLock` like `PROCESSES`.
static THREADS: IrqSpinLock<alloc::collections::BTreeMap<u32, Weak<UserThread>>> = IrqSpinLock::new(alloc::collections::BTreeMap::new());

/// Makes `user` the user side of the calling thread (once, before it first
/// enters ring 3) and registers it by id.
pub fn attach_current(user: Arc<UserThread>) {
    let id = crate::sched::current_thread_id();
    user.thread.call_once(|| Arc::downgrade(&crate::sched::current_thread()));
    {
        let mut threads = THREADS.lock();
        threads.retain(|_, thread| thread.strong_count() > 0);
        threads.insert(id, Arc::downgrade(&user));
    }
    crate::sched::with_current_thread(|thread| thread.set_process(user));
}

/// The live threads of `process`.
pub fn threads_of(process: &Process) -> Vec<Arc<UserThread>> {
    THREADS
        .lock()
        .values()
        .filter_map(Weak::upgrade)
        .filter(|thread| core::ptr::eq(Arc::as_ptr(&thread.process), process))
        .collect()
}

/// The user thread with id `tid`, if it is alive.
pub fn find_thread(tid: u32) -> Option<Arc<UserThread>> {
    THREADS.lock().get(&tid)?.upgrade()
}

/// The running thread's user side; `None` for a kernel thread.
pub fn current() -> Option<Arc<UserThread>> {
    let erased = crate::sched::with_current_thread_preempt_off(|thread| thread.process().cloned()).flatten()?;
    erased.downcast::<UserThread>().ok()
}

/// The command name of the last path component of `path`.
pub fn command_name(path: &[u8]) -> String {
    let last = path.rsplit(|&byte| byte == b'/').next().unwrap_or(path);
    String::from_utf8_lossy(last).into_owned()
}
