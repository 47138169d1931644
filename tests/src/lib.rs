//! Shared helpers for the QEMU tests: find the kernel, boot it, read its serial lines.
//!
//! The kernel ELF comes from `KERNEL_ELF` (set by `cargo xtask test`). The
//! accelerator comes from `KERNEL_TEST_ACCEL=auto|kvm|tcg` (default auto), except
//! where a test names one. Each boot has a timeout; a timeout is a failure.
//!
//! Serial contract the tests read (written by the kernel):
//! ```text
//! smp: N of M CPUs online in T ms
//! TEST PASS NAME | TEST FAIL NAME: reason
//! PANIC cpu=K at FILE:LINE:COL: message
//! warning: unknown kernel argument 'NAME'
//! ```

use std::env;
use std::path::PathBuf;
use std::time::Duration;

pub use xtask::exit_protocol::Outcome;
pub use xtask::qemu::{kvm_usable, run_qemu, Accel, Machine, QemuConfig, ResolvedAccel, RunResult};

/// Default per-boot timeout; override with `KERNEL_TEST_TIMEOUT_SECS`.
pub const DEFAULT_TIMEOUT_SECS: u64 = 60;
/// Serial lines shown in a failure message (the tail of the output).
const SERIAL_TAIL_LINES: usize = 80;

/// The kernel ELF to boot, from `KERNEL_ELF`; panics with instructions when unset.
pub fn kernel_elf() -> PathBuf {
    match env::var_os("KERNEL_ELF") {
        Some(path) if !path.is_empty() => {
            let path = PathBuf::from(path);
            assert!(path.is_file(), "KERNEL_ELF={} is not a file; run `cargo xtask test`", path.display());
            path
        }
        _ => panic!(
            "KERNEL_ELF is not set: these tests boot a kernel built for x86_64-unknown-none; \
             run them with `cargo xtask test` (or set KERNEL_ELF=target/x86_64-unknown-none/debug/kernel)"
        ),
    }
}

/// The accelerator from `KERNEL_TEST_ACCEL` (auto when unset).
pub fn test_accel() -> Accel {
    match env::var("KERNEL_TEST_ACCEL") {
        Ok(text) if !text.is_empty() => text
            .parse()
            .unwrap_or_else(|error| panic!("KERNEL_TEST_ACCEL: {error}")),
        _ => Accel::Auto,
    }
}

/// The per-boot timeout, scaled by `factor` (for slow configurations such as
/// TCG with many CPUs on a 2-core host).
pub fn timeout(factor: u32) -> Duration {
    let seconds = env::var("KERNEL_TEST_TIMEOUT_SECS")
        .ok()
        .and_then(|text| text.parse::<u64>().ok())
        .unwrap_or(DEFAULT_TIMEOUT_SECS);
    Duration::from_secs(seconds * u64::from(factor))
}

/// A config booting the kernel with `kernel_args` on `smp` CPUs, using the test
/// accelerator, the default timeout and no echo.
pub fn config(smp: u32, kernel_args: &[&str]) -> QemuConfig {
    QemuConfig {
        smp,
        accel: test_accel(),
        kernel_args: kernel_args.iter().map(|arg| arg.to_string()).collect(),
        timeout: Some(timeout(1)),
        echo: false,
        ..QemuConfig::new(kernel_elf())
    }
}

/// Boots `cfg` and returns the result; panics if QEMU cannot be started.
pub fn boot(cfg: &QemuConfig) -> RunResult {
    let result = run_qemu(cfg).unwrap_or_else(|error| panic!("could not run QEMU: {error}"));
    // Shown by the test harness only when the test fails.
    println!(
        "booted: smp={} accel={} machine={} args={:?} -> {} in {:.2} s",
        cfg.smp,
        result.accel,
        result.machine,
        cfg.kernel_args,
        result.outcome,
        result.wall.as_secs_f64()
    );
    result
}

/// Boots in-kernel test `name` (`test=NAME`) on `smp` CPUs with the test accelerator.
pub fn boot_test(name: &str, smp: u32) -> RunResult {
    boot(&config(smp, &[&format!("test={name}")]))
}

/// The last lines of the serial output and QEMU's stderr, for failure messages.
pub fn describe(result: &RunResult) -> String {
    let lines: Vec<&str> = result.serial_lines().collect();
    let skipped = lines.len().saturating_sub(SERIAL_TAIL_LINES);
    let mut text = format!(
        "outcome {} after {:.2} s (accel={} machine={})\n--- serial ({} lines{}) ---\n",
        result.outcome,
        result.wall.as_secs_f64(),
        result.accel,
        result.machine,
        lines.len(),
        if skipped > 0 {
            format!(", first {skipped} omitted")
        } else {
            String::new()
        },
    );
    for line in &lines[skipped..] {
        text.push_str(line);
        text.push('\n');
    }
    if !result.qemu_stderr.trim().is_empty() {
        text.push_str("--- QEMU stderr ---\n");
        text.push_str(&result.qemu_stderr);
    }
    text
}

/// Asserts the run ended with `expected`, showing the serial output otherwise.
pub fn assert_outcome(result: &RunResult, expected: Outcome) {
    assert_eq!(
        result.outcome,
        expected,
        "expected {expected}, got {}",
        describe(result)
    );
}

/// Asserts some serial line contains `needle`.
pub fn assert_line_contains(result: &RunResult, needle: &str) {
    assert!(
        result.serial_lines().any(|line| line.contains(needle)),
        "no serial line contains {needle:?}; {}",
        describe(result)
    );
}

/// Asserts no serial line contains `needle`.
pub fn assert_no_line_contains(result: &RunResult, needle: &str) {
    let found: Vec<&str> = result
        .serial_lines()
        .filter(|line| line.contains(needle))
        .collect();
    assert!(
        found.is_empty(),
        "unexpected lines containing {needle:?}: {found:?}; {}",
        describe(result)
    );
}

/// One `smp: N of M CPUs online in T ms` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SmpOnline {
    /// CPUs that came online (N).
    pub online: u32,
    /// CPUs found in the MADT (M).
    pub found: u32,
    /// Bring-up time in milliseconds (T).
    pub took_ms: u64,
}

/// Parses one `smp: N of M CPUs online in T ms` line (anywhere in `line`).
pub fn parse_smp_online(line: &str) -> Option<SmpOnline> {
    let rest = &line[line.find("smp: ")? + "smp: ".len()..];
    let (online, rest) = rest.split_once(" of ")?;
    let (found, rest) = rest.split_once(" CPUs online in ")?;
    let took_ms = rest.strip_suffix(" ms")?;
    Some(SmpOnline {
        online: online.parse().ok()?,
        found: found.parse().ok()?,
        took_ms: took_ms.trim().parse().ok()?,
    })
}

/// Every `smp: ... CPUs online in T ms` line of the run.
pub fn smp_online_lines(result: &RunResult) -> Vec<SmpOnline> {
    result.serial_lines().filter_map(parse_smp_online).collect()
}

/// Asserts exactly one `smp: N of N CPUs online in T ms` line with N == `smp`.
pub fn assert_all_cpus_online(result: &RunResult, smp: u32) {
    let lines = smp_online_lines(result);
    assert_eq!(
        lines.len(),
        1,
        "expected exactly one 'smp: ... CPUs online in T ms' line, got {lines:?}; {}",
        describe(result)
    );
    let expected = SmpOnline {
        online: smp,
        found: smp,
        took_ms: lines[0].took_ms,
    };
    assert_eq!(
        lines[0],
        expected,
        "expected 'smp: {smp} of {smp} CPUs online'; {}",
        describe(result)
    );
}

/// Parses `key=value` from a line of `key=value` words, e.g. `cpu` from
/// `PANIC cpu=3 at ...`; trailing punctuation (`cpu=3:`) is not part of the value.
pub fn field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    line.split_whitespace().find_map(|word| {
        let value = word.strip_prefix(key)?.strip_prefix('=')?;
        Some(value.trim_end_matches([':', ',', ';', ')']))
    })
}

/// Prints the skip notice and returns true when `/dev/kvm` is not usable.
pub fn skip_without_kvm() -> bool {
    if kvm_usable() {
        return false;
    }
    println!("skipped: /dev/kvm not usable");
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_smp_online_line() {
        assert_eq!(
            parse_smp_online("smp: 4 of 4 CPUs online in 37 ms"),
            Some(SmpOnline {
                online: 4,
                found: 4,
                took_ms: 37
            })
        );
        assert_eq!(
            parse_smp_online("[0.1] smp: 2 of 8 CPUs online in 1200 ms"),
            Some(SmpOnline {
                online: 2,
                found: 8,
                took_ms: 1200
            })
        );
        assert_eq!(parse_smp_online("smp: 4 of 4 CPUs online"), None);
        assert_eq!(parse_smp_online("smp: bringing up 4 CPUs"), None);
    }

    #[test]
    fn reads_fields() {
        assert_eq!(field("PANIC cpu=3 at src/x.rs:1:2: boom", "cpu"), Some("3"));
        assert_eq!(
            field("EXCEPTION cpu=0 vector=3 (#BP) error=0x0", "vector"),
            Some("3")
        );
        assert_eq!(field("EXCEPTION cpu=0 vector=3", "rip"), None);
        assert_eq!(
            field("KERNEL STACK OVERFLOW cpu=3: guard page hit", "cpu"),
            Some("3")
        );
    }
}
