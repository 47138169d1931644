//! `test=preemption`: only preemption lets a thread run while another
//! thread on its CPU never gives the CPU up.
//!
//! Part 1, on every CPU at once: a "spinner" pinned to the CPU confirms it
//! is running, then spins without yielding, sleeping or taking a lock until
//! its "releaser" sets a flag. The releaser is pinned to the same CPU and is
//! created only after the spinner confirmed, so it can run only if the timer
//! preempts the spinner. A spinner that reaches its deadline is a failure:
//! that CPU does not preempt.
//!
//! Part 2: threads that never yield each count privately and into a shared
//! total; the total must equal the sum exactly (no increment lost or
//! repeated across preemption and migration). Where threads run is the
//! scheduler's choice and is not asserted.

use crate::cpu::CpuId;
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// How long a spinner waits for its releaser before declaring that its CPU
/// does not preempt. Generous: with hundreds of vCPUs on a two-core host a
/// vCPU may not run for seconds; a preempting kernel releases in a few ticks
/// of *running* time.
const SPIN_DEADLINE_MICROS: u64 = 30_000_000;
/// How long the test waits for every spinner to confirm it runs.
const CONFIRM_TIMEOUT_MICROS: u64 = 30_000_000;
/// Part 2: counting threads per CPU, and how long each counts (several
/// 20 ms slices), with a minimum number of increments.
const COUNTERS_PER_CPU: usize = 2;
const COUNT_MICROS: u64 = 60_000;
const MIN_INCREMENTS: u64 = 1_000;

/// One CPU's spinner and releaser.
struct Pair {
    cpu: CpuId,
    running: AtomicBool,
    released: AtomicBool,
}

fn micros_to_tsc(micros: u64) -> u64 {
    micros * crate::timer::tsc_hz() / 1_000_000
}

/// Spins until released or the deadline; returns whether it was released.
fn spin_until_released(pair: &Pair) -> bool {
    pair.running.store(true, Ordering::Release);
    let deadline = arch::tsc::read() + micros_to_tsc(SPIN_DEADLINE_MICROS);
    while !pair.released.load(Ordering::Acquire) {
        if arch::tsc::read() > deadline {
            return false;
        }
        core::hint::spin_loop();
    }
    true
}

fn spinners_and_releasers() -> Result<(), String> {
    let pairs: Vec<Arc<Pair>> = super::online_cpus()
        .into_iter()
        .map(|cpu| Arc::new(Pair { cpu, running: AtomicBool::new(false), released: AtomicBool::new(false) }))
        .collect();
    let mut spinners = Vec::new();
    for pair in &pairs {
        let mine = pair.clone();
        let spinner = crate::sched::spawn_pinned(pair.cpu, format!("spinner-{}", pair.cpu), move || {
            crate::sched::exit(u64::from(spin_until_released(&mine)))
        })
        .map_err(|error| format!("spawn: {error}"))?;
        spinners.push(spinner);
    }
    let confirm_deadline = arch::tsc::read() + micros_to_tsc(CONFIRM_TIMEOUT_MICROS);
    while pairs.iter().any(|pair| !pair.running.load(Ordering::Acquire)) && arch::tsc::read() < confirm_deadline {
        crate::sched::sleep_micros(1_000);
    }
    let mut releasers = Vec::new();
    for pair in &pairs {
        let mine = pair.clone();
        let releaser = crate::sched::spawn_pinned(pair.cpu, format!("releaser-{}", pair.cpu), move || {
            mine.released.store(true, Ordering::Release);
        })
        .map_err(|error| format!("spawn: {error}"))?;
        releasers.push(releaser);
    }
    let mut not_preempted = Vec::new();
    for (pair, spinner) in pairs.iter().zip(spinners) {
        if spinner.join() == 0 {
            not_preempted.push(pair.cpu);
        }
    }
    for releaser in releasers {
        releaser.join();
    }
    crate::kprintln!(
        "preemption: {} of {} spinners were preempted by their releaser",
        pairs.len() - not_preempted.len(),
        pairs.len()
    );
    if not_preempted.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "cpus {not_preempted:?}: a spinner ran {} s without its releaser (pinned to the same CPU) getting to run",
            SPIN_DEADLINE_MICROS / 1_000_000
        ))
    }
}

fn count(total: &AtomicU64) -> u64 {
    let deadline = arch::tsc::read() + micros_to_tsc(COUNT_MICROS);
    let mut mine: u64 = 0;
    while mine < MIN_INCREMENTS || arch::tsc::read() < deadline {
        mine = core::hint::black_box(mine) + 1;
        total.fetch_add(1, Ordering::Relaxed);
    }
    mine
}

fn counts_are_exact() -> Result<(), String> {
    let threads = super::online_cpus().len() * COUNTERS_PER_CPU;
    let total = Arc::new(AtomicU64::new(0));
    let mut counters = Vec::new();
    for index in 0..threads {
        let total = total.clone();
        let counter = crate::sched::spawn(format!("counter-{index}"), move || crate::sched::exit(count(&total)))
            .map_err(|error| format!("spawn: {error}"))?;
        counters.push(counter);
    }
    let sum: u64 = counters.into_iter().map(|counter| counter.join()).sum();
    let total = total.load(Ordering::Relaxed);
    crate::kprintln!("preemption: {} counting threads, total {} = sum {}", threads, total, sum);
    if total != sum {
        return Err(format!("shared total {total} != sum of private counters {sum}"));
    }
    Ok(())
}

pub fn run() -> Result<(), String> {
    spinners_and_releasers()?;
    counts_are_exact()
}
