//! A thread's life: spawn (on the least loaded CPU or pinned), its first
//! code, yield, exit, and join (moving between CPUs: `affinity.rs`).

use super::placement::{enqueue, least_loaded_cpu};
use super::current::current_thread;
use super::switch::{finish_switch, schedule};
use crate::cpu::CpuId;
use crate::cpu_set::CpuSet;
use crate::memory::address_space::AddressSpace;
use crate::memory::kernel_stacks::{self, StackKind, StackOwner};
use crate::sync::IrqGuard;
use crate::thread::{Thread, ThreadEntry, ThreadState, UserStart};
use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;

/// Kernel stack of every thread.
pub const THREAD_STACK_BYTES: u64 = 32 * 1024;

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

/// A kernel closure as a thread entry (it goes nowhere afterwards).
fn kernel_entry(entry: impl FnOnce() + Send + 'static) -> ThreadEntry {
    Box::new(move || {
        entry();
        None
    })
}

/// Starts `entry` on a new kernel thread, on the least loaded CPU.
pub fn spawn(name: impl Into<String>, entry: impl FnOnce() + Send + 'static) -> Result<JoinHandle, SpawnError> {
    spawn_on(name.into(), CpuSet::full(), kernel_entry(entry))
}

/// Starts a thread that runs `prepare` in the kernel and then enters ring
/// 3 where it says (with a fresh id; `spawn_user_as` for a chosen one).
pub fn spawn_user(name: impl Into<String>, prepare: impl FnOnce() -> Option<UserStart> + Send + 'static) -> Result<JoinHandle, SpawnError> {
    spawn_on(name.into(), CpuSet::full(), Box::new(prepare))
}

/// Starts `entry` on a new kernel thread that only ever runs on `cpu`.
pub fn spawn_pinned(
    cpu: CpuId,
    name: impl Into<String>,
    entry: impl FnOnce() + Send + 'static,
) -> Result<JoinHandle, SpawnError> {
    spawn_on(name.into(), CpuSet::single(cpu.index()), kernel_entry(entry))
}

/// Starts a user thread (as `spawn_user`) with the id kept for PID 1
/// (`thread::INIT_THREAD_ID`); `None` if that id was given out already.
pub fn spawn_init(name: impl Into<String>, prepare: impl FnOnce() -> Option<UserStart> + Send + 'static) -> Option<Result<JoinHandle, SpawnError>> {
    static INIT_ID_TAKEN: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);
    if INIT_ID_TAKEN.swap(true, core::sync::atomic::Ordering::Relaxed) {
        return None;
    }
    Some(spawn_with_id(name.into(), CpuSet::full(), Box::new(prepare), crate::thread::INIT_THREAD_ID))
}

fn spawn_on(name: String, allowed: CpuSet, entry: ThreadEntry) -> Result<JoinHandle, SpawnError> {
    spawn_with_id(name, allowed, entry, crate::thread::allocate_id())
}

/// Starts a user thread (as `spawn_user`) with the id `id`, which the
/// caller got from `thread::allocate_id` (a new process needs its pid
/// before its first thread runs). It inherits the calling thread's
/// allowed CPUs (`fork` and `clone`, as on Linux).
pub fn spawn_user_as(id: u32, name: impl Into<String>, prepare: impl FnOnce() -> Option<UserStart> + Send + 'static) -> Result<JoinHandle, SpawnError> {
    let allowed = current_thread().allowed_cpus();
    spawn_with_id(name.into(), allowed, Box::new(prepare), id)
}

fn spawn_with_id(name: String, allowed: CpuSet, entry: ThreadEntry, id: u32) -> Result<JoinHandle, SpawnError> {
    let stack = kernel_stacks::allocate(THREAD_STACK_BYTES, StackOwner { kind: StackKind::Thread, id })
        .map_err(SpawnError::NoStack)?;
    // SAFETY: the stack was just allocated for this thread alone.
    let initial_rsp = unsafe { arch::context_switch::prepare_new_stack(stack.top(), thread_entry, 0) };
    let thread = Arc::new(Thread::new(name, stack, initial_rsp, allowed, entry, id));
    crate::thread::registry::register(&thread);
    enqueue(thread.clone(), least_loaded_cpu(&allowed));
    Ok(JoinHandle { thread })
}

/// First Rust code of every new thread (called by `arch_thread_start` on its
/// own stack, interrupts off).
pub(super) extern "C" fn thread_entry(_unused: u64) -> ! {
    // SAFETY: first code of a thread `schedule` switched to, interrupts off.
    let guard = unsafe { IrqGuard::adopt_from_switch() };
    finish_switch(&guard);
    drop(guard);
    arch::cpu::enable_interrupts();
    let thread = super::current::current_thread();
    let entry = thread.entry.lock().take();
    drop(thread);
    // The closure's box is freed when it returns, before ring 3.
    let start = entry.and_then(|entry| entry());
    match start {
        // SAFETY: the space maps what the frame points at (the contract of
        // whoever built the `UserStart`).
        Some(start) => unsafe { enter_user(start) },
        None => exit(0),
    }
}

/// Gives the CPU to another runnable thread, if any.
pub fn yield_now() {
    arch::cpu::without_interrupts(schedule);
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

/// Moves the calling thread onto `space` (`None`: the kernel's own page
/// tables), for good: this CPU loads it now, and every CPU that runs the
/// thread from now on loads it. For threads that work on a process's
/// memory from the kernel side, `execve`, and a process's last thread
/// before its memory goes.
pub fn switch_address_space(space: Option<Arc<AddressSpace>>) {
    arch::cpu::without_interrupts(|| {
        let guard = IrqGuard::new();
        let thread = current_thread();
        let previous = thread.set_address_space(space.clone());
        super::switch::activate(&crate::cpu::this_cpu(&guard), space);
        drop(thread);
        drop(guard);
        // Dropped after this CPU left it (it may be the last reference).
        drop(previous);
    });
}

/// Turns the calling thread into a user thread of `start.space` with the
/// registers `start.state` and `start.frame`, and leaves for ring 3 for
/// good. Every heap value it owned is moved into the thread first.
///
/// # Safety
/// The space must map what the frame points at as the program expects.
unsafe fn enter_user(start: UserStart) -> ! {
    let UserStart { space, state, frame } = start;
    switch_address_space(Some(space));
    arch::cpu::disable_interrupts();
    let thread = current_thread();
    let state = thread.set_user_state(state);
    // SAFETY: interrupts are off, on the CPU running this thread; from now
    // on every switch saves and restores it.
    unsafe { state.load_into_cpu() };
    drop(thread);
    // SAFETY: interrupts are off; the caller's contract for the frame; the
    // PCR and TSS hold this thread's stack top.
    unsafe { arch::syscall::return_to_user(&frame) }
}
