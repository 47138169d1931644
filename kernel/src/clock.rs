//! Time for user space: a monotonic clock from the TSC (nanoseconds since
//! the TSC was calibrated at boot) and the wall clock (the CMOS RTC read
//! once at boot, advanced by the TSC since).

use core::sync::atomic::{AtomicU64, Ordering};

static TSC_AT_BOOT: AtomicU64 = AtomicU64::new(0);
static WALL_SECONDS_AT_BOOT: AtomicU64 = AtomicU64::new(0);

/// Reads the RTC and notes the TSC at that moment (once, after the TSC
/// frequency is known). Returns the wall time in Unix seconds, or `None`
/// when the machine has no RTC (the wall clock then starts at 1970).
pub fn init() -> Option<u64> {
    let wall = arch::rtc::read().map(|time| time.unix_seconds());
    TSC_AT_BOOT.store(arch::tsc::read(), Ordering::Relaxed);
    WALL_SECONDS_AT_BOOT.store(wall.unwrap_or(0), Ordering::Relaxed);
    wall
}

/// Nanoseconds since `init`.
pub fn monotonic_nanos() -> u64 {
    let ticks = arch::tsc::read().saturating_sub(TSC_AT_BOOT.load(Ordering::Relaxed));
    let hz = crate::timer::tsc_hz().max(1);
    (u128::from(ticks) * 1_000_000_000 / u128::from(hz)) as u64
}

/// Nanoseconds since 1970-01-01 UTC.
pub fn realtime_nanos() -> u64 {
    WALL_SECONDS_AT_BOOT.load(Ordering::Relaxed) * 1_000_000_000 + monotonic_nanos()
}
