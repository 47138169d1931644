//! `CpuTime`: the CPU time a thread used, split into user and kernel mode,
//! counted in timer ticks (the tick samples who runs, as Linux does without
//! `VIRT_CPU_ACCOUNTING`), and when the thread was made. What `/proc/[pid]/stat`
//! reports as `utime`, `stime` and `starttime`.

use core::sync::atomic::{AtomicU64, Ordering};

/// See the module doc.
pub struct CpuTime {
    user_ticks: AtomicU64,
    system_ticks: AtomicU64,
    /// Nanoseconds since boot (`clock::monotonic_nanos`) at creation.
    start_nanos: u64,
}

impl CpuTime {
    /// No time used yet; started now.
    pub fn new() -> CpuTime {
        CpuTime { user_ticks: AtomicU64::new(0), system_ticks: AtomicU64::new(0), start_nanos: crate::clock::monotonic_nanos() }
    }

    /// Charges one tick, to user mode if the tick interrupted ring 3.
    pub fn charge_tick(&self, in_user_mode: bool) {
        let counter = if in_user_mode { &self.user_ticks } else { &self.system_ticks };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Adds `other`'s ticks (a process keeps those of its exited threads).
    pub fn add(&self, other: &CpuTime) {
        self.user_ticks.fetch_add(other.user_ticks(), Ordering::Relaxed);
        self.system_ticks.fetch_add(other.system_ticks(), Ordering::Relaxed);
    }

    /// Ticks spent in user mode.
    pub fn user_ticks(&self) -> u64 {
        self.user_ticks.load(Ordering::Relaxed)
    }

    /// Ticks spent in the kernel on the thread's behalf.
    pub fn system_ticks(&self) -> u64 {
        self.system_ticks.load(Ordering::Relaxed)
    }

    /// When the thread was made, in nanoseconds since boot.
    pub fn start_nanos(&self) -> u64 {
        self.start_nanos
    }
}

impl Default for CpuTime {
    fn default() -> Self {
        Self::new()
    }
}
