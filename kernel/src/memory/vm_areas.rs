//! The memory map of a process as data: non-overlapping, page-aligned
//! areas with their protection and what they are (the program image, the
//! heap, a stack, anonymous memory). `mmap`, `munmap`, `mprotect` and
//! `brk` edit it (splitting areas where a range cuts them); the page-fault
//! handler asks it whether an address may be touched. Pure logic, tested
//! on the host; the page tables follow it (`memory::process_memory`).

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

/// Page size of user memory.
pub const PAGE_BYTES: u64 = 4096;

/// What an area's pages allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Protection {
    pub read: bool,
    pub write: bool,
    pub execute: bool,
}

impl Protection {
    /// No access at all (a guard page).
    pub const NONE: Protection = Protection { read: false, write: false, execute: false };
    /// Read and write.
    pub const READ_WRITE: Protection = Protection { read: true, write: true, execute: false };

    /// From `PROT_*` bits (the caller rejects unknown bits).
    pub fn from_prot_bits(bits: u64) -> Protection {
        use protocol::linux_abi::memory::{PROT_EXEC, PROT_READ, PROT_WRITE};
        Protection { read: bits & PROT_READ != 0, write: bits & PROT_WRITE != 0, execute: bits & PROT_EXEC != 0 }
    }

    /// Whether any access is allowed (x86 cannot map write- or
    /// execute-only pages; they are readable too).
    pub fn is_accessible(self) -> bool {
        self.read || self.write || self.execute
    }
}

/// What an area holds (for `/proc/[pid]/maps` and for `brk`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AreaKind {
    /// A loadable segment of the executable.
    Image,
    /// The `brk` heap.
    Heap,
    /// The main thread's stack.
    Stack,
    /// Anonymous memory from `mmap`.
    Anonymous,
    /// `MAP_SHARED` anonymous memory: `fork` children share its frames
    /// (it is populated when mapped, so every page has one to share).
    SharedAnonymous,
}

/// One area: `[start, end)`, page-aligned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Area {
    pub start: u64,
    pub end: u64,
    pub protection: Protection,
    pub kind: AreaKind,
}

/// Why an edit was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AreaError {
    /// Not page-aligned, empty, or outside `[0, limit)`.
    BadRange,
    /// Part of the range is mapped already.
    Overlaps,
    /// Part of the range is not mapped (`mprotect` of a hole).
    NotMapped,
}

/// See the module doc.
#[derive(Clone, Debug, Default)]
pub struct VmAreas {
    /// Areas by start address.
    areas: BTreeMap<u64, Area>,
}

fn is_page_aligned(value: u64) -> bool {
    value.is_multiple_of(PAGE_BYTES)
}

impl VmAreas {
    /// No areas.
    pub fn new() -> VmAreas {
        VmAreas { areas: BTreeMap::new() }
    }

    /// Every area, in address order.
    pub fn iter(&self) -> impl Iterator<Item = &Area> {
        self.areas.values()
    }

    /// The area containing `address`.
    pub fn find(&self, address: u64) -> Option<&Area> {
        let (_, area) = self.areas.range(..=address).next_back()?;
        (address < area.end).then_some(area)
    }

    /// Whether no area touches `[start, end)`.
    pub fn is_free(&self, start: u64, end: u64) -> bool {
        if let Some((_, before)) = self.areas.range(..start).next_back() {
            if before.end > start {
                return false;
            }
        }
        self.areas.range(start..end).next().is_none()
    }

    /// Adds `area`, which must not overlap any other.
    pub fn insert(&mut self, area: Area) -> Result<(), AreaError> {
        if area.start >= area.end || !is_page_aligned(area.start) || !is_page_aligned(area.end) {
            return Err(AreaError::BadRange);
        }
        if !self.is_free(area.start, area.end) {
            return Err(AreaError::Overlaps);
        }
        self.areas.insert(area.start, area);
        Ok(())
    }

    /// Cuts areas at `address` so that no area spans it.
    fn split_at(&mut self, address: u64) {
        let Some(area) = self.find(address).copied() else { return };
        if area.start == address {
            return;
        }
        self.areas.insert(area.start, Area { end: address, ..area });
        self.areas.insert(address, Area { start: address, ..area });
    }

    /// Removes `[start, end)` from the map (holes in it are fine) and
    /// returns the ranges that were mapped, to unmap from the page tables.
    pub fn remove(&mut self, start: u64, end: u64) -> Result<Vec<Area>, AreaError> {
        if start >= end || !is_page_aligned(start) || !is_page_aligned(end) {
            return Err(AreaError::BadRange);
        }
        self.split_at(start);
        self.split_at(end);
        let starts: Vec<u64> = self.areas.range(start..end).map(|(&key, _)| key).collect();
        Ok(starts.into_iter().filter_map(|key| self.areas.remove(&key)).collect())
    }

    /// Gives `[start, end)` the protection `protection`; the whole range
    /// must be mapped. Returns the pieces changed (with their new
    /// protection).
    pub fn protect(&mut self, start: u64, end: u64, protection: Protection) -> Result<Vec<Area>, AreaError> {
        if start >= end || !is_page_aligned(start) || !is_page_aligned(end) {
            return Err(AreaError::BadRange);
        }
        if self.covered_up_to(start, end) < end {
            return Err(AreaError::NotMapped);
        }
        self.split_at(start);
        self.split_at(end);
        let mut changed = Vec::new();
        for (_, area) in self.areas.range_mut(start..end) {
            area.protection = protection;
            changed.push(*area);
        }
        Ok(changed)
    }

    /// How far from `start` the areas cover without a hole (`start` if
    /// `start` itself is unmapped).
    fn covered_up_to(&self, start: u64, end: u64) -> u64 {
        let mut reached = start;
        while reached < end {
            match self.find(reached) {
                Some(area) => reached = area.end,
                None => break,
            }
        }
        reached
    }

    /// Moves the end of the area that ends at `old_end` to `new_end`
    /// (growing or shrinking the heap). Growing needs the space free.
    pub fn resize_end(&mut self, area_start: u64, new_end: u64) -> Result<Area, AreaError> {
        let area = *self.areas.get(&area_start).ok_or(AreaError::NotMapped)?;
        if new_end <= area.start || !is_page_aligned(new_end) {
            return Err(AreaError::BadRange);
        }
        if new_end > area.end && !self.is_free(area.end, new_end) {
            return Err(AreaError::Overlaps);
        }
        let resized = Area { end: new_end, ..area };
        self.areas.insert(area_start, resized);
        Ok(resized)
    }

    /// The highest free, page-aligned range of `length` bytes inside
    /// `[lowest, highest)`.
    pub fn find_free_top_down(&self, length: u64, lowest: u64, highest: u64) -> Option<u64> {
        if length == 0 || !is_page_aligned(length) {
            return None;
        }
        let mut gap_end = highest;
        for area in self.areas.range(..highest).map(|(_, area)| area).rev() {
            if area.end <= gap_end && gap_end - area.end >= length {
                let start = gap_end - length;
                if start >= lowest {
                    return Some(start);
                }
                return None;
            }
            gap_end = gap_end.min(area.start);
            if gap_end < lowest.saturating_add(length) {
                return None;
            }
        }
        let start = gap_end.checked_sub(length)?;
        (start >= lowest).then_some(start)
    }

    /// Total bytes mapped.
    pub fn total_bytes(&self) -> u64 {
        self.areas.values().map(|area| area.end - area.start).sum()
    }
}

#[cfg(test)]
mod tests;
