//! Copy-in and copy-out: the only way the kernel reads or writes user
//! memory (TEAM_NOTES/user-copy.md). Each call checks that the whole range
//! lies in the user half without wrapping, then copies through
//! `arch::user_copy`, the one routine allowed to touch user pages (SMAP
//! makes any other access fault). A fault in the middle of a copy first
//! goes through the normal page-fault path (demand paging); only if that
//! fails does the copy stop and the call return `EFAULT`. Nothing is
//! checked ahead of the copy against the memory map, so there is no window
//! for another thread's `munmap` between a check and the access.

use alloc::vec::Vec;
use protocol::linux_abi::Errno;

/// Whether `[address, address + length)` lies in the user half.
pub fn is_user_range(address: u64, length: u64) -> bool {
    match address.checked_add(length) {
        Some(end) => end <= arch::syscall::USER_ADDRESS_LIMIT,
        None => false,
    }
}

/// Copies user memory at `source` into `destination`.
pub fn copy_from_user(destination: &mut [u8], source: u64) -> Result<(), Errno> {
    if !is_user_range(source, destination.len() as u64) {
        return Err(Errno::EFAULT);
    }
    // SAFETY: the kernel buffer is a live slice; the user range is in the
    // user half (checked), where a fault is resolved or recovered.
    let left = unsafe { arch::user_copy::copy(destination.as_mut_ptr(), source as *const u8, destination.len()) };
    if left == 0 { Ok(()) } else { Err(Errno::EFAULT) }
}

/// Copies `source` into user memory at `destination`.
pub fn copy_to_user(destination: u64, source: &[u8]) -> Result<(), Errno> {
    if !is_user_range(destination, source.len() as u64) {
        return Err(Errno::EFAULT);
    }
    // SAFETY: as in `copy_from_user`, the other way round.
    let left = unsafe { arch::user_copy::copy(destination as *mut u8, source.as_ptr(), source.len()) };
    if left == 0 { Ok(()) } else { Err(Errno::EFAULT) }
}

/// Plain data that may be copied to and from user memory byte for byte:
/// no padding whose contents would leak, every bit pattern valid.
///
/// # Safety
/// Implement only for `#[repr(C)]` types made of integers (and arrays of
/// them) with no padding bytes.
pub unsafe trait UserPod: Copy + Default {}

// SAFETY: integers have no padding and every bit pattern is valid.
unsafe impl UserPod for u8 {}
// SAFETY: as above.
unsafe impl UserPod for u16 {}
// SAFETY: as above.
unsafe impl UserPod for u32 {}
// SAFETY: as above.
unsafe impl UserPod for u64 {}
// SAFETY: as above.
unsafe impl UserPod for i16 {}
// SAFETY: as above.
unsafe impl UserPod for i32 {}
// SAFETY: as above.
unsafe impl UserPod for i64 {}
// SAFETY: arrays of such data have no padding either.
unsafe impl<T: UserPod, const N: usize> UserPod for [T; N] where [T; N]: Default {}

/// Reads one `T` from user memory.
pub fn read_value<T: UserPod>(source: u64) -> Result<T, Errno> {
    let mut value = T::default();
    // SAFETY: `T: UserPod`: any bytes make a valid `T`, and the slice
    // covers exactly the value.
    let bytes = unsafe { core::slice::from_raw_parts_mut(&mut value as *mut T as *mut u8, core::mem::size_of::<T>()) };
    copy_from_user(bytes, source)?;
    Ok(value)
}

/// Writes one `T` to user memory.
pub fn write_value<T: UserPod>(destination: u64, value: &T) -> Result<(), Errno> {
    // SAFETY: `T: UserPod` has no padding, so every byte is initialised.
    let bytes = unsafe { core::slice::from_raw_parts(value as *const T as *const u8, core::mem::size_of::<T>()) };
    copy_to_user(destination, bytes)
}

/// Reads a NUL-terminated string of at most `max_bytes` bytes (without the
/// NUL) from user memory, a page piece at a time so that a string ending
/// just before an unmapped page is read whole. `ENAMETOOLONG` when no NUL
/// comes within `max_bytes`.
pub fn read_c_string(source: u64, max_bytes: usize) -> Result<Vec<u8>, Errno> {
    const PAGE: u64 = protocol::linux_abi::memory::PAGE_SIZE;
    let mut bytes = Vec::new();
    let mut address = source;
    loop {
        let room = max_bytes + 1 - bytes.len();
        let to_page_end = (PAGE - address % PAGE) as usize;
        let mut piece = alloc::vec![0u8; room.min(to_page_end)];
        copy_from_user(&mut piece, address)?;
        if let Some(nul) = piece.iter().position(|&byte| byte == 0) {
            bytes.extend_from_slice(&piece[..nul]);
            return Ok(bytes);
        }
        bytes.extend_from_slice(&piece);
        if bytes.len() > max_bytes {
            return Err(Errno::ENAMETOOLONG);
        }
        address += piece.len() as u64;
    }
}

/// Nanoseconds in a second.
const NANOS_PER_SECOND: u64 = 1_000_000_000;

/// Reads a `struct timespec` as nanoseconds (`EINVAL` if malformed).
pub fn read_timespec(address: u64) -> Result<u64, Errno> {
    let [seconds, nanos]: [i64; 2] = read_value(address)?;
    if seconds < 0 || !(0..NANOS_PER_SECOND as i64).contains(&nanos) {
        return Err(Errno::EINVAL);
    }
    (seconds as u64).checked_mul(NANOS_PER_SECOND).and_then(|total| total.checked_add(nanos as u64)).ok_or(Errno::EINVAL)
}
