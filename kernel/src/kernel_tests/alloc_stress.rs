//! `test=alloc_stress`: a thread on every CPU allocates and frees heap blocks
//! and frames at the same time, checking contents; afterwards (threads
//! joined, their stacks reclaimed) the heap and the frame allocator must be
//! back where they started.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};
use crate::random::Rng;

const ROUNDS: usize = 2_000;
const MAX_LIVE_BLOCKS: usize = 64;
const MAX_BLOCK_BYTES: u64 = 8192;

static CORRUPTED: AtomicU32 = AtomicU32::new(0);

fn stress() {
    // Which CPU only seeds the pattern; a stale id after a migration is fine.
    let cpu = percpu::cpu_id();
    let mut rng = Rng::new(0x5eed_0000 + u64::from(cpu));
    let mut blocks: Vec<(Vec<u8>, u8)> = Vec::new();
    let mut frames: Vec<u64> = Vec::new();
    for round in 0..ROUNDS {
        if blocks.len() < MAX_LIVE_BLOCKS && rng.chance(3, 5) {
            let size = rng.range_inclusive(1, MAX_BLOCK_BYTES) as usize;
            let pattern = (round as u8) ^ (cpu as u8);
            let mut block = Vec::with_capacity(size);
            block.resize(size, pattern);
            blocks.push((block, pattern));
        } else if !blocks.is_empty() {
            let (block, pattern) = blocks.swap_remove(rng.below(blocks.len() as u64) as usize);
            if block.iter().any(|byte| *byte != pattern) {
                CORRUPTED.fetch_add(1, Ordering::Relaxed);
            }
        }
        if rng.chance(1, 4) {
            if let Some(frame) = crate::memory::frames::allocate() {
                frames.push(frame);
            }
        } else if let Some(frame) = frames.pop() {
            crate::memory::frames::free(frame).expect("freeing a frame we allocated");
        }
    }
    for (block, pattern) in blocks.drain(..) {
        if block.iter().any(|byte| *byte != pattern) {
            CORRUPTED.fetch_add(1, Ordering::Relaxed);
        }
    }
    drop(blocks);
    for frame in frames.drain(..) {
        crate::memory::frames::free(frame).expect("freeing a frame we allocated");
    }
    drop(frames);
}

/// Free frames plus the frames the heap took while growing (its pages and
/// the page tables mapping them): constant unless frames leak.
fn frames_not_held_by_heap() -> usize {
    crate::memory::frames::free_count()
        + crate::memory::heap::mapped_bytes() / 4096
        + crate::memory::paging::page_table_frames()
}

pub fn run() -> Result<(), String> {
    let cpus = super::support::online_cpus();
    let mut workers = Vec::with_capacity(cpus.len());
    super::support::warm_up_scheduler(&cpus)?;
    let heap_before = crate::memory::heap::used_bytes();
    let free_blocks_before = crate::memory::heap::free_block_count();
    let frames_before = frames_not_held_by_heap();
    for cpu in &cpus {
        let worker = crate::sched::spawn_pinned(*cpu, "alloc-stress", stress)
            .map_err(|error| format!("spawn: {error}"))?;
        workers.push(worker);
    }
    for worker in workers.drain(..) {
        worker.join();
    }
    crate::memory::kernel_stacks::reclaim_released();
    let corrupted = CORRUPTED.load(Ordering::Acquire);
    if corrupted != 0 {
        return Err(format!("{corrupted} blocks came back with other contents"));
    }
    let heap_after = crate::memory::heap::used_bytes();
    let frames_after = frames_not_held_by_heap();
    if heap_after != heap_before {
        return Err(format!("heap use {heap_before} bytes before, {heap_after} after"));
    }
    if frames_after != frames_before {
        return Err(format!("{frames_before} frames free (heap growth aside) before, {frames_after} after"));
    }
    let free_blocks_after = crate::memory::heap::free_block_count();
    if free_blocks_after > free_blocks_before {
        return Err(format!(
            "the heap's free list grew from {free_blocks_before} to {free_blocks_after} blocks with nothing new allocated: freed blocks are not merged"
        ));
    }
    let (counted_free, bitmap_free) = crate::memory::frames::audit_free_count();
    if counted_free != bitmap_free {
        return Err(format!("the frame allocator counts {counted_free} free frames but its bitmap has {bitmap_free}"));
    }
    crate::kprintln!(
        "alloc_stress: {} CPUs x {} rounds; heap {} bytes used before and after; frames balance {} -> {}",
        cpus.len(),
        ROUNDS,
        heap_before,
        frames_before,
        frames_after
    );
    Ok(())
}
