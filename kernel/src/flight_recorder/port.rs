//! The trace port: live dumps go to the second serial port (COM2), which
//! `cargo xtask` saves to a file, so they never mix with the console's
//! text. Polled output only; a dump holds the port's lock for a whole line.

use arch::serial::{SerialPort, COM2_PORT_BASE};
use core::fmt::Write;

// SAFETY: COM2 is the standard I/O base of the second 16550, and nothing
// else in the kernel drives it (only this lock).
static PORT: spin::Mutex<Option<SerialPort>> = spin::Mutex::new(None);

struct Lines<'p>(&'p mut SerialPort);

impl Write for Lines<'_> {
    fn write_str(&mut self, text: &str) -> core::fmt::Result {
        for byte in text.bytes() {
            self.0.write_byte(byte);
        }
        Ok(())
    }
}

/// Whether a UART answers at COM2 (set up on the first call).
pub fn present() -> bool {
    let mut port = PORT.lock();
    if port.is_none() {
        // SAFETY: see PORT: the second UART's base, driven only under this lock.
        let mut candidate = unsafe { SerialPort::new(COM2_PORT_BASE) };
        if candidate.is_present() {
            candidate.init();
            *port = Some(candidate);
        }
    }
    port.is_some()
}

/// Writes `args` to the trace port (nothing if it is absent).
pub fn print(args: core::fmt::Arguments) {
    if let Some(port) = PORT.lock().as_mut() {
        let _ = Lines(port).write_fmt(args);
    }
}
