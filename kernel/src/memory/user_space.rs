//! A user address space: its own PML4 whose kernel half is shared with every
//! other address space (`paging::new_address_space_root`) and whose user half
//! (PML4 entries 0..256) holds pages and tables it alone owns. Dropping it
//! frees them all; by then no CPU may have it loaded (the scheduler loads
//! the kernel root when it switches to a thread without one).

use super::frames;
use arch::layout::{phys_to_virt, DIRECT_MAP_BASE, PAGE_SIZE_BYTES};
use x86_64::structures::paging::mapper::MapToError;
use x86_64::structures::paging::{
    FrameAllocator, Mapper, OffsetPageTable, Page, PageTable, PageTableFlags, PhysFrame, Size4KiB,
};
use x86_64::{PhysAddr, VirtAddr};

/// PML4 entries of the user half.
const USER_HALF_PML4_ENTRIES: usize = 256;

/// Why a user page could not be mapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserMapError {
    /// Not a page-aligned user-half address.
    BadAddress(u64),
    /// Out of frames.
    OutOfMemory,
    /// Something is mapped there already.
    AlreadyMapped(u64),
}

/// What a user page allows besides reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserPageAccess {
    /// Read and execute (code).
    ReadExecute,
    /// Read and write, no execute (data, stack).
    ReadWrite,
}

/// See the module doc.
pub struct UserAddressSpace {
    root: u64,
}

/// Page-table frames for the user half, zeroed.
struct UserTableFrames;

// SAFETY: `frames::allocate_zeroed` returns unused, zeroed frames only.
unsafe impl FrameAllocator<Size4KiB> for UserTableFrames {
    fn allocate_frame(&mut self) -> Option<PhysFrame<Size4KiB>> {
        frames::allocate_zeroed().map(|address| PhysFrame::containing_address(PhysAddr::new(address)))
    }
}

impl UserAddressSpace {
    /// An empty user half over the shared kernel half; `None` when out of
    /// memory.
    pub fn new() -> Option<UserAddressSpace> {
        Some(UserAddressSpace { root: super::paging::new_address_space_root()? })
    }

    /// Physical address of the PML4 (what CR3 is loaded with).
    pub fn root(&self) -> u64 {
        self.root
    }

    /// Maps a zeroed page at the user address `virtual_address` with
    /// `access`, fills its start with `contents`, and returns its frame.
    pub fn map_page(&mut self, virtual_address: u64, access: UserPageAccess, contents: &[u8]) -> Result<u64, UserMapError> {
        if !arch::syscall::is_user_address(virtual_address)
            || !virtual_address.is_multiple_of(PAGE_SIZE_BYTES)
            || contents.len() as u64 > PAGE_SIZE_BYTES
        {
            return Err(UserMapError::BadAddress(virtual_address));
        }
        let frame = frames::allocate_zeroed().ok_or(UserMapError::OutOfMemory)?;
        // SAFETY: the frame is fresh and ours; the direct map covers it.
        unsafe { core::ptr::copy_nonoverlapping(contents.as_ptr(), phys_to_virt(frame) as *mut u8, contents.len()) };
        let mut flags = PageTableFlags::PRESENT | PageTableFlags::USER_ACCESSIBLE;
        match access {
            UserPageAccess::ReadExecute => {}
            UserPageAccess::ReadWrite => flags |= PageTableFlags::WRITABLE | PageTableFlags::NO_EXECUTE,
        }
        let parent_flags = PageTableFlags::PRESENT | PageTableFlags::WRITABLE | PageTableFlags::USER_ACCESSIBLE;
        let page = Page::<Size4KiB>::containing_address(VirtAddr::new(virtual_address));
        let target = PhysFrame::containing_address(PhysAddr::new(frame));
        // SAFETY: the root is this space's own PML4 through the direct map;
        // only its owner (us, `&mut self`) changes its user half, and the
        // mapping touches only user-half tables (the address was checked).
        let result = unsafe {
            let mut table = OffsetPageTable::new(self.pml4(), VirtAddr::new(DIRECT_MAP_BASE));
            table.map_to_with_table_flags(page, target, flags, parent_flags, &mut UserTableFrames)
        };
        match result {
            // Not loaded on any CPU yet, or loaded only by its own thread
            // which maps nothing while running: no TLB has the page.
            Ok(flush) => flush.ignore(),
            Err(error) => {
                let _ = frames::free(frame);
                return Err(match error {
                    MapToError::FrameAllocationFailed => UserMapError::OutOfMemory,
                    _ => UserMapError::AlreadyMapped(virtual_address),
                });
            }
        }
        Ok(frame)
    }

    fn pml4(&mut self) -> &'static mut PageTable {
        // SAFETY: `root` is this space's PML4 frame, reached through the
        // direct map; `&mut self` makes us its only user.
        unsafe { &mut *(phys_to_virt(self.root) as *mut PageTable) }
    }
}

/// Frees the tables (and, at the last level, the pages) below `table`.
fn free_user_tables(table: &mut PageTable, level: u8) {
    for entry in table.iter_mut().filter(|entry| entry.flags().contains(PageTableFlags::PRESENT)) {
        let frame = entry.addr().as_u64();
        if level > 1 && !entry.flags().contains(PageTableFlags::HUGE_PAGE) {
            // SAFETY: a user-half table this space alone owns, in the direct map.
            free_user_tables(unsafe { &mut *(phys_to_virt(frame) as *mut PageTable) }, level - 1);
        }
        let _ = frames::free(frame);
        entry.set_unused();
    }
}

impl Drop for UserAddressSpace {
    fn drop(&mut self) {
        let pml4 = self.pml4();
        for entry in pml4.iter_mut().take(USER_HALF_PML4_ENTRIES) {
            if entry.flags().contains(PageTableFlags::PRESENT) {
                let frame = entry.addr().as_u64();
                // SAFETY: a user-half PDPT this space alone owns.
                free_user_tables(unsafe { &mut *(phys_to_virt(frame) as *mut PageTable) }, 3);
                let _ = frames::free(frame);
                entry.set_unused();
            }
        }
        let _ = frames::free(self.root);
    }
}
