//! `getgroups`: the caller's supplementary group IDs. Every process runs
//! as root (uid and gid 0) with none, so the list is empty.

use super::SyscallResult;
use protocol::linux_abi::Errno;

/// `getgroups(size, list)`: 0 groups; a negative `size` is `EINVAL`.
pub fn getgroups(size: u64, _list: u64) -> SyscallResult {
    if (size as u32 as i32) < 0 {
        return Err(Errno::EINVAL);
    }
    Ok(0)
}
