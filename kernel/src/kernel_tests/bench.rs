//! `test=bench`: the scheduler and flight-recorder benchmarks, printed as
//! `bench: NAME median_ns=.. median_cycles=.. samples=..` lines (medians of
//! many runs; cycles are TSC ticks). `cargo xtask bench` runs this and names
//! the accelerator. Nothing here asserts a speed.

use crate::cpu::CpuId;
use crate::sched::WaitQueue;
use crate::sync::SpinLock;
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Samples per benchmark (each a batch for the fast ones).
const SAMPLES: usize = 31;
/// Yield round trips per sample.
const YIELDS_PER_SAMPLE: u64 = 100;
/// Flight-recorder events per sample.
const EVENTS_PER_SAMPLE: u64 = 1000;

fn median(mut values: Vec<u64>) -> u64 {
    values.sort_unstable();
    values[values.len() / 2]
}

fn report(name: &str, cycles_per_operation: Vec<u64>) {
    let samples = cycles_per_operation.len();
    let cycles = median(cycles_per_operation);
    let nanoseconds = cycles as u128 * 1_000_000_000 / u128::from(crate::timer::tsc_hz().max(1));
    crate::kprintln!("bench: {} median_ns={} median_cycles={} samples={}", name, nanoseconds, cycles, samples);
}

fn spawn_pinned(cpu: CpuId, name: &str, body: impl FnOnce() + Send + 'static) -> Result<crate::sched::JoinHandle, String> {
    crate::sched::spawn_pinned(cpu, name, body).map_err(|error| format!("spawn: {error}"))
}

/// Two threads pinned to one CPU yield to each other: one round trip is
/// A -> B -> A, two context switches.
fn yield_round_trip(cpu: CpuId) -> Result<(), String> {
    let stop = Arc::new(AtomicBool::new(false));
    let partner_stop = stop.clone();
    let partner = spawn_pinned(cpu, "yield-partner", move || {
        while !partner_stop.load(Ordering::Acquire) {
            crate::sched::yield_now();
        }
    })?;
    let samples = Arc::new(SpinLock::new(Vec::new()));
    let measured = samples.clone();
    let measurer = spawn_pinned(cpu, "yield-measurer", move || {
        for _ in 0..SAMPLES {
            let start = arch::tsc::read();
            for _ in 0..YIELDS_PER_SAMPLE {
                crate::sched::yield_now();
            }
            measured.lock().push((arch::tsc::read() - start) / YIELDS_PER_SAMPLE);
        }
    })?;
    measurer.join();
    stop.store(true, Ordering::Release);
    partner.join();
    report("yield_round_trip_one_cpu", core::mem::take(&mut *samples.lock()));
    Ok(())
}

/// A thread blocked on a wait queue on an idle CPU is woken from another
/// CPU: TSC at the wake-up call to TSC when the woken thread runs (reschedule
/// IPI, halt exit, context switch).
fn cross_cpu_wakeup(waker_cpu: CpuId, sleeper_cpu: CpuId) -> Result<(), String> {
    struct Shared {
        queue: WaitQueue,
        go: AtomicBool,
        woken_at: AtomicU64,
        done: AtomicBool,
    }
    let shared = Arc::new(Shared {
        queue: WaitQueue::new(),
        go: AtomicBool::new(false),
        woken_at: AtomicU64::new(0),
        done: AtomicBool::new(false),
    });
    let sleeper_shared = shared.clone();
    let sleeper = spawn_pinned(sleeper_cpu, "wakeup-sleeper", move || {
        let shared = sleeper_shared;
        loop {
            shared.queue.wait_until(|| shared.go.load(Ordering::Acquire));
            shared.woken_at.store(arch::tsc::read(), Ordering::Release);
            shared.go.store(false, Ordering::Release);
            if shared.done.load(Ordering::Acquire) {
                return;
            }
        }
    })?;
    let waker_shared = shared.clone();
    let samples = Arc::new(SpinLock::new(Vec::new()));
    let measured = samples.clone();
    let waker = spawn_pinned(waker_cpu, "wakeup-waker", move || {
        let shared = waker_shared;
        for round in 0..=SAMPLES {
            // Let the sleeper block and its CPU go idle before each wake-up.
            crate::sched::sleep_micros(20_000);
            shared.woken_at.store(0, Ordering::Release);
            if round == SAMPLES {
                shared.done.store(true, Ordering::Release);
            }
            let start = arch::tsc::read();
            shared.go.store(true, Ordering::Release);
            shared.queue.wake_one();
            while shared.woken_at.load(Ordering::Acquire) == 0 {
                core::hint::spin_loop();
            }
            if round < SAMPLES {
                measured.lock().push(shared.woken_at.load(Ordering::Acquire).saturating_sub(start));
            }
        }
    })?;
    waker.join();
    sleeper.join();
    report("cross_cpu_wakeup_latency", core::mem::take(&mut *samples.lock()));
    Ok(())
}

/// Cost of recording one flight-recorder event on the hot path.
fn flight_recorder_event() {
    let mut samples = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let start = arch::tsc::read();
        for thread in 0..EVENTS_PER_SAMPLE {
            crate::flight_recorder::wakeup(thread as u32, 0);
        }
        samples.push((arch::tsc::read() - start) / EVENTS_PER_SAMPLE);
    }
    report("flight_recorder_event", samples);
}

/// Cost of a system call's entry event (a head and two data slots), and
/// of the same hook with its class off (the disabled check: one load, a
/// test and a branch, `mov ENABLED_CLASSES(%rip); test; je` in `dispatch`).
fn flight_recorder_syscall_event() {
    let arguments = [1, 2, 3, 4, 5, 6];
    let measure = |name: &str| {
        let mut samples = Vec::with_capacity(SAMPLES);
        for _ in 0..SAMPLES {
            let start = arch::tsc::read();
            for number in 0..EVENTS_PER_SAMPLE {
                crate::flight_recorder::syscall_enter(core::hint::black_box(number), &arguments);
            }
            samples.push((arch::tsc::read() - start) / EVENTS_PER_SAMPLE);
        }
        report(name, samples);
    };
    measure("flight_recorder_syscall_enter");
    let classes = crate::flight_recorder::stop();
    measure("flight_recorder_disabled_check");
    crate::flight_recorder::configure(classes, crate::flight_recorder::enabled_cpus());
}

pub fn run() -> Result<(), String> {
    crate::kprintln!(
        "bench: boot_to_all_cpus_online median_ns={} samples=1",
        crate::timer::boot_to_online_micros() * 1000
    );
    let last = super::support::last_cpu();
    yield_round_trip(last)?;
    let first = super::support::first_cpu();
    if last != first {
        cross_cpu_wakeup(first, last)?;
    } else {
        crate::kprintln!("bench: cross_cpu_wakeup_latency skipped (one CPU)");
    }
    flight_recorder_event();
    flight_recorder_syscall_event();
    Ok(())
}
