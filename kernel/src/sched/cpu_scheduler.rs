//! Each CPU's scheduler state, reached from its PCR (`pcr.scheduler`):
//! its run queue, the thread it runs, the thread it just left, its idle
//! thread, its sleepers and its reschedule flag. Cache-line padded so that
//! CPUs never false-share each other's queues.

use super::thread::Thread;
use crate::sync::IrqSpinLock;
use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use crossbeam_utils::CachePadded;
use percpu::ProcessorControlRegion;

/// Timer ticks a thread runs before it is preempted (20 ms at 100 Hz).
pub const TIME_SLICE_TICKS: u32 = 2;
/// Room reserved up front in each run queue and sleeper list, so that
/// queueing never allocates in normal operation (and heap use does not drift
/// with how many threads happened to queue at once). Beyond this they grow.
const QUEUE_INITIAL_CAPACITY: usize = 256;

/// See the module doc.
pub struct CpuScheduler {
    pub cpu_id: u32,
    /// Runnable threads waiting for this CPU. Taken from interrupt context
    /// (wake-ups from the timer) too, hence `IrqSpinLock`.
    pub run_queue: IrqSpinLock<VecDeque<Arc<Thread>>>,
    /// Length of `run_queue`, readable without the lock (placement, stealing).
    pub queued: AtomicUsize,
    /// Threads sleeping with a deadline, woken by this CPU's tick.
    pub sleepers: IrqSpinLock<Vec<Arc<Thread>>>,
    /// Set when the running thread should give up the CPU at the next chance.
    pub need_resched: AtomicBool,
    /// Ticks left in the running thread's slice.
    pub slice_ticks_left: AtomicU32,
    /// The running thread. Only this CPU touches it, with interrupts off.
    current: UnsafeCell<Option<Arc<Thread>>>,
    /// The thread this CPU just switched away from, until `finish_switch`.
    previous: UnsafeCell<Option<Arc<Thread>>>,
    pub idle: Arc<Thread>,
    /// Context switches done by this CPU.
    pub switches: AtomicUsize,
    /// Whether the idle thread stopped this CPU's tick (see `run_idle_loop`).
    tick_stopped: AtomicBool,
}

// SAFETY: `current` and `previous` are only accessed by the owning CPU with
// interrupts disabled (see the accessors); everything else is atomic or
// locked.
unsafe impl Sync for CpuScheduler {}
// SAFETY: as above.
unsafe impl Send for CpuScheduler {}

impl CpuScheduler {
    /// Makes the scheduler of the calling CPU, whose current context becomes
    /// its idle thread, and hangs it off the PCR.
    pub fn install_on_this_cpu() -> &'static CachePadded<CpuScheduler> {
        let pcr = percpu::current();
        let idle = Arc::new(Thread::idle(pcr.cpu_id, pcr.kernel_stack_top.load(Ordering::Relaxed)));
        let scheduler = Box::leak(Box::new(CachePadded::new(CpuScheduler {
            cpu_id: pcr.cpu_id,
            run_queue: IrqSpinLock::new(VecDeque::with_capacity(QUEUE_INITIAL_CAPACITY)),
            queued: AtomicUsize::new(0),
            sleepers: IrqSpinLock::new(Vec::with_capacity(QUEUE_INITIAL_CAPACITY)),
            need_resched: AtomicBool::new(false),
            slice_ticks_left: AtomicU32::new(TIME_SLICE_TICKS),
            current: UnsafeCell::new(Some(idle.clone())),
            previous: UnsafeCell::new(None),
            idle: idle.clone(),
            switches: AtomicUsize::new(0),
            tick_stopped: AtomicBool::new(false),
        })));
        pcr.current_thread.store(Arc::as_ptr(&idle) as usize, Ordering::Release);
        pcr.idle_thread.store(Arc::as_ptr(&idle) as usize, Ordering::Release);
        pcr.scheduler.store(scheduler as *const CachePadded<CpuScheduler> as usize, Ordering::Release);
        scheduler
    }

    /// The running thread.
    pub fn current(&self) -> Arc<Thread> {
        debug_assert!(!arch::cpu::interrupts_enabled());
        // SAFETY: owning CPU, interrupts off (callers).
        unsafe { (*self.current.get()).clone().expect("a CPU always runs a thread") }
    }

    /// Replaces the running thread; returns the old one.
    pub fn replace_current(&self, next: Arc<Thread>) -> Arc<Thread> {
        debug_assert!(!arch::cpu::interrupts_enabled());
        percpu::current().current_thread.store(Arc::as_ptr(&next) as usize, Ordering::Release);
        // SAFETY: owning CPU, interrupts off (callers).
        unsafe { (*self.current.get()).replace(next).expect("a CPU always runs a thread") }
    }

    /// Parks the thread being switched away from until `finish_switch`.
    pub fn set_previous(&self, previous: Arc<Thread>) {
        // SAFETY: owning CPU, interrupts off (callers).
        unsafe { *self.previous.get() = Some(previous) };
    }

    /// Takes the thread this CPU just switched away from.
    pub fn take_previous(&self) -> Option<Arc<Thread>> {
        // SAFETY: owning CPU, interrupts off (callers).
        unsafe { (*self.previous.get()).take() }
    }

    /// Queues a runnable thread at the back.
    pub fn enqueue(&self, thread: Arc<Thread>) {
        let mut queue = self.run_queue.lock();
        queue.push_back(thread);
        self.queued.store(queue.len(), Ordering::Release);
    }

    /// The next runnable thread of this queue.
    pub fn dequeue(&self) -> Option<Arc<Thread>> {
        let mut queue = self.run_queue.lock();
        let thread = queue.pop_front();
        self.queued.store(queue.len(), Ordering::Release);
        thread
    }

    /// Takes a thread that may run elsewhere (not pinned), from the back.
    pub fn steal(&self) -> Option<Arc<Thread>> {
        let mut queue = self.run_queue.lock();
        let index = queue.iter().rposition(|thread| thread.pinned_cpu().is_none())?;
        let thread = queue.remove(index);
        self.queued.store(queue.len(), Ordering::Release);
        thread
    }

    /// Whether the CPU runs its idle thread (so a wake-up needs an IPI).
    pub fn is_idle(&self) -> bool {
        let pcr_current = self.pcr_current_thread();
        pcr_current == Arc::as_ptr(&self.idle) as usize
    }

    fn pcr_current_thread(&self) -> usize {
        crate::cpus::pcr(self.cpu_id).map_or(0, |pcr| pcr.current_thread.load(Ordering::Acquire))
    }

    /// Idle with nothing queued and nobody sleeping: stop the tick so an idle
    /// CPU costs the host nothing. Owner CPU, interrupts off.
    pub fn stop_tick_if_nothing_to_time(&self) {
        // Pairs with the fence in `sched::enqueue` (see there).
        core::sync::atomic::fence(Ordering::SeqCst);
        if self.queued.load(Ordering::Acquire) == 0
            && self.sleepers.lock().is_empty()
            && !self.tick_stopped.swap(true, Ordering::Relaxed)
        {
            crate::timer::stop_tick_on_this_cpu();
        }
    }

    /// Restarts the tick if the idle thread stopped it. Owner CPU.
    pub fn ensure_tick(&self) {
        if self.tick_stopped.swap(false, Ordering::Relaxed) {
            crate::timer::start_tick_on_this_cpu();
        }
    }

    /// Load used for placement: queued threads plus the running one.
    pub fn load(&self) -> usize {
        self.queued.load(Ordering::Acquire) + usize::from(!self.is_idle())
    }
}

/// The scheduler of the CPU owning `pcr`, once installed.
pub fn of(pcr: &ProcessorControlRegion) -> Option<&'static CachePadded<CpuScheduler>> {
    let pointer = pcr.scheduler.load(Ordering::Acquire) as *const CachePadded<CpuScheduler>;
    // SAFETY: only leaked (never freed) schedulers are stored.
    (!pointer.is_null()).then(|| unsafe { &*pointer })
}

/// The scheduler of the running CPU (its scheduler must be installed).
pub fn this_cpu() -> &'static CachePadded<CpuScheduler> {
    of(percpu::current()).expect("scheduler used before sched::init_this_cpu")
}

/// The scheduler of online CPU `cpu_id`.
pub fn of_cpu(cpu_id: u32) -> Option<&'static CachePadded<CpuScheduler>> {
    crate::cpus::pcr(cpu_id).and_then(of)
}
