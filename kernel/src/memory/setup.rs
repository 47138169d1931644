//! Memory set-up at boot: the frame allocator from the boot memory map, the
//! kernel page table and image permissions, the direct map, the heap; and
//! uncached MMIO mappings for device registers.

use super::{frames, heap, kernel_image, paging};
use crate::pvh::{MemoryMapEntry, MEMORY_TYPE_RAM};
use arch::layout::{
    kernel_virt_to_phys, phys_to_virt, BOOT_DIRECT_MAP_BYTES, DIRECT_MAP_BASE, LARGE_PAGE_SIZE_BYTES,
};
use super::frame_allocator::BitmapFrameAllocator;
use x86_64::structures::paging::PageTableFlags;

/// Everything below 1 MiB stays out of the allocator: real-mode structures,
/// the AP trampoline page, the PVH start info and the BIOS area.
const LOW_MEMORY_RESERVED_BYTES: u64 = 0x10_0000;

unsafe extern "C" {
    static __kernel_physical_start: u8;
    static __kernel_virtual_end: u8;
}

/// Summary printed at boot.
pub struct MemorySummary {
    pub usable_bytes: u64,
    pub highest_address: u64,
    pub free_frames: usize,
}

/// Sets up frames, page tables and the heap from the boot memory map,
/// leaving the physical ranges in `kept` (boot modules) out of the
/// allocator. Panics with a clear message if the map is unusable.
pub fn init(memory_map: &[MemoryMapEntry], kept: &[(u64, u64)]) -> MemorySummary {
    let ram = || memory_map.iter().filter(|entry| entry.entry_type == MEMORY_TYPE_RAM && entry.size_bytes > 0);
    let highest_address = ram()
        .map(|entry| entry.address.saturating_add(entry.size_bytes))
        .max()
        .expect("memory map: no usable RAM entries");
    let usable_bytes: u64 = ram().map(|entry| entry.size_bytes).sum();
    assert!(
        usable_bytes >= 16 << 20,
        "memory map: only {} KiB of usable RAM; the kernel needs at least 16 MiB",
        usable_bytes / 1024
    );

    let kernel_start = &raw const __kernel_physical_start as u64;
    let kernel_end = kernel_virt_to_phys(&raw const __kernel_virtual_end as u64);
    let bitmap_words = BitmapFrameAllocator::bitmap_words_needed(highest_address);
    let bitmap_bytes = (bitmap_words * 8) as u64;
    let bitmap_phys = find_bitmap_home(memory_map, bitmap_bytes, kernel_end, kept)
        .expect("memory map: no free RAM range large enough for the frame bitmap");
    assert!(
        bitmap_phys + bitmap_bytes <= BOOT_DIRECT_MAP_BYTES,
        "memory map: the frame bitmap would land above the boot direct map"
    );
    // SAFETY: the range is free RAM (from the memory map, clear of the kernel
    // and low memory), covered by the boot direct map, and reserved below
    // before anything else can allocate it.
    let storage = unsafe {
        core::slice::from_raw_parts_mut(phys_to_virt(bitmap_phys) as *mut u64, bitmap_words)
    };
    let mut allocator = BitmapFrameAllocator::new(storage, highest_address);
    for entry in ram() {
        allocator.add_free_range(entry.address, entry.address + entry.size_bytes);
    }
    allocator.reserve_range(0, LOW_MEMORY_RESERVED_BYTES);
    allocator.reserve_range(kernel_start, kernel_end);
    allocator.reserve_range(bitmap_phys, bitmap_phys + bitmap_bytes);
    for &(start, end) in kept {
        allocator.reserve_range(start & !0xfff, end.next_multiple_of(4096));
    }
    frames::install(allocator);

    paging::init();
    kernel_image::protect();
    extend_direct_map(highest_address);
    heap::init();
    MemorySummary { usable_bytes, highest_address, free_frames: frames::free_count() }
}

/// Lowest RAM range above the kernel image (and 1 MiB) with room for the
/// bitmap, clear of the `kept` ranges.
fn find_bitmap_home(memory_map: &[MemoryMapEntry], bytes: u64, kernel_end: u64, kept: &[(u64, u64)]) -> Option<u64> {
    memory_map
        .iter()
        .filter(|entry| entry.entry_type == MEMORY_TYPE_RAM)
        .filter_map(|entry| {
            let mut start = entry.address.max(kernel_end).max(LOW_MEMORY_RESERVED_BYTES).next_multiple_of(4096);
            let end = entry.address + entry.size_bytes;
            // Step past every kept range the candidate overlaps.
            while let Some(&(_, kept_end)) =
                kept.iter().find(|&&(kept_start, kept_end)| start < kept_end && kept_start < start + bytes)
            {
                start = kept_end.next_multiple_of(4096);
            }
            (start + bytes <= end).then_some(start)
        })
        .min()
}

/// Maps physical memory above the boot stub's 4 GiB into the direct map.
fn extend_direct_map(highest_address: u64) {
    let mut physical = BOOT_DIRECT_MAP_BYTES;
    let flags = PageTableFlags::WRITABLE | PageTableFlags::NO_EXECUTE;
    while physical < highest_address {
        // SAFETY: the direct map's virtual range above the boot mapping is
        // unused, and mapping physical memory there aliases nothing Rust owns.
        unsafe { paging::map_large_page(DIRECT_MAP_BASE + physical, physical, flags) }
            .expect("cannot extend the direct map");
        physical += LARGE_PAGE_SIZE_BYTES;
    }
}

/// Maps `size_bytes` of device registers at `physical_address` uncached into
/// the MMIO window and returns the virtual address.
pub fn map_mmio(physical_address: u64, size_bytes: u64) -> u64 {
    use core::sync::atomic::{AtomicU64, Ordering};
    static NEXT_MMIO_VIRTUAL: AtomicU64 = AtomicU64::new(arch::layout::MMIO_BASE);
    let page_offset = physical_address % 4096;
    let first_page = physical_address - page_offset;
    let pages = (page_offset + size_bytes).div_ceil(4096);
    let virtual_base = NEXT_MMIO_VIRTUAL.fetch_add(pages * 4096, Ordering::Relaxed);
    let flags = PageTableFlags::WRITABLE
        | PageTableFlags::NO_CACHE
        | PageTableFlags::WRITE_THROUGH
        | PageTableFlags::NO_EXECUTE;
    for page in 0..pages {
        // SAFETY: the MMIO window hands out fresh virtual pages; the physical
        // range is device memory the caller drives.
        unsafe { paging::map_page(virtual_base + page * 4096, first_page + page * 4096, flags) }
            .expect("cannot map device registers");
    }
    virtual_base + page_offset
}
