//! A process's memory: its page tables (`UserAddressSpace`) kept in step
//! with its memory map (`VmAreas`), plus the `brk` heap. Pages arrive on
//! first touch (`handle_fault`), zeroed; `mmap`, `munmap`, `mprotect`,
//! `brk` and `madvise(DONTNEED)` edit the map and the tables together.
//! The layout is in TEAM_NOTES/address-space-layout.md.
//!
//! TLB: edits flush the local TLB as they go and hand the frames they
//! unmapped to the caller, which frees them only after every other CPU
//! that has the space loaded flushed too (`address_space::AddressSpace`).

use super::frames;
use super::user_space::{PageState, UserAddressSpace, UserMapError};
use super::vm_areas::{Area, AreaError, AreaKind, Protection, VmAreas, PAGE_BYTES};
use alloc::vec::Vec;
use protocol::linux_abi::Errno;
use x86_64::VirtAddr;

/// Lowest address `mmap` hands out (Linux's default `mmap_min_addr`).
pub const MMAP_LOWEST: u64 = 0x1_0000;
/// `mmap` without a usable hint places areas top-down from here.
pub const MMAP_TOP: u64 = 0x7f00_0000_0000;
/// The first byte above the main thread's stack (one unmapped page below
/// the end of the user half).
pub const STACK_TOP: u64 = arch::syscall::USER_ADDRESS_LIMIT - PAGE_BYTES;
/// The main thread's stack size (Linux's default `RLIMIT_STACK`).
pub const STACK_BYTES: u64 = 8 << 20;

/// Where `mmap` may put a mapping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// Anywhere; at the address if it is free.
    Hint,
    /// Exactly there, replacing what was there (`MAP_FIXED`).
    Fixed,
    /// Exactly there, or `EEXIST` (`MAP_FIXED_NOREPLACE`).
    FixedNoReplace,
}

/// An anonymous `mmap`.
#[derive(Clone, Copy, Debug)]
pub struct MapRequest {
    pub address: u64,
    pub length: u64,
    pub protection: Protection,
    pub placement: Placement,
    /// `MAP_SHARED`: `fork` children share the pages.
    pub shared: bool,
}

/// What kind of access faulted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
    Execute,
}

/// Why a fault could not be resolved (the process gets a signal).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultError {
    /// No area covers the address (SIGSEGV, SEGV_MAPERR).
    NotMapped,
    /// The area forbids this access (SIGSEGV, SEGV_ACCERR).
    Forbidden,
    /// No frame for the page.
    OutOfMemory,
}

/// See the module doc.
pub struct ProcessMemory {
    space: UserAddressSpace,
    areas: VmAreas,
    /// Start of the heap area (page-aligned, just above the image).
    brk_start: u64,
    /// The program break as last set (not page-aligned).
    brk: u64,
    /// Most bytes the areas may cover (`RLIMIT_AS`).
    limit_bytes: u64,
}

fn page_down(value: u64) -> u64 {
    value & !(PAGE_BYTES - 1)
}

/// `value` rounded up to a page, `None` on overflow.
pub fn page_up(value: u64) -> Option<u64> {
    Some(value.checked_add(PAGE_BYTES - 1)? & !(PAGE_BYTES - 1))
}

fn flush_local(address: u64) {
    x86_64::instructions::tlb::flush(VirtAddr::new(address));
}

impl ProcessMemory {
    /// An empty address space; `None` when out of memory.
    pub fn new() -> Option<ProcessMemory> {
        Some(ProcessMemory::with_pages(UserAddressSpace::new()?))
    }

    /// Memory made of pages mapped by hand in `space`, with no areas (for
    /// tests that run tiny ring-3 probes: a fault there kills the thread).
    pub fn with_pages(space: UserAddressSpace) -> ProcessMemory {
        ProcessMemory { space, areas: VmAreas::new(), brk_start: 0, brk: 0, limit_bytes: u64::MAX }
    }

    /// Physical address of its PML4.
    pub fn root(&self) -> u64 {
        self.space.root()
    }

    /// Its areas, in address order.
    pub fn areas(&self) -> impl Iterator<Item = &Area> {
        self.areas.iter()
    }

    /// Sets the `RLIMIT_AS` limit.
    pub fn set_limit_bytes(&mut self, limit: u64) {
        self.limit_bytes = limit;
    }

    fn check_limit(&self, extra_bytes: u64) -> Result<(), Errno> {
        match self.areas.total_bytes().checked_add(extra_bytes) {
            Some(total) if total <= self.limit_bytes => Ok(()),
            _ => Err(Errno::ENOMEM),
        }
    }

    /// Adds an area (for the loader: image segments, the stack).
    pub fn add_area(&mut self, area: Area) -> Result<(), Errno> {
        self.check_limit(area.end - area.start)?;
        self.areas.insert(area).map_err(|error| match error {
            AreaError::Overlaps => Errno::EEXIST,
            _ => Errno::EINVAL,
        })
    }

    /// Puts the heap right after `image_end` (the end of the highest
    /// loaded segment); `brk` starts there, empty.
    pub fn set_heap_start(&mut self, image_end: u64) {
        self.brk_start = page_up(image_end).unwrap_or(image_end);
        self.brk = self.brk_start;
    }

    /// Copies `bytes` into the process at `address`, faulting pages in as
    /// needed, whatever their protection (the loader fills read-only and
    /// code pages with it).
    pub fn write_bytes(&mut self, address: u64, bytes: &[u8]) -> Result<(), FaultError> {
        let mut done = 0;
        while done < bytes.len() {
            let at = address + done as u64;
            let page = page_down(at);
            if self.space.page_state(page) == PageState::Unmapped {
                self.populate(page)?;
            }
            let offset = (at - page) as usize;
            let chunk = (PAGE_BYTES as usize - offset).min(bytes.len() - done);
            self.space.write_into_page(page, offset, &bytes[done..done + chunk]);
            done += chunk;
        }
        Ok(())
    }

    /// Maps a zeroed frame at `page` with its area's protection.
    fn populate(&mut self, page: u64) -> Result<(), FaultError> {
        let area = *self.areas.find(page).ok_or(FaultError::NotMapped)?;
        let frame = frames::allocate_zeroed().ok_or(FaultError::OutOfMemory)?;
        match self.space.map_frame(page, frame, area.protection) {
            Ok(()) => Ok(()),
            Err(error) => {
                let _ = frames::free(frame);
                Err(match error {
                    UserMapError::OutOfMemory => FaultError::OutOfMemory,
                    _ => FaultError::NotMapped,
                })
            }
        }
    }

    /// Resolves a page fault at `address`: a first touch of a page its area
    /// allows gets a zeroed frame. `Ok` also when the page is there already
    /// with the needed access (another thread got there first).
    pub fn handle_fault(&mut self, address: u64, access: Access) -> Result<(), FaultError> {
        let area = *self.areas.find(address).ok_or(FaultError::NotMapped)?;
        let allowed = match access {
            Access::Read => area.protection.is_accessible(),
            Access::Write => area.protection.write,
            Access::Execute => area.protection.execute,
        };
        if !allowed {
            return Err(FaultError::Forbidden);
        }
        let page = page_down(address);
        match self.space.page_state(page) {
            PageState::Unmapped => self.populate(page),
            PageState::Present { writable, .. } if access != Access::Write || writable => Ok(()),
            PageState::Present { copy_on_write: true, .. } => match self.space.break_copy_on_write(page) {
                // The old read-only entry may be cached by this CPU only
                // (other CPUs flush on their own write fault).
                Ok(true) => {
                    flush_local(page);
                    Ok(())
                }
                Ok(false) => Err(FaultError::Forbidden),
                Err(_) => Err(FaultError::OutOfMemory),
            },
            _ => Err(FaultError::Forbidden),
        }
    }

    /// `mmap` of anonymous memory: `length` bytes (rounded up to pages) with
    /// `protection`, placed as the request says (a hint that is not free
    /// is ignored: then top-down). Returns the address.
    pub fn map_anonymous(&mut self, request: MapRequest, freed: &mut Vec<u64>) -> Result<u64, Errno> {
        let MapRequest { address, length, protection, placement, shared } = request;
        let (fixed, no_replace) = (placement == Placement::Fixed, placement == Placement::FixedNoReplace);
        let length = page_up(length).filter(|&length| length > 0).ok_or(Errno::ENOMEM)?;
        let start = if fixed || no_replace {
            if !address.is_multiple_of(PAGE_BYTES) {
                return Err(Errno::EINVAL);
            }
            let end = address.checked_add(length).ok_or(Errno::ENOMEM)?;
            if address < MMAP_LOWEST || end > arch::syscall::USER_ADDRESS_LIMIT {
                return Err(if fixed { Errno::EPERM } else { Errno::ENOMEM });
            }
            if !self.areas.is_free(address, end) {
                if no_replace {
                    return Err(Errno::EEXIST);
                }
                self.unmap(address, length, freed)?;
            }
            address
        } else {
            let hint = page_down(address);
            let hint_fits = hint >= MMAP_LOWEST
                && hint.checked_add(length).is_some_and(|end| end <= MMAP_TOP && self.areas.is_free(hint, end));
            if hint_fits {
                hint
            } else {
                self.areas.find_free_top_down(length, MMAP_LOWEST.max(page_up(self.brk).unwrap_or(0)), MMAP_TOP).ok_or(Errno::ENOMEM)?
            }
        };
        let kind = if shared { AreaKind::SharedAnonymous } else { AreaKind::Anonymous };
        self.add_area(Area { start, end: start + length, protection, kind })?;
        if shared {
            // Every page gets its frame now, so that fork children share it.
            for page in (start..start + length).step_by(PAGE_BYTES as usize) {
                if let Err(error) = self.populate(page) {
                    let _ = self.unmap(start, length, freed);
                    return Err(if error == FaultError::OutOfMemory { Errno::ENOMEM } else { Errno::EINVAL });
                }
            }
        }
        Ok(start)
    }

    /// `munmap`: removes `[address, address + length)` (holes are fine);
    /// the frames unmapped go to `freed`.
    pub fn unmap(&mut self, address: u64, length: u64, freed: &mut Vec<u64>) -> Result<(), Errno> {
        if !address.is_multiple_of(PAGE_BYTES) || length == 0 {
            return Err(Errno::EINVAL);
        }
        let end = page_up(length).and_then(|length| address.checked_add(length)).ok_or(Errno::EINVAL)?;
        if end > arch::syscall::USER_ADDRESS_LIMIT {
            return Err(Errno::EINVAL);
        }
        let removed = self.areas.remove(address, end).map_err(|_| Errno::EINVAL)?;
        for area in removed {
            self.unmap_pages(area.start, area.end, freed);
        }
        Ok(())
    }

    fn unmap_pages(&mut self, start: u64, end: u64, freed: &mut Vec<u64>) {
        for page in (start..end).step_by(PAGE_BYTES as usize) {
            if let Some((frame, was_present)) = self.space.unmap(page) {
                if was_present {
                    flush_local(page);
                }
                // Shared with a fork relative: only the last owner frees it.
                if super::shared_frames::release(frame) {
                    freed.push(frame);
                }
            }
        }
    }

    /// `mprotect`: the whole range must be mapped (else `ENOMEM`, as Linux).
    pub fn protect(&mut self, address: u64, length: u64, protection: Protection) -> Result<(), Errno> {
        if !address.is_multiple_of(PAGE_BYTES) {
            return Err(Errno::EINVAL);
        }
        if length == 0 {
            return Ok(());
        }
        let end = page_up(length).and_then(|length| address.checked_add(length)).ok_or(Errno::ENOMEM)?;
        let changed = self.areas.protect(address, end, protection).map_err(|error| match error {
            AreaError::NotMapped => Errno::ENOMEM,
            _ => Errno::EINVAL,
        })?;
        for area in changed {
            for page in (area.start..area.end).step_by(PAGE_BYTES as usize) {
                if self.space.protect(page, protection) {
                    flush_local(page);
                }
            }
        }
        Ok(())
    }

    /// `madvise(MADV_DONTNEED)`: drops the pages of `[address, end)` that
    /// have frames; they read back as zeros.
    pub fn discard(&mut self, address: u64, length: u64, freed: &mut Vec<u64>) -> Result<(), Errno> {
        if !address.is_multiple_of(PAGE_BYTES) {
            return Err(Errno::EINVAL);
        }
        let end = page_up(length).and_then(|length| address.checked_add(length)).ok_or(Errno::EINVAL)?;
        let pieces: alloc::vec::Vec<(u64, u64)> = self
            .areas
            .iter()
            .filter(|area| area.end > address && area.start < end)
            .map(|area| (area.start.max(address), area.end.min(end)))
            .collect();
        for (start, end) in pieces {
            self.unmap_pages(start, end, freed);
        }
        Ok(())
    }

    /// `brk`: moves the program break to `requested` if it can (growing the
    /// heap area into free space or shrinking it) and returns the break in
    /// force afterwards (the old one when it cannot), as Linux does.
    pub fn set_brk(&mut self, requested: u64, freed: &mut Vec<u64>) -> u64 {
        if requested < self.brk_start || requested > MMAP_TOP {
            return self.brk;
        }
        let old_end = page_up(self.brk).unwrap_or(self.brk);
        let Some(new_end) = page_up(requested) else { return self.brk };
        if new_end > old_end {
            if self.check_limit(new_end - old_end).is_err() {
                return self.brk;
            }
            let grown = if old_end == self.brk_start {
                self.areas
                    .insert(Area { start: self.brk_start, end: new_end, protection: Protection::READ_WRITE, kind: AreaKind::Heap })
                    .is_ok()
            } else {
                self.areas.resize_end(self.brk_start, new_end).is_ok()
            };
            if !grown {
                return self.brk;
            }
        } else if new_end < old_end {
            let _ = self.unmap(new_end, old_end - new_end, freed);
        }
        self.brk = requested;
        self.brk
    }

    /// The program break.
    pub fn brk(&self) -> u64 {
        self.brk
    }

    /// `fork`: a copy of this memory that shares every page copy-on-write
    /// (areas, heap and limit copied). Returns it and whether this side's
    /// entries lost write access (then its TLBs need a shootdown).
    pub fn fork(&mut self) -> Result<(ProcessMemory, bool), Errno> {
        let mut child = ProcessMemory::new().ok_or(Errno::ENOMEM)?;
        child.areas = self.areas.clone();
        child.brk_start = self.brk_start;
        child.brk = self.brk;
        child.limit_bytes = self.limit_bytes;
        let mut downgraded = false;
        let areas: Vec<Area> = self.areas.iter().copied().collect();
        for area in areas {
            if area.kind == AreaKind::SharedAnonymous {
                self.space.share_pages(&mut child.space, area.start, area.end).map_err(|_| Errno::ENOMEM)?;
            } else {
                downgraded |= self.space.share_copy_on_write(&mut child.space, area.start, area.end).map_err(|_| Errno::ENOMEM)?;
            }
        }
        Ok((child, downgraded))
    }
}
