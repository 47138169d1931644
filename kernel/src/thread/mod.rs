//! Kernel threads as data: identity, state, saved context and kernel stack;
//! each CPU's `RunQueue`; and the `WaitQueue` type (threads waiting for
//! something). Types only: switching, blocking and waking are the logic of
//! `sched`, which sits above the per-CPU block (`cpu`) that holds run queues;
//! this module sits below it.

mod cpu_time;
pub mod registry;
mod run_queue;
mod user_state;

pub use cpu_time::CpuTime;
pub use run_queue::{RunQueue, TIME_SLICE_TICKS};
pub use user_state::UserState;


use crate::cpu_id::{AtomicCpuId, CpuId};
use crate::cpu_set::{AtomicCpuSet, CpuSet};
use crate::memory::address_space::AddressSpace;
use crate::memory::kernel_stacks::KernelStack;
use crate::sync::IrqSpinLock;
use crate::trace::SwitchedOutState;
use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::sync::Arc;
use core::any::Any;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicU8, Ordering};

/// A thread's scheduling state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ThreadState {
    /// On a CPU right now.
    Running = 0,
    /// In a run queue (or about to be put in one).
    Runnable = 1,
    /// Waiting on a wait queue.
    Blocked = 2,
    /// Waiting for a timer.
    Sleeping = 3,
    /// Finished; its stack is reclaimed once it is switched out.
    Exited = 4,
}

impl ThreadState {
    /// How the flight recorder describes a thread that left the CPU in
    /// this state.
    pub fn switched_out(self) -> SwitchedOutState {
        match self {
            ThreadState::Running | ThreadState::Runnable => SwitchedOutState::Runnable,
            ThreadState::Blocked => SwitchedOutState::Blocked,
            ThreadState::Sleeping => SwitchedOutState::Sleeping,
            ThreadState::Exited => SwitchedOutState::Exited,
        }
    }

    fn from_u8(value: u8) -> ThreadState {
        match value {
            0 => ThreadState::Running,
            1 => ThreadState::Runnable,
            2 => ThreadState::Blocked,
            3 => ThreadState::Sleeping,
            _ => ThreadState::Exited,
        }
    }
}

/// Threads waiting for something (see `sched::wait_queue` for waiting and
/// waking).
pub struct WaitQueue {
    pub(crate) waiters: IrqSpinLock<VecDeque<Arc<Thread>>>,
}

impl Default for WaitQueue {
    fn default() -> Self {
        Self::new()
    }
}

impl WaitQueue {
    pub const fn new() -> Self {
        Self { waiters: IrqSpinLock::new(VecDeque::new()) }
    }
}

/// Where a user thread starts: its address space, its user registers and
/// its register frame (a new program's entry, or a `clone` child's copy of
/// its parent's).
pub struct UserStart {
    pub space: Arc<AddressSpace>,
    pub state: UserState,
    pub frame: arch::interrupt_frame::InterruptFrame,
}

impl UserStart {
    /// A new program at `rip` with stack `rsp`, every other register 0.
    pub fn program(space: Arc<AddressSpace>, state: UserState, rip: u64, rsp: u64) -> UserStart {
        /// RFLAGS of a new program: IF and the always-one bit.
        const INITIAL_RFLAGS: u64 = 0x202;
        let frame = arch::interrupt_frame::InterruptFrame { rip, rsp, rflags: INITIAL_RFLAGS, ..Default::default() };
        UserStart { space, state, frame }
    }
}

/// What a new thread runs first: kernel code, which returns where the
/// thread goes next: `None` (it is done) or ring 3. Returning (rather
/// than entering ring 3 from inside) lets the boxed closure be freed
/// before the thread leaves the kernel for good.
pub type ThreadEntry = Box<dyn FnOnce() -> Option<UserStart> + Send>;

/// A kernel thread. Shared as `Arc<Thread>` by the scheduler (run queues,
/// the per-CPU current slot), wait queues and the `JoinHandle`.
pub struct Thread {
    id: u32,
    name: String,
    state: AtomicU8,
    /// RSP saved by the context switch while the thread is not running.
    saved_rsp: UnsafeCell<u64>,
    /// Top of its kernel stack (TSS.rsp0 / PCR kernel_stack_top while it runs).
    stack_top: u64,
    /// The user address space the thread runs in; `None` for a kernel
    /// thread (it runs on the kernel's own root).
    address_space: IrqSpinLock<Option<Arc<AddressSpace>>>,
    /// Registers of a user thread the entry path does not save (set once,
    /// when the thread first enters ring 3 or is created by `clone`).
    user_state: spin::Once<UserState>,
    /// The process a user thread belongs to. Stored as `Any` because
    /// processes (files, signals, memory areas) sit above the scheduler,
    /// and this type below it; `process::current` downcasts it.
    process: spin::Once<Arc<dyn Any + Send + Sync>>,
    /// Its own stack (None for a CPU's idle thread, which runs on the CPU's
    /// boot stack). Taken by the reaper after exit.
    stack: spin::Mutex<Option<KernelStack>>,
    /// The CPUs it may run on (its affinity, Linux's `cpus_mask`); never
    /// empty of online CPUs. The scheduler only switches to it on one of
    /// them (see `sched/affinity.rs`).
    allowed_cpus: AtomicCpuSet,
    last_cpu: AtomicCpuId,
    /// True from the moment a CPU switches to the thread until the CPU that
    /// switches away from it has saved its context (`finish_switch`). No
    /// other CPU may resume the thread while it is set.
    pub(crate) on_cpu: AtomicBool,
    /// What the thread runs; taken on its first run.
    pub(crate) entry: spin::Mutex<Option<ThreadEntry>>,
    exit_code: AtomicU64,
    /// Joiners wait here for `Exited`.
    pub(crate) exit_waiters: WaitQueue,
    /// TSC deadline while sleeping.
    pub(crate) wake_deadline_tsc: AtomicU64,
    is_idle: bool,
    /// A signal this (user) thread does not block is pending: blocking
    /// calls give up (`EINTR`, or restart) instead of waiting on.
    signal_pending: AtomicBool,
    /// CPU time used, in user and kernel mode (charged by the tick).
    pub cpu_time: CpuTime,
}

// SAFETY: `saved_rsp` is written only by the CPU switching the thread out
// and read only by the CPU switching it in, and `on_cpu` (Release/Acquire)
// orders the two; every other field is atomic or behind a lock.
unsafe impl Sync for Thread {}
// SAFETY: as above; the boxed entry closure is `Send`.
unsafe impl Send for Thread {}

/// The id of every CPU's idle thread (Linux's `swapper/N` are pid 0 too).
pub const IDLE_THREAD_ID: u32 = 0;
/// The id kept for the first user program (PID 1, `init`).
pub const INIT_THREAD_ID: u32 = 1;
/// Ids of other threads start here (kernel and user threads share them).
const FIRST_ALLOCATED_ID: u32 = 2;

static NEXT_THREAD_ID: AtomicU32 = AtomicU32::new(FIRST_ALLOCATED_ID);

impl Drop for Thread {
    fn drop(&mut self) {
        registry::remove(self);
    }
}

impl Thread {
    /// A new, runnable thread that will switch in at `initial_rsp`.
    pub(crate) fn new(
        name: String,
        stack: KernelStack,
        initial_rsp: u64,
        allowed_cpus: CpuSet,
        entry: ThreadEntry,
        id: u32,
    ) -> Thread {
        Thread {
            id,
            name,
            state: AtomicU8::new(ThreadState::Runnable as u8),
            saved_rsp: UnsafeCell::new(initial_rsp),
            stack_top: stack.top(),
            stack: spin::Mutex::new(Some(stack)),
            allowed_cpus: AtomicCpuSet::new(allowed_cpus),
            last_cpu: AtomicCpuId::new(None),
            on_cpu: AtomicBool::new(false),
            entry: spin::Mutex::new(Some(entry)),
            exit_code: AtomicU64::new(0),
            exit_waiters: WaitQueue::new(),
            wake_deadline_tsc: AtomicU64::new(0),
            is_idle: false,
            signal_pending: AtomicBool::new(false),
            address_space: IrqSpinLock::new(None),
            user_state: spin::Once::new(),
            process: spin::Once::new(),
            cpu_time: CpuTime::new(),
        }
    }

    /// The idle thread of CPU `cpu`, standing for the context already running
    /// on it (its boot stack).
    pub(crate) fn idle(cpu: CpuId, stack_top: u64) -> Thread {
        Thread {
            id: IDLE_THREAD_ID,
            name: alloc::format!("idle/{cpu}"),
            state: AtomicU8::new(ThreadState::Running as u8),
            saved_rsp: UnsafeCell::new(0),
            stack_top,
            stack: spin::Mutex::new(None),
            allowed_cpus: AtomicCpuSet::new(CpuSet::single(cpu.index())),
            last_cpu: AtomicCpuId::new(Some(cpu)),
            on_cpu: AtomicBool::new(true),
            entry: spin::Mutex::new(None),
            exit_code: AtomicU64::new(0),
            exit_waiters: WaitQueue::new(),
            wake_deadline_tsc: AtomicU64::new(0),
            is_idle: true,
            signal_pending: AtomicBool::new(false),
            address_space: IrqSpinLock::new(None),
            user_state: spin::Once::new(),
            process: spin::Once::new(),
            cpu_time: CpuTime::new(),
        }
    }

    pub fn id(&self) -> u32 {
        self.id
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn state(&self) -> ThreadState {
        ThreadState::from_u8(self.state.load(Ordering::Acquire))
    }

    pub(crate) fn set_state(&self, state: ThreadState) {
        self.state.store(state as u8, Ordering::Release);
    }

    /// Moves `from` -> `to` if the state is `from`; returns whether it did.
    pub(crate) fn transition(&self, from: ThreadState, to: ThreadState) -> bool {
        self.state.compare_exchange(from as u8, to as u8, Ordering::AcqRel, Ordering::Acquire).is_ok()
    }

    /// Marks the running thread as about to block (see `WaitQueue`).
    pub fn mark_blocked(&self) {
        self.set_state(ThreadState::Blocked);
    }

    pub(crate) fn saved_rsp_slot(&self) -> *mut u64 {
        self.saved_rsp.get()
    }

    pub(crate) fn saved_rsp(&self) -> u64 {
        // SAFETY: read by the CPU switching the thread in, after `on_cpu` was
        // observed false (Acquire), i.e. after the last write.
        unsafe { *self.saved_rsp.get() }
    }

    pub(crate) fn stack_top(&self) -> u64 {
        self.stack_top
    }

    pub(crate) fn take_stack(&self) -> Option<KernelStack> {
        self.stack.lock().take()
    }

    /// The CPUs the thread may run on.
    pub fn allowed_cpus(&self) -> CpuSet {
        self.allowed_cpus.load()
    }

    /// Whether the thread may run on `cpu`.
    pub fn may_run_on(&self, cpu: CpuId) -> bool {
        self.allowed_cpus.contains(cpu.index())
    }

    /// Replaces its allowed CPUs (a `SeqCst` store: `sched::affinity`
    /// pairs it with the switch's `on_cpu` exchange).
    pub(crate) fn set_allowed_cpus(&self, cpus: CpuSet) {
        self.allowed_cpus.store(cpus);
    }

    /// The CPU it last ran on (`None` before it first ran, unless pinned).
    pub(crate) fn last_cpu(&self) -> Option<CpuId> {
        self.last_cpu.load(Ordering::Relaxed)
    }

    pub(crate) fn set_last_cpu(&self, cpu: CpuId) {
        self.last_cpu.store(Some(cpu), Ordering::Relaxed);
    }

    /// The user address space the thread runs in (`None`: the kernel's).
    pub fn address_space(&self) -> Option<Arc<AddressSpace>> {
        self.address_space.lock().clone()
    }

    /// Moves the thread to `space` (the scheduler loads it from its next
    /// switch on; `sched` also loads it at once for the running thread).
    pub(crate) fn set_address_space(&self, space: Option<Arc<AddressSpace>>) -> Option<Arc<AddressSpace>> {
        core::mem::replace(&mut *self.address_space.lock(), space)
    }

    /// The user registers of a user thread; `None` for a kernel thread.
    pub fn user_state(&self) -> Option<&UserState> {
        self.user_state.get()
    }

    /// Makes this a user thread with `state` (once; later calls keep the
    /// first state) and returns the state it has.
    pub(crate) fn set_user_state(&self, state: UserState) -> &UserState {
        self.user_state.call_once(|| state)
    }

    /// The process of a user thread, type-erased (see the field).
    pub fn process(&self) -> Option<&Arc<dyn Any + Send + Sync>> {
        self.process.get()
    }

    /// Attaches the thread to its process (once).
    pub fn set_process(&self, process: Arc<dyn Any + Send + Sync>) {
        self.process.call_once(|| process);
    }

    /// Whether an unblocked signal is pending (see the field).
    pub fn signal_pending(&self) -> bool {
        self.signal_pending.load(Ordering::SeqCst)
    }

    /// Sets or clears the pending-signal flag.
    pub fn set_signal_pending(&self, pending: bool) {
        self.signal_pending.store(pending, Ordering::SeqCst);
    }

    pub fn is_idle(&self) -> bool {
        self.is_idle
    }

    pub(crate) fn set_exit_code(&self, code: u64) {
        self.exit_code.store(code, Ordering::Release);
    }

    pub(crate) fn exit_code(&self) -> u64 {
        self.exit_code.load(Ordering::Acquire)
    }
}

/// A fresh thread id.
pub fn allocate_id() -> u32 {
    NEXT_THREAD_ID.fetch_add(1, Ordering::Relaxed)
}

/// Threads made since boot, `init` included (`processes` in `/proc/stat`:
/// Linux counts every fork and clone too).
pub fn allocated_ids() -> u32 {
    NEXT_THREAD_ID.load(Ordering::Relaxed) - 1
}
