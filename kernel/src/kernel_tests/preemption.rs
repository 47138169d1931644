//! `test=preemption`: only preemption lets a thread run while another
//! thread on its CPU never gives the CPU up.
//!
//! Part 1, on every CPU at once: a "spinner" pinned to the CPU, once it
//! runs, creates its "releaser", pinned to the same CPU, and then spins
//! without yielding, sleeping or taking a lock until the releaser sets a
//! flag. The releaser becomes runnable only after the spinner runs, so it
//! can run only if the timer preempts the spinner. The spinner's patience
//! is counted in its own CPU's timer ticks from the moment its releaser is
//! queued, not in wall-clock time: what the kernel promises is "a queued thread runs within a few
//! slices", and a vCPU that the host does not schedule for seconds takes no
//! ticks meanwhile. A spinner whose CPU took `PATIENCE_TICKS` ticks with its
//! releaser queued and not run is a failure: that CPU does not preempt.
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

/// Timer ticks (100 Hz) a spinner's CPU may take with the releaser queued:
/// a time slice is 2 ticks, so a preempting kernel needs about 2.
const PATIENCE_TICKS: u64 = 100;
/// Backstop for a CPU whose tick stopped altogether (the spinner would
/// otherwise spin forever): generous wall-clock time.
const BACKSTOP_MICROS: u64 = 600_000_000;
/// Part 2: counting threads per CPU, and how long each counts (several
/// 20 ms slices), with a minimum number of increments.
const COUNTERS_PER_CPU: usize = 2;
const COUNT_MICROS: u64 = 60_000;
const MIN_INCREMENTS: u64 = 1_000;

/// How a spinner ended.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Released = 1,
    NotPreempted = 2,
    NoTicks = 3,
}

/// The spinner pinned to `cpu`: queues its releaser, then spins until
/// released or until its CPU took `PATIENCE_TICKS` ticks.
fn spinner(cpu: CpuId) -> Verdict {
    let released = Arc::new(AtomicBool::new(false));
    let flag = released.clone();
    let Ok(releaser) = crate::sched::spawn_pinned(cpu, format!("releaser-{cpu}"), move || flag.store(true, Ordering::Release))
    else {
        return Verdict::NoTicks;
    };
    let ticks = &crate::cpu::get(cpu).pcr().timer_ticks;
    let ticks_when_queued = ticks.load(Ordering::Relaxed);
    let backstop = crate::timer::tsc_deadline_in(BACKSTOP_MICROS);
    let mut verdict = Verdict::Released;
    while !released.load(Ordering::Acquire) {
        if ticks.load(Ordering::Relaxed) - ticks_when_queued >= PATIENCE_TICKS {
            verdict = Verdict::NotPreempted;
            break;
        }
        if arch::tsc::read() > backstop {
            verdict = Verdict::NoTicks;
            break;
        }
        core::hint::spin_loop();
    }
    releaser.join();
    verdict
}

fn spinners_and_releasers() -> Result<(), String> {
    let mut spinners = Vec::new();
    for cpu in super::support::online_cpus() {
        let handle = crate::sched::spawn_pinned(cpu, format!("spinner-{cpu}"), move || {
            crate::sched::exit(spinner(cpu) as u64)
        })
        .map_err(|error| format!("spawn: {error}"))?;
        spinners.push((cpu, handle));
    }
    let cpus = spinners.len();
    let (mut not_preempted, mut no_ticks) = (Vec::new(), Vec::new());
    for (cpu, handle) in spinners {
        match handle.join() {
            code if code == Verdict::Released as u64 => {}
            code if code == Verdict::NotPreempted as u64 => not_preempted.push(cpu),
            _ => no_ticks.push(cpu),
        }
    }
    crate::kprintln!(
        "preemption: {} of {} spinners were preempted by their releaser",
        cpus - not_preempted.len() - no_ticks.len(),
        cpus
    );
    if !no_ticks.is_empty() {
        return Err(format!(
            "cpus {no_ticks:?}: a spinner ran {} s without {PATIENCE_TICKS} timer ticks on its CPU (or could not make its releaser)",
            BACKSTOP_MICROS / 1_000_000
        ));
    }
    if !not_preempted.is_empty() {
        return Err(format!(
            "cpus {not_preempted:?}: each took {PATIENCE_TICKS} timer ticks while its spinner ran and its releaser (pinned to the same CPU) waited: no preemption"
        ));
    }
    Ok(())
}

fn count(total: &AtomicU64) -> u64 {
    let deadline = crate::timer::tsc_deadline_in(COUNT_MICROS);
    let mut mine: u64 = 0;
    while mine < MIN_INCREMENTS || arch::tsc::read() < deadline {
        mine = core::hint::black_box(mine) + 1;
        total.fetch_add(1, Ordering::Relaxed);
    }
    mine
}

fn counts_are_exact() -> Result<(), String> {
    let threads = super::support::online_cpus().len() * COUNTERS_PER_CPU;
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
