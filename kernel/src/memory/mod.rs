//! Memory: physical frames, kernel page tables, the heap and guarded kernel
//! stacks. The allocator algorithms are plain library code, tested on the
//! host; the rest drives the hardware and builds only for the kernel target.

/// Bitmap allocator for 4 KiB physical frames over the free ranges of a memory map.
pub mod frame_allocator;
/// Address-ordered free-list heap with splitting, coalescing and any power-of-two alignment.
pub mod heap_allocator;

/// The global frame allocator (the bitmap behind a lock).
#[cfg(target_os = "none")]
pub mod frames;
/// The kernel heap: the global allocator over the free-list heap.
#[cfg(target_os = "none")]
pub mod heap;
/// Kernel image permissions (write-xor-execute with 4 KiB pages).
#[cfg(target_os = "none")]
pub mod kernel_image;
/// Guarded kernel stacks in fixed virtual slots.
#[cfg(target_os = "none")]
pub mod kernel_stacks;
/// The kernel page table: mapping, unmapping, address-space roots.
#[cfg(target_os = "none")]
pub mod paging;
/// TLB shootdown, reached through a hook the IPI layer registers.
#[cfg(target_os = "none")]
pub mod tlb;
/// The CPUs that have a user address space loaded (a lock-free mask).
#[cfg(target_os = "none")]
pub mod active_cpus;
/// A user address space for the scheduler and the TLB: memory, root, active CPUs.
#[cfg(target_os = "none")]
pub mod address_space;
/// A process's memory: page tables and memory map in step, demand paging, brk.
#[cfg(target_os = "none")]
pub mod process_memory;
/// User address spaces: a private user half over the shared kernel half.
#[cfg(target_os = "none")]
pub mod user_space;
/// A process memory map as data: areas, protections, splitting (host-tested).
pub mod vm_areas;
/// Owner counts of frames shared by copy-on-write.
#[cfg(target_os = "none")]
pub mod shared_frames;
/// Boot-time set-up and MMIO mappings.
#[cfg(target_os = "none")]
mod setup;

#[cfg(target_os = "none")]
pub use setup::{init, map_mmio, MemorySummary};
