//! `syslog(2)` (glibc's `klogctl`): how `dmesg` reads the kernel log
//! (`klog`).

use super::SyscallResult;
use crate::klog::{self, LOG_RING_BYTES};
use alloc::vec;
use protocol::linux_abi::Errno;

/// `syslog(2)` actions (`SYSLOG_ACTION_*`).
const ACTION_CLOSE: u64 = 0;
const ACTION_OPEN: u64 = 1;
const ACTION_READ_ALL: u64 = 3;
const ACTION_READ_CLEAR: u64 = 4;
const ACTION_CLEAR: u64 = 5;
const ACTION_CONSOLE_OFF: u64 = 6;
const ACTION_CONSOLE_ON: u64 = 7;
const ACTION_CONSOLE_LEVEL: u64 = 8;
const ACTION_SIZE_UNREAD: u64 = 9;
const ACTION_SIZE_BUFFER: u64 = 10;

/// `syslog(action, buffer, length)`. Reads (`READ_ALL`, `READ_CLEAR`) copy
/// the newest `length` bytes of whole lines; `SIZE_BUFFER` is the ring's
/// size; `SIZE_UNREAD` the bytes held. The blocking, consuming `READ` (2)
/// is not offered (`EINVAL`): nothing here reads the log as a stream.
/// Console-level actions are accepted and change nothing (every line goes
/// to the serial console).
pub fn syslog(action: u64, buffer: u64, length: u64) -> SyscallResult {
    match action {
        ACTION_CLOSE | ACTION_OPEN | ACTION_CONSOLE_OFF | ACTION_CONSOLE_ON => Ok(0),
        ACTION_CONSOLE_LEVEL if (1..=8).contains(&length) => Ok(0),
        ACTION_READ_ALL | ACTION_READ_CLEAR => {
            if (length as i64) < 0 || (buffer == 0 && length != 0) {
                return Err(Errno::EINVAL);
            }
            let mut copy = vec![0; (length as usize).min(LOG_RING_BYTES)];
            let count = klog::copy_newest(&mut copy, action == ACTION_READ_CLEAR);
            crate::uaccess::copy_to_user(buffer, &copy[..count])?;
            Ok(count as u64)
        }
        ACTION_CLEAR => {
            klog::clear();
            Ok(0)
        }
        ACTION_SIZE_UNREAD => Ok(klog::held_bytes() as u64),
        ACTION_SIZE_BUFFER => Ok(LOG_RING_BYTES as u64),
        _ => Err(Errno::EINVAL),
    }
}
