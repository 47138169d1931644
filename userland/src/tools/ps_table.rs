//! `ps`'s table: one row per process with its pid, parent, state letter,
//! the CPU it last ran on, its user and system time and its command, under
//! a procps-like header.

use super::process_stat::ProcessStat;
use std::fmt::Write;

/// Clock ticks per second in `/proc` (USER_HZ on x86-64).
pub const CLOCK_TICKS_PER_SECOND: u64 = 100;

/// The header line.
pub const HEADER: &str = "  PID  PPID S CPU    UTIME    STIME COMMAND";

/// Clock ticks as `seconds.hundredths`.
pub fn seconds(ticks: u64) -> String {
    format!(
        "{}.{:02}",
        ticks / CLOCK_TICKS_PER_SECOND,
        ticks % CLOCK_TICKS_PER_SECOND * 100 / CLOCK_TICKS_PER_SECOND
    )
}

/// One process's row.
pub fn row(process: &ProcessStat) -> String {
    format!(
        "{:>5} {:>5} {} {:>3} {:>8} {:>8} {}",
        process.pid,
        process.parent,
        process.state,
        process.processor,
        seconds(process.user_ticks),
        seconds(process.system_ticks),
        process.command
    )
}

/// The header and a row per process, each line ending in `\n`.
pub fn table(processes: &[ProcessStat]) -> String {
    let mut text = format!("{HEADER}\n");
    for process in processes {
        let _ = writeln!(text, "{}", row(process));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::process_stat::parse;

    #[test]
    fn rows_line_up_under_the_header() {
        let init = parse(&format!(
            "1 (init) S 0 1 1 0 -1 0 0 0 0 0 5 123 0 0 20 0 1 0 0 1000{} 17 3 0",
            " 0".repeat(14)
        ))
        .unwrap();
        let text = table(&[init]);
        assert_eq!(
            text,
            format!("{HEADER}\n    1     0 S   3     0.05     1.23 init\n")
        );
        let header_command = HEADER.find("COMMAND").unwrap();
        assert_eq!(
            text.lines().nth(1).unwrap().find("init"),
            Some(header_command)
        );
    }

    #[test]
    fn seconds_have_hundredths() {
        assert_eq!(seconds(0), "0.00");
        assert_eq!(seconds(12345), "123.45");
    }
}
