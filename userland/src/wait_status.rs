//! Linux wait statuses (what `wait4` stores) decoded, and signal names for messages.
//!
//! Encoding (Linux, `<bits/waitstatus.h>`): exited with code N = `N << 8`;
//! killed by signal S = `S` (plus 0x80 when a core was dumped). This raw
//! form is also what `init` hands to the kernel when it powers off.

use std::fmt;

/// How a child process ended, decoded from a raw wait status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildEnd {
    /// `exit(code)` or a return from `main`.
    Exited(u8),
    /// Killed by this signal.
    Signaled(i32),
    /// Anything else (stopped, continued): not an end.
    Other(i32),
}

impl ChildEnd {
    /// Decodes a raw status as stored by `wait4`/`waitpid`.
    pub fn from_raw(status: i32) -> ChildEnd {
        let low = status & 0x7f;
        if low == 0 {
            ChildEnd::Exited(((status >> 8) & 0xff) as u8)
        } else if low != 0x7f {
            ChildEnd::Signaled(low)
        } else {
            ChildEnd::Other(status)
        }
    }

    /// The raw status that encodes this end (the inverse of [`ChildEnd::from_raw`]).
    pub fn to_raw(self) -> i32 {
        match self {
            ChildEnd::Exited(code) => i32::from(code) << 8,
            ChildEnd::Signaled(signal) => signal & 0x7f,
            ChildEnd::Other(status) => status,
        }
    }

    /// The exit code a shell would report: the code, or 128 + signal.
    pub fn shell_code(self) -> u8 {
        match self {
            ChildEnd::Exited(code) => code,
            ChildEnd::Signaled(signal) => (128 + signal).clamp(0, 255) as u8,
            ChildEnd::Other(_) => 255,
        }
    }
}

impl fmt::Display for ChildEnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ChildEnd::Exited(code) => write!(f, "exited with status {code}"),
            ChildEnd::Signaled(signal) => {
                write!(f, "killed by signal {signal} ({})", signal_name(signal))
            }
            ChildEnd::Other(status) => write!(f, "changed state (wait status {status:#x})"),
        }
    }
}

/// The usual name of a Linux x86_64 signal number (`SIGSEGV`), or `SIG?`.
pub fn signal_name(signal: i32) -> String {
    match crate::signal_names::bare_name(signal) {
        Some(name) => format!("SIG{name}"),
        None if signal == 0 => "SIG0".to_string(),
        None => "SIG?".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_exits_and_signals_like_the_libc_macros() {
        for code in [0u8, 1, 7, 255] {
            let raw = i32::from(code) << 8;
            assert!(libc::WIFEXITED(raw));
            assert_eq!(
                ChildEnd::from_raw(raw),
                ChildEnd::Exited(libc::WEXITSTATUS(raw) as u8)
            );
            assert_eq!(ChildEnd::from_raw(raw).to_raw(), raw);
        }
        for signal in [libc::SIGSEGV, libc::SIGILL, libc::SIGFPE, libc::SIGKILL] {
            assert!(libc::WIFSIGNALED(signal));
            assert_eq!(
                ChildEnd::from_raw(signal),
                ChildEnd::Signaled(libc::WTERMSIG(signal))
            );
            assert_eq!(
                ChildEnd::from_raw(signal | 0x80),
                ChildEnd::Signaled(signal),
                "core dump bit"
            );
            assert_eq!(
                ChildEnd::Signaled(signal).to_raw(),
                signal,
                "the encoding init hands the kernel"
            );
        }
        assert!(
            matches!(ChildEnd::from_raw(0x137f), ChildEnd::Other(_)),
            "stopped by SIGSTOP"
        );
    }

    #[test]
    fn names_signals_and_shell_codes() {
        assert_eq!(signal_name(libc::SIGSEGV), "SIGSEGV");
        assert_eq!(signal_name(libc::SIGFPE), "SIGFPE");
        assert_eq!(signal_name(libc::SIGSYS), "SIGSYS");
        assert_eq!(signal_name(64), "SIG?");
        assert_eq!(
            ChildEnd::Signaled(11).to_string(),
            "killed by signal 11 (SIGSEGV)"
        );
        assert_eq!(ChildEnd::Exited(7).to_string(), "exited with status 7");
        assert_eq!(ChildEnd::Signaled(11).shell_code(), 139);
        assert_eq!(ChildEnd::Exited(3).shell_code(), 3);
    }
}
