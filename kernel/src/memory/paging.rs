//! The kernel page table: mapping and unmapping kernel-half pages through the
//! `x86_64` crate's `OffsetPageTable` over the direct map.
//!
//! Every PML4 entry of the kernel half (256..511) is populated at boot, so any
//! future address space that copies those entries sees every later kernel
//! mapping too (stacks, heap, MMIO): a kernel stack can never be missing after
//! a CR3 switch.

use crate::sync::IrqSpinLock;
use arch::layout::{phys_to_virt, DIRECT_MAP_BASE};
use core::sync::atomic::{AtomicUsize, Ordering};
use x86_64::registers::control::Cr3;
use x86_64::structures::paging::mapper::{MapToError, UnmapError};
use x86_64::structures::paging::{
    FrameAllocator, Mapper, OffsetPageTable, Page, PageTable, PageTableFlags, PhysFrame, Size4KiB,
};
use x86_64::{PhysAddr, VirtAddr};

/// Lock order: page table, then frames. An `IrqSpinLock`: stacks are
/// unmapped from the scheduler with interrupts off.
static KERNEL_PAGE_TABLE: IrqSpinLock<Option<OffsetPageTable<'static>>> = IrqSpinLock::new(None);

/// Physical address of the kernel's own PML4 (loaded on every CPU at boot;
/// threads without an address space of their own run on it).
static KERNEL_ROOT: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);

/// The kernel's own PML4 (physical address).
pub fn kernel_root() -> u64 {
    KERNEL_ROOT.load(Ordering::Relaxed)
}

/// Loads the PML4 at `root` on the calling CPU unless it is loaded already
/// (a CR3 write flushes the TLB).
///
/// # Safety
/// `root` must be `kernel_root()` or a root made by
/// `new_address_space_root` that stays allocated while any CPU has it
/// loaded: every such root shares the kernel half, so the kernel's code,
/// stacks and data stay mapped across the switch.
pub unsafe fn load_root(root: u64) {
    let (loaded, flags) = Cr3::read();
    if loaded.start_address().as_u64() != root {
        // SAFETY: the caller's contract.
        unsafe { Cr3::write(PhysFrame::containing_address(PhysAddr::new(root)), flags) };
    }
}

/// First PML4 index of the kernel half.
const KERNEL_HALF_FIRST_PML4_INDEX: usize = 256;

/// Frames handed out as page tables (they are never freed: kernel-half
/// tables are shared by every address space).
static PAGE_TABLE_FRAMES: AtomicUsize = AtomicUsize::new(0);

/// Hands page-table frames to the `x86_64` mapper.
struct KernelFrameSource;

// SAFETY: `frames::allocate_zeroed` returns unused, zeroed frames only.
unsafe impl FrameAllocator<Size4KiB> for KernelFrameSource {
    fn allocate_frame(&mut self) -> Option<PhysFrame<Size4KiB>> {
        let address = super::frames::allocate_zeroed()?;
        PAGE_TABLE_FRAMES.fetch_add(1, Ordering::Relaxed);
        Some(PhysFrame::containing_address(PhysAddr::new(address)))
    }
}

/// Frames used as page tables since boot (not counting the boot tables).
pub fn page_table_frames() -> usize {
    PAGE_TABLE_FRAMES.load(Ordering::Relaxed)
}

/// Takes over the boot page tables (current CR3) and gives every kernel-half
/// PML4 entry a page-directory-pointer table.
pub fn init() {
    let (pml4_frame, _) = Cr3::read();
    KERNEL_ROOT.store(pml4_frame.start_address().as_u64(), Ordering::Relaxed);
    let pml4_virtual = phys_to_virt(pml4_frame.start_address().as_u64()) as *mut PageTable;
    // SAFETY: CR3 holds the boot PML4, reachable through the direct map; from
    // now on it is only modified under KERNEL_PAGE_TABLE's lock.
    let pml4 = unsafe { &mut *pml4_virtual };
    for entry in pml4.iter_mut().skip(KERNEL_HALF_FIRST_PML4_INDEX) {
        if entry.is_unused() {
            let frame = super::frames::allocate_zeroed().expect("out of memory populating the kernel PML4");
            entry.set_addr(PhysAddr::new(frame), PageTableFlags::PRESENT | PageTableFlags::WRITABLE);
        }
    }
    // SAFETY: the direct map maps all page-table frames at DIRECT_MAP_BASE.
    let mapper = unsafe { OffsetPageTable::new(pml4, VirtAddr::new(DIRECT_MAP_BASE)) };
    *KERNEL_PAGE_TABLE.lock() = Some(mapper);
}

fn with_page_table<R>(f: impl FnOnce(&mut OffsetPageTable<'static>) -> R) -> R {
    f(KERNEL_PAGE_TABLE.lock().as_mut().expect("kernel page table used before paging::init"))
}

/// Maps the 4 KiB page at `virtual_address` to `physical_address`.
///
/// # Safety
/// `virtual_address` must be a kernel-half address owned by the caller and not
/// aliasing memory Rust believes is elsewhere; `physical_address` must be a
/// frame the caller owns (or device memory it drives).
pub unsafe fn map_page(
    virtual_address: u64,
    physical_address: u64,
    flags: PageTableFlags,
) -> Result<(), MapToError<Size4KiB>> {
    let page = Page::<Size4KiB>::containing_address(VirtAddr::new(virtual_address));
    let frame = PhysFrame::containing_address(PhysAddr::new(physical_address));
    with_page_table(|table| {
        // SAFETY: caller's contract.
        let flush = unsafe { table.map_to(page, frame, flags | PageTableFlags::PRESENT, &mut KernelFrameSource) }?;
        // The entry was not present before, and x86 never caches
        // not-present translations, so there is nothing to invalidate
        // (and `invlpg` is a costly exit under nested virtualisation).
        flush.ignore();
        Ok(())
    })
}

/// Unmaps the 4 KiB page at `virtual_address` on this CPU and returns the
/// frame it mapped. (Other CPUs' TLBs: see TEAM_NOTES on TLB shootdown.)
///
/// # Safety
/// Nothing may use the page afterwards.
pub unsafe fn unmap_page(virtual_address: u64) -> Result<u64, UnmapError> {
    let page = Page::<Size4KiB>::containing_address(VirtAddr::new(virtual_address));
    with_page_table(|table| {
        let (frame, flush) = table.unmap(page)?;
        flush.flush();
        Ok(frame.start_address().as_u64())
    })
}

/// Maps the 2 MiB page at `virtual_address` to `physical_address` (for the
/// part of the direct map above what the boot stub mapped).
///
/// # Safety
/// As for `map_page`; both addresses must be 2 MiB aligned.
pub unsafe fn map_large_page(
    virtual_address: u64,
    physical_address: u64,
    flags: PageTableFlags,
) -> Result<(), MapToError<x86_64::structures::paging::Size2MiB>> {
    use x86_64::structures::paging::Size2MiB;
    let page = Page::<Size2MiB>::from_start_address(VirtAddr::new(virtual_address))
        .expect("large page virtual address must be 2 MiB aligned");
    let frame = PhysFrame::<Size2MiB>::from_start_address(PhysAddr::new(physical_address))
        .expect("large page physical address must be 2 MiB aligned");
    with_page_table(|table| {
        let flags = flags | PageTableFlags::PRESENT | PageTableFlags::HUGE_PAGE;
        // SAFETY: caller's contract.
        let flush = unsafe { table.map_to(page, frame, flags, &mut KernelFrameSource) }?;
        flush.flush();
        Ok(())
    })
}

/// Drops the boot identity map of low memory (PML4 entry 0) once no CPU
/// needs it (the AP trampoline, which runs from it, is the last user), so
/// that a null or other low-address dereference in the kernel faults. The
/// boot stub's direct-map page directory, which the identity map shared,
/// then becomes no-execute: no writable alias of kernel code stays
/// executable. Flushes every online CPU's TLB.
pub fn remove_identity_map() {
    with_page_table(|table| {
        let pml4 = table.level_4_table_mut();
        pml4[0].set_unused();
        let direct_map_pdpt = table_at(pml4[arch::layout::pml4_index(DIRECT_MAP_BASE) as usize].addr().as_u64());
        for pdpt_entry in direct_map_pdpt.iter().filter(|entry| !entry.is_unused()) {
            if pdpt_entry.flags().contains(PageTableFlags::HUGE_PAGE) {
                continue;
            }
            for pd_entry in table_at(pdpt_entry.addr().as_u64()).iter_mut().filter(|entry| !entry.is_unused()) {
                pd_entry.set_flags(pd_entry.flags() | PageTableFlags::NO_EXECUTE);
            }
        }
    });
    super::tlb::shootdown();
}

/// The page table at a physical address, through the direct map.
fn table_at(physical_address: u64) -> &'static mut PageTable {
    // SAFETY: only called with frames holding kernel page tables, under the
    // page-table lock.
    unsafe { &mut *(phys_to_virt(physical_address) as *mut PageTable) }
}

/// A fresh top-level table for a new address space: the user half (PML4
/// entries 0..256) empty, the kernel half sharing this kernel's entries.
/// Because `init` populated every kernel-half entry, everything the kernel
/// maps later (stacks, heap, MMIO) is visible through it too. Returns the
/// physical address of the new PML4.
pub fn new_address_space_root() -> Option<u64> {
    let root = super::frames::allocate_zeroed()?;
    with_page_table(|table| {
        // SAFETY: `root` is a fresh, zeroed frame reached through the direct map.
        let new_pml4 = unsafe { &mut *(phys_to_virt(root) as *mut PageTable) };
        let kernel_pml4 = table.level_4_table();
        for index in KERNEL_HALF_FIRST_PML4_INDEX..512 {
            new_pml4[index] = kernel_pml4[index].clone();
        }
    });
    Some(root)
}
