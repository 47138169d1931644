//! `test=trace_workload`: a short workload with threads on every CPU for
//! `cargo xtask trace`, then a trace dump on the console. Each CPU hands a
//! turn back and forth with the next CPU's thread (cross-CPU wake-ups and
//! reschedule IPIs), while unpinned threads spin, yield and sleep (so the
//! balancer moves them: migrations). Recording stops before the dump, so
//! the dump shows the workload and not itself. Combine with `trace=` and
//! `trace_cpus=` to filter.

use crate::sched::WaitQueue;
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

/// Hand-offs per pair of threads.
const ROUNDS: u64 = 300;
/// Unpinned threads that spin, yield and sleep.
const WANDERERS: usize = 2;
/// Loops of spin-yield-sleep per wanderer.
const WANDER_LOOPS: u32 = 20;
/// Sleep per wanderer loop.
const WANDER_SLEEP_MICROS: u64 = 500;
/// Spins of busy work between steps (makes run intervals visible).
const BUSY_SPINS: u32 = 2_000;

/// Two players on two CPUs taking turns.
struct Pair {
    turn: AtomicU64,
    queues: [WaitQueue; 2],
}

fn busy() {
    for _ in 0..BUSY_SPINS {
        core::hint::spin_loop();
    }
}

fn player(pair: &Pair, me: u64) {
    let other = 1 - me;
    let mut round = me;
    while round < 2 * ROUNDS {
        pair.queues[me as usize].wait_until(|| pair.turn.load(Ordering::Acquire) == round);
        busy();
        pair.turn.store(round + 1, Ordering::Release);
        pair.queues[other as usize].wake_one();
        round += 2;
    }
}

fn wanderer() {
    for _ in 0..WANDER_LOOPS {
        busy();
        crate::sched::yield_now();
        busy();
        crate::sched::sleep_micros(WANDER_SLEEP_MICROS);
    }
}

pub fn run() -> Result<(), String> {
    let cpus = super::support::online_cpus();
    let mut threads = Vec::new();
    for (index, cpu) in cpus.iter().enumerate() {
        let partner = cpus[(index + 1) % cpus.len()];
        let pair = Arc::new(Pair { turn: AtomicU64::new(0), queues: [WaitQueue::new(), WaitQueue::new()] });
        for (me, on) in [(0, *cpu), (1, partner)] {
            let pair = pair.clone();
            let name = format!("{}-{index}", if me == 0 { "ping" } else { "pong" });
            let thread = crate::sched::spawn_pinned(on, name, move || player(&pair, me));
            threads.push(thread.map_err(|error| format!("spawn: {error}"))?);
        }
    }
    for index in 0..WANDERERS {
        let thread = crate::sched::spawn(format!("wander-{index}"), wanderer);
        threads.push(thread.map_err(|error| format!("spawn: {error}"))?);
    }
    let count = threads.len();
    for thread in threads {
        thread.join();
    }
    crate::flight_recorder::stop();
    crate::kprintln!("trace_workload: {count} threads on {} cpus done; dumping the trace", cpus.len());
    crate::flight_recorder::dump_to_console();
    Ok(())
}
