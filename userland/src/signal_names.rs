//! Linux x86-64 signal names: one table for every program that names a
//! signal (the shell's `kill` and job reports, the `kill` tool, init's
//! wait-status lines).

/// Standard signal names without `SIG`, indexed by number (0 has none).
pub const SIGNAL_NAMES: [&str; 32] = [
    "", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2",
    "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG",
    "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
];

/// The name of standard signal `number` without `SIG` (`SEGV`), if it is one.
pub fn bare_name(number: i32) -> Option<&'static str> {
    usize::try_from(number)
        .ok()
        .filter(|&index| index > 0)
        .and_then(|index| SIGNAL_NAMES.get(index))
        .copied()
}

/// The number of the standard signal called `name` (upper case, without
/// `SIG`).
pub fn number_of(name: &str) -> Option<i32> {
    SIGNAL_NAMES
        .iter()
        .position(|&candidate| !candidate.is_empty() && candidate == name)
        .map(|index| index as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers_agree_with_libc() {
        assert_eq!(bare_name(libc::SIGSEGV), Some("SEGV"));
        assert_eq!(bare_name(libc::SIGIO), Some("IO"));
        assert_eq!(bare_name(libc::SIGSYS), Some("SYS"));
        assert_eq!(bare_name(0), None);
        assert_eq!(bare_name(32), None);
        assert_eq!(number_of("TERM"), Some(libc::SIGTERM));
        assert_eq!(number_of("WINCH"), Some(libc::SIGWINCH));
        assert_eq!(number_of(""), None);
        assert_eq!(number_of("BOGUS"), None);
    }
}
