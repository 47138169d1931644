//! A user address space as the scheduler and the TLB see it: the process
//! memory behind its lock, its PML4, and the set of CPUs that have it
//! loaded right now. Shared (`Arc`) by the threads that run in it and by
//! each CPU that has it loaded (so its page tables outlive every CR3 that
//! points at them).
//!
//! TLB rule (no PCIDs, user pages non-global): only a CPU that has the
//! space loaded can hold its translations. A CPU joins `active_cpus`
//! before it loads the root and leaves after it loaded another, so an
//! edit that changed page-table entries and then reads the set reaches
//! every CPU that might have the old ones (`tlb::shootdown_user`). Frames
//! an edit freed go back only after that shootdown.

pub use super::active_cpus::ActiveCpus;
use super::process_memory::{Access, FaultError, MapRequest, ProcessMemory};
use super::vm_areas::Protection;
use crate::sync::IrqSpinLock;
use alloc::vec::Vec;
use protocol::linux_abi::Errno;

/// See the module doc.
pub struct AddressSpace {
    root: u64,
    memory: IrqSpinLock<ProcessMemory>,
    active: ActiveCpus,
}

impl AddressSpace {
    /// Wraps `memory`.
    pub fn new(memory: ProcessMemory) -> AddressSpace {
        AddressSpace { root: memory.root(), memory: IrqSpinLock::new(memory), active: ActiveCpus::default() }
    }

    /// Physical address of the PML4.
    pub fn root(&self) -> u64 {
        self.root
    }

    /// The CPUs that have it loaded.
    pub fn active_cpus(&self) -> &ActiveCpus {
        &self.active
    }

    /// Runs `f` on the memory under its lock. Never copy user memory in
    /// `f` (a fault there would take this lock again).
    pub fn with_memory<R>(&self, f: impl FnOnce(&mut ProcessMemory) -> R) -> R {
        f(&mut self.memory.lock())
    }

    /// Resolves a page fault (see `ProcessMemory::handle_fault`).
    pub fn handle_fault(&self, address: u64, access: Access) -> Result<(), FaultError> {
        self.memory.lock().handle_fault(address, access)
    }

    /// Edits the memory with `edit`, which returns frames it unmapped; then
    /// flushes the TLB of every CPU that has the space loaded and only then
    /// frees the frames. Interrupts must be on (the shootdown waits).
    fn edit(&self, edit: impl FnOnce(&mut ProcessMemory, &mut Vec<u64>) -> Result<(), Errno>) -> Result<(), Errno> {
        let mut freed = Vec::new();
        let result = edit(&mut self.memory.lock(), &mut freed);
        super::tlb::shootdown_user(&self.active);
        for frame in freed {
            let _ = super::frames::free(frame);
        }
        result
    }

    /// `munmap`.
    pub fn unmap(&self, address: u64, length: u64) -> Result<(), Errno> {
        self.edit(|memory, freed| memory.unmap(address, length, freed))
    }

    /// `mprotect`.
    pub fn protect(&self, address: u64, length: u64, protection: Protection) -> Result<(), Errno> {
        self.edit(|memory, _| memory.protect(address, length, protection))
    }

    /// `madvise(MADV_DONTNEED)`.
    pub fn discard(&self, address: u64, length: u64) -> Result<(), Errno> {
        self.edit(|memory, freed| memory.discard(address, length, freed))
    }

    /// `brk`: returns the break in force afterwards.
    pub fn set_brk(&self, requested: u64) -> u64 {
        let mut brk = 0;
        let _ = self.edit(|memory, freed| {
            brk = memory.set_brk(requested, freed);
            Ok(())
        });
        brk
    }

    /// `fork`: a new address space sharing every page copy-on-write; this
    /// one's CPUs flush the write access they lost.
    pub fn fork(&self) -> Result<AddressSpace, Errno> {
        let (child, downgraded) = self.memory.lock().fork()?;
        if downgraded {
            // This CPU may hold the old writable entries too.
            x86_64::instructions::tlb::flush_all();
            super::tlb::shootdown_user(&self.active);
        }
        Ok(AddressSpace::new(child))
    }

    /// `mmap` of anonymous memory (adds an area; nothing to flush).
    pub fn map_anonymous(&self, request: MapRequest) -> Result<u64, Errno> {
        // MAP_FIXED may replace mappings: an edit like munmap.
        let mut mapped = 0;
        self.edit(|memory, freed| {
            mapped = memory.map_anonymous(request, freed)?;
            Ok(())
        })?;
        Ok(mapped)
    }
}
