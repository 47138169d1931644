//! Host tests for the bitmap frame allocator, including a randomized model check.

use super::*;
use crate::random::Rng;
use std::collections::HashSet;
use std::vec;

const PAGE: u64 = FRAME_SIZE_BYTES;

fn storage_for(phys_limit_bytes: u64) -> std::vec::Vec<u64> {
    vec![0; BitmapFrameAllocator::bitmap_words_needed(phys_limit_bytes)]
}

#[test]
fn ranges_are_aligned_inward_and_reservations_outward() {
    let mut storage = storage_for(1 << 20);
    let mut frames = BitmapFrameAllocator::new(&mut storage, 1 << 20);
    assert_eq!(frames.free_frames(), 0);
    assert_eq!(frames.allocate(), None);
    frames.add_free_range(PAGE + 1, 4 * PAGE - 1); // only frame 2: [2*PAGE, 3*PAGE)
    assert_eq!(frames.free_frames(), 1);
    assert!(frames.is_free(2 * PAGE));
    frames.add_free_range(8 * PAGE, 16 * PAGE);
    frames.add_free_range(10 * PAGE, 12 * PAGE); // overlap counted once
    assert_eq!(frames.total_frames(), 9);
    frames.reserve_range(9 * PAGE + 5, 10 * PAGE + 1); // frames 9 and 10
    assert_eq!(frames.free_frames(), 7);
    assert!(!frames.is_free(9 * PAGE) && !frames.is_free(10 * PAGE));
    frames.add_free_range(5 * PAGE, 5 * PAGE + 100); // less than a frame: nothing
    frames.add_free_range(u64::MAX - 10, u64::MAX); // beyond capacity: ignored
    assert_eq!(frames.total_frames(), 9);
}

#[test]
fn allocation_stays_inside_the_last_partial_word() {
    let limit = 70 * PAGE; // 70 frames: one full word and 6 bits of the next
    let mut storage = storage_for(limit);
    let mut frames = BitmapFrameAllocator::new(&mut storage, limit);
    frames.add_free_range(0, u64::MAX);
    assert_eq!(frames.total_frames(), 70);
    let mut seen = HashSet::new();
    while let Some(addr) = frames.allocate() {
        assert!(addr < limit);
        assert!(seen.insert(addr));
    }
    assert_eq!(seen.len(), 70);
    assert_eq!(
        frames.free(70 * PAGE),
        Err(FreeError::OutOfRange {
            phys_addr: 70 * PAGE
        })
    );
}

#[test]
fn bad_frees_are_reported() {
    let mut storage = storage_for(64 * PAGE);
    let mut frames = BitmapFrameAllocator::new(&mut storage, 64 * PAGE);
    frames.add_free_range(4 * PAGE, 8 * PAGE);
    let addr = frames.allocate().unwrap();
    assert_eq!(
        frames.free(addr + 8),
        Err(FreeError::Unaligned {
            phys_addr: addr + 8
        })
    );
    assert_eq!(frames.free(addr), Ok(()));
    assert_eq!(
        frames.free(addr),
        Err(FreeError::DoubleFree { phys_addr: addr })
    );
    assert_eq!(
        frames.free(0),
        Err(FreeError::NotUsableMemory { phys_addr: 0 })
    );
    assert_eq!(
        frames.free(!(PAGE - 1)).unwrap_err(),
        FreeError::OutOfRange {
            phys_addr: !(PAGE - 1)
        }
    );
    assert_eq!(frames.free_frames(), 4);
}

#[test]
fn short_storage_limits_capacity() {
    let mut storage = vec![0u64; 2];
    let frames = BitmapFrameAllocator::new(&mut storage, 1 << 30);
    assert_eq!(frames.capacity_frames(), 64);
}

#[test]
fn contiguous_allocation_honours_alignment_and_holes() {
    let mut storage = storage_for(256 * PAGE);
    let mut frames = BitmapFrameAllocator::new(&mut storage, 256 * PAGE);
    frames.add_free_range(PAGE, 256 * PAGE);
    frames.reserve_range(20 * PAGE, 21 * PAGE);
    let first = frames.allocate_contiguous(16, 16).unwrap();
    assert_eq!(first, 32 * PAGE, "frames 16..32 contain the hole at 20");
    let second = frames.allocate_contiguous(3, 1).unwrap();
    assert_eq!(second, PAGE);
    assert_eq!(frames.allocate_contiguous(0, 1), None);
    assert_eq!(frames.allocate_contiguous(1, 3), None);
    assert_eq!(frames.allocate_contiguous(1000, 1), None);
    assert_eq!(frames.allocate_contiguous(64, 64), Some(64 * PAGE));
    assert_eq!(frames.free_contiguous(first, 16), Ok(()));
    assert_eq!(
        frames.free_contiguous(first, 17).unwrap_err(),
        FreeError::DoubleFree { phys_addr: first }
    );
    // All-or-nothing: a failing range leaves the allocated frames allocated.
    assert_eq!(
        frames.free_contiguous(second, 4).unwrap_err(),
        FreeError::DoubleFree {
            phys_addr: second + 3 * PAGE
        }
    );
    assert!(!frames.is_free(second));
}

#[test]
fn exhaustion_then_everything_returns() {
    let mut storage = storage_for(1 << 24);
    let mut frames = BitmapFrameAllocator::new(&mut storage, 1 << 24);
    frames.add_free_range(0x1000, 0x9f000);
    frames.add_free_range(0x10_0000, 0x80_0000);
    let total = frames.total_frames();
    let mut taken = std::vec::Vec::new();
    while let Some(addr) = frames.allocate() {
        taken.push(addr);
    }
    assert_eq!(taken.len(), total);
    assert_eq!(frames.allocate_contiguous(1, 1), None);
    for addr in taken {
        frames.free(addr).unwrap();
    }
    assert_eq!(frames.free_frames(), total);
}

#[test]
fn randomized_stress_against_model() {
    for seed in [1u64, 2, 3, 0xDEAD_BEEF, 12345] {
        let mut rng = Rng::new(seed);
        let limit = 2048 * PAGE;
        let mut storage = storage_for(limit);
        let mut frames = BitmapFrameAllocator::new(&mut storage, limit);
        let mut usable = HashSet::new();
        for _ in 0..8 {
            let start = rng.below(limit + 10 * PAGE);
            let end = start + rng.below(300 * PAGE);
            frames.add_free_range(start, end);
            for frame in start.div_ceil(PAGE)..(end / PAGE).min(2048) {
                usable.insert(frame * PAGE);
            }
        }
        assert_eq!(frames.total_frames(), usable.len());
        let mut allocated: HashSet<u64> = HashSet::new();
        let mut blocks: std::vec::Vec<(u64, usize)> = std::vec::Vec::new();
        for _ in 0..5000 {
            match rng.below(10) {
                0..=4 => {
                    if let Some(addr) = frames.allocate() {
                        assert!(usable.contains(&addr), "seed {seed}: {addr:#x} not usable");
                        assert!(
                            allocated.insert(addr),
                            "seed {seed}: {addr:#x} handed out twice"
                        );
                        blocks.push((addr, 1));
                    } else {
                        assert_eq!(allocated.len(), usable.len());
                    }
                }
                5 => {
                    let count = 1 + rng.below(8) as usize;
                    let align = 1 << rng.below(4);
                    if let Some(addr) = frames.allocate_contiguous(count, align) {
                        assert_eq!((addr / PAGE) % align as u64, 0);
                        for index in 0..count as u64 {
                            let frame = addr + index * PAGE;
                            assert!(usable.contains(&frame));
                            assert!(allocated.insert(frame), "seed {seed}: overlap");
                        }
                        blocks.push((addr, count));
                    }
                }
                _ => {
                    if !blocks.is_empty() {
                        let index = rng.below(blocks.len() as u64) as usize;
                        let (addr, count) = blocks.swap_remove(index);
                        frames.free_contiguous(addr, count).unwrap();
                        for index in 0..count as u64 {
                            allocated.remove(&(addr + index * PAGE));
                        }
                        assert_eq!(
                            frames.free(addr),
                            Err(FreeError::DoubleFree { phys_addr: addr })
                        );
                    }
                }
            }
            assert_eq!(frames.free_frames(), usable.len() - allocated.len());
            assert_eq!(frames.free_frames_in_bitmap(), frames.free_frames(), "counter and bitmap disagree");
        }
        for (addr, count) in blocks {
            frames.free_contiguous(addr, count).unwrap();
        }
        assert_eq!(frames.free_frames(), usable.len());
    }
}
