//! The stopped/continued state of a process (the default actions of
//! SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU and SIGCONT) and the reports
//! `wait4` takes with `WUNTRACED` and `WCONTINUED`. A stopped process's
//! threads wait on their way back to ring 3 until it continues. Only the
//! state lives here; telling the parent (SIGCHLD) and parking threads is
//! `signal`'s part.

use super::Process;
use core::sync::atomic::Ordering;

/// Marks `process` stopped by `signal`; false if it was stopped already.
pub fn mark_stopped(process: &Process, signal: u64) -> bool {
    if process.stopped.swap(true, Ordering::AcqRel) {
        return false;
    }
    // For wait4(WUNTRACED): 0x7f in the low byte, the signal above.
    process.stop_report.store(0x7f | ((signal as u32) << 8), Ordering::Release);
    true
}

/// Marks `process` running again and wakes its parked threads; false if
/// it was not stopped.
pub fn mark_continued(process: &Process) -> bool {
    if !process.stopped.swap(false, Ordering::AcqRel) {
        return false;
    }
    process.continue_report.store(true, Ordering::Release);
    process.continued.wake_all();
    true
}

/// Whether `process` is stopped.
pub fn is_stopped(process: &Process) -> bool {
    process.stopped.load(Ordering::Acquire)
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
