//! The kernel log: the one [`LogRing`] every console line is copied into
//! (`console::print` calls [`record`]); `syslog(2)` (`syscall/syslog.rs`)
//! reads it for `dmesg`.

use crate::log_ring::LogRing;
use core::fmt;

/// Bytes of log kept (Linux's default is 128 KiB; our boot log is far
/// smaller).
pub const LOG_RING_BYTES: usize = 64 * 1024;

/// Taken only with interrupts off (`record` runs inside the console's
/// interrupts-off section, the readers disable them), so an interrupt that
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

/// Copies the newest whole lines that fit `buffer`; returns the bytes
/// copied. With `clear`, empties the log afterwards (in one step).
pub fn copy_newest(buffer: &mut [u8], clear: bool) -> usize {
    arch::cpu::without_interrupts(|| {
        let mut ring = RING.lock();
        let count = ring.copy_newest(buffer);
        if clear {
            ring.clear();
        }
        count
    })
}

/// Empties the log.
pub fn clear() {
    arch::cpu::without_interrupts(|| RING.lock().clear());
}

/// Bytes the log holds.
pub fn held_bytes() -> usize {
    arch::cpu::without_interrupts(|| RING.lock().len())
}

/// Lines dropped because the ring was full.
pub fn dropped_lines() -> u64 {
    arch::cpu::without_interrupts(|| RING.lock().dropped_lines())
}
