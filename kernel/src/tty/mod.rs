//! The terminal: the serial line as `/dev/console`, `/dev/ttyS0` and
//! `/dev/tty`, with Linux's line discipline, `termios`, job control (a
//! controlling terminal per session, a foreground process group, SIGTTIN
//! and SIGTTOU for background groups) and input by interrupt.
//!
//! Input path: COM1's interrupt (`uart_input`) drains the UART into a raw
//! ring and wakes the `tty` kernel thread, which feeds the bytes through
//! the line discipline (echo, editing, signal characters) and wakes
//! readers. When the discipline's buffer is full the thread stops taking
//! bytes; when the raw ring is full the interrupt handler stops draining the
//! UART and masks its receive interrupt, so QEMU holds the rest: a paste
//! waits, it is never cut. See `TEAM_NOTES/tty.md`.

pub mod line_discipline;

#[cfg(target_os = "none")]
mod foreground;
#[cfg(target_os = "none")]
mod ioctl;
pub mod raw_ring;
#[cfg(target_os = "none")]
mod terminal;
#[cfg(target_os = "none")]
mod uart_input;

#[cfg(target_os = "none")]
pub use terminal::start;
