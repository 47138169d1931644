//! `test=boot`: every online CPU takes timer ticks. Idle CPUs stop their
//! tick (see `sched::run_idle_loop`), so a witness thread pinned to each CPU
//! keeps it busy until that CPU's own tick counter has advanced.

use crate::cpu::CpuId;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;

/// Ticks each CPU must take while its witness runs.
const REQUIRED_TICKS: u64 = 3;
/// Ample at 100 Hz even with vCPUs starved by an oversubscribed host.
const TIMEOUT_MS: u64 = 10_000;

/// Busy on its CPU until that CPU took REQUIRED_TICKS more ticks; returns
/// how many it saw (exit code).
/// Runs pinned to `cpu`.
fn witness(cpu: CpuId) {
    let pcr = crate::cpu::get(cpu).pcr();
    let start = pcr.timer_ticks.load(Ordering::Relaxed);
    crate::timer::spin_until(TIMEOUT_MS * 1000, || pcr.timer_ticks.load(Ordering::Relaxed) >= start + REQUIRED_TICKS);
    crate::sched::exit(pcr.timer_ticks.load(Ordering::Relaxed) - start)
}

pub fn run() -> Result<(), String> {
    let mut witnesses = Vec::new();
    for cpu in super::support::online_cpus() {
        let thread = crate::sched::spawn_pinned(cpu, format!("tick-witness-{cpu}"), move || witness(cpu))
            .map_err(|error| format!("spawn: {error}"))?;
        witnesses.push((cpu, thread));
    }
    let mut silent = Vec::new();
    for (cpu, thread) in witnesses {
        let ticks = thread.join();
        crate::kprintln!("boot: cpu {} ticks {}", cpu, ticks);
        if ticks < REQUIRED_TICKS {
            silent.push(cpu);
        }
    }
    if silent.is_empty() {
        Ok(())
    } else {
        Err(format!("cpus {silent:?} took fewer than {REQUIRED_TICKS} ticks in {TIMEOUT_MS} ms"))
    }
}
