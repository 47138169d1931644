//! The soft-lockup watchdog's per-CPU clock: when this CPU last showed
//! progress, counted in its own timer ticks, and whether the current
//! episode was reported. A field of each CPU's block (`cpu::PerCpu`);
//! the watchdog (`watchdog.rs`) checks it in the CPU's own tick.
//!
//! Progress is: passing through `schedule()`, running the idle thread, or
//! a tick that finds the CPU in user mode. Time is counted in the CPU's
//! timer ticks rather than TSC time, so a vCPU the host did not run for a
//! while (two host cores for 16 vCPUs under TCG) does not look stuck: its
//! missed ticks are not delivered one by one, so they do not add up.
//! TEAM_NOTES/soft-lockup-watchdog.md.

use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// See the module doc. Written only by its CPU; read by anyone.
pub struct ProgressClock {
    /// The CPU's tick count when it last showed progress.
    last_progress_tick: AtomicU64,
    /// The TSC then (the report gives the stall in seconds too).
    last_progress_tsc: AtomicU64,
    /// This episode (since the last progress) was reported.
    reported: AtomicBool,
}

/// A stall the watchdog reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stall {
    /// Ticks since the last progress.
    pub ticks: u64,
    /// The TSC at the last progress.
    pub since_tsc: u64,
}

impl Default for ProgressClock {
    fn default() -> Self {
        Self::new()
    }
}

impl ProgressClock {
    pub const fn new() -> Self {
        Self {
            last_progress_tick: AtomicU64::new(0),
            last_progress_tsc: AtomicU64::new(0),
            reported: AtomicBool::new(false),
        }
    }

    /// Progress at tick count `tick`, TSC `tsc`: a new episode may start.
    pub fn note_progress(&self, tick: u64, tsc: u64) {
        self.last_progress_tick.store(tick, Ordering::Relaxed);
        self.last_progress_tsc.store(tsc, Ordering::Relaxed);
        self.reported.store(false, Ordering::Relaxed);
    }

    /// A tick (count `tick`) that found no progress: the stall, once
    /// `threshold_ticks` passed since the last progress and only the first
    /// time in an episode; `None` otherwise (and always with a threshold
    /// of 0: the watchdog is off).
    pub fn check(&self, tick: u64, threshold_ticks: u64) -> Option<Stall> {
        let ticks = tick.saturating_sub(self.last_progress_tick.load(Ordering::Relaxed));
        if threshold_ticks == 0
            || ticks < threshold_ticks
            || self.reported.swap(true, Ordering::Relaxed)
        {
            return None;
        }
        Some(Stall {
            ticks,
            since_tsc: self.last_progress_tsc.load(Ordering::Relaxed),
        })
    }

    /// Whether the current episode was reported (for SysRq's thread list).
    pub fn is_reported(&self) -> bool {
        self.reported.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stall_is_reported_once_after_the_threshold() {
        let clock = ProgressClock::new();
        clock.note_progress(100, 5000);
        assert_eq!(clock.check(150, 100), None);
        assert_eq!(clock.check(199, 100), None);
        assert_eq!(
            clock.check(200, 100),
            Some(Stall {
                ticks: 100,
                since_tsc: 5000
            })
        );
        assert!(clock.is_reported());
        assert_eq!(clock.check(400, 100), None, "one report per episode");
    }

    #[test]
    fn progress_starts_a_new_episode() {
        let clock = ProgressClock::new();
        assert!(clock.check(100, 100).is_some());
        clock.note_progress(120, 0);
        assert!(!clock.is_reported());
        assert_eq!(clock.check(219, 100), None);
        assert_eq!(clock.check(220, 100).map(|stall| stall.ticks), Some(100));
    }

    #[test]
    fn a_zero_threshold_turns_the_watchdog_off() {
        let clock = ProgressClock::new();
        assert_eq!(clock.check(1_000_000, 0), None);
        assert!(!clock.is_reported());
    }
}
