//! Stopping and continuing processes (the default actions of SIGSTOP,
//! SIGTSTP, SIGTTIN, SIGTTOU and SIGCONT). A stopped process's threads
//! wait on their way back to ring 3 until SIGCONT (or SIGKILL) arrives;
//! the parent learns of both through SIGCHLD and `wait4` with `WUNTRACED`
//! or `WCONTINUED`.

use super::signal::{self, SignalInfo, SIGCHLD, SIGCONT};
use super::{Process, UserThread};
use core::sync::atomic::Ordering;

/// `si_code`s of SIGCHLD for a stop and a continue.
const CLD_STOPPED: i32 = 5;
const CLD_CONTINUED: i32 = 6;

/// Whether `signal` stops a process by default.
pub fn stops_by_default(signal: u64) -> bool {
    matches!(signal, signal::SIGSTOP | signal::SIGTSTP | signal::SIGTTIN | signal::SIGTTOU)
}

fn tell_parent(process: &Process, code: i32) {
    if let Some(parent) = process.parent.lock().upgrade() {
        let info = SignalInfo { signal: SIGCHLD, code, address: 0, sender_pid: process.pid() };
        signal::send_to_process(&parent, info);
        parent.child_exited.wake_all();
    }
}

/// The default action "stop" for `signal`: the process stops (every
/// thread parks at its next return to ring 3) and the parent is told.
pub fn stop(process: &Process, signal: u64) {
    if process.stopped.swap(true, Ordering::AcqRel) {
        return;
    }
    // For wait4(WUNTRACED): 0x7f in the low byte, the signal above.
    process.stop_report.store(0x7f | ((signal as u32) << 8), Ordering::Release);
    signal::interrupt_all(process);
    tell_parent(process, CLD_STOPPED);
}

/// SIGCONT's effect, at the moment it is sent (even if blocked or
/// ignored): a stopped process runs again and the parent is told.
pub fn continue_process(process: &Process) {
    if !process.stopped.swap(false, Ordering::AcqRel) {
        return;
    }
    process.continue_report.store(true, Ordering::Release);
    process.continued.wake_all();
    tell_parent(process, CLD_CONTINUED);
}

/// Parks the calling thread while its process is stopped, until SIGCONT
/// clears `stopped` or SIGKILL is pending (both senders wake `continued`).
/// Other signals stay pending until then, as on Linux.
pub fn wait_while_stopped(user: &UserThread) {
    let process = &user.process;
    process.continued.wait_until(|| !process.stopped.load(Ordering::Acquire) || signal::kill_pending(user));
}

/// Marks for `wait4` that `process` was continued.
pub fn take_continue_report(process: &Process) -> bool {
    process.continue_report.swap(false, Ordering::AcqRel)
}

/// The stop report for `wait4(WUNTRACED)`, taken once.
pub fn take_stop_report(process: &Process) -> Option<u32> {
    match process.stop_report.swap(0, Ordering::AcqRel) {
        0 => None,
        report => Some(report),
    }
}

/// Whether `signal` is SIGCONT.
pub fn is_continue(signal: u64) -> bool {
    signal == SIGCONT
}
