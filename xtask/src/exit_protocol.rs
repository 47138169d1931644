//! The isa-debug-exit protocol between the kernel and the host, and xtask's exit codes.
//!
//! The kernel ends a run by writing one byte to I/O port [`ISA_DEBUG_EXIT_PORT`].
//! QEMU's `isa-debug-exit` device then exits with status `(value << 1) | 1`, so a
//! guest can never produce status 0 (which QEMU uses for its own clean exits,
//! such as a triple fault under `-no-reboot`). The values are
//! `protocol::GuestExit`, the same type the kernel writes.
//!
//! ```text
//!  guest writes   QEMU exits   Outcome    cargo xtask exits
//!  0x10           33           Pass       0
//!  0x11           35           Fail       1
//!  0x12           37           Panic      3
//!  0x13           39           PowerOff   0   a program powered off
//!  (none)         0            NoResult   4   guest reset / triple fault
//!  (killed)       -            Timeout    124 --timeout expired
//!  (other)        any other    Other(n)   5
//! ```

use std::fmt;

pub use protocol::exit::{qemu_status_for, GuestExit, ISA_DEBUG_EXIT_IOSIZE, ISA_DEBUG_EXIT_PORT};

/// QEMU's status after the guest wrote [`GuestExit::Pass`] (33).
pub const QEMU_STATUS_PASS: i32 = GuestExit::Pass.qemu_status();
/// QEMU's status after the guest wrote [`GuestExit::Fail`] (35).
pub const QEMU_STATUS_FAIL: i32 = GuestExit::Fail.qemu_status();
/// QEMU's status after the guest wrote [`GuestExit::Panic`] (37).
pub const QEMU_STATUS_PANIC: i32 = GuestExit::Panic.qemu_status();
/// QEMU's status after the guest wrote [`GuestExit::PowerOff`] (39).
pub const QEMU_STATUS_POWER_OFF: i32 = GuestExit::PowerOff.qemu_status();
/// QEMU's status when it stopped without the guest reporting (reset or triple
/// fault with `-no-reboot`).
pub const QEMU_STATUS_NO_RESULT: i32 = 0;

/// Exit codes of the `cargo xtask` process itself.
pub mod xtask_exit {
    /// Kernel reported PASS (or `build`/`test` succeeded).
    pub const PASS: i32 = 0;
    /// Kernel reported a test FAIL (or some test of `cargo xtask test` failed).
    pub const FAIL: i32 = 1;
    /// Bad command line; QEMU was not started.
    pub const USAGE: i32 = 2;
    /// Kernel panicked.
    pub const PANIC: i32 = 3;
    /// QEMU exited 0: guest reset or triple fault, no result reported.
    pub const NO_RESULT: i32 = 4;
    /// QEMU exited with a status outside the protocol (e.g. it failed to start).
    pub const OTHER: i32 = 5;
    /// xtask could not do its job: set-up, kernel build or QEMU spawn failed.
    pub const TOOL_ERROR: i32 = 6;
    /// `--timeout` expired and QEMU was killed (same code as coreutils `timeout`).
    pub const TIMEOUT: i32 = 124;
}

/// How one QEMU run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Guest wrote [`GuestExit::Pass`].
    Pass,
    /// Guest wrote [`GuestExit::Fail`].
    Fail,
    /// Guest wrote [`GuestExit::Panic`].
    Panic,
    /// Guest wrote [`GuestExit::PowerOff`]: a clean power-off.
    PowerOff,
    /// QEMU exited 0 without a guest result (reset / triple fault).
    NoResult,
    /// The timeout expired and xtask killed QEMU.
    Timeout,
    /// Any other QEMU status; `128 + signal` when QEMU died from a signal.
    Other(i32),
}

impl Outcome {
    /// Maps QEMU's exit status (`None`: killed by `signal`) to an outcome.
    pub fn from_qemu_status(code: Option<i32>, signal: Option<i32>) -> Outcome {
        match code {
            Some(QEMU_STATUS_PASS) => Outcome::Pass,
            Some(QEMU_STATUS_FAIL) => Outcome::Fail,
            Some(QEMU_STATUS_PANIC) => Outcome::Panic,
            Some(QEMU_STATUS_POWER_OFF) => Outcome::PowerOff,
            Some(QEMU_STATUS_NO_RESULT) => Outcome::NoResult,
            Some(other) => Outcome::Other(other),
            None => Outcome::Other(128 + signal.unwrap_or(0)),
        }
    }

    /// The exit code `cargo xtask run` uses for this outcome.
    pub fn xtask_exit_code(self) -> i32 {
        match self {
            Outcome::Pass | Outcome::PowerOff => xtask_exit::PASS,
            Outcome::Fail => xtask_exit::FAIL,
            Outcome::Panic => xtask_exit::PANIC,
            Outcome::NoResult => xtask_exit::NO_RESULT,
            Outcome::Timeout => xtask_exit::TIMEOUT,
            Outcome::Other(_) => xtask_exit::OTHER,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Pass => write!(f, "PASS"),
            Outcome::Fail => write!(f, "FAIL"),
            Outcome::Panic => write!(f, "PANIC"),
            Outcome::PowerOff => write!(f, "POWER OFF"),
            Outcome::NoResult => write!(f, "NO RESULT"),
            Outcome::Timeout => write!(f, "TIMEOUT"),
            Outcome::Other(status) => write!(f, "QEMU status {status}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guest_values_map_to_documented_qemu_statuses() {
        assert_eq!(qemu_status_for(0x10), 33);
        assert_eq!(qemu_status_for(0x11), 35);
        assert_eq!(qemu_status_for(0x12), 37);
    }

    #[test]
    fn every_guest_exit_value_maps_to_its_outcome() {
        let expected = [Outcome::Pass, Outcome::Fail, Outcome::Panic, Outcome::PowerOff];
        for (guest_exit, outcome) in GuestExit::ALL.into_iter().zip(expected) {
            assert_eq!(Outcome::from_qemu_status(Some(guest_exit.qemu_status()), None), outcome);
        }
    }

    #[test]
    fn qemu_statuses_map_to_outcomes() {
        assert_eq!(Outcome::from_qemu_status(Some(33), None), Outcome::Pass);
        assert_eq!(Outcome::from_qemu_status(Some(35), None), Outcome::Fail);
        assert_eq!(Outcome::from_qemu_status(Some(37), None), Outcome::Panic);
        assert_eq!(Outcome::from_qemu_status(Some(39), None), Outcome::PowerOff);
        assert_eq!(Outcome::from_qemu_status(Some(0), None), Outcome::NoResult);
        assert_eq!(Outcome::from_qemu_status(Some(1), None), Outcome::Other(1));
        assert_eq!(
            Outcome::from_qemu_status(None, Some(9)),
            Outcome::Other(137)
        );
    }

    #[test]
    fn outcomes_map_to_xtask_exit_codes() {
        assert_eq!(Outcome::Pass.xtask_exit_code(), 0);
        assert_eq!(Outcome::Fail.xtask_exit_code(), 1);
        assert_eq!(Outcome::Panic.xtask_exit_code(), 3);
        assert_eq!(Outcome::PowerOff.xtask_exit_code(), 0);
        assert_eq!(Outcome::NoResult.xtask_exit_code(), 4);
        assert_eq!(Outcome::Other(1).xtask_exit_code(), 5);
        assert_eq!(Outcome::Other(255).xtask_exit_code(), 5);
        assert_eq!(Outcome::Timeout.xtask_exit_code(), 124);
    }
}
