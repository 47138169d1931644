//! A user address space's page tables: its own PML4 whose kernel half is
//! shared with every other address space (`paging::new_address_space_root`)
//! and whose user half (PML4 entries 0..256) holds pages and tables it
//! alone owns. Dropping it frees them all; by then no CPU may have it
//! loaded (the scheduler loads the kernel root when it switches to a thread
//! without one).
//!
//! Leaf entries are one of: unused (0); present (a user page); or "kept"
//! (`KEPT_FRAME_BIT` set, PRESENT clear): a page made inaccessible by
//! `mprotect(PROT_NONE)`, whose frame and contents stay until it is opened
//! again or unmapped. `COPY_ON_WRITE_BIT` marks a page whose frame `fork`
//! shared: it stays read-only until a write fault gives the writer its own
//! copy (or the frame back, once nobody else maps it). A frame's owners
//! are counted in `shared_frames`; every free goes through `release`.

use super::frames;
use super::vm_areas::Protection;
use arch::layout::{phys_to_virt, PAGE_SIZE_BYTES};
use x86_64::structures::paging::page_table::PageTableEntry;
use x86_64::structures::paging::{PageTable, PageTableFlags};
use x86_64::PhysAddr;

/// PML4 entries of the user half.
const USER_HALF_PML4_ENTRIES: usize = 256;
/// Software bit of a not-present leaf entry that still owns its frame.
const KEPT_FRAME_BIT: PageTableFlags = PageTableFlags::BIT_9;
/// Software bit of an entry whose frame may be shared (copy-on-write).
const COPY_ON_WRITE_BIT: PageTableFlags = PageTableFlags::BIT_10;
/// Flags of the intermediate tables: the leaf decides the access.
const TABLE_FLAGS: PageTableFlags = PageTableFlags::PRESENT
    .union(PageTableFlags::WRITABLE)
    .union(PageTableFlags::USER_ACCESSIBLE);

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

impl UserPageAccess {
    fn protection(self) -> Protection {
        match self {
            UserPageAccess::ReadExecute => Protection { read: true, write: false, execute: true },
            UserPageAccess::ReadWrite => Protection::READ_WRITE,
        }
    }
}

/// What a leaf entry holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageState {
    /// Nothing: the first touch allocates.
    Unmapped,
    /// A present page: its frame, whether it is writable, and whether it
    /// is copy-on-write.
    Present { frame: u64, writable: bool, copy_on_write: bool },
    /// A frame kept while the page is inaccessible.
    Kept { frame: u64 },
}

/// The leaf flags for a page with `protection` (not called for NONE).
fn leaf_flags(protection: Protection) -> PageTableFlags {
    let mut flags = PageTableFlags::PRESENT | PageTableFlags::USER_ACCESSIBLE;
    if protection.write {
        flags |= PageTableFlags::WRITABLE;
    }
    if !protection.execute {
        flags |= PageTableFlags::NO_EXECUTE;
    }
    flags
}

/// See the module doc.
pub struct UserAddressSpace {
    root: u64,
}

fn table_at(physical_address: u64) -> &'static mut PageTable {
    // SAFETY: only called with user-half table frames this space owns (or
    // its PML4), reached through the direct map; the owner holds `&mut`.
    unsafe { &mut *(phys_to_virt(physical_address) as *mut PageTable) }
}

fn index(virtual_address: u64, level: u32) -> usize {
    ((virtual_address >> (12 + 9 * (level - 1))) & 0x1ff) as usize
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

    /// The leaf entry for `virtual_address`, creating the tables on the way
    /// when `create`; `Ok(None)` when a table is missing and not created.
    fn leaf(&mut self, virtual_address: u64, create: bool) -> Result<Option<&'static mut PageTableEntry>, UserMapError> {
        if !arch::syscall::is_user_address(virtual_address) {
            return Err(UserMapError::BadAddress(virtual_address));
        }
        let mut table = table_at(self.root);
        for level in [4, 3, 2] {
            let entry = &mut table[index(virtual_address, level)];
            if entry.is_unused() {
                if !create {
                    return Ok(None);
                }
                let frame = frames::allocate_zeroed().ok_or(UserMapError::OutOfMemory)?;
                entry.set_addr(PhysAddr::new(frame), TABLE_FLAGS);
            }
            table = table_at(entry.addr().as_u64());
        }
        Ok(Some(&mut table[index(virtual_address, 1)]))
    }

    /// What the page at `virtual_address` holds.
    pub fn page_state(&mut self, virtual_address: u64) -> PageState {
        match self.leaf(virtual_address, false) {
            Ok(Some(entry)) => state_of(entry),
            _ => PageState::Unmapped,
        }
    }

    /// Maps the fresh frame `frame` at the unmapped page `virtual_address`
    /// with `protection` (accessible). On error the frame stays the
    /// caller's.
    pub fn map_frame(&mut self, virtual_address: u64, frame: u64, protection: Protection) -> Result<(), UserMapError> {
        if !virtual_address.is_multiple_of(PAGE_SIZE_BYTES) {
            return Err(UserMapError::BadAddress(virtual_address));
        }
        let entry = self.leaf(virtual_address, true)?.expect("tables were created");
        if !entry.is_unused() {
            return Err(UserMapError::AlreadyMapped(virtual_address));
        }
        let flags = if protection.is_accessible() { leaf_flags(protection) } else { KEPT_FRAME_BIT };
        entry.set_addr(PhysAddr::new(frame), flags);
        // Not present before, and x86 caches no not-present translations.
        Ok(())
    }

    /// Maps a zeroed page at `virtual_address` with `access`, fills its
    /// start with `contents`, and returns its frame.
    pub fn map_page(&mut self, virtual_address: u64, access: UserPageAccess, contents: &[u8]) -> Result<u64, UserMapError> {
        if contents.len() as u64 > PAGE_SIZE_BYTES {
            return Err(UserMapError::BadAddress(virtual_address));
        }
        let frame = frames::allocate_zeroed().ok_or(UserMapError::OutOfMemory)?;
        // SAFETY: the frame is fresh and ours; the direct map covers it.
        unsafe { core::ptr::copy_nonoverlapping(contents.as_ptr(), phys_to_virt(frame) as *mut u8, contents.len()) };
        if let Err(error) = self.map_frame(virtual_address, frame, access.protection()) {
            let _ = frames::free(frame);
            return Err(error);
        }
        Ok(frame)
    }

    /// Removes the page at `virtual_address`; returns its frame (now the
    /// caller's to free, once no TLB can hold it) and whether a TLB may
    /// hold it (it was present).
    pub fn unmap(&mut self, virtual_address: u64) -> Option<(u64, bool)> {
        let Ok(Some(entry)) = self.leaf(virtual_address, false) else { return None };
        let state = state_of(entry);
        entry.set_unused();
        match state {
            PageState::Unmapped => None,
            PageState::Kept { frame } => Some((frame, false)),
            PageState::Present { frame, .. } => Some((frame, true)),
        }
    }

    /// Gives the page at `virtual_address` (if it has a frame) the access
    /// `protection`; returns whether the TLB may hold the old entry.
    pub fn protect(&mut self, virtual_address: u64, protection: Protection) -> bool {
        let Ok(Some(entry)) = self.leaf(virtual_address, false) else { return false };
        let copy_on_write = entry.flags() & COPY_ON_WRITE_BIT;
        let (frame, was_present) = match state_of(entry) {
            PageState::Unmapped => return false,
            PageState::Kept { frame } => (frame, false),
            PageState::Present { frame, .. } => (frame, true),
        };
        let mut flags = if protection.is_accessible() { leaf_flags(protection) } else { KEPT_FRAME_BIT };
        if !copy_on_write.is_empty() {
            // Still shared: writable only after the write fault copies it.
            flags.remove(PageTableFlags::WRITABLE);
            flags |= COPY_ON_WRITE_BIT;
        }
        entry.set_addr(PhysAddr::new(frame), flags);
        was_present
    }

    /// Shares every page of `[start, end)` with `child` copy-on-write:
    /// both map the same frames, read-only and marked, one more owner
    /// each. Returns whether any entry of `self` lost its write access (the
    /// caller then shoots down this space's TLBs).
    pub fn share_copy_on_write(&mut self, child: &mut UserAddressSpace, start: u64, end: u64) -> Result<bool, UserMapError> {
        let mut downgraded = false;
        let mut page = start;
        while page < end {
            if let Ok(Some(entry)) = self.leaf(page, false) {
                if !entry.is_unused() {
                    let mut flags = entry.flags();
                    let frame = entry.addr();
                    if flags.contains(PageTableFlags::WRITABLE) {
                        flags.remove(PageTableFlags::WRITABLE);
                        downgraded = true;
                    }
                    flags |= COPY_ON_WRITE_BIT;
                    entry.set_addr(frame, flags);
                    let child_entry = child.leaf(page, true)?.expect("tables were created");
                    child_entry.set_addr(frame, flags);
                    super::shared_frames::share(frame.as_u64());
                }
            }
            page += PAGE_SIZE_BYTES;
        }
        Ok(downgraded)
    }

    /// Shares every page of `[start, end)` with `child` as it is (writable
    /// stays writable): `MAP_SHARED` memory after `fork`. One more owner
    /// per frame.
    pub fn share_pages(&mut self, child: &mut UserAddressSpace, start: u64, end: u64) -> Result<(), UserMapError> {
        let mut page = start;
        while page < end {
            if let Ok(Some(entry)) = self.leaf(page, false) {
                if !entry.is_unused() {
                    let (frame, flags) = (entry.addr(), entry.flags());
                    let child_entry = child.leaf(page, true)?.expect("tables were created");
                    child_entry.set_addr(frame, flags);
                    super::shared_frames::share(frame.as_u64());
                }
            }
            page += PAGE_SIZE_BYTES;
        }
        Ok(())
    }

    /// Resolves a write to the copy-on-write page at `virtual_address`,
    /// whose area allows writing: the writer gets the frame itself if
    /// nobody else maps it any more, else a copy. `Ok(false)` if the page
    /// is not copy-on-write.
    pub fn break_copy_on_write(&mut self, virtual_address: u64) -> Result<bool, UserMapError> {
        let Ok(Some(entry)) = self.leaf(virtual_address, false) else { return Ok(false) };
        let flags = entry.flags();
        if !flags.contains(COPY_ON_WRITE_BIT | PageTableFlags::PRESENT) {
            return Ok(false);
        }
        let frame = entry.addr().as_u64();
        let new_flags = (flags - COPY_ON_WRITE_BIT) | PageTableFlags::WRITABLE;
        if !super::shared_frames::is_shared(frame) {
            entry.set_addr(PhysAddr::new(frame), new_flags);
            return Ok(true);
        }
        let copy = frames::allocate().ok_or(UserMapError::OutOfMemory)?;
        // SAFETY: `frame` is mapped by us (readable), `copy` is fresh; the
        // direct map covers both.
        unsafe { core::ptr::copy_nonoverlapping(phys_to_virt(frame) as *const u8, phys_to_virt(copy) as *mut u8, PAGE_SIZE_BYTES as usize) };
        entry.set_addr(PhysAddr::new(copy), new_flags);
        if super::shared_frames::release(frame) {
            // The other owner let go between the check and now.
            let _ = frames::free(frame);
        }
        Ok(true)
    }

    /// Fills the page at `virtual_address` (which has a frame) from
    /// `offset` with `bytes`, through the direct map.
    pub fn write_into_page(&mut self, virtual_address: u64, offset: usize, bytes: &[u8]) -> bool {
        let frame = match self.page_state(virtual_address) {
            PageState::Present { frame, .. } | PageState::Kept { frame } => frame,
            PageState::Unmapped => return false,
        };
        if offset + bytes.len() > PAGE_SIZE_BYTES as usize {
            return false;
        }
        // SAFETY: the frame belongs to this space, which `&mut self` holds;
        // the range stays inside the page.
        unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), (phys_to_virt(frame) as *mut u8).add(offset), bytes.len()) };
        true
    }
}

fn state_of(entry: &PageTableEntry) -> PageState {
    let flags = entry.flags();
    let frame = entry.addr().as_u64();
    if flags.contains(PageTableFlags::PRESENT) {
        PageState::Present {
            frame,
            writable: flags.contains(PageTableFlags::WRITABLE),
            copy_on_write: flags.contains(COPY_ON_WRITE_BIT),
        }
    } else if flags.contains(KEPT_FRAME_BIT) {
        PageState::Kept { frame }
    } else {
        PageState::Unmapped
    }
}

/// Frees the tables (and, at the last level, the pages) below `table`.
fn free_user_tables(table: &mut PageTable, level: u8) {
    for entry in table.iter_mut().filter(|entry| !entry.is_unused()) {
        let frame = entry.addr().as_u64();
        let owns_frame = entry.flags().intersects(PageTableFlags::PRESENT | KEPT_FRAME_BIT);
        if level > 1 {
            free_user_tables(table_at(frame), level - 1);
        }
        // A leaf's frame may be shared (copy-on-write); tables never are.
        if owns_frame && (level > 1 || super::shared_frames::release(frame)) {
            let _ = frames::free(frame);
        }
        entry.set_unused();
    }
}

impl Drop for UserAddressSpace {
    fn drop(&mut self) {
        let pml4 = table_at(self.root);
        for entry in pml4.iter_mut().take(USER_HALF_PML4_ENTRIES).filter(|entry| !entry.is_unused()) {
            let frame = entry.addr().as_u64();
            free_user_tables(table_at(frame), 3);
            let _ = frames::free(frame);
            entry.set_unused();
        }
        let _ = frames::free(self.root);
    }
}
