//! Write-xor-execute for the kernel image. The boot stub maps the image with
//! 2 MiB read-write-execute pages; once frames exist, the image's window
//! (`KERNEL_VIRTUAL_BASE` + 1 GiB) gets its own page directory with 4 KiB
//! pages: `.text` read-execute, `.rodata` read-only, `.data`/`.bss`
//! read-write no-execute, and nothing else (the low megabyte and the boot
//! sections are reachable through the direct map only).

use arch::layout::{kernel_virt_to_phys, phys_to_virt, KERNEL_VIRTUAL_BASE, LARGE_PAGE_SIZE_BYTES, PAGE_SIZE_BYTES};
use x86_64::registers::control::Cr3;
use x86_64::structures::paging::{PageTable, PageTableFlags};
use x86_64::PhysAddr;

unsafe extern "C" {
    static __text_start: u8;
    static __rodata_start: u8;
    static __data_start: u8;
    static __kernel_virtual_end: u8;
}

/// Section boundaries of the running image (virtual, page aligned).
struct ImageLayout {
    text_start: u64,
    rodata_start: u64,
    data_start: u64,
    end: u64,
}

impl ImageLayout {
    fn current() -> ImageLayout {
        ImageLayout {
            text_start: &raw const __text_start as u64,
            rodata_start: &raw const __rodata_start as u64,
            data_start: &raw const __data_start as u64,
            end: &raw const __kernel_virtual_end as u64,
        }
    }

    fn flags_for(&self, virtual_address: u64) -> PageTableFlags {
        let present = PageTableFlags::PRESENT;
        if virtual_address < self.rodata_start {
            present
        } else if virtual_address < self.data_start {
            present | PageTableFlags::NO_EXECUTE
        } else {
            present | PageTableFlags::WRITABLE | PageTableFlags::NO_EXECUTE
        }
    }
}

/// The kernel's code: `[start of .text, start of .rodata)` (a backtrace
/// takes only return addresses in here).
pub fn text_range() -> core::ops::Range<u64> {
    let layout = ImageLayout::current();
    layout.text_start..layout.rodata_start
}

/// The PML4 index and PDPT index of the image window.
const KERNEL_PML4_INDEX: usize = 511;
const KERNEL_PDPT_INDEX: usize = 510;
const _: () = assert!(arch::layout::pml4_index(KERNEL_VIRTUAL_BASE) == KERNEL_PML4_INDEX as u64);
const _: () = assert!(arch::layout::pdpt_index(KERNEL_VIRTUAL_BASE) == KERNEL_PDPT_INDEX as u64);

fn table_at(physical_address: u64) -> &'static mut PageTable {
    // SAFETY: page tables are reached through the direct map; callers only
    // pass frames that hold page tables this module built or owns now.
    unsafe { &mut *(phys_to_virt(physical_address) as *mut PageTable) }
}

/// Remaps the image with per-section permissions. Run once, on the BSP,
/// before any other CPU starts (so only this TLB needs flushing).
pub fn protect() {
    let layout = ImageLayout::current();
    assert!(layout.text_start < layout.rodata_start && layout.rodata_start <= layout.data_start);
    let directory_frame = super::frames::allocate_zeroed().expect("out of memory mapping the kernel image");
    let directory = table_at(directory_frame);
    let table_flags = PageTableFlags::PRESENT | PageTableFlags::WRITABLE;
    let mut page = layout.text_start;
    while page < layout.end {
        let directory_index = ((page - KERNEL_VIRTUAL_BASE) / LARGE_PAGE_SIZE_BYTES) as usize;
        if directory[directory_index].is_unused() {
            let table_frame = super::frames::allocate_zeroed().expect("out of memory mapping the kernel image");
            directory[directory_index].set_addr(PhysAddr::new(table_frame), table_flags);
        }
        let table = table_at(directory[directory_index].addr().as_u64());
        let table_index = ((page / PAGE_SIZE_BYTES) % 512) as usize;
        table[table_index].set_addr(PhysAddr::new(kernel_virt_to_phys(page)), layout.flags_for(page));
        page += PAGE_SIZE_BYTES;
    }
    let (pml4_frame, _) = Cr3::read();
    let pml4 = table_at(pml4_frame.start_address().as_u64());
    let pdpt = table_at(pml4[KERNEL_PML4_INDEX].addr().as_u64());
    pdpt[KERNEL_PDPT_INDEX].set_addr(PhysAddr::new(directory_frame), table_flags);
    x86_64::instructions::tlb::flush_all();
}
