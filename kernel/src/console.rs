//! The serial console: `kprintln!` for everyone, an emergency writer for
//! panic and fatal-exception reports.
//!
//! The lock is taken with interrupts disabled (it is also used from interrupt
//! handlers). A CPU that dies while printing would leave it held, so the
//! emergency path waits only a bounded time and then takes the port anyway:
//! a garbled line beats a silent hang.

use arch::serial::{SerialPort, COM1_PORT_BASE};
use core::fmt::Write;

// SAFETY: COM1 is driven only through this lock (and the emergency writer,
// which first tries to take the same lock).
static CONSOLE: spin::Mutex<SerialPort> = spin::Mutex::new(unsafe { SerialPort::new(COM1_PORT_BASE) });

/// How many lock attempts the emergency writer makes before forcing.
const EMERGENCY_LOCK_ATTEMPTS: u32 = 10_000_000;

/// Programs the UART. Call once, first thing at boot. A byte typed
/// before stays in the UART for the terminal (`SerialPort::init`).
pub fn init() {
    CONSOLE.lock().init();
}

/// Writes formatted text, whole, with interrupts disabled.
pub fn print(args: core::fmt::Arguments) {
    arch::cpu::without_interrupts(|| {
        crate::klog::record(args);
        let _ = CONSOLE.lock().write_fmt(args);
    });
}

/// Writes bytes exactly as given (the terminal has done its output
/// processing), with the lock held for one piece at a time so that a long
/// write does not keep interrupts off for long. A piece of up to
/// `WRITE_PIECE_BYTES` bytes never interleaves with other output.
pub fn write_bytes(bytes: &[u8]) {
    for piece in bytes.chunks(WRITE_PIECE_BYTES) {
        arch::cpu::without_interrupts(|| {
            let mut port = CONSOLE.lock();
            for &byte in piece {
                port.write_byte(byte);
            }
        });
    }
}

/// Bytes of one `write_bytes` piece.
const WRITE_PIECE_BYTES: usize = 256;

/// Runs `action` on the UART with the console lock held and interrupts
/// off (the terminal's input side: interrupt causes, received bytes).
pub fn with_uart<R>(action: impl FnOnce(&mut SerialPort) -> R) -> R {
    arch::cpu::without_interrupts(|| action(&mut CONSOLE.lock()))
}

/// Writes formatted text only if the console is free right now (for
/// contexts that may have interrupted the lock holder on this CPU).
pub fn try_print(args: core::fmt::Arguments) {
    arch::cpu::without_interrupts(|| {
        if let Some(mut port) = CONSOLE.try_lock() {
            let _ = port.write_fmt(args);
        }
    });
}

/// Writes formatted text even if another CPU (or this one, interrupted) holds
/// the console lock and will never release it. For panic and fatal reports.
pub fn emergency_print(args: core::fmt::Arguments) {
    arch::cpu::without_interrupts(|| {
        for _ in 0..EMERGENCY_LOCK_ATTEMPTS {
            if let Some(mut port) = CONSOLE.try_lock() {
                let _ = port.write_fmt(args);
                return;
            }
            core::hint::spin_loop();
        }
        // SAFETY: the holder is stuck (dead CPU or interrupted on this CPU);
        // we accept interleaved output to get the report out.
        unsafe { CONSOLE.force_unlock() };
        let _ = CONSOLE.lock().write_fmt(args);
    });
}

/// Prints to the serial console.
#[macro_export]
macro_rules! kprint {
    ($($arg:tt)*) => { $crate::console::print(format_args!($($arg)*)) };
}

/// Prints a line to the serial console.
#[macro_export]
macro_rules! kprintln {
    () => { $crate::console::print(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::console::print(format_args!("{}\n", format_args!($($arg)*))) };
}

/// Prints a `warning: ...` line (the marker tools look for,
/// `protocol::serial::WARNING`): the kernel noticed something wrong and
/// carries on.
#[macro_export]
macro_rules! kwarn {
    ($($arg:tt)*) => {
        $crate::console::print(format_args!("{} {}\n", protocol::serial::WARNING, format_args!($($arg)*)))
    };
}

/// Prints a line even when the console lock is held by a stuck CPU.
#[macro_export]
macro_rules! emergency_println {
    ($($arg:tt)*) => { $crate::console::emergency_print(format_args!("{}\n", format_args!($($arg)*))) };
}
