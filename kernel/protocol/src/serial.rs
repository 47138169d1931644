//! Serial lines that tools read. The kernel prints them with these markers
//! and formats; `xtask` and the tests look for the same markers and parse
//! with the same code. TEAM_NOTES/serial-protocol.md lists the lines.

use core::fmt;

/// `TEST PASS NAME`: an in-kernel test passed.
pub const TEST_PASS: &str = "TEST PASS";
/// `TEST FAIL NAME: reason`: an in-kernel test failed.
pub const TEST_FAIL: &str = "TEST FAIL";
/// `PANIC cpu=K at FILE:LINE:COL: message`.
pub const PANIC: &str = "PANIC";
/// `EXCEPTION cpu=K vector=V (#XX name) error=.. rip=.. rsp=.. cr2=..`.
pub const EXCEPTION: &str = "EXCEPTION";
/// `KERNEL STACK OVERFLOW cpu=K: guard page .. of the OWNER was hit ..`.
pub const STACK_OVERFLOW: &str = "KERNEL STACK OVERFLOW";
/// `watchdog: soft lockup: cpu K stuck for S s (T ticks; ...) in thread ID (NAME)`,
/// followed by the stuck code's `@@BT` backtrace.
pub const SOFT_LOCKUP: &str = "watchdog: soft lockup";
/// `sysrq: ...`: the output of a magic SysRq key (serial BREAK, then the key).
pub const SYSRQ: &str = "sysrq:";
/// `warning: ...`: the kernel noticed something wrong and carried on.
pub const WARNING: &str = "warning:";
/// `bench: NAME median_ns=.. median_cycles=.. samples=..`.
pub const BENCH: &str = "bench:";

/// The line printed once all CPUs are up:
/// `smp: N of M CPUs online in T ms` (M: enabled CPUs in the MADT, T: since
/// the first kernel instruction).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SmpOnline {
    /// CPUs that came online (N).
    pub online: u32,
    /// CPUs found in the MADT (M).
    pub found: u32,
    /// Time from the first kernel instruction, in milliseconds (T).
    pub took_ms: u64,
}

const SMP_PREFIX: &str = "smp: ";
const SMP_OF: &str = " of ";
const SMP_ONLINE_IN: &str = " CPUs online in ";
const SMP_MS: &str = " ms";

impl fmt::Display for SmpOnline {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{SMP_PREFIX}{}{SMP_OF}{}{SMP_ONLINE_IN}{}{SMP_MS}", self.online, self.found, self.took_ms)
    }
}

impl SmpOnline {
    /// Parses the line (anywhere in `line`); `None` if it is not one.
    pub fn parse(line: &str) -> Option<SmpOnline> {
        let rest = &line[line.find(SMP_PREFIX)? + SMP_PREFIX.len()..];
        let (online, rest) = rest.split_once(SMP_OF)?;
        let (found, rest) = rest.split_once(SMP_ONLINE_IN)?;
        let took_ms = rest.trim_end().strip_suffix(SMP_MS)?;
        Some(SmpOnline {
            online: online.parse().ok()?,
            found: found.parse().ok()?,
            took_ms: took_ms.trim().parse().ok()?,
        })
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::ToString;

    #[test]
    fn smp_line_round_trips() {
        let line = SmpOnline { online: 4, found: 4, took_ms: 37 };
        assert_eq!(line.to_string(), "smp: 4 of 4 CPUs online in 37 ms");
        assert_eq!(SmpOnline::parse(&line.to_string()), Some(line));
        assert_eq!(
            SmpOnline::parse("[0.1] smp: 2 of 8 CPUs online in 1200 ms"),
            Some(SmpOnline { online: 2, found: 8, took_ms: 1200 })
        );
        assert_eq!(SmpOnline::parse("smp: 4 of 4 CPUs online"), None);
        assert_eq!(SmpOnline::parse("smp: started 3 of 3 APs at once in 11 ms"), None);
    }
}
