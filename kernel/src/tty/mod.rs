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
mod device_file;
#[cfg(target_os = "none")]
mod foreground;
#[cfg(target_os = "none")]
mod ioctl;
pub mod raw_ring;
#[cfg(target_os = "none")]
mod terminal;
#[cfg(target_os = "none")]
mod uart_input;

/// The terminal's device number as `/proc/[pid]/stat` (`tty_nr`) and
/// `TIOCGDEV` report it: the serial line's, 4:64 as Linux's `ttyS0`,
/// whichever node (`/dev/console`, `/dev/tty`) it was opened through.
#[cfg(target_os = "none")]
pub const TERMINAL_DEVICE_NUMBER: u32 = crate::vfs::DeviceKind::Serial.number() as u32;

/// The controlling terminal of a session, for `/proc/[pid]/stat`.
#[cfg(target_os = "none")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ControllingTerminal {
    /// `tty_nr`.
    pub device_number: u32,
    /// `tpgid`: the foreground process group, if any.
    pub foreground_group: Option<u32>,
}

/// The terminal `session` controls, if it controls one.
#[cfg(target_os = "none")]
pub fn controlling_terminal_of(session: u32) -> Option<ControllingTerminal> {
    let ownership = terminal::ownership();
    (ownership.session == Some(session)).then_some(ControllingTerminal {
        device_number: TERMINAL_DEVICE_NUMBER,
        foreground_group: ownership.foreground,
    })
}

/// Starts the terminal: its device nodes and the session hook, the `tty`
/// thread, then COM1's interrupt routed to the CPU with xAPIC id
/// `destination`. Input before this waits in the UART. A SysRq key (the
/// byte after a serial BREAK) goes to `on_sysrq` instead, from the
/// interrupt handler.
#[cfg(target_os = "none")]
pub fn start(topology: &crate::madt::CpuTopology, destination: u8, on_sysrq: fn(u8)) {
    crate::file::register_terminal(device_file::open_node);
    crate::process::on_session_leader_exit(terminal::session_leader_exited);
    if let Err(error) = crate::sched::spawn("tty", terminal::feed_forever) {
        crate::kwarn!("tty: cannot start the input thread ({error:?}); the console takes no input");
        return;
    }
    match uart_input::enable(topology, destination, terminal::input_arrived, on_sysrq) {
        Ok(line) => crate::kprintln!("{line}"),
        Err(reason) => crate::kwarn!("tty: {reason}; the console takes no input"),
    }
}
