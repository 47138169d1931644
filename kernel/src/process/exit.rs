//! Threads and processes ending: `exit` (one thread), `exit_group` and
//! fatal signals (the whole process: every thread leaves at its next return
//! to user mode), and what the last thread does (memory freed, files
//! closed, children handed to init, a zombie left for the parent's
//! `wait4`). The end of PID 1 ends the machine, with a console line and a
//! QEMU exit status `cargo xtask run` maps to 0 (status 0) or 1.

use super::{current, find, Process, UserThread, INIT_PID};
use alloc::sync::Arc;
use arch::interrupt_frame::InterruptFrame;
use core::sync::atomic::Ordering;
use protocol::GuestExit;

/// Status of a process whose first thread could not enter ring 3.
pub const EXIT_STATUS_CANNOT_RUN: u64 = 127;

/// `wait4`'s encoding of a normal exit.
fn exited_status(code: u64) -> u32 {
    ((code & 0xff) as u32) << 8
}

/// `wait4`'s encoding of death by a signal.
fn killed_status(signal: u64) -> u32 {
    (signal & 0x7f) as u32
}

/// Ends the calling thread (`exit`); the process ends with `code` when it
/// was the last thread.
pub fn exit_current(code: u64) -> ! {
    match current() {
        Some(user) => {
            user.process.exit_status.compare_exchange(0, exited_status(code), Ordering::AcqRel, Ordering::Acquire).ok();
            exit_thread(user, code & 0xff)
        }
        None => crate::sched::exit(code & 0xff),
    }
}

/// Ends the calling thread's whole process with `code` (`exit_group`).
pub fn exit_group(code: u64) -> ! {
    let Some(user) = current() else { crate::sched::exit(code & 0xff) };
    begin_exit(&user.process, exited_status(code));
    exit_thread(user, code & 0xff)
}

/// Ends the calling thread's process as killed by `signal`.
pub fn kill_current(signal: u64) -> ! {
    let Some(user) = current() else { crate::sched::exit(128 + signal) };
    begin_exit(&user.process, killed_status(signal));
    exit_thread(user, 128 + signal)
}

/// Marks the process as ending with `status` (the first reason wins).
fn begin_exit(process: &Process, status: u32) {
    if !process.exiting.swap(true, Ordering::AcqRel) {
        process.exit_status.store(status, Ordering::Release);
        // Threads blocked in the kernel leave their waits and see it.
        super::signal::interrupt_all(process);
    }
}

/// Run before every return to ring 3 (system calls and interrupts): a
/// thread of an exiting process leaves instead; pending signals are
/// delivered.
pub fn return_to_user_work(frame: &mut InterruptFrame) {
    // Fast path: exiting and signals both raise the thread's flag.
    if !crate::sched::with_current_thread_preempt_off(|thread| thread.signal_pending()).unwrap_or(false) {
        return;
    }
    let Some(user) = current() else { return };
    if user.process.exiting.load(Ordering::Acquire) {
        arch::cpu::enable_interrupts();
        exit_thread(user, 0)
    }
    let mut fatal = super::signal::deliver_pending(&user, frame);
    if fatal.is_none() && user.process.stopped.load(Ordering::Acquire) {
        arch::cpu::enable_interrupts();
        super::signal::wait_while_stopped(&user);
        // What arrived meanwhile (SIGKILL, a handler for SIGCONT).
        fatal = super::signal::deliver_pending(&user, frame);
        arch::cpu::disable_interrupts();
    }
    if let Some(signal) = fatal {
        // Nothing of ours may stay on this stack: the kill does not return.
        drop(user);
        arch::cpu::enable_interrupts();
        kill_current(signal)
    }
}

/// The calling thread goes: its `clear_child_tid` word is zeroed and
/// woken (it is off its user stack by now), and the last thread of the
/// process finishes it.
fn exit_thread(user: Arc<UserThread>, thread_code: u64) -> ! {
    crate::flight_recorder::exit(crate::sched::current_thread_id(), thread_code);
    let clear = user.clear_child_tid.swap(0, Ordering::AcqRel);
    if clear != 0 && crate::uaccess::write_value(clear, &0u32).is_ok() {
        super::futex::wake_address(&user.process, clear, 1);
    }
    let process = user.process.clone();
    drop(user);
    crate::sched::with_current_thread(|thread| process.cpu_time.add(&thread.cpu_time));
    if process.live_threads.fetch_sub(1, Ordering::AcqRel) == 1 {
        finish_process(&process);
    }
    drop(process);
    crate::sched::exit(thread_code)
}

/// Told when a session leader ends (the terminal releases the session's
/// controlling terminal and hangs up its foreground group).
static SESSION_LEADER_EXIT: arch::hook::Hook<fn(u32)> = arch::hook::Hook::new();

/// Registers the session-leader-exit observer (the terminal, once).
pub fn on_session_leader_exit(observer: fn(u32)) {
    SESSION_LEADER_EXIT.set(observer);
}

/// The last thread of `process` is leaving.
fn finish_process(process: &Arc<Process>) {
    let status = process.exit_status.load(Ordering::Acquire);
    if process.pid == INIT_PID {
        init_ended(status);
    }
    // Off the process's page tables before they can be freed.
    crate::sched::switch_address_space(None);
    let memory = process.memory.lock().take();
    drop(memory);
    let files = core::mem::take(&mut *process.files.lock());
    drop(files);
    hand_children_to_init(process);
    process.zombie.store(true, Ordering::Release);
    if process.session.load(Ordering::Relaxed) == process.pid {
        if let Some(session_ended) = SESSION_LEADER_EXIT.get() {
            session_ended(process.pid);
        }
    }
    process.release_vfork_parent();
    if let Some(parent) = process.parent.lock().upgrade() {
        let info = super::signal::SignalInfo { signal: super::signal::SIGCHLD, code: 1, address: 0, sender_pid: process.pid };
        super::signal::send_to_process(&parent, info);
        parent.child_exited.wake_all();
    }
}

/// Orphans become init's children (init reaps them).
fn hand_children_to_init(process: &Arc<Process>) {
    let orphans = core::mem::take(&mut *process.children.lock());
    if orphans.is_empty() {
        return;
    }
    let Some(init) = find(INIT_PID) else { return };
    for orphan in &orphans {
        *orphan.parent.lock() = Arc::downgrade(&init);
    }
    init.children.lock().extend(orphans);
    init.child_exited.wake_all();
}

/// PID 1 is gone: say so and power off (a clean power-off when it exited
/// with 0, a failure otherwise).
fn init_ended(status: u32) -> ! {
    let (how, success) = if status & 0x7f == 0 {
        let code = (status >> 8) & 0xff;
        (alloc::format!("exited with status {code}"), code == 0)
    } else {
        (alloc::format!("was killed by signal {}", status & 0x7f), false)
    };
    crate::kprintln!("init: PID 1 {how}; powering off");
    arch::qemu_exit::exit_qemu(if success { GuestExit::PowerOff } else { GuestExit::Fail })
}

/// `reboot(LINUX_REBOOT_CMD_POWER_OFF)` and friends: the machine stops,
/// cleanly (`GuestExit::PowerOff`, QEMU exit status 0) when `wait_status`
/// (what init reports of its program) is 0, as a failure otherwise.
pub fn power_off(wait_status: u32) -> ! {
    crate::kprintln!(
        "reboot: power off requested by process {} (reported status {:#x})",
        current().map_or(0, |user| user.process.pid()),
        wait_status
    );
    arch::qemu_exit::exit_qemu(if wait_status == 0 { GuestExit::PowerOff } else { GuestExit::Fail })
}
