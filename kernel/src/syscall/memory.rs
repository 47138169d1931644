//! Memory calls: mmap (anonymous), munmap, mprotect, brk, madvise.

use super::{current_user, SyscallResult};
use crate::memory::process_memory::{MapRequest, Placement};
use crate::memory::vm_areas::Protection;
use protocol::linux_abi::memory::*;
use protocol::linux_abi::Errno;

/// Flags accepted and ignored (hints without effect here).
const IGNORED_FLAGS: u64 = MAP_GROWSDOWN | MAP_DENYWRITE | MAP_EXECUTABLE | MAP_NORESERVE | MAP_POPULATE | MAP_STACK;
const KNOWN_FLAGS: u64 = MAP_TYPE | MAP_FIXED | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | IGNORED_FLAGS;

fn protection(bits: u64) -> Result<Protection, Errno> {
    if bits & !PROT_KNOWN != 0 {
        return Err(Errno::EINVAL);
    }
    Ok(Protection::from_prot_bits(bits))
}

pub fn mmap(address: u64, length: u64, prot: u64, flags: u64, fd: u64, offset: u64) -> SyscallResult {
    let protection = protection(prot)?;
    let sharing = flags & MAP_TYPE;
    if length == 0 || flags & !KNOWN_FLAGS != 0 || (sharing != MAP_PRIVATE && sharing != MAP_SHARED) {
        return Err(Errno::EINVAL);
    }
    if flags & MAP_ANONYMOUS == 0 {
        // File mappings need the filesystem's page cache (not built yet).
        let _ = (fd, offset);
        return Err(Errno::ENODEV);
    }
    if !offset.is_multiple_of(PAGE_SIZE) {
        return Err(Errno::EINVAL);
    }
    let placement = if flags & MAP_FIXED != 0 {
        Placement::Fixed
    } else if flags & MAP_FIXED_NOREPLACE != 0 {
        Placement::FixedNoReplace
    } else {
        Placement::Hint
    };
    let request = MapRequest { address, length, protection, placement, shared: sharing == MAP_SHARED };
    current_user()?.process.memory()?.map_anonymous(request)
}

pub fn munmap(address: u64, length: u64) -> SyscallResult {
    current_user()?.process.memory()?.unmap(address, length).map(|()| 0)
}

pub fn mprotect(address: u64, length: u64, prot: u64) -> SyscallResult {
    let protection = protection(prot)?;
    current_user()?.process.memory()?.protect(address, length, protection).map(|()| 0)
}

pub fn brk(requested: u64) -> SyscallResult {
    Ok(current_user()?.process.memory()?.set_brk(requested))
}

pub fn madvise(address: u64, length: u64, advice: u64) -> SyscallResult {
    if !address.is_multiple_of(PAGE_SIZE) {
        return Err(Errno::EINVAL);
    }
    match advice {
        MADV_NORMAL | MADV_RANDOM | MADV_SEQUENTIAL | MADV_WILLNEED => Ok(0),
        MADV_DONTNEED | MADV_FREE => current_user()?.process.memory()?.discard(address, length).map(|()| 0),
        _ => Err(Errno::EINVAL),
    }
}
