//! `fadvise64(fd, offset, len, advice)`: how a file will be read. The
//! files live in memory with no read-ahead or cache to tune, so valid
//! advice is taken and changes nothing; the errors are Linux's.

use super::{current_user, SyscallResult};
use crate::file::FileKind;
use protocol::linux_abi::Errno;

/// `POSIX_FADV_NORMAL` (0) to `POSIX_FADV_NOREUSE` (5).
const LAST_ADVICE: u64 = 5;

pub fn fadvise64(fd: u64, _offset: u64, length: u64, advice: u64) -> SyscallResult {
    let file = current_user()?.process.files.lock().get(fd)?;
    if matches!(file.ops().kind(), FileKind::Fifo | FileKind::Socket) {
        return Err(Errno::ESPIPE);
    }
    if (length as i64) < 0 || advice as u32 > LAST_ADVICE as u32 {
        return Err(Errno::EINVAL);
    }
    Ok(0)
}
