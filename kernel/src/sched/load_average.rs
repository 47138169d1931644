//! The load average (`/proc/loadavg`): every 5 seconds CPU 0 counts the
//! runnable and running threads on all CPUs and folds the count into three
//! exponentially decaying averages (1, 5, 15 minutes), in Linux's fixed
//! point (11 fraction bits, the same decay constants).

use core::sync::atomic::{AtomicU64, Ordering};

/// Fraction bits.
pub const FIXED_SHIFT: u32 = 11;
const FIXED_ONE: u64 = 1 << FIXED_SHIFT;
/// exp(-5 s / 1 min), exp(-5 s / 5 min), exp(-5 s / 15 min), fixed point.
const DECAY: [u64; 3] = [1884, 2014, 2037];
/// Ticks between samples (5 s at 100 Hz).
const SAMPLE_TICKS: u64 = 5 * crate::timer::TICK_HZ as u64;

static AVERAGES: [AtomicU64; 3] = [const { AtomicU64::new(0) }; 3];
static TICKS: AtomicU64 = AtomicU64::new(0);

/// Called on every tick of CPU 0.
pub(super) fn on_tick_of_first_cpu() {
    if !TICKS.fetch_add(1, Ordering::Relaxed).is_multiple_of(SAMPLE_TICKS) {
        return;
    }
    let active: u64 = crate::cpu::online()
        .map(|cpu| cpu.run_queue.queued.load(Ordering::Relaxed) as u64 + u64::from(!cpu.run_queue.is_idle()))
        .sum();
    for (average, decay) in AVERAGES.iter().zip(DECAY) {
        let old = average.load(Ordering::Relaxed);
        let new = (old * decay + active * FIXED_ONE * (FIXED_ONE - decay)) >> FIXED_SHIFT;
        average.store(new, Ordering::Relaxed);
    }
}

/// The three averages in hundredths (1, 5, 15 minutes).
pub fn hundredths() -> [u64; 3] {
    AVERAGES.each_ref().map(|average| (average.load(Ordering::Relaxed) * 100 + FIXED_ONE / 2) >> FIXED_SHIFT)
}
