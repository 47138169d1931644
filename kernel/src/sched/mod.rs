//! The scheduler: kernel threads on per-CPU run queues, preempted by the
//! LAPIC timer, balanced by placement and work stealing. See
//! TEAM_NOTES/scheduler.md.
//!
//! API: `spawn` / `spawn_pinned` -> `JoinHandle::join`, `exit`, `yield_now`,
//! `sleep_micros`, `current_thread`, `wake_up`, `move_current_to`; the
//! blocking primitives `WaitQueue` and `Mutex`.
//!
//! Layering: the types (`Thread`, `RunQueue`, `WaitQueue`) live in
//! `crate::thread`, below the per-CPU block (`crate::cpu`) that holds each
//! CPU's run queue; the logic here reaches this CPU's run queue through
//! `cpu::this_cpu(&guard)`.

mod mutex;
mod sleep;
mod switch;
mod wait_queue;

pub use mutex::Mutex;
pub use sleep::sleep_micros;
pub use switch::schedule;
pub use crate::thread::{Thread, ThreadState, WaitQueue};

use crate::cpu::{self, CpuId};
use crate::memory::kernel_stacks::{self, StackKind, StackOwner};
use crate::sync::{IrqGuard, PreemptGuard};
use crate::vectors;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;
use core::sync::atomic::Ordering;

/// Kernel stack of every thread.
pub const THREAD_STACK_BYTES: u64 = 32 * 1024;

/// Registers the scheduler's interrupt plumbing and preemption points (once,
/// on the BSP).
pub fn init() {
    arch::idt::register_handler(vectors::RESCHEDULE, |_frame| {
        crate::flight_recorder::ipi_receive(vectors::RESCHEDULE);
        percpu::set_need_resched(true);
        let guard = IrqGuard::new();
        cpu::this_cpu(&guard).lapic().end_of_interrupt();
    });
    arch::idt::register_return_hook(switch::preempt_if_due);
    crate::sync::register_preemption_point(switch::preempt_if_due);
    crate::timer::register_tick_hook(switch::on_tick);
}

/// The idle loop: run whatever is runnable, else stop the tick (when no
/// sleeper needs it) and halt until an interrupt. `sti; hlt` is atomic, so a
/// wake-up IPI cannot be missed; whoever queues work for an idle CPU, or
/// queues stealable work while a CPU idles, sends it a reschedule IPI.
pub fn run_idle_loop() -> ! {
    loop {
        arch::cpu::disable_interrupts();
        schedule();
        {
            let guard = IrqGuard::new();
            switch::stop_tick_if_nothing_to_time(&cpu::this_cpu(&guard));
            guard.end_keeping_interrupts_off();
        }
        arch::cpu::enable_interrupts_and_halt();
    }
}

/// The running thread.
pub fn current_thread() -> Arc<Thread> {
    let guard = IrqGuard::new();
    // SAFETY: the running CPU's run queue, under an IrqGuard.
    unsafe { cpu::this_cpu(&guard).run_queue.current() }
}

/// Calls `f` with the running thread, without a lock or a reference count,
/// so fault handlers may use it. `None` before this CPU has its block.
pub fn with_current_thread<R>(f: impl FnOnce(&Thread) -> R) -> Option<R> {
    let guard = IrqGuard::new();
    // SAFETY: the running CPU's run queue, under an IrqGuard.
    cpu::try_this_cpu(&guard).map(|this| unsafe { this.run_queue.with_current(f) })
}

/// The running thread's id (0 before this CPU has its block).
pub fn current_thread_id() -> u32 {
    with_current_thread(Thread::id).unwrap_or(0)
}

/// Waits for a thread to finish.
pub struct JoinHandle {
    thread: Arc<Thread>,
}

impl JoinHandle {
    /// Blocks until the thread exits and is fully reaped (switched out, its
    /// stack released, no scheduler reference left); returns its exit code
    /// (0 when its function returned).
    pub fn join(self) -> u64 {
        let thread = &self.thread;
        thread.exit_waiters.wait_until(|| thread.state() == ThreadState::Exited);
        // The CPU it ran on drops its reference in `finish_switch`, right
        // after switching away; wait for that so that joining means gone.
        while Arc::strong_count(thread) > 1 {
            yield_now();
        }
        thread.exit_code()
    }
}

/// Why a thread could not be created.
#[derive(Debug)]
pub enum SpawnError {
    NoStack(kernel_stacks::StackError),
}

impl core::fmt::Display for SpawnError {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SpawnError::NoStack(error) => write!(formatter, "no kernel stack for the thread: {error:?}"),
        }
    }
}

/// Starts `entry` on a new kernel thread, on the least loaded CPU.
pub fn spawn(name: impl Into<String>, entry: impl FnOnce() + Send + 'static) -> Result<JoinHandle, SpawnError> {
    spawn_on(name.into(), None, Box::new(entry))
}

/// Starts `entry` on a new kernel thread that only ever runs on `cpu`.
pub fn spawn_pinned(
    cpu: CpuId,
    name: impl Into<String>,
    entry: impl FnOnce() + Send + 'static,
) -> Result<JoinHandle, SpawnError> {
    spawn_on(name.into(), Some(cpu), Box::new(entry))
}

fn spawn_on(name: String, pinned: Option<CpuId>, entry: Box<dyn FnOnce() + Send>) -> Result<JoinHandle, SpawnError> {
    let id = crate::thread::allocate_id();
    let stack = kernel_stacks::allocate(THREAD_STACK_BYTES, StackOwner { kind: StackKind::Thread, id })
        .map_err(SpawnError::NoStack)?;
    // SAFETY: the stack was just allocated for this thread alone.
    let initial_rsp = unsafe { arch::context_switch::prepare_new_stack(stack.top(), switch::thread_entry, 0) };
    let thread = Arc::new(Thread::new(name, stack, initial_rsp, pinned, entry, id));
    enqueue(thread.clone(), pinned.unwrap_or_else(least_loaded_cpu));
    Ok(JoinHandle { thread })
}

/// The online CPU with the fewest runnable threads.
fn least_loaded_cpu() -> CpuId {
    cpu::online()
        .min_by_key(|block| (block.run_queue.load(), block.id()))
        .map(|block| block.id())
        .expect("the boot CPU is online")
}

/// An idle CPU with nothing queued, other than `except`.
fn idle_cpu_except(except: &[CpuId]) -> Option<CpuId> {
    cpu::online()
        .filter(|block| !except.contains(&block.id()))
        .find(|block| block.run_queue.is_idle() && block.run_queue.queued.load(Ordering::Relaxed) == 0)
        .map(|block| block.id())
}

/// Where a woken thread should run: its pinned CPU; else the CPU it last
/// ran on if that one is idle; else any idle CPU; else its last CPU.
fn wake_target(thread: &Thread) -> CpuId {
    if let Some(cpu) = thread.pinned_cpu() {
        return cpu;
    }
    match thread.last_cpu() {
        Some(last) if cpu::get(last).run_queue.is_idle() => last,
        Some(last) => idle_cpu_except(&[]).unwrap_or(last),
        None => idle_cpu_except(&[]).unwrap_or_else(least_loaded_cpu),
    }
}

/// Puts a runnable thread on `target`'s queue and makes sure someone runs
/// it: an idle target is told directly; a busy target's queued thread is
/// offered to an idle CPU (which steals it), since idle CPUs stop their
/// tick and would not look on their own.
fn enqueue(thread: Arc<Thread>, target: CpuId) {
    let stealable = thread.pinned_cpu().is_none();
    let queue = &cpu::get(target).run_queue;
    queue.enqueue(thread);
    // Store (queue) then load (is it idle?), against the idle CPU's store
    // (current = idle) then load (queue empty?) in
    // `stop_tick_if_nothing_to_time`: without a full fence on both sides each
    // could miss the other's store, and the work would sit on a halted CPU.
    core::sync::atomic::fence(Ordering::SeqCst);
    let guard = PreemptGuard::new();
    let me = cpu::this_cpu(&guard).id();
    if queue.is_idle() {
        if target == me {
            percpu::set_need_resched(true);
        } else {
            crate::ipi::send_reschedule(target);
        }
    } else if stealable {
        if let Some(helper) = idle_cpu_except(&[target, me]) {
            crate::ipi::send_reschedule(helper);
        }
    }
}

/// Makes a blocked or sleeping thread runnable again (no-op if it is
/// already awake).
pub fn wake_up(thread: &Arc<Thread>) {
    let woke = thread.transition(ThreadState::Blocked, ThreadState::Runnable)
        || thread.transition(ThreadState::Sleeping, ThreadState::Runnable);
    if woke {
        let target = wake_target(thread);
        crate::flight_recorder::wakeup(thread.id(), target.as_u32());
        enqueue(thread.clone(), target);
    }
}

/// Gives the CPU to another runnable thread, if any.
pub fn yield_now() {
    arch::cpu::without_interrupts(schedule);
}

/// Pins the calling thread to `cpu` and moves it there (it resumes on that
/// CPU).
pub fn move_current_to(target: CpuId) {
    arch::cpu::without_interrupts(|| {
        let thread = current_thread();
        thread.set_pinned_cpu(Some(target));
        if target.as_u32() != percpu::cpu_id() {
            // Blocked-then-woken, so the wake-up places it on its pinned CPU.
            thread.mark_blocked();
            wake_up(&thread);
            drop(thread);
            schedule();
        }
    });
}

/// Ends the calling thread with `code` (what `join` returns).
pub fn exit(code: u64) -> ! {
    arch::cpu::disable_interrupts();
    let thread = current_thread();
    thread.set_exit_code(code);
    thread.set_state(ThreadState::Exited);
    thread.exit_waiters.wake_all();
    drop(thread);
    schedule();
    unreachable!("an exited thread was scheduled again");
}
