//! `test=spawn_join`: 10,000 threads spawned and joined (spread over all
//! CPUs, a few in flight at a time). Afterwards free frames and heap use
//! must be back where they started: exited threads give back their stacks
//! and everything else.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

const THREADS: usize = 10_000;
const IN_FLIGHT: usize = 8;
/// Threads run first, in the same pattern, so that stack slots, page tables
/// and queues reach their working size before anything is measured.
const WARM_UP_THREADS: usize = 200;

static RAN: AtomicU64 = AtomicU64::new(0);

/// Spawns and joins `count` threads, at most IN_FLIGHT at a time.
fn spawn_and_join(count: usize) -> Result<(), String> {
    let mut in_flight = Vec::with_capacity(IN_FLIGHT);
    for index in 0..count {
        let thread = crate::sched::spawn(format!("short-{index}"), || {
            RAN.fetch_add(1, Ordering::Relaxed);
        })
        .map_err(|error| format!("spawn #{index}: {error}"))?;
        in_flight.push(thread);
        if in_flight.len() == IN_FLIGHT {
            for thread in in_flight.drain(..) {
                thread.join();
            }
        }
    }
    for thread in in_flight.drain(..) {
        thread.join();
    }
    crate::memory::kernel_stacks::reclaim_released();
    Ok(())
}

pub fn run() -> Result<(), String> {
    spawn_and_join(WARM_UP_THREADS)?;
    RAN.store(0, Ordering::Relaxed);
    let frames_before = crate::memory::frames::free_count();
    let heap_before = crate::memory::heap::used_bytes();
    spawn_and_join(THREADS)?;
    let frames_after = crate::memory::frames::free_count();
    let heap_after = crate::memory::heap::used_bytes();
    let ran = RAN.load(Ordering::Relaxed);
    crate::kprintln!(
        "spawn_join: {} threads ran; free frames {} -> {}; heap {} -> {} bytes",
        ran,
        frames_before,
        frames_after,
        heap_before,
        heap_after
    );
    if ran != THREADS as u64 {
        return Err(format!("{ran} of {THREADS} threads ran"));
    }
    if frames_after != frames_before || heap_after != heap_before {
        return Err(format!(
            "leak: free frames {frames_before} -> {frames_after}, heap {heap_before} -> {heap_after} bytes"
        ));
    }
    Ok(())
}
