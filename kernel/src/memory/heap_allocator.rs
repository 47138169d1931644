//! The kernel heap algorithm: an address-ordered free list with splitting and coalescing.
//!
//! The kernel wraps [`FreeListHeap`] in a spinlock, implements `GlobalAlloc` on
//! top, and calls [`FreeListHeap::add_region`] when it maps more heap pages.
//!
//! Each free block stores its own header, so the heap needs no side storage:
//!
//! ```text
//!  free block (size_bytes is a multiple of 16, address 16-aligned)
//! +-----------------+-----------------+------------------------------+
//! | size_bytes: usz | next: *FreeBlock|  ... rest of the free bytes   |
//! +-----------------+-----------------+------------------------------+
//! ```
//!
//! Allocated blocks carry no header: `deallocate` recomputes the block size from
//! the `Layout`, which `GlobalAlloc` guarantees is the one used to allocate.
//! Every request is rounded up to [`MIN_BLOCK_SIZE_BYTES`] and to a multiple of it,
//! so any split leaves pieces big enough to hold a header.

use core::alloc::Layout;
use core::ptr::NonNull;

/// Smallest block (and granule of every block size and address).
pub const MIN_BLOCK_SIZE_BYTES: usize = 16;

/// Header written at the start of every free block.
#[repr(C)]
struct FreeBlock {
    size_bytes: usize,
    next: Option<NonNull<FreeBlock>>,
}

const _: () = assert!(core::mem::size_of::<FreeBlock>() <= MIN_BLOCK_SIZE_BYTES);
const _: () = assert!(core::mem::align_of::<FreeBlock>() <= MIN_BLOCK_SIZE_BYTES);

/// Why a region or a deallocation was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeapError {
    /// The block overlaps memory that is already free: a double free or a bad pointer.
    OverlapsFreeMemory { addr: usize, size_bytes: usize },
    /// The pointer is not 16-aligned, so it never came from this heap.
    Misaligned { addr: usize },
    /// A region passed to `add_region` runs past the end of the address space.
    RegionWrapsAround { addr: usize, size_bytes: usize },
}

impl core::fmt::Display for HeapError {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match *self {
            Self::OverlapsFreeMemory { addr, size_bytes } => write!(
                formatter,
                "heap free of {addr:#x} ({size_bytes} bytes) overlaps free memory (double free?)"
            ),
            Self::Misaligned { addr } => {
                write!(formatter, "heap free of misaligned pointer {addr:#x}")
            }
            Self::RegionWrapsAround { addr, size_bytes } => {
                write!(
                    formatter,
                    "heap region {addr:#x} + {size_bytes} bytes wraps around"
                )
            }
        }
    }
}

/// First-fit heap over an address-ordered singly linked list of free blocks.
pub struct FreeListHeap {
    head: Option<NonNull<FreeBlock>>,
    total_bytes: usize,
    free_bytes: usize,
}

// SAFETY: the heap exclusively owns the memory its pointers refer to (given to it
// by `add_region`); nothing else aliases the free blocks, so moving the heap to
// another thread or CPU moves that ownership with it. Callers serialize access
// through `&mut self` (the kernel wraps it in a spinlock).
unsafe impl Send for FreeListHeap {}

impl Default for FreeListHeap {
    fn default() -> Self {
        Self::new()
    }
}

impl FreeListHeap {
    /// Creates an empty heap (usable in a `static`).
    pub const fn new() -> Self {
        Self {
            head: None,
            total_bytes: 0,
            free_bytes: 0,
        }
    }

    /// Bytes handed out to live allocations (after rounding up to 16-byte granules).
    pub fn used_bytes(&self) -> usize {
        self.total_bytes - self.free_bytes
    }

    /// Bytes in free blocks.
    pub fn free_bytes(&self) -> usize {
        self.free_bytes
    }

    /// Bytes given to the heap by [`Self::add_region`] (after trimming to 16-byte granules).
    pub fn total_bytes(&self) -> usize {
        self.total_bytes
    }

    /// Number of blocks on the free list (1 per contiguous region when nothing is allocated).
    pub fn free_block_count(&self) -> usize {
        self.free_blocks().count()
    }

    /// Size of the largest free block, the biggest request that can surely succeed at
    /// alignment 16.
    pub fn largest_free_block_bytes(&self) -> usize {
        self.free_blocks()
            .map(|(_, size_bytes)| size_bytes)
            .max()
            .unwrap_or(0)
    }

    /// Iterates over the free blocks as `(address, size_bytes)` in address order.
    pub fn free_blocks(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        let mut cursor = self.head;
        core::iter::from_fn(move || {
            let block = cursor?;
            // SAFETY: every pointer on the free list points to a live `FreeBlock`
            // header inside memory owned by this heap, and `&self` prevents mutation.
            let header = unsafe { block.as_ref() };
            cursor = header.next;
            Some((block.as_ptr() as usize, header.size_bytes))
        })
    }

    /// Gives the memory `[start, start + size_bytes)` to the heap.
    ///
    /// The range is trimmed inward to 16-byte granules; a range smaller than one
    /// granule is ignored. A region adjacent to an earlier one is coalesced with it.
    /// A region overlapping free heap memory is refused with an error.
    ///
    /// # Safety
    /// The range must be valid, writable memory that nothing else uses for as long
    /// as the heap (or any allocation from it) lives, must not overlap memory the
    /// heap already owns, and must not wrap around the end of the address space.
    pub unsafe fn add_region(
        &mut self,
        start: *mut u8,
        size_bytes: usize,
    ) -> Result<(), HeapError> {
        let start_addr = start as usize;
        let Some(end_addr) = start_addr.checked_add(size_bytes) else {
            return Err(HeapError::RegionWrapsAround {
                addr: start_addr,
                size_bytes,
            });
        };
        let Some(aligned_start) = start_addr.checked_next_multiple_of(MIN_BLOCK_SIZE_BYTES) else {
            return Err(HeapError::RegionWrapsAround {
                addr: start_addr,
                size_bytes,
            });
        };
        let aligned_end = end_addr & !(MIN_BLOCK_SIZE_BYTES - 1);
        if aligned_start >= aligned_end {
            return Ok(());
        }
        let block_size_bytes = aligned_end - aligned_start;
        // SAFETY: `aligned_start` lies within the caller's range, so the offset stays
        // inside the same allocation and keeps `start`'s provenance.
        let block = unsafe { start.add(aligned_start - start_addr) };
        // SAFETY: the caller hands us exclusive ownership of this range; an overlap
        // with memory we already own is detected and refused by the insertion.
        unsafe { self.insert_free_block(block, block_size_bytes)? };
        self.total_bytes += block_size_bytes;
        Ok(())
    }

    /// Allocates a block for `layout` (first fit). Alignment may be any power of two.
    ///
    /// `GlobalAlloc` never asks for size 0; if asked here, a 16-byte block is
    /// returned so the pointer is unique and can be deallocated with the same layout.
    pub fn allocate(&mut self, layout: Layout) -> Option<NonNull<u8>> {
        let size_bytes = block_size_for(layout)?;
        let align_bytes = layout.align().max(MIN_BLOCK_SIZE_BYTES);
        let mut previous: Option<NonNull<FreeBlock>> = None;
        let mut cursor = self.head;
        while let Some(block) = cursor {
            // SAFETY: free-list pointers always point to live headers owned by the heap.
            let header = unsafe { block.as_ptr().read() };
            let block_addr = block.as_ptr() as usize;
            let block_end = block_addr + header.size_bytes;
            let aligned_addr = block_addr.checked_next_multiple_of(align_bytes)?;
            if aligned_addr
                .checked_add(size_bytes)
                .is_some_and(|end| end <= block_end)
            {
                // Both gaps are multiples of 16: zero or large enough for a header.
                let front_gap_bytes = aligned_addr - block_addr;
                let back_gap_bytes = block_end - aligned_addr - size_bytes;
                let base = block.as_ptr().cast::<u8>();
                // SAFETY: all offsets stay inside this free block, which the heap owns;
                // the headers written are 16-aligned and at least 16 bytes long.
                unsafe {
                    let mut next = header.next;
                    if back_gap_bytes > 0 {
                        let back = base.add(front_gap_bytes + size_bytes).cast::<FreeBlock>();
                        back.write(FreeBlock {
                            size_bytes: back_gap_bytes,
                            next,
                        });
                        next = Some(NonNull::new_unchecked(back));
                    }
                    if front_gap_bytes > 0 {
                        block.as_ptr().write(FreeBlock {
                            size_bytes: front_gap_bytes,
                            next,
                        });
                    } else {
                        self.set_next(previous, next);
                    }
                    self.free_bytes -= size_bytes;
                    return Some(NonNull::new_unchecked(base.add(front_gap_bytes)));
                }
            }
            previous = cursor;
            cursor = header.next;
        }
        None
    }

    /// Returns a block to the heap, coalescing it with free neighbours.
    ///
    /// A block that overlaps free memory (a double free) is refused and reported;
    /// the kernel's `GlobalAlloc` wrapper should panic on the error.
    ///
    /// # Safety
    /// `ptr` must come from [`Self::allocate`] on this heap with the same `layout`,
    /// and the caller must not use the block afterwards.
    pub unsafe fn deallocate(&mut self, ptr: NonNull<u8>, layout: Layout) -> Result<(), HeapError> {
        let addr = ptr.as_ptr() as usize;
        if !addr.is_multiple_of(MIN_BLOCK_SIZE_BYTES) {
            return Err(HeapError::Misaligned { addr });
        }
        let size_bytes = block_size_for(layout).ok_or(HeapError::OverlapsFreeMemory {
            addr,
            size_bytes: 0,
        })?;
        // SAFETY: the caller guarantees the block came from this heap and is dead, so
        // the heap owns it again.
        unsafe { self.insert_free_block(ptr.as_ptr(), size_bytes) }
    }

    /// Inserts a block into the address-ordered list and merges it with neighbours.
    ///
    /// # Safety
    /// `start` must be 16-aligned, and `[start, start + size_bytes)` owned by the heap
    /// and not in use; `size_bytes` a non-zero multiple of 16.
    unsafe fn insert_free_block(
        &mut self,
        start: *mut u8,
        size_bytes: usize,
    ) -> Result<(), HeapError> {
        let addr = start as usize;
        let end = addr + size_bytes;
        let overlap = Err(HeapError::OverlapsFreeMemory { addr, size_bytes });
        let mut previous: Option<NonNull<FreeBlock>> = None;
        let mut cursor = self.head;
        while let Some(block) = cursor {
            if block.as_ptr() as usize >= addr {
                break;
            }
            previous = cursor;
            // SAFETY: free-list pointers always point to live headers owned by the heap.
            cursor = unsafe { block.as_ref().next };
        }
        let previous_end = previous.map(|block| {
            // SAFETY: `previous` is a live header on the free list.
            let size_bytes = unsafe { block.as_ref().size_bytes };
            block.as_ptr() as usize + size_bytes
        });
        if previous_end.is_some_and(|previous_end| previous_end > addr) {
            return overlap;
        }
        if cursor.is_some_and(|next| (next.as_ptr() as usize) < end) {
            return overlap;
        }
        self.free_bytes += size_bytes;
        let merges_with_next = cursor.is_some_and(|next| next.as_ptr() as usize == end);
        let (merged_size, merged_next) = match cursor {
            // SAFETY: `next` is a live header on the free list.
            Some(next) if merges_with_next => unsafe {
                let next_header = next.as_ref();
                (size_bytes + next_header.size_bytes, next_header.next)
            },
            _ => (size_bytes, cursor),
        };
        if let (Some(mut before), Some(before_end)) = (previous, previous_end) {
            if before_end == addr {
                // SAFETY: `before` is a live free-list header and no reference aliases it.
                let before_header = unsafe { before.as_mut() };
                before_header.size_bytes += merged_size;
                before_header.next = merged_next;
                return Ok(());
            }
        }
        let block = start.cast::<FreeBlock>();
        // SAFETY: `start` is 16-aligned heap-owned memory of at least 16 bytes.
        unsafe {
            block.write(FreeBlock {
                size_bytes: merged_size,
                next: merged_next,
            })
        };
        // SAFETY: `block` was derived from a non-null pointer to owned memory.
        self.set_next(previous, Some(unsafe { NonNull::new_unchecked(block) }));
        Ok(())
    }

    /// Points `previous.next` (or the list head when `previous` is `None`) at `next`.
    fn set_next(&mut self, previous: Option<NonNull<FreeBlock>>, next: Option<NonNull<FreeBlock>>) {
        match previous {
            // SAFETY: `previous` is a live free-list header owned by the heap, and
            // `&mut self` guarantees no other reference to it exists.
            Some(mut block) => unsafe { block.as_mut().next = next },
            None => self.head = next,
        }
    }
}

/// Rounds a request up to a whole number of 16-byte granules (at least one).
fn block_size_for(layout: Layout) -> Option<usize> {
    layout
        .size()
        .max(MIN_BLOCK_SIZE_BYTES)
        .checked_next_multiple_of(MIN_BLOCK_SIZE_BYTES)
}

#[cfg(test)]
mod tests;
