//! What the shell says about signals: descriptions for a job killed or
//! stopped by one (as bash prints them), and names for `kill`.

use crate::signal_names::{number_of, SIGNAL_NAMES};

/// The description bash prints for a job killed by `signal` (`Segmentation fault`).
pub fn death_description(signal: i32) -> String {
    let text = match signal {
        libc::SIGHUP => "Hangup",
        libc::SIGINT => "Interrupt",
        libc::SIGQUIT => "Quit",
        libc::SIGILL => "Illegal instruction",
        libc::SIGTRAP => "Trace/breakpoint trap",
        libc::SIGABRT => "Aborted",
        libc::SIGBUS => "Bus error",
        libc::SIGFPE => "Floating point exception",
        libc::SIGKILL => "Killed",
        libc::SIGUSR1 => "User defined signal 1",
        libc::SIGSEGV => "Segmentation fault",
        libc::SIGUSR2 => "User defined signal 2",
        libc::SIGPIPE => "Broken pipe",
        libc::SIGALRM => "Alarm clock",
        libc::SIGTERM => "Terminated",
        libc::SIGSTKFLT => "Stack fault",
        libc::SIGXCPU => "CPU time limit exceeded",
        libc::SIGXFSZ => "File size limit exceeded",
        libc::SIGVTALRM => "Virtual timer expired",
        libc::SIGPROF => "Profiling timer expired",
        libc::SIGIO => "I/O possible",
        libc::SIGPWR => "Power failure",
        libc::SIGSYS => "Bad system call",
        _ => return format!("Unknown signal {signal}"),
    };
    text.to_string()
}

/// What `jobs` shows for a job stopped by `signal`.
pub fn stop_description(signal: i32) -> &'static str {
    match signal {
        libc::SIGTSTP => "Stopped",
        libc::SIGSTOP => "Stopped (signal)",
        libc::SIGTTIN => "Stopped (tty input)",
        libc::SIGTTOU => "Stopped (tty output)",
        _ => "Stopped",
    }
}

/// The number for a signal given as `TERM`, `SIGTERM`, `term` or `15`.
pub fn signal_number(name: &str) -> Option<i32> {
    if let Ok(number) = name.parse::<i32>() {
        return (0..=64).contains(&number).then_some(number);
    }
    let upper = name.to_ascii_uppercase();
    number_of(upper.strip_prefix("SIG").unwrap_or(&upper))
}

/// `kill -l`: the numbered list of signal names.
pub fn signal_listing() -> String {
    SIGNAL_NAMES
        .iter()
        .enumerate()
        .skip(1)
        .map(|(number, name)| format!("{number:2}) SIG{name}\n"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_names_and_numbers() {
        assert_eq!(signal_number("TERM"), Some(15));
        assert_eq!(signal_number("sigkill"), Some(9));
        assert_eq!(signal_number("9"), Some(9));
        assert_eq!(signal_number("0"), Some(0));
        assert_eq!(signal_number("BOGUS"), None);
        assert_eq!(signal_number("99"), None);
        assert_eq!(signal_number(""), None);
        assert!(signal_listing().starts_with(" 1) SIGHUP\n 2) SIGINT\n"));
    }

    #[test]
    fn descriptions_match_bash() {
        assert_eq!(death_description(libc::SIGSEGV), "Segmentation fault");
        assert_eq!(death_description(libc::SIGTERM), "Terminated");
        assert_eq!(stop_description(libc::SIGTSTP), "Stopped");
    }
}
