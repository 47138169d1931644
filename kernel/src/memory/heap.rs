//! The kernel heap: the library's free-list allocator as the global
//! allocator, behind an interrupt-safe spinlock, growing by mapping fresh
//! frames at the end of the heap region when it runs out.
//!
//! Lock order: heap, then page table, then frames.

use arch::layout::{HEAP_BASE, HEAP_MAX_BYTES, PAGE_SIZE_BYTES};
use core::alloc::{GlobalAlloc, Layout};
use core::ptr::NonNull;
use crate::sync::IrqSpinLock;
use super::heap_allocator::FreeListHeap;
use x86_64::structures::paging::PageTableFlags;

/// Heap mapped at boot.
const INITIAL_HEAP_BYTES: u64 = 4 << 20;
/// Smallest growth step.
const GROWTH_STEP_BYTES: u64 = 1 << 20;

struct HeapState {
    heap: FreeListHeap,
    /// First unmapped address of the heap region.
    mapped_end: u64,
}

/// The global allocator.
pub struct KernelHeap {
    state: IrqSpinLock<HeapState>,
}

#[global_allocator]
static KERNEL_HEAP: KernelHeap =
    KernelHeap { state: IrqSpinLock::new(HeapState { heap: FreeListHeap::new(), mapped_end: HEAP_BASE }) };

/// Maps the initial heap. Called once by `memory::init`.
pub fn init() {
    let mut state = KERNEL_HEAP.state.lock();
    grow(&mut state, INITIAL_HEAP_BYTES).expect("cannot map the initial kernel heap");
}

/// Maps at least `bytes` more at the end of the heap and hands them to the
/// allocator. Returns false when out of frames or address space.
fn grow(state: &mut HeapState, bytes: u64) -> Option<()> {
    let bytes = bytes.max(GROWTH_STEP_BYTES).next_multiple_of(PAGE_SIZE_BYTES);
    let start = state.mapped_end;
    if start + bytes > HEAP_BASE + HEAP_MAX_BYTES {
        return None;
    }
    let flags = PageTableFlags::WRITABLE | PageTableFlags::NO_EXECUTE;
    let mut page = start;
    while page < start + bytes {
        let frame = super::frames::allocate()?;
        // SAFETY: the heap region above `mapped_end` is reserved for the heap
        // and unmapped; the frame was just allocated.
        if unsafe { super::paging::map_page(page, frame, flags) }.is_err() {
            let _ = super::frames::free(frame);
            break;
        }
        page += PAGE_SIZE_BYTES;
    }
    if page == start {
        return None;
    }
    state.mapped_end = page;
    // SAFETY: [start, page) was just mapped, belongs to nobody else, and
    // directly follows the memory the heap already owns.
    unsafe { state.heap.add_region(start as *mut u8, (page - start) as usize) }.ok()
}

// SAFETY: allocation and deallocation are serialised by the lock (taken with
// interrupts off, so an interrupt handler on the same CPU cannot deadlock);
// FreeListHeap returns blocks that fit the layout and never overlap.
unsafe impl GlobalAlloc for KernelHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let mut state = self.state.lock();
        if let Some(block) = state.heap.allocate(layout) {
            return block.as_ptr();
        }
        let needed = (layout.size() + layout.align()) as u64 + PAGE_SIZE_BYTES;
        if grow(&mut state, needed).is_none() {
            return core::ptr::null_mut();
        }
        state.heap.allocate(layout).map_or(core::ptr::null_mut(), NonNull::as_ptr)
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        let Some(block) = NonNull::new(pointer) else { return };
        // SAFETY: GlobalAlloc's contract: `pointer` came from `alloc` with
        // this layout.
        let result = unsafe { self.state.lock().heap.deallocate(block, layout) };
        if let Err(error) = result {
            panic!("heap: bad deallocation of {pointer:p} ({layout:?}): {error:?}");
        }
    }
}

/// Bytes currently allocated from the heap.
pub fn used_bytes() -> usize {
    KERNEL_HEAP.state.lock().heap.used_bytes()
}

/// Blocks on the heap's free list (coalescing keeps this from growing when
/// everything allocated is freed again).
pub fn free_block_count() -> usize {
    KERNEL_HEAP.state.lock().heap.free_block_count()
}

/// Bytes of the heap region mapped so far (each page is one frame).
pub fn mapped_bytes() -> usize {
    (KERNEL_HEAP.state.lock().mapped_end - HEAP_BASE) as usize
}
