//! The scheduler: kernel threads on per-CPU run queues, preempted by the
//! LAPIC timer, balanced by placement and work stealing. See
//! TEAM_NOTES/scheduler.md.
//!
//! API: `spawn` / `spawn_pinned` -> `JoinHandle::join`, `exit`, `yield_now`,
//! `sleep_micros`, `current_thread`, `wake_up`, `move_current_to`.

mod cpu_scheduler;
mod sleep;
mod switch;
mod thread;

pub use cpu_scheduler::{of_cpu, CpuScheduler};
pub use sleep::sleep_micros;
pub use switch::{on_tick, schedule};
pub use thread::{Thread, ThreadState};

use crate::memory::kernel_stacks::{self, StackKind, StackOwner};
use crate::vectors;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;
use core::sync::atomic::Ordering;

/// Kernel stack of every thread.
pub const THREAD_STACK_BYTES: u64 = 32 * 1024;

/// Registers the scheduler's interrupt plumbing (once, on the BSP).
pub fn init() {
    arch::idt::register_handler(vectors::RESCHEDULE, |_frame| {
        crate::trace::ipi_receive(vectors::RESCHEDULE);
        if let Some(cpu) = cpu_scheduler::of(percpu::current()) {
            cpu.need_resched.store(true, Ordering::Relaxed);
        }
        arch::lapic::end_of_interrupt();
    });
    arch::idt::register_return_hook(switch::preempt_on_interrupt_return);
}

/// Makes the calling CPU schedulable; its current context becomes its idle
/// thread. Call once per CPU, interrupts off.
pub fn init_this_cpu() {
    CpuScheduler::install_on_this_cpu();
}

/// The idle loop: run whatever is runnable, else stop the tick (when no
/// sleeper needs it) and halt until an interrupt. `sti; hlt` is atomic, so a
/// wake-up IPI cannot be missed; whoever queues work for an idle CPU, or
/// queues stealable work while a CPU idles, sends it a reschedule IPI.
pub fn run_idle_loop() -> ! {
    loop {
        arch::cpu::disable_interrupts();
        schedule();
        cpu_scheduler::this_cpu().stop_tick_if_nothing_to_time();
        arch::cpu::enable_interrupts_and_halt();
    }
}

/// The running thread.
pub fn current_thread() -> Arc<Thread> {
    arch::cpu::without_interrupts(|| cpu_scheduler::this_cpu().current())
}

/// Calls `f` with the running thread, read straight from the PCR: no lock
/// and no reference count, so fault handlers may use it. `None` before the
/// scheduler runs on this CPU.
pub fn with_current_thread<R>(f: impl FnOnce(&Thread) -> R) -> Option<R> {
    let pointer = percpu::current().current_thread.load(Ordering::Acquire) as *const Thread;
    // SAFETY: the PCR's current_thread points at the Thread the per-CPU
    // scheduler keeps alive while it runs here, and we are running it.
    (!pointer.is_null()).then(|| f(unsafe { &*pointer }))
}

/// The running thread's id (0 before the scheduler runs on this CPU).
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
    NoSuchCpu(u32),
}

impl core::fmt::Display for SpawnError {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SpawnError::NoStack(error) => write!(formatter, "no kernel stack for the thread: {error:?}"),
            SpawnError::NoSuchCpu(cpu) => write!(formatter, "cpu {cpu} is not online"),
        }
    }
}

/// Starts `entry` on a new kernel thread, on the least loaded CPU.
pub fn spawn(name: impl Into<String>, entry: impl FnOnce() + Send + 'static) -> Result<JoinHandle, SpawnError> {
    spawn_on(name.into(), None, Box::new(entry))
}

/// Starts `entry` on a new kernel thread that only ever runs on `cpu`.
pub fn spawn_pinned(
    cpu: u32,
    name: impl Into<String>,
    entry: impl FnOnce() + Send + 'static,
) -> Result<JoinHandle, SpawnError> {
    if crate::cpus::pcr(cpu).is_none() {
        return Err(SpawnError::NoSuchCpu(cpu));
    }
    spawn_on(name.into(), Some(cpu), Box::new(entry))
}

fn spawn_on(name: String, pinned: Option<u32>, entry: Box<dyn FnOnce() + Send>) -> Result<JoinHandle, SpawnError> {
    let id = thread::allocate_id();
    let stack = kernel_stacks::allocate(THREAD_STACK_BYTES, StackOwner { kind: StackKind::Thread, id })
        .map_err(SpawnError::NoStack)?;
    // SAFETY: the stack was just allocated for this thread alone.
    let initial_rsp = unsafe { arch::context_switch::prepare_new_stack(stack.top(), switch::thread_entry, 0) };
    let thread = Arc::new(Thread::new(name, stack, initial_rsp, pinned, entry, id));
    enqueue(thread.clone(), pinned.unwrap_or_else(least_loaded_cpu));
    Ok(JoinHandle { thread })
}

/// The online CPU with the fewest runnable threads.
fn least_loaded_cpu() -> u32 {
    crate::cpus::online()
        .filter_map(|pcr| cpu_scheduler::of(pcr).map(|cpu| (cpu.load(), pcr.cpu_id)))
        .min()
        .map_or(0, |(_, cpu)| cpu)
}

/// Where a woken thread should run: its pinned CPU; else the CPU it last
/// ran on if that one is idle; else any idle CPU; else its last CPU.
fn wake_target(thread: &Thread) -> u32 {
    if let Some(cpu) = thread.pinned_cpu() {
        return cpu;
    }
    let last = thread.last_cpu();
    if of_cpu(last).is_some_and(|cpu| cpu.is_idle()) {
        return last;
    }
    crate::cpus::online()
        .filter_map(cpu_scheduler::of)
        .find(|cpu| cpu.is_idle() && cpu.queued.load(Ordering::Relaxed) == 0)
        .map_or(last, |cpu| cpu.cpu_id)
}

/// Puts a runnable thread on `cpu`'s queue and makes sure someone runs it:
/// an idle target is told directly; a busy target's queued thread is
/// offered to an idle CPU (which steals it), since idle CPUs stop their
/// tick and would not look on their own.
fn enqueue(thread: Arc<Thread>, cpu_id: u32) {
    let Some(cpu) = of_cpu(cpu_id) else {
        panic!("enqueue on cpu {cpu_id}, which has no scheduler");
    };
    let stealable = thread.pinned_cpu().is_none();
    cpu.enqueue(thread);
    // Store (queue) then load (is it idle?), against the idle CPU's store
    // (current = idle) then load (queue empty?) in
    // `stop_tick_if_nothing_to_time`: without a full fence on both sides each
    // could miss the other's store, and the work would sit on a halted CPU.
    core::sync::atomic::fence(Ordering::SeqCst);
    let me = percpu::cpu_id();
    if cpu.is_idle() {
        if cpu_id == me {
            cpu.need_resched.store(true, Ordering::Relaxed);
        } else {
            crate::ipi::send_reschedule(cpu_id);
        }
    } else if stealable {
        let idle_helper = crate::cpus::online()
            .filter(|pcr| pcr.cpu_id != cpu_id && pcr.cpu_id != me)
            .filter_map(cpu_scheduler::of)
            .find(|other| other.is_idle() && other.queued.load(Ordering::Relaxed) == 0);
        if let Some(helper) = idle_helper {
            crate::ipi::send_reschedule(helper.cpu_id);
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
        crate::trace::wakeup(thread.id(), target);
        enqueue(thread.clone(), target);
    }
}

/// Gives the CPU to another runnable thread, if any.
pub fn yield_now() {
    arch::cpu::without_interrupts(schedule);
}

/// Pins the calling thread to `cpu` and moves it there (it resumes on that
/// CPU). Returns false if the CPU is not online.
pub fn move_current_to(cpu_id: u32) -> bool {
    if of_cpu(cpu_id).is_none() {
        return false;
    }
    arch::cpu::without_interrupts(|| {
        let thread = current_thread();
        thread.set_pinned_cpu(Some(cpu_id));
        if cpu_id != percpu::cpu_id() {
            // Blocked-then-woken, so the wake-up places it on its pinned CPU.
            thread.mark_blocked();
            wake_up(&thread);
            drop(thread);
            schedule();
        }
    });
    true
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
