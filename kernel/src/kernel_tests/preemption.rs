//! `test=preemption`: several threads per CPU, none of which ever yields,
//! each incrementing its own counter and a shared total for a few time
//! slices. All must finish (only preemption lets the queued ones run), every
//! CPU must have run threads, context switches must have happened, and the
//! shared total must equal the sum of the private counters exactly (no
//! increment lost or repeated across preemption and migration).

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

const THREADS_PER_CPU: usize = 4;
/// Each thread computes for this long (several 20 ms slices)...
const RUN_MICROS: u64 = 60_000;
/// ...and at least this many increments (a thread preempted right after
/// reading the clock may find its deadline already past when it resumes).
const MIN_INCREMENTS: u64 = 1_000;

struct Tally {
    total: AtomicU64,
    /// Bit `cpu` set when some thread ran on that CPU.
    cpus_seen: AtomicU64,
}

fn count(tally: &Tally) -> u64 {
    let deadline = arch::tsc::read() + RUN_MICROS * crate::timer::tsc_hz() / 1_000_000;
    let mut mine: u64 = 0;
    while mine < MIN_INCREMENTS || arch::tsc::read() < deadline {
        mine = core::hint::black_box(mine) + 1;
        tally.total.fetch_add(1, Ordering::Relaxed);
        tally.cpus_seen.fetch_or(1 << percpu::cpu_id(), Ordering::Relaxed);
    }
    mine
}

fn switches_so_far() -> usize {
    crate::cpus::online()
        .filter_map(|pcr| crate::sched::of_cpu(pcr.cpu_id))
        .map(|cpu| cpu.switches.load(Ordering::Relaxed))
        .sum()
}

pub fn run() -> Result<(), String> {
    let cpu_count = crate::cpus::online_count() as usize;
    let tally = Arc::new(Tally { total: AtomicU64::new(0), cpus_seen: AtomicU64::new(0) });
    let counters: Arc<Vec<AtomicU64>> = Arc::new((0..cpu_count * THREADS_PER_CPU).map(|_| AtomicU64::new(0)).collect());
    let switches_before = switches_so_far();
    let mut threads = Vec::new();
    for index in 0..cpu_count * THREADS_PER_CPU {
        let (tally, counters) = (tally.clone(), counters.clone());
        let thread = crate::sched::spawn(format!("counter-{index}"), move || {
            counters[index].store(count(&tally), Ordering::Relaxed);
        })
        .map_err(|error| format!("spawn: {error}"))?;
        threads.push(thread);
    }
    for thread in threads {
        thread.join();
    }
    let sum: u64 = counters.iter().map(|counter| counter.load(Ordering::Relaxed)).sum();
    let total = tally.total.load(Ordering::Relaxed);
    let idle_threads = counters.iter().filter(|counter| counter.load(Ordering::Relaxed) == 0).count();
    let cpus_seen = tally.cpus_seen.load(Ordering::Relaxed);
    let switches = switches_so_far() - switches_before;
    crate::kprintln!(
        "preemption: {} threads, total {} = sum {}, cpus seen {:#b}, {} context switches",
        counters.len(),
        total,
        sum,
        cpus_seen,
        switches
    );
    if total != sum {
        return Err(format!("shared total {total} != sum of private counters {sum}"));
    }
    if idle_threads != 0 {
        return Err(format!("{idle_threads} threads never ran"));
    }
    if cpus_seen.count_ones() as usize != cpu_count {
        return Err(format!("threads ran only on cpus {cpus_seen:#b}"));
    }
    if switches < counters.len() {
        return Err(format!("only {switches} context switches for {} threads", counters.len()));
    }
    Ok(())
}
