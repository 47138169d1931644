//! `test=boot`: every online CPU takes timer ticks.

use alloc::format;
use alloc::string::String;
use core::sync::atomic::Ordering;

/// Ticks each CPU must have taken.
const REQUIRED_TICKS: u64 = 3;
/// Ample at 100 Hz even with vCPUs starved by an oversubscribed host.
const TIMEOUT_MS: u64 = 10_000;

pub fn run() -> Result<(), String> {
    let all_ticked = super::wait_until(TIMEOUT_MS, || {
        crate::cpus::online().all(|pcr| pcr.timer_ticks.load(Ordering::Relaxed) >= REQUIRED_TICKS)
    });
    for pcr in crate::cpus::online() {
        crate::kprintln!("boot: cpu {} ticks {}", pcr.cpu_id, pcr.timer_ticks.load(Ordering::Relaxed));
    }
    if all_ticked {
        Ok(())
    } else {
        let silent: alloc::vec::Vec<u32> = crate::cpus::online()
            .filter(|pcr| pcr.timer_ticks.load(Ordering::Relaxed) < REQUIRED_TICKS)
            .map(|pcr| pcr.cpu_id)
            .collect();
        Err(format!("cpus {silent:?} took fewer than {REQUIRED_TICKS} ticks in {TIMEOUT_MS} ms"))
    }
}
