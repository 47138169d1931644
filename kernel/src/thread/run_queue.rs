//! `RunQueue`: each CPU's scheduler state, a field of its per-CPU block: the
//! runnable threads waiting for it, the thread it runs, the thread it just
//! left, its idle thread, its sleepers and its tick state. Data and the
//! operations on it only: the scheduling logic (switch, placement, wake-up)
//! is in `sched`. Padded to a cache line in the block so that CPUs never
//! false-share each other's queues.

use super::Thread;
use crate::memory::address_space::AddressSpace;
use crate::cpu_id::CpuId;
use crate::sync::IrqSpinLock;
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};

/// Timer ticks a thread runs before it is preempted (20 ms at 100 Hz).
pub const TIME_SLICE_TICKS: u32 = 2;
/// Room reserved up front in each run queue and sleeper list, so that
/// queueing never allocates in normal operation (and heap use does not drift
/// with how many threads happened to queue at once). Beyond this they grow.
const QUEUE_INITIAL_CAPACITY: usize = 256;

/// See the module doc.
pub struct RunQueue {
    pub cpu: CpuId,
    /// Runnable threads waiting for this CPU. Taken from interrupt context
    /// (wake-ups from the timer) too, hence `IrqSpinLock`.
    runnable: IrqSpinLock<VecDeque<Arc<Thread>>>,
    /// Length of `runnable`, readable without the lock (placement, stealing).
    pub queued: AtomicUsize,
    /// Threads sleeping with a deadline, woken by this CPU's tick.
    pub sleepers: IrqSpinLock<Vec<Arc<Thread>>>,
    /// Ticks left in the running thread's slice.
    pub slice_ticks_left: AtomicU32,
    /// Whether this CPU runs its idle thread (read by other CPUs to decide
    /// whether a wake-up needs an IPI).
    running_idle: AtomicBool,
    /// The running thread. Only this CPU touches it, with interrupts off.
    current: UnsafeCell<Arc<Thread>>,
    /// The thread this CPU just switched away from, until `finish_switch`.
    previous: UnsafeCell<Option<Arc<Thread>>>,
    pub idle: Arc<Thread>,
    /// Id of the running thread (`current`'s, readable by other CPUs for
    /// `/proc/sched_debug`).
    pub current_id: AtomicU32,
    /// Context switches done by this CPU.
    pub switches: AtomicUsize,
    /// Whether the idle thread stopped this CPU's tick.
    pub tick_stopped: AtomicBool,
    /// The user address space this CPU has loaded (it is in the space's
    /// active set); `None` while the kernel's own root is loaded. Holding
    /// it keeps the page tables alive while CR3 points at them.
    pub loaded_space: IrqSpinLock<Option<Arc<AddressSpace>>>,
    /// Timer ticks that found a thread other than idle running in user
    /// mode (CPU time in use, sampled at the tick rate; `/proc/stat`).
    pub user_ticks: AtomicU64,
    /// The same, for ticks that found it in the kernel.
    pub system_ticks: AtomicU64,
}

// SAFETY: `current` and `previous` are only accessed by the owning CPU with
// interrupts disabled (see the accessors); everything else is atomic or
// locked.
unsafe impl Sync for RunQueue {}
// SAFETY: as above; the state is built on the BSP before its CPU runs.
unsafe impl Send for RunQueue {}

impl RunQueue {
    /// The state of CPU `cpu`, whose first context (running on the stack
    /// ending at `boot_stack_top`) becomes its idle thread.
    pub fn new(cpu: CpuId, boot_stack_top: u64) -> RunQueue {
        let idle = Arc::new(Thread::idle(cpu, boot_stack_top));
        RunQueue {
            cpu,
            runnable: IrqSpinLock::new(VecDeque::with_capacity(QUEUE_INITIAL_CAPACITY)),
            queued: AtomicUsize::new(0),
            sleepers: IrqSpinLock::new(Vec::with_capacity(QUEUE_INITIAL_CAPACITY)),
            slice_ticks_left: AtomicU32::new(TIME_SLICE_TICKS),
            running_idle: AtomicBool::new(true),
            current: UnsafeCell::new(idle.clone()),
            previous: UnsafeCell::new(None),
            current_id: AtomicU32::new(idle.id()),
            idle,
            switches: AtomicUsize::new(0),
            tick_stopped: AtomicBool::new(false),
            loaded_space: IrqSpinLock::new(None),
            user_ticks: AtomicU64::new(0),
            system_ticks: AtomicU64::new(0),
        }
    }

    /// The running thread.
    ///
    /// # Safety
    /// Owner-only state: `self` must be the running CPU's run queue, with
    /// interrupts off (the same for every method below that says so).
    pub unsafe fn current(&self) -> Arc<Thread> {
        debug_assert!(!arch::cpu::interrupts_enabled());
        // SAFETY: owning CPU, interrupts off (the caller's contract).
        unsafe { (*self.current.get()).clone() }
    }

    /// Calls `f` with the running thread without touching its reference
    /// count (fault handlers).
    ///
    /// # Safety
    /// As for `current`.
    pub unsafe fn with_current<R>(&self, f: impl FnOnce(&Thread) -> R) -> R {
        debug_assert!(!arch::cpu::interrupts_enabled());
        // SAFETY: owning CPU, interrupts off (the caller's contract); the
        // Arc keeps the thread alive while it is current.
        f(unsafe { &*self.current.get() })
    }

    /// [`with_current`](Self::with_current) with only preemption held off:
    /// `current` changes only in `schedule`, which does not run on this
    /// CPU while its preempt count is held (interrupt handlers only ask
    /// for it, through the preempt word), and no other CPU writes it.
    ///
    /// # Safety
    /// `self` must be the running CPU's run queue, with preemption off for
    /// the whole call; `f` must not need interrupts off.
    pub unsafe fn with_current_preempt_off<R>(&self, f: impl FnOnce(&Thread) -> R) -> R {
        debug_assert!(percpu::preempt_count() > 0);
        // SAFETY: owning CPU, no switch until the caller's guard drops;
        // the Arc keeps the thread alive while it is current.
        f(unsafe { &*self.current.get() })
    }

    /// Replaces the running thread; returns the old one.
    ///
    /// # Safety
    /// As for `current`.
    pub unsafe fn replace_current(&self, next: Arc<Thread>) -> Arc<Thread> {
        debug_assert!(!arch::cpu::interrupts_enabled());
        self.running_idle.store(next.is_idle(), Ordering::Release);
        self.current_id.store(next.id(), Ordering::Relaxed);
        // SAFETY: owning CPU, interrupts off (the caller's contract).
        unsafe { core::mem::replace(&mut *self.current.get(), next) }
    }

    /// Parks the thread being switched away from until `finish_switch`.
    ///
    /// # Safety
    /// As for `current`.
    pub unsafe fn set_previous(&self, previous: Arc<Thread>) {
        // SAFETY: owning CPU, interrupts off (the caller's contract).
        unsafe { *self.previous.get() = Some(previous) };
    }

    /// Takes the thread this CPU just switched away from.
    ///
    /// # Safety
    /// As for `current`.
    pub unsafe fn take_previous(&self) -> Option<Arc<Thread>> {
        // SAFETY: owning CPU, interrupts off (the caller's contract).
        unsafe { (*self.previous.get()).take() }
    }

    /// Queues a runnable thread at the back.
    pub fn enqueue(&self, thread: Arc<Thread>) {
        let mut queue = self.runnable.lock();
        queue.push_back(thread);
        self.queued.store(queue.len(), Ordering::Release);
    }

    /// The next runnable thread of this queue.
    pub fn dequeue(&self) -> Option<Arc<Thread>> {
        let mut queue = self.runnable.lock();
        let thread = queue.pop_front();
        self.queued.store(queue.len(), Ordering::Release);
        thread
    }

    /// Takes a thread that may run on `thief`, from the back.
    pub fn steal(&self, thief: CpuId) -> Option<Arc<Thread>> {
        let mut queue = self.runnable.lock();
        let index = queue.iter().rposition(|thread| thread.may_run_on(thief))?;
        let thread = queue.remove(index);
        self.queued.store(queue.len(), Ordering::Release);
        thread
    }

    /// Whether the CPU runs its idle thread (so a wake-up needs an IPI).
    pub fn is_idle(&self) -> bool {
        self.running_idle.load(Ordering::Acquire)
    }

    /// Load used for placement: queued threads plus the running one.
    pub fn load(&self) -> usize {
        self.queued.load(Ordering::Acquire) + usize::from(!self.is_idle())
    }
}
