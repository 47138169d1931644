//! Choosing the next thread and switching to it.
//!
//! Protocol (see TEAM_NOTES/scheduler.md):
//! - `schedule` runs with interrupts off and holds an `IrqGuard` across the
//!   switch, so the CPU's `preempt_count` is 1 while it switches; the thread
//!   switched to drops its own guard (or, if new, adopts the one of the
//!   thread that switched away), bringing it back to 0.
//! - A `Running` thread that is not idle goes back to the end of this CPU's
//!   queue; `Blocked`, `Sleeping` and `Exited` threads are left to whoever
//!   wakes or reaps them; a thread already made `Runnable` again by a waker
//!   is in some queue already.
//! - Before switching to `next`, wait until `next.on_cpu` is clear: the CPU
//!   that last ran it may still be saving its registers. The wait is
//!   bounded: that CPU may itself be waiting for our current thread (two
//!   threads trading CPUs), so after a while `next` goes back in the queue
//!   and this CPU runs its idle thread with a reschedule due; the idle
//!   loop does not halt while one is due, it calls `schedule` again.
//! - After the switch, the new thread calls `finish_switch`, which clears
//!   the previous thread's `on_cpu` (its context is now saved) and reaps it
//!   if it exited.

use super::placement;
use crate::thread::{RunQueue, Thread, ThreadState, TIME_SLICE_TICKS};
use crate::cpu::{self, CpuId, ThisCpu};
use crate::memory::address_space::AddressSpace;
use crate::sync::IrqGuard;
use alloc::sync::Arc;
use core::sync::atomic::Ordering;

/// Gives up the CPU to the next runnable thread (or keeps running if there
/// is none and the current thread can go on). Interrupts must be off, and
/// no guard or `SpinLock` may be held (the thread may resume elsewhere).
pub fn schedule() {
    // Checked in every build: a guard (and so a `ThisCpu` borrow) held across
    // a switch would name the wrong CPU afterwards, and a switch from an
    // interrupt handler would leave `irq_depth` raised for the next thread.
    // One `gs:` load each, against a whole context switch.
    assert!(!arch::cpu::interrupts_enabled(), "schedule() with interrupts on");
    assert!(percpu::preempt_count() == 0, "schedule() while holding a guard (a SpinLock?)");
    assert!(!percpu::in_interrupt(), "schedule() from an interrupt handler");
    let guard = IrqGuard::new();
    let Some(switch) = prepare_switch(&cpu::this_cpu(&guard)) else { return };
    // SAFETY: interrupts are off; `next` is not running anywhere (its on_cpu
    // was clear and is now ours); the previous thread's Arc is parked in the
    // scheduler's `previous`, so its RSP slot outlives the switch.
    unsafe { arch::context_switch::switch_context(switch.previous_rsp_slot, switch.next_rsp, switch.next_stack_top) };
    // Resumed, possibly on another CPU: borrow that CPU's block afresh.
    finish_switch(&guard);
}

/// What `switch_context` needs; computed while this CPU's block is borrowed,
/// used after the borrow ends (the switch may resume on another CPU).
struct Switch {
    previous_rsp_slot: *mut u64,
    next_rsp: u64,
    next_stack_top: u64,
}

/// Picks the next thread and updates the bookkeeping; `None` if the
/// current thread keeps the CPU.
fn prepare_switch(this: &ThisCpu) -> Option<Switch> {
    let cpu = &this.run_queue;
    // Passing through here is what the soft-lockup watchdog waits for.
    this.note_progress();
    // SAFETY: `this` is the running CPU's block, borrowed under the
    // IrqGuard of `schedule`, so interrupts are off (the same holds for the
    // other owner-only calls below).
    let previous = unsafe { cpu.current() };
    percpu::set_need_resched(false);
    if previous.state() == ThreadState::Running && !previous.is_idle() {
        previous.set_state(ThreadState::Runnable);
        if previous.may_run_on(cpu.cpu) {
            cpu.enqueue(previous.clone());
        } else {
            // Its affinity no longer includes this CPU: off it goes, to
            // one it may use (`affinity.rs`).
            placement::place(previous.clone());
        }
    }
    let mut next = pick_next(cpu);
    // The running thread picked again is on this CPU by definition: no
    // wait (it would always fail, and bounce it through idle).
    if !Arc::ptr_eq(&next, &previous) && !wait_until_switched_out(&next) {
        // The CPU that ran `next` is still switching away from it, and may
        // be waiting for our `previous` in the same way (two threads
        // trading CPUs, `move_current_to` on both): waiting on would
        // deadlock. Put `next` back and switch to idle for now; the flag
        // brings us back at once (the idle loop does not halt while it is
        // set: our tick may be stopped, and no IPI comes when `next` is
        // finally switched out).
        cpu.enqueue(next);
        percpu::set_need_resched(true);
        next = cpu.idle.clone();
    }
    if !Arc::ptr_eq(&next, &previous) && !next.is_idle() && !claim(&next, cpu.cpu) {
        // Its set lost this CPU after `pick_next` looked, and the setter
        // may have returned already: it must not run here, not even until
        // the next preemption point. To a CPU it may use; idle for now,
        // and the flag brings us back at once.
        placement::place(next);
        percpu::set_need_resched(true);
        next = cpu.idle.clone();
    }
    cpu.slice_ticks_left.store(TIME_SLICE_TICKS, Ordering::Relaxed);
    if Arc::ptr_eq(&next, &previous) {
        previous.set_state(ThreadState::Running);
        return None;
    }
    if !next.is_idle() {
        ensure_tick(this);
    }
    load_address_space_of(this, &next);
    next.set_last_cpu(cpu.cpu);
    // Idle's claim (a thread other than idle holds it already: `claim`).
    next.on_cpu.store(true, Ordering::Release);
    switch_user_registers(&previous, &next);
    next.set_state(ThreadState::Running);
    crate::flight_recorder::context_switch(previous.id(), next.id(), previous.state().switched_out());
    cpu.switches.fetch_add(1, Ordering::Relaxed);
    let switch = Switch {
        previous_rsp_slot: previous.saved_rsp_slot(),
        next_rsp: next.saved_rsp(),
        next_stack_top: next.stack_top(),
    };
    // SAFETY: as above.
    let displaced = unsafe { cpu.replace_current(next) };
    // SAFETY: as above.
    unsafe { cpu.set_previous(displaced) };
    Some(switch)
}

/// Claims `next` for CPU `cpu` (its `on_cpu`), then looks at its affinity
/// again; false, with the claim dropped, when the set no longer has
/// `cpu`. The claim is a locked exchange, a full barrier between it and
/// the second look, against `affinity::set_allowed_cpus`'s store of the
/// new set then load of `on_cpu`: either the setter sees the claim (and
/// `last_cpu`, stored before it) and waits for this CPU to let go, or we
/// see the new set here and never run `next`.
fn claim(next: &Thread, cpu: CpuId) -> bool {
    next.set_last_cpu(cpu);
    next.on_cpu.swap(true, Ordering::SeqCst);
    if next.may_run_on(cpu) {
        return true;
    }
    next.on_cpu.store(false, Ordering::Release);
    false
}

/// Moves the user registers the entry path does not save (FS/GS base,
/// FPU/SSE/AVX): out of the CPU for a user thread leaving it, in for one
/// arriving. Kernel threads never touch them, so a kernel thread in
/// between changes nothing.
fn switch_user_registers(previous: &Thread, next: &Thread) {
    if let Some(state) = previous.user_state() {
        // SAFETY: interrupts are off, on the CPU running `previous`, which
        // still holds its `on_cpu`.
        unsafe { state.save_from_cpu() };
    }
    if let Some(state) = next.user_state() {
        // SAFETY: interrupts are off and we hold `next.on_cpu` (its last
        // CPU saved it before releasing it).
        unsafe { state.load_into_cpu() };
    }
}

/// Spins this long at most for a thread's last CPU to finish switching
/// away from it (usually a few hundred cycles).
const SWITCHED_OUT_SPINS: u32 = 200;

/// Waits (briefly) until `next` is off the CPU that ran it last; false if
/// it is not yet. The idle thread of this CPU is never on another one.
fn wait_until_switched_out(next: &Thread) -> bool {
    for _ in 0..SWITCHED_OUT_SPINS {
        if !next.on_cpu.load(Ordering::Acquire) {
            return true;
        }
        arch::cpu::pause();
    }
    !next.on_cpu.load(Ordering::Acquire)
}

/// The next thread for this CPU: its own queue, else one stolen from the
/// busiest other CPU, else its idle thread. A queued thread whose
/// affinity lost this CPU while it waited is passed on to a CPU it may
/// use instead.
fn pick_next(cpu: &RunQueue) -> Arc<Thread> {
    while let Some(thread) = cpu.dequeue() {
        if thread.may_run_on(cpu.cpu) {
            return thread;
        }
        placement::place(thread);
    }
    steal_for(cpu).unwrap_or_else(|| cpu.idle.clone())
}

/// Work stealing: take a queued thread that may run here from the CPU
/// with the longest queue, else from any other CPU with one (the longest
/// queue may hold only threads whose sets leave this CPU out, while the
/// thread that woke this CPU waits elsewhere).
fn steal_for(cpu: &RunQueue) -> Option<Arc<Thread>> {
    let others = || {
        cpu::online()
            .filter(|other| other.id() != cpu.cpu)
            .map(|other| &other.run_queue)
            .filter(|other| other.queued.load(Ordering::Acquire) > 0)
    };
    let busiest = others().max_by_key(|other| other.queued.load(Ordering::Acquire))?;
    let (victim, thread) = core::iter::once(busiest)
        .chain(others().filter(|other| !core::ptr::eq(*other, busiest)))
        .find_map(|victim| victim.steal(cpu.cpu).map(|thread| (victim, thread)))?;
    crate::flight_recorder::migration(thread.id(), Some(victim.cpu), cpu.cpu);
    Some(thread)
}

/// Completes a switch on the thread that was switched to: the previous
/// thread's context is saved now, so other CPUs may run it; an exited one
/// gives its stack back.
pub(super) fn finish_switch(guard: &IrqGuard) {
    let this = cpu::this_cpu(guard);
    // SAFETY: the running CPU's block; callers hold an IrqGuard (or adopted
    // the switch's), so interrupts are off.
    let Some(previous) = (unsafe { this.run_queue.take_previous() }) else { return };
    previous.on_cpu.store(false, Ordering::Release);
    if previous.state() == ThreadState::Exited {
        if let Some(stack) = previous.take_stack() {
            crate::memory::kernel_stacks::release(stack);
        }
    }
}

/// Loads the address space `next` runs on, unless this CPU has it loaded
/// already: its user space's root (joining that space's active CPUs
/// first), or the kernel's own root for a kernel thread; and leaves the
/// space loaded before (after the new root is in). So no CPU keeps an
/// exited process's space loaded, and the CPU's reference keeps a loaded
/// space's page tables alive.
fn load_address_space_of(this: &ThisCpu, next: &Thread) {
    activate(this, next.address_space());
}

/// Makes `wanted` the loaded address space of this CPU (see above).
/// Owner CPU, interrupts off.
pub(super) fn activate(this: &ThisCpu, wanted: Option<Arc<AddressSpace>>) {
    let mut loaded = this.run_queue.loaded_space.lock();
    let same = match (&*loaded, &wanted) {
        (Some(loaded), Some(wanted)) => Arc::ptr_eq(loaded, wanted),
        (None, None) => true,
        _ => false,
    };
    if same {
        return;
    }
    let cpu = this.id().index();
    let root = match &wanted {
        Some(space) => {
            space.active_cpus().join(cpu);
            space.root()
        }
        None => crate::memory::paging::kernel_root(),
    };
    // SAFETY: the kernel's root, or a user space's, which the reference we
    // keep in `loaded_space` holds alive while this CPU has it loaded.
    unsafe { crate::memory::paging::load_root(root) };
    if let Some(previous) = core::mem::replace(&mut *loaded, wanted) {
        previous.active_cpus().leave(cpu);
    }
}

/// Restarts the tick if the idle thread stopped it. Owner CPU.
fn ensure_tick(this: &ThisCpu) {
    if this.run_queue.tick_stopped.swap(false, Ordering::Relaxed) {
        crate::timer::start_tick(this);
    }
}

/// Idle with nothing queued and nobody sleeping: stop the tick so an idle
/// CPU costs the host nothing. Owner CPU, interrupts off.
pub(super) fn stop_tick_if_nothing_to_time(this: &ThisCpu) {
    let cpu = &this.run_queue;
    // Pairs with the fence in `sched::enqueue` (see there).
    core::sync::atomic::fence(Ordering::SeqCst);
    if cpu.queued.load(Ordering::Acquire) == 0
        && cpu.sleepers.lock().is_empty()
        && !cpu.tick_stopped.swap(true, Ordering::Relaxed)
    {
        crate::timer::stop_tick(this);
    }
}

/// Run before an interrupt returns to code that had interrupts enabled, and
/// when the last guard drops: switch if a reschedule is due and preemption
/// is allowed.
pub(super) fn preempt_if_due() {
    if percpu::should_preempt() {
        arch::cpu::without_interrupts(schedule);
    }
}

/// The idle loop: run whatever is runnable, else stop the tick (when no
/// sleeper needs it) and halt until an interrupt. `sti; hlt` is atomic, so a
/// wake-up IPI cannot be missed; whoever queues work for an idle CPU, or
/// queues stealable work while a CPU idles, sends it a reschedule IPI. It
/// never halts with a reschedule due: that is how `schedule` asks to be
/// run again after it gave up waiting for a thread's last CPU (nobody
/// sends an IPI when that CPU finally lets the thread go).
pub fn run_idle_loop() -> ! {
    loop {
        arch::cpu::disable_interrupts();
        schedule();
        {
            let guard = IrqGuard::new();
            stop_tick_if_nothing_to_time(&cpu::this_cpu(&guard));
            guard.end_keeping_interrupts_off();
        }
        if percpu::need_resched() {
            // `schedule` gave a thread back to the queue because its last
            // CPU had not switched away from it yet. That CPU will clear
            // `on_cpu` without telling us, and our tick may be stopped:
            // halting now could leave the thread queued here for ever. Let
            // pending interrupts in (`sti` takes effect after the next
            // instruction), then look again.
            arch::cpu::enable_interrupts();
            arch::cpu::pause();
            continue;
        }
        arch::cpu::enable_interrupts_and_halt();
    }
}
