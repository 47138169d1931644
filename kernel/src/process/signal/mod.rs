//! Signals: sending (to a process or one thread), and delivery before a
//! thread returns to ring 3: the default action (terminate or ignore; stop
//! and continue arrive with job control), or a handler run on a signal
//! frame (TEAM_NOTES/signal-frame.md) that `rt_sigreturn` takes apart.
//!
//! A signal sent to a thread running on another CPU reaches it at its next
//! interrupt or system call (the 100 Hz tick bounds the wait); a thread
//! blocked in the kernel sees it when it wakes (interrupting blocking calls
//! with EINTR is not built yet).

mod frame;

pub use frame::sigreturn;

use super::{current, Process, UserThread};
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use protocol::trace_event::signal_generate::{ALREADY_PENDING, DELIVERED, IGNORED};
use arch::interrupt_frame::InterruptFrame;
use core::sync::atomic::Ordering;
use protocol::linux_abi::Errno;

pub const SIGHUP: u64 = 1;
pub const SIGILL: u64 = 4;
pub const SIGTRAP: u64 = 5;
pub const SIGBUS: u64 = 7;
pub const SIGFPE: u64 = 8;
pub const SIGKILL: u64 = 9;
pub const SIGSEGV: u64 = 11;
pub const SIGPIPE: u64 = 13;
pub const SIGCHLD: u64 = 17;
pub const SIGCONT: u64 = 18;
pub const SIGSTOP: u64 = 19;
pub const SIGTSTP: u64 = 20;
pub const SIGTTIN: u64 = 21;
pub const SIGTTOU: u64 = 22;
pub const SIGURG: u64 = 23;
pub const SIGWINCH: u64 = 28;
/// Highest signal number.
pub const SIGNAL_COUNT: u64 = 64;

/// `sa_handler` values.
const SIG_DFL: u64 = 0;
const SIG_IGN: u64 = 1;
/// `sa_flags`.
const SA_ONSTACK: u64 = 0x0800_0000;
const SA_RESTORER: u64 = 0x0400_0000;
const SA_NODEFER: u64 = 0x4000_0000;
const SA_RESETHAND: u64 = 0x8000_0000;
const SA_RESTART: u64 = 0x1000_0000;
/// `si_code` values.
pub const SI_USER: i32 = 0;
pub const SI_TKILL: i32 = -6;
pub const SEGV_MAPERR: i32 = 1;
pub const SEGV_ACCERR: i32 = 2;
pub const ILL_ILLOPN: i32 = 2;
pub const FPE_INTDIV: i32 = 1;
pub const TRAP_BRKPT: i32 = 1;
pub const BUS_ADRALN: i32 = 1;
/// Sent by the kernel (a #GP, which has no address).
pub const SI_KERNEL: i32 = 0x80;

/// What travels with a pending signal (the fields of `siginfo_t` we fill).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignalInfo {
    pub signal: u64,
    pub code: i32,
    /// Faulting address (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP).
    pub address: u64,
    /// Sender (kill, tgkill).
    pub sender_pid: u32,
}

fn bit(signal: u64) -> u64 {
    1 << (signal - 1)
}

/// Signals that can be neither caught, blocked nor ignored.
pub const UNBLOCKABLE: u64 = (1 << (SIGKILL - 1)) | (1 << (SIGSTOP - 1));

/// Whether a signal's default action is to be ignored.
fn ignored_by_default(signal: u64) -> bool {
    // SIGCONT's work is done when it is sent (`job_control`).
    matches!(signal, SIGCHLD | SIGURG | SIGWINCH | SIGCONT)
}

/// `si_code`s of SIGCHLD for a stop and a continue.
const CLD_STOPPED: i32 = 5;
const CLD_CONTINUED: i32 = 6;

/// Whether `signal` stops a process by default.
fn stops_by_default(signal: u64) -> bool {
    matches!(signal, SIGSTOP | SIGTSTP | SIGTTIN | SIGTTOU)
}

/// The default action "stop" for `signal`: the process stops (every
/// thread parks at its next return to ring 3) and the parent is told.
fn stop(process: &Process, signal: u64) {
    if super::job_control::mark_stopped(process, signal) {
        interrupt_all(process);
        tell_parent(process, CLD_STOPPED);
    }
}

/// SIGCONT's effect, at the moment it is sent (even if blocked or
/// ignored): a stopped process runs again and the parent is told.
fn continue_process(process: &Process) {
    if super::job_control::mark_continued(process) {
        tell_parent(process, CLD_CONTINUED);
    }
}

/// SIGCHLD with `code` to the parent of `process`, and its `wait4` woken.
fn tell_parent(process: &Process, code: i32) {
    if let Some(parent) = process.parent.lock().upgrade() {
        send_to_process(&parent, SignalInfo { signal: SIGCHLD, code, address: 0, sender_pid: process.pid() });
        parent.child_exited.wake_all();
    }
}

/// Parks the calling thread while its process is stopped, until SIGCONT
/// or a pending SIGKILL (both senders wake `continued`). Other signals
/// stay pending until then, as on Linux.
pub fn wait_while_stopped(user: &UserThread) {
    let process = &user.process;
    process.continued.wait_until(|| !super::job_control::is_stopped(process) || kill_pending(user));
}

/// Whether SIGKILL is pending for the thread or its process.
pub fn kill_pending(user: &UserThread) -> bool {
    [&user.pending_signals, &user.process.pending_signals].iter().any(|pending| pending.lock().iter().any(|info| info.signal == SIGKILL))
}

/// Queues `info` for the whole process (any thread not blocking it takes
/// it) and interrupts the waits of the threads that could.
pub fn send_to_process(process: &Process, info: SignalInfo) {
    if info.signal == SIGCONT {
        continue_process(process);
    }
    if is_ignored(process, info.signal) && super::threads_of(process).iter().all(|thread| !blocks(thread, info.signal)) {
        crate::flight_recorder::signal_generate(info.signal, info.code, process.pid(), true, IGNORED);
        return; // discarded at once, as on Linux
    }
    let result = queue_once(&mut process.pending_signals.lock(), info);
    crate::flight_recorder::signal_generate(info.signal, info.code, process.pid(), true, result);
    for thread in super::threads_of(process) {
        interrupt_if_unblocked(&thread, info.signal);
    }
    if info.signal == SIGKILL {
        // Queued first: a stopped process's parked threads now see it.
        process.continued.wake_all();
    }
}

/// Queues `info` for one thread and interrupts its wait, if any.
pub fn send_to_thread(thread: &UserThread, info: SignalInfo) {
    if info.signal == SIGCONT {
        continue_process(&thread.process);
    }
    let id = thread.thread.get().and_then(Weak::upgrade).map_or(0, |thread| thread.id());
    if is_ignored(&thread.process, info.signal) && !blocks(thread, info.signal) {
        crate::flight_recorder::signal_generate(info.signal, info.code, id, false, IGNORED);
        return; // discarded at once, as on Linux
    }
    let result = queue_once(&mut thread.pending_signals.lock(), info);
    crate::flight_recorder::signal_generate(info.signal, info.code, id, false, result);
    interrupt_if_unblocked(thread, info.signal);
    if info.signal == SIGKILL {
        thread.process.continued.wake_all();
    }
}

/// Queues `info` unless that signal is pending already (standard signals
/// do not queue twice); the result for the trace.
fn queue_once(pending: &mut Vec<SignalInfo>, info: SignalInfo) -> u64 {
    if pending.iter().any(|queued| queued.signal == info.signal) {
        return ALREADY_PENDING;
    }
    pending.push(info);
    DELIVERED
}

/// Whether `process` ignores `signal` (SIG_IGN, or a default of ignore).
fn is_ignored(process: &Process, signal: u64) -> bool {
    if signal == SIGKILL || signal == SIGSTOP {
        return false;
    }
    match action_of(process, signal)[0] {
        SIG_IGN => true,
        SIG_DFL => ignored_by_default(signal),
        _ => false,
    }
}

/// Whether `thread` blocks `signal`.
fn blocks(thread: &UserThread, signal: u64) -> bool {
    thread.signal_mask.load(Ordering::SeqCst) & !UNBLOCKABLE & bit(signal) != 0
}

/// Makes every thread of `process` leave its blocking call (exit_group).
pub fn interrupt_all(process: &Process) {
    for thread in super::threads_of(process) {
        if let Some(scheduler_thread) = thread.thread.get().and_then(Weak::upgrade) {
            crate::sched::interrupt(&scheduler_thread);
        }
    }
}

/// A signal the thread does not block makes its blocking call give up
/// (on its own CPU or another: the wake-up reaches it there).
fn interrupt_if_unblocked(thread: &UserThread, signal: u64) {
    let blocked = thread.signal_mask.load(Ordering::SeqCst) & !UNBLOCKABLE & bit(signal) != 0;
    if blocked {
        return;
    }
    if let Some(scheduler_thread) = thread.thread.get().and_then(Weak::upgrade) {
        crate::sched::interrupt(&scheduler_thread);
    }
}

/// Recomputes the calling thread's pending-signal flag (after taking a
/// signal, or a change of its mask).
pub fn refresh_pending_flag(user: &UserThread) {
    let mask = user.signal_mask.load(Ordering::SeqCst) & !UNBLOCKABLE;
    let deliverable = [&user.pending_signals, &user.process.pending_signals]
        .iter()
        .any(|pending| pending.lock().iter().any(|info| bit(info.signal) & mask == 0));
    crate::sched::with_current_thread(|thread| thread.set_signal_pending(deliverable));
}

/// Takes the first pending signal the thread does not block: its own
/// first, then its process's.
fn take_deliverable(user: &UserThread) -> Option<SignalInfo> {
    let mask = user.signal_mask.load(Ordering::Relaxed) & !UNBLOCKABLE;
    for pending in [&user.pending_signals, &user.process.pending_signals] {
        let mut pending = pending.lock();
        if let Some(index) = pending.iter().position(|info| bit(info.signal) & mask == 0) {
            return Some(pending.remove(index));
        }
    }
    None
}

/// The action for `signal`: (handler, flags, restorer, mask).
fn action_of(process: &Process, signal: u64) -> [u64; 4] {
    process.signal_actions.lock()[(signal - 1) as usize]
}

/// Delivers every deliverable pending signal before a return to ring 3:
/// ignores, terminates, or sets `frame` up to run a handler (one handler
/// frame per return; further signals wait for the next return). A system
/// call that gave up for a signal (`ERESTARTSYS` in RAX) is restarted,
/// unless a handler without `SA_RESTART` runs: then it fails with `EINTR`.
/// Returns the signal that must end the process, if one must: the caller
/// drops its references first (the kill does not return, so anything it
/// still held would never be freed).
#[must_use]
pub fn deliver_pending(user: &Arc<UserThread>, frame: &mut InterruptFrame) -> Option<u64> {
    if let Some(fatal) = deliver(user, frame) {
        return Some(fatal);
    }
    if frame.rax == Errno::ERESTARTSYS.as_return_value() {
        restart_system_call(user, frame);
    }
    // A sigsuspend whose signal ran no handler: its mask ends now.
    let saved = user.mask_after_suspend.swap(0, Ordering::SeqCst);
    if saved & SAVED_MASK_VALID != 0 {
        user.signal_mask.store(saved & !SAVED_MASK_VALID & !UNBLOCKABLE, Ordering::SeqCst);
    }
    refresh_pending_flag(user);
    None
}

/// Makes the interrupted system call run again when the program resumes:
/// RAX back to its number, RIP back onto the `syscall` instruction.
fn restart_system_call(user: &UserThread, frame: &mut InterruptFrame) {
    const SYSCALL_INSTRUCTION_BYTES: u64 = 2;
    frame.rax = user.restart_number.load(Ordering::Relaxed);
    frame.rip -= SYSCALL_INSTRUCTION_BYTES;
}

fn deliver(user: &Arc<UserThread>, frame: &mut InterruptFrame) -> Option<u64> {
    while let Some(info) = take_deliverable(user) {
        let [handler, flags, restorer, mask] = action_of(&user.process, info.signal);
        crate::flight_recorder::signal_deliver(info.signal, handler, flags);
        if info.signal == SIGKILL || handler == SIG_DFL {
            if ignored_by_default(info.signal) {
                continue;
            }
            if stops_by_default(info.signal) {
                stop(&user.process, info.signal);
                continue;
            }
            return Some(info.signal);
        }
        if handler == SIG_IGN {
            continue;
        }
        if frame.rax == Errno::ERESTARTSYS.as_return_value() {
            if flags & SA_RESTART != 0 {
                restart_system_call(user, frame);
            } else {
                frame.rax = Errno::EINTR.as_return_value();
            }
        }
        if frame::setup(user, frame, info, handler, flags, restorer).is_err() {
            // No room or a bad stack: Linux kills with SIGSEGV.
            crate::kprintln!(
                "signal: process {} ({}): cannot write the frame for signal {}; killed with SIGSEGV",
                user.process.pid(),
                user.process.name(),
                info.signal
            );
            return Some(SIGSEGV);
        }
        let mut blocked = mask;
        if flags & SA_NODEFER == 0 {
            blocked |= bit(info.signal);
        }
        user.signal_mask.fetch_or(blocked & !UNBLOCKABLE, Ordering::Relaxed);
        if flags & SA_RESETHAND != 0 {
            user.process.signal_actions.lock()[(info.signal - 1) as usize] = [SIG_DFL, 0, 0, 0];
        }
        return None;
    }
    None
}

/// Whether `signal` would run a handler in the current thread (not
/// blocked, not ignored, not default): a fault then becomes a signal
/// instead of killing the process.
pub fn has_handler(user: &UserThread, signal: u64) -> bool {
    let blocked = user.signal_mask.load(Ordering::Relaxed) & bit(signal) != 0;
    let handler = action_of(&user.process, signal)[0];
    !blocked && handler != SIG_DFL && handler != SIG_IGN
}

/// `kill(pid, signal)`: `pid > 0` one process, 0 the caller's process
/// group, -1 every process but init and the caller, `-pgid` a group;
/// signal 0 only checks that a target exists.
pub fn kill(pid: u64, signal: u64) -> Result<u64, Errno> {
    if signal > SIGNAL_COUNT {
        return Err(Errno::EINVAL);
    }
    let sender = current().ok_or(Errno::EPERM)?;
    let sender_pid = sender.process.pid();
    // `pid` is a `pid_t` (an `int`): glibc passes -1 as 0xffff_ffff.
    let targets: alloc::vec::Vec<alloc::sync::Arc<Process>> = match i64::from(pid as u32 as i32) {
        pid if pid > 0 => {
            let target = super::find(pid as u32).ok_or(Errno::ESRCH)?;
            if target.zombie.load(Ordering::Acquire) {
                return Ok(0); // exists until reaped; the signal has no effect
            }
            alloc::vec![target]
        }
        0 => super::group_members(sender.process.group.load(Ordering::Relaxed)),
        -1 => super::all()
            .into_iter()
            .filter(|process| process.pid() != 1 && process.pid() != sender_pid && !process.zombie.load(Ordering::Acquire))
            .collect(),
        pid => {
            let group = u32::try_from(pid.unsigned_abs()).map_err(|_| Errno::ESRCH)?;
            super::group_members(group)
        }
    };
    if targets.is_empty() {
        return Err(Errno::ESRCH);
    }
    if signal != 0 {
        for target in &targets {
            send_to_process(target, SignalInfo { signal, code: SI_USER, address: 0, sender_pid });
        }
    }
    Ok(0)
}

/// Whether `user` would not act on `signal` now: its process ignores it
/// (SIG_IGN, or a default of ignore) or the thread blocks it.
pub fn ignores_or_blocks(user: &UserThread, signal: u64) -> bool {
    is_ignored(&user.process, signal) || blocks(user, signal)
}

/// `tgkill(tgid, tid, signal)` (and `tkill` with `tgid` 0).
pub fn tgkill(tgid: u64, tid: u64, signal: u64) -> Result<u64, Errno> {
    if signal > SIGNAL_COUNT {
        return Err(Errno::EINVAL);
    }
    let sender = current().ok_or(Errno::EPERM)?;
    let thread = super::find_thread(tid as u32).ok_or(Errno::ESRCH)?;
    if tgid != 0 && u64::from(thread.process.pid()) != tgid {
        return Err(Errno::ESRCH);
    }
    if signal != 0 {
        send_to_thread(&thread, SignalInfo { signal, code: SI_TKILL, address: 0, sender_pid: sender.process.pid() });
    }
    Ok(0)
}

/// `rt_sigsuspend`: waits with `mask` in force until a signal that mask
/// lets through is pending; returns EINTR. The mask from before goes into
/// the handler's frame (so `rt_sigreturn` restores it), or back at once
/// when no handler runs.
pub fn sigsuspend(mask_address: u64, set_size: u64) -> Result<u64, Errno> {
    if set_size != 8 {
        return Err(Errno::EINVAL);
    }
    let user = current().ok_or(Errno::EPERM)?;
    let mask: u64 = crate::uaccess::read_value(mask_address)?;
    let old = user.signal_mask.swap(mask & !UNBLOCKABLE, Ordering::SeqCst);
    user.mask_after_suspend.store(old | SAVED_MASK_VALID, Ordering::SeqCst);
    refresh_pending_flag(&user);
    let nothing = crate::thread::WaitQueue::new();
    let _interrupted = nothing.wait_until_interruptible(|| false);
    Err(Errno::EINTR)
}

/// Marks `UserThread::mask_after_suspend` as holding a mask.
pub const SAVED_MASK_VALID: u64 = 1 << 63;
