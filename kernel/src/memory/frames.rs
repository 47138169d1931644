//! The kernel's physical frame allocator: the bitmap allocator from the
//! library behind an interrupt-safe spinlock. Its bitmap lives in RAM found
//! in the memory map, reached through the direct map.

use crate::sync::IrqSpinLock;
use super::frame_allocator::{BitmapFrameAllocator, FreeError};

/// An `IrqSpinLock`: frames are allocated and freed from interrupt context
/// too (via the heap, and when the scheduler releases a stack).
static FRAMES: IrqSpinLock<Option<BitmapFrameAllocator<'static>>> = IrqSpinLock::new(None);

/// Installs the allocator. Called once by `memory::init`.
pub fn install(allocator: BitmapFrameAllocator<'static>) {
    *FRAMES.lock() = Some(allocator);
}

fn with_allocator<R>(f: impl FnOnce(&mut BitmapFrameAllocator<'static>) -> R) -> R {
    f(FRAMES.lock().as_mut().expect("frame allocator used before memory::init"))
}

/// One free 4 KiB frame (physical address), or `None` when memory is exhausted.
pub fn allocate() -> Option<u64> {
    with_allocator(|frames| frames.allocate())
}

/// A zeroed frame (physical address), or `None` when memory is exhausted.
pub fn allocate_zeroed() -> Option<u64> {
    let frame = allocate()?;
    // SAFETY: the frame was just handed to us; the direct map covers it.
    unsafe {
        core::ptr::write_bytes(arch::layout::phys_to_virt(frame) as *mut u8, 0, 4096);
    }
    Some(frame)
}

/// Gives a frame back; an invalid or double free is reported as an error.
pub fn free(frame: u64) -> Result<(), FreeError> {
    with_allocator(|frames| frames.free(frame))
}

/// Frames currently free.
pub fn free_count() -> usize {
    with_allocator(|frames| frames.free_frames())
}

/// Frames free by the allocator's counter and by a scan of its bitmap (the
/// two agree unless its bookkeeping broke).
pub fn audit_free_count() -> (usize, usize) {
    with_allocator(|frames| (frames.free_frames(), frames.free_frames_in_bitmap()))
}

/// Frames of usable RAM.
pub fn total_count() -> usize {
    with_allocator(|frames| frames.total_frames())
}
