//! `test=soft_lockup` (with `watchdog_thresh=N`, N > 0): a thread on the
//! last CPU spins with preemption off and interrupts on until the
//! watchdog reports it, or gives up after a long bound. The host checks
//! the report (tests/tests/watchdog.rs): it names the thread and its
//! backtrace names [`spin_with_preemption_off`].

use alloc::string::String;

/// The spinning thread's name, which the report must carry.
const SPINNER_NAME: &str = "lockup-spinner";
/// Spin at most this many thresholds, plus [`SPIN_SLACK_MICROS`], of TSC
/// time before giving up (ticks may lag the TSC on a loaded host).
const SPIN_THRESHOLDS: u64 = 10;
const SPIN_SLACK_MICROS: u64 = 30_000_000;

pub fn run() -> Result<(), String> {
    let threshold = crate::watchdog::threshold_seconds();
    if threshold == 0 {
        return Err(String::from(
            "the watchdog is off: boot with watchdog_thresh=N, N > 0",
        ));
    }
    let before = crate::watchdog::reports();
    let limit_micros = threshold * SPIN_THRESHOLDS * 1_000_000 + SPIN_SLACK_MICROS;
    let spinner = crate::sched::spawn_pinned(super::support::last_cpu(), SPINNER_NAME, move || {
        spin_with_preemption_off(before, limit_micros)
    })
    .map_err(|error| alloc::format!("spawn: {error}"))?;
    spinner.join();
    let reported = crate::watchdog::reports() - before;
    if reported == 0 {
        return Err(alloc::format!(
            "no soft lockup was reported within {} s of spinning",
            limit_micros / 1_000_000
        ));
    }
    crate::kprintln!("soft_lockup: {reported} report(s) while {SPINNER_NAME} spun");
    Ok(())
}

/// Spins with preemption off (interrupts stay on, so the timer ticks)
/// until the watchdog has reported once more than `before`, or
/// `limit_micros` passed. Never inlined: the report's backtrace must name it.
#[inline(never)]
fn spin_with_preemption_off(before: u64, limit_micros: u64) {
    let _no_preemption = crate::sync::PreemptGuard::new();
    let deadline = crate::timer::tsc_deadline_in(limit_micros);
    while crate::watchdog::reports() == before && arch::tsc::read() < deadline {
        arch::cpu::pause();
    }
}
