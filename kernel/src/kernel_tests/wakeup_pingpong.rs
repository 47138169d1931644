//! `test=wakeup_pingpong`: no wake-up is ever lost. Two threads on two CPUs
//! hand a turn back and forth through two wait queues; each hand-off has
//! exactly one wake-up, so one lost wake-up stops the game for good. A
//! random spin before each hand-off sweeps the waker across the waiter's
//! check-then-block window. A watchdog reports a stall instead of hanging.
//! (The producer/consumer test did not notice a wait queue that checks its
//! condition outside its lock; this one does, see seed-lessons.md.)

use crate::sched::WaitQueue;
use alloc::format;
use alloc::string::String;
use core::sync::atomic::{AtomicU64, Ordering};

/// Hand-offs per player.
const ROUNDS: u64 = 40_000;
/// No hand-off for this long means a wake-up was lost.
const STALL_MS: u64 = 2_000;

static TURN: AtomicU64 = AtomicU64::new(0);
static QUEUES: [WaitQueue; 2] = [WaitQueue::new(), WaitQueue::new()];

fn player(me: u64) {
    let mut rng = crate::random::Rng::new(0xfeed + me);
    let other = 1 - me;
    let mut round = me;
    while round < 2 * ROUNDS {
        QUEUES[me as usize].wait_until(|| TURN.load(Ordering::Acquire) == round);
        for _ in 0..rng.next_u32() % 256 {
            core::hint::spin_loop();
        }
        TURN.store(round + 1, Ordering::Release);
        QUEUES[other as usize].wake_one();
        round += 2;
    }
}

pub fn run() -> Result<(), String> {
    let cpus = super::support::online_cpus();
    let (cpu_a, cpu_b) = (cpus[1 % cpus.len()], super::support::last_cpu());
    let a = crate::sched::spawn_pinned(cpu_a, "ping", || player(0)).map_err(|error| format!("spawn: {error}"))?;
    let b = crate::sched::spawn_pinned(cpu_b, "pong", || player(1)).map_err(|error| format!("spawn: {error}"))?;
    loop {
        let before = TURN.load(Ordering::Acquire);
        if before >= 2 * ROUNDS {
            break;
        }
        crate::sched::sleep_micros(STALL_MS * 1000);
        let after = TURN.load(Ordering::Acquire);
        if after == before {
            return Err(format!("lost wake-up: no hand-off for {STALL_MS} ms, stuck at {after} of {}", 2 * ROUNDS));
        }
    }
    a.join();
    b.join();
    crate::kprintln!("wakeup_pingpong: {} hand-offs on cpus {} and {}, none lost", 2 * ROUNDS, cpu_a, cpu_b);
    Ok(())
}
