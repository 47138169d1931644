//! Host tests for the free-list heap, including a randomized model check.

use super::*;
use crate::random::Rng;
use std::collections::BTreeMap;

/// A 4096-aligned host buffer that stands in for mapped heap pages.
struct Backing {
    ptr: *mut u8,
    layout: Layout,
}

impl Backing {
    fn new(size_bytes: usize) -> Self {
        let layout = Layout::from_size_align(size_bytes, 4096).unwrap();
        // SAFETY: the layout has non-zero size.
        let ptr = unsafe { std::alloc::alloc(layout) };
        assert!(!ptr.is_null());
        Self { ptr, layout }
    }

    fn range(&self) -> core::ops::Range<usize> {
        self.ptr as usize..self.ptr as usize + self.layout.size()
    }
}

impl Drop for Backing {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with the same layout.
        unsafe { std::alloc::dealloc(self.ptr, self.layout) };
    }
}

fn heap_over(backing: &Backing) -> FreeListHeap {
    let mut heap = FreeListHeap::new();
    // SAFETY: the backing buffer outlives the heap in every test and is unused otherwise.
    unsafe { heap.add_region(backing.ptr, backing.layout.size()).unwrap() };
    heap
}

fn layout(size_bytes: usize, align_bytes: usize) -> Layout {
    Layout::from_size_align(size_bytes, align_bytes).unwrap()
}

#[test]
fn honours_every_power_of_two_alignment() {
    let backing = Backing::new(1 << 20);
    let mut heap = heap_over(&backing);
    let mut live = std::vec::Vec::new();
    for shift in 0..=12 {
        let request = layout(24, 1 << shift);
        let ptr = heap.allocate(request).unwrap();
        assert_eq!(ptr.as_ptr() as usize % (1 << shift), 0);
        assert!(backing.range().contains(&(ptr.as_ptr() as usize)));
        live.push((ptr, request));
    }
    assert_eq!(heap.used_bytes(), 13 * 32);
    for (ptr, request) in live {
        // SAFETY: allocated above with this layout.
        unsafe { heap.deallocate(ptr, request).unwrap() };
    }
    assert_eq!(heap.used_bytes(), 0);
    assert_eq!(heap.free_block_count(), 1);
}

#[test]
fn zero_size_requests_get_a_unique_granule() {
    let backing = Backing::new(4096);
    let mut heap = heap_over(&backing);
    let first = heap.allocate(layout(0, 1)).unwrap();
    let second = heap.allocate(layout(0, 1)).unwrap();
    assert_ne!(first, second);
    assert_eq!(heap.used_bytes(), 2 * MIN_BLOCK_SIZE_BYTES);
}

#[test]
fn fragmentation_coalesces_back_to_one_block() {
    let backing = Backing::new(64 * 1024);
    let mut heap = heap_over(&backing);
    let total = heap.total_bytes();
    assert_eq!(total, 64 * 1024);
    let request = layout(100, 8); // rounds to 112
    let blocks: std::vec::Vec<_> = (0..64).map(|_| heap.allocate(request).unwrap()).collect();
    assert_eq!(heap.used_bytes(), 64 * 112);
    assert_eq!(heap.free_bytes() + heap.used_bytes(), total);
    for ptr in blocks.iter().step_by(2) {
        // SAFETY: allocated above with `request`.
        unsafe { heap.deallocate(*ptr, request).unwrap() };
    }
    assert_eq!(heap.free_block_count(), 33);
    assert!(heap
        .allocate(layout(200, 8))
        .is_some_and(|ptr| { ptr.as_ptr() as usize >= blocks[63].as_ptr() as usize }));
    for ptr in blocks.iter().skip(1).step_by(2) {
        // SAFETY: allocated above with `request`.
        unsafe { heap.deallocate(*ptr, request).unwrap() };
    }
    assert_eq!(heap.used_bytes(), 208);
    assert_eq!(heap.free_block_count(), 2);
}

#[test]
fn double_free_and_misaligned_free_are_refused() {
    let backing = Backing::new(4096);
    let mut heap = heap_over(&backing);
    let request = layout(64, 16);
    let ptr = heap.allocate(request).unwrap();
    let _neighbour = heap.allocate(request).unwrap();
    // SAFETY: allocated above with `request`.
    unsafe { heap.deallocate(ptr, request).unwrap() };
    // SAFETY: deliberately wrong; the heap must detect it without touching memory.
    let again = unsafe { heap.deallocate(ptr, request) };
    assert!(matches!(again, Err(HeapError::OverlapsFreeMemory { .. })));
    let odd = NonNull::new(backing.ptr.wrapping_add(3)).unwrap();
    // SAFETY: deliberately wrong; rejected by the alignment check.
    let misaligned = unsafe { heap.deallocate(odd, request) };
    assert!(matches!(misaligned, Err(HeapError::Misaligned { .. })));
    assert_eq!(heap.used_bytes(), 64);
}

#[test]
fn adjacent_regions_coalesce_and_tiny_regions_are_ignored() {
    let backing = Backing::new(8192);
    let mut heap = FreeListHeap::new();
    // SAFETY: both halves belong to `backing`, which outlives the heap.
    unsafe {
        heap.add_region(backing.ptr.add(4096), 4096).unwrap();
        heap.add_region(backing.ptr, 4096).unwrap();
        heap.add_region(backing.ptr, 8).unwrap(); // below one granule: ignored
    }
    assert_eq!(heap.free_block_count(), 1);
    assert_eq!(heap.total_bytes(), 8192);
    // SAFETY: deliberately overlapping; must be refused.
    assert!(unsafe { heap.add_region(backing.ptr.add(16), 64) }.is_err());
    assert!(heap.allocate(layout(8192, 4096)).is_some());
    assert!(heap.allocate(layout(1, 1)).is_none());
}

#[test]
fn randomized_stress_against_model() {
    for seed in [1u64, 99, 0xC0FFEE, 31337] {
        let mut rng = Rng::new(seed);
        let first = Backing::new(1 << 20);
        let second = Backing::new(1 << 19);
        let mut heap = FreeListHeap::new();
        // SAFETY: the backings outlive the heap; the halves of `first` are disjoint.
        unsafe {
            heap.add_region(first.ptr.add(1 << 19), 1 << 19).unwrap();
            heap.add_region(second.ptr, 1 << 19).unwrap();
            heap.add_region(first.ptr, 1 << 19).unwrap();
        }
        assert_eq!(heap.free_block_count(), 2);
        let total = heap.total_bytes();
        // start -> (end, layout, fill byte)
        let mut live: BTreeMap<usize, (usize, Layout, u8)> = BTreeMap::new();
        for step in 0..6000u32 {
            if live.is_empty() || rng.chance(3, 5) {
                let request = layout(rng.range_inclusive(1, 4096) as usize, 1 << rng.below(13));
                let Some(ptr) = heap.allocate(request) else {
                    continue;
                };
                let start = ptr.as_ptr() as usize;
                let end = start + request.size();
                assert_eq!(start % request.align(), 0, "seed {seed} step {step}");
                assert!(first.range().contains(&start) || second.range().contains(&start));
                assert!(first.range().contains(&(end - 1)) || second.range().contains(&(end - 1)));
                if let Some((_, &(before_end, _, _))) = live.range(..start).next_back() {
                    assert!(
                        before_end <= start,
                        "seed {seed} step {step}: overlap below"
                    );
                }
                if let Some((&after_start, _)) = live.range(start..).next() {
                    assert!(end <= after_start, "seed {seed} step {step}: overlap above");
                }
                let fill = step as u8;
                // SAFETY: the block is ours and `request.size()` bytes long.
                unsafe { core::ptr::write_bytes(ptr.as_ptr(), fill, request.size()) };
                live.insert(start, (end, request, fill));
            } else {
                let pick = rng.below(live.len() as u64) as usize;
                let start = *live.keys().nth(pick).unwrap();
                let (end, request, fill) = live.remove(&start).unwrap();
                // SAFETY: a live block of `end - start` bytes.
                let bytes = unsafe { core::slice::from_raw_parts(start as *const u8, end - start) };
                assert!(
                    bytes.iter().all(|&byte| byte == fill),
                    "seed {seed}: contents clobbered"
                );
                // SAFETY: allocated by this heap with `request` and now dead.
                unsafe {
                    heap.deallocate(NonNull::new(start as *mut u8).unwrap(), request)
                        .unwrap()
                };
            }
            let model_used: usize = live
                .values()
                .map(|(_, request, _)| block_size_for(*request).unwrap())
                .sum();
            assert_eq!(heap.used_bytes(), model_used, "seed {seed} step {step}");
        }
        for (start, (_, request, _)) in core::mem::take(&mut live) {
            // SAFETY: allocated by this heap with `request`.
            unsafe {
                heap.deallocate(NonNull::new(start as *mut u8).unwrap(), request)
                    .unwrap()
            };
        }
        assert_eq!(heap.used_bytes(), 0);
        assert_eq!(heap.free_bytes(), total);
        assert_eq!(
            heap.free_block_count(),
            2,
            "one free block per contiguous region"
        );
    }
}
