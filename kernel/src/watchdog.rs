//! The soft-lockup watchdog, in the spirit of Linux's softlockup detector:
//! every CPU checks itself in its own timer tick. A tick that finds the
//! CPU in user mode or idle is progress; so is every pass through
//! `schedule()` (`sched::switch` notes it in the CPU's `ProgressClock`).
//! A CPU whose ticks keep finding the same kernel code running, with no
//! progress for `watchdog_thresh=` seconds (default 5, 0: off), is stuck
//! with interrupts on (preemption off, or a loop that never yields): the
//! tick prints one report per episode, with the CPU, the thread, how long
//! and the backtrace of the interrupted code:
//!
//! ```text
//! watchdog: soft lockup: cpu 3 stuck for 2.00 s (200 ticks; 2.01 s by the TSC) in thread 7 (lockup-spinner)
//! @@BT-BEGIN cpu=3 reason=soft-lockup thread=7 name=lockup-spinner
//! @@BT cpu=3 #0 pc=ffffffff80123456
//! ...
//! ```
//!
//! Why in the CPU's own tick (not a watchdog thread on each CPU whose
//! runs are timed, Linux's other half): the tick is there on every busy
//! CPU anyway, the check is two loads and a compare, and the interrupted
//! frame is at hand for the backtrace. A CPU with interrupts off takes
//! no ticks, so a hard lockup is not seen (that needs an NMI watchdog).
//! TEAM_NOTES/soft-lockup-watchdog.md.

use crate::cpu;
use crate::sync::IrqGuard;
use crate::timer::{self, TICK_HZ};
use arch::interrupt_frame::InterruptFrame;
use core::sync::atomic::{AtomicU64, Ordering};

/// The start of every report line (`protocol::serial::SOFT_LOCKUP`).
const REPORT: &str = protocol::serial::SOFT_LOCKUP;

/// Ticks without progress before a report (0: off).
static THRESHOLD_TICKS: AtomicU64 = AtomicU64::new(0);
/// Reports printed since boot, on all CPUs.
static REPORTS: AtomicU64 = AtomicU64::new(0);

/// Starts the watchdog with a threshold of `seconds` (0: off) and says so
/// on the console. Once, on the BSP, before the timer ticks.
pub fn init(seconds: u32) {
    THRESHOLD_TICKS.store(u64::from(seconds) * u64::from(TICK_HZ), Ordering::Relaxed);
    timer::register_lockup_check(check_this_cpu);
    if seconds == 0 {
        kprintln!("watchdog: soft-lockup detection off (watchdog_thresh=0)");
    } else {
        kprintln!("watchdog: a CPU that does not schedule for {seconds} s with interrupts on is reported (watchdog_thresh=)");
    }
}

/// The threshold in seconds (0: off).
pub fn threshold_seconds() -> u64 {
    THRESHOLD_TICKS.load(Ordering::Relaxed) / u64::from(TICK_HZ)
}

/// Soft lockups reported since boot.
pub fn reports() -> u64 {
    REPORTS.load(Ordering::Acquire)
}

/// The tick's check (interrupt context, on the ticking CPU).
fn check_this_cpu(frame: &InterruptFrame) {
    if crate::panic::in_progress() {
        return;
    }
    let guard = IrqGuard::new();
    let Some(this) = cpu::try_this_cpu(&guard) else {
        return;
    };
    if frame.from_user_mode() || this.run_queue.is_idle() {
        this.note_progress();
        return;
    }
    let tick = this.pcr().timer_ticks.load(Ordering::Relaxed);
    let Some(stall) = this
        .progress
        .check(tick, THRESHOLD_TICKS.load(Ordering::Relaxed))
    else {
        return;
    };
    // SAFETY: this CPU's own run queue, interrupts off (the guard).
    let (thread, name) = unsafe {
        this.run_queue.with_current(|thread| {
            (
                thread.id(),
                protocol::trace_line::ThreadName::new(thread.name().as_bytes()),
            )
        })
    };
    let tsc_micros = timer::tsc_delta_micros(stall.since_tsc, arch::tsc::read());
    let hundredths = stall.ticks * 100 / u64::from(TICK_HZ);
    kprintln!(
        "{REPORT}: cpu {} stuck for {}.{:02} s ({} ticks; {}.{:02} s by the TSC) in thread {thread} ({name})",
        this.id(),
        hundredths / 100,
        hundredths % 100,
        stall.ticks,
        tsc_micros / 1_000_000,
        tsc_micros / 10_000 % 100
    );
    crate::backtrace::print_interrupted("soft-lockup", frame, crate::console::print);
    REPORTS.fetch_add(1, Ordering::Release);
}
