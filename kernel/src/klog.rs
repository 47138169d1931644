//! The kernel log: the one [`LogRing`] every console line is copied into
//! (`console::print` calls [`record`]), and `syslog(2)` (glibc's
//! `klogctl`), through which `dmesg` reads it.

use crate::log_ring::LogRing;
use crate::syscall::SyscallResult;
use alloc::vec;
use core::fmt;
use protocol::linux_abi::Errno;

/// Bytes of log kept (Linux's default is 128 KiB; our boot log is far
/// smaller).
pub const LOG_RING_BYTES: usize = 64 * 1024;

/// Taken only with interrupts off (`record` runs inside the console's
/// interrupts-off section, `syslog` disables them), so an interrupt that
/// prints cannot deadlock on it.
static RING: spin::Mutex<LogRing<LOG_RING_BYTES>> = spin::Mutex::new(LogRing::new());

/// Copies printed text into the ring (called by `console::print` with
/// interrupts off).
pub fn record(args: fmt::Arguments) {
    let now = stamp_nanos();
    let mut ring = RING.lock();
    let _ = fmt::write(&mut RingWriter { ring: &mut ring, now }, args);
}

/// The time a line is stamped with: nanoseconds of the TSC, which starts
/// at 0 when the machine does, so stamps grow from the first line on
/// (`clock::monotonic_nanos` starts later, at `clock::init`, and would
/// step back). 0 until the TSC rate is measured, as Linux stamps its
/// earliest lines `[    0.000000]`.
fn stamp_nanos() -> u64 {
    match crate::timer::tsc_hz() {
        0 => 0,
        hz => (u128::from(arch::tsc::read()) * 1_000_000_000 / u128::from(hz)) as u64,
    }
}

struct RingWriter<'a> {
    ring: &'a mut LogRing<LOG_RING_BYTES>,
    now: u64,
}

impl fmt::Write for RingWriter<'_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        self.ring.push_text(text.as_bytes(), self.now);
        Ok(())
    }
}

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
            let count = arch::cpu::without_interrupts(|| {
                let mut ring = RING.lock();
                let count = ring.copy_newest(&mut copy);
                if action == ACTION_READ_CLEAR {
                    ring.clear();
                }
                count
            });
            crate::uaccess::copy_to_user(buffer, &copy[..count])?;
            Ok(count as u64)
        }
        ACTION_CLEAR => {
            arch::cpu::without_interrupts(|| RING.lock().clear());
            Ok(0)
        }
        ACTION_SIZE_UNREAD => Ok(arch::cpu::without_interrupts(|| RING.lock().len()) as u64),
        ACTION_SIZE_BUFFER => Ok(LOG_RING_BYTES as u64),
        _ => Err(Errno::EINVAL),
    }
}

/// Lines dropped because the ring was full.
pub fn dropped_lines() -> u64 {
    arch::cpu::without_interrupts(|| RING.lock().dropped_lines())
}
