//! Shared helpers for the QEMU tests: find the kernel, boot it, read its serial lines.
//!
//! The kernel ELF comes from `KERNEL_ELF` and the initramfs from `INITRD`
//! (both set by `cargo xtask test`; only tests that boot user programs need
//! `INITRD`, through [`config_with_initramfs`]). The
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
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use xtask::exit_protocol::Outcome;
pub use xtask::qemu::session::QemuSession;
pub use xtask::qemu::{kvm_usable, run_qemu, Accel, ConsoleInput, Machine, QemuConfig, ResolvedAccel, RunResult};

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

/// Debian's busybox archive (`initramfs-busybox.cpio`: ours plus
/// `/busybox/bin`) from `BUSYBOX_INITRD`, or why there is none (tests
/// that need it print that and skip). A set path that is not a file is a
/// broken set-up: panics.
pub fn busybox_initramfs() -> Result<PathBuf, String> {
    match env::var_os("BUSYBOX_INITRD") {
        Some(path) if !path.is_empty() => {
            let path = PathBuf::from(path);
            assert!(path.is_file(), "BUSYBOX_INITRD={} is not a file", path.display());
            Ok(path)
        }
        _ => Err("BUSYBOX_INITRD is not set: `cargo xtask test` sets it when it could fetch Debian's busybox-static \
                  (see its 'busybox archive' step); by hand, `cargo xtask build --busybox` writes \
                  target/initramfs/initramfs-busybox.cpio"
            .to_string()),
    }
}

/// The `PATH` of busybox's archive: our programs, then busybox's applets
/// (where `cargo xtask build --busybox` puts them).
pub const BUSYBOX_TOOLS_PATH: &str = "/bin:/busybox/bin";

/// An initramfs with the general-purpose tools (`cat`, `seq`, `wc`...) on
/// its programs' `PATH`: the standard one (`INITRD`) when `cargo xtask
/// build` packed coreutils into it, else busybox's, whose applets init's
/// default `PATH` reaches (`/busybox/bin`); with the `PATH` that finds
/// them. Err says why neither is there (`cargo xtask test` always passes
/// busybox's: coreutils' cold build does not fit CI, see
/// TEAM_NOTES/coreutils-and-busybox.md).
pub fn initramfs_with_tools() -> Result<(PathBuf, &'static str), String> {
    let standard = initramfs();
    if archive_has(&standard, "bin/coreutils") {
        return Ok((standard, "/bin"));
    }
    busybox_initramfs()
        .map(|archive| (archive, BUSYBOX_TOOLS_PATH))
        .map_err(|why| format!("no coreutils in INITRD (`cargo xtask build` makes them), and {why}"))
}

/// True when the newc archive at `archive` has an entry named `name`
/// (each name sits after a 110-byte header and ends with a NUL).
pub fn archive_has(archive: &Path, name: &str) -> bool {
    let bytes = std::fs::read(archive).unwrap_or_else(|error| panic!("{}: {error}", archive.display()));
    let entry = format!("{name}\0");
    bytes
        .windows(entry.len())
        .enumerate()
        .any(|(at, window)| window == entry.as_bytes() && at >= 110 && &bytes[at - 110..at - 104] == b"070701")
}

/// The initramfs (newc cpio archive) to pass with `-initrd`, from `INITRD`;
/// panics with instructions when unset.
pub fn initramfs() -> PathBuf {
    match env::var_os("INITRD") {
        Some(path) if !path.is_empty() => {
            let path = PathBuf::from(path);
            assert!(path.is_file(), "INITRD={} is not a file; run `cargo xtask test`", path.display());
            path
        }
        _ => panic!(
            "INITRD is not set: this test boots the initramfs that `cargo xtask build` packs; \
             run it with `cargo xtask test` (or set INITRD=target/initramfs/initramfs.cpio)"
        ),
    }
}

/// The accelerator from `KERNEL_TEST_ACCEL`; when unset, KVM wherever
/// `/dev/kvm` opens (even an instruction-emulating one, which kernel tests
/// must pass on too, while `cargo xtask run`'s `auto` avoids it), else TCG.
pub fn test_accel() -> Accel {
    match env::var("KERNEL_TEST_ACCEL") {
        Ok(text) if !text.is_empty() => text
            .parse()
            .unwrap_or_else(|error| panic!("KERNEL_TEST_ACCEL: {error}")),
        _ if kvm_usable() => Accel::Kvm,
        _ => Accel::Tcg,
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
        kernel_args: kernel_args.iter().map(|arg| arg.into()).collect(),
        timeout: Some(timeout(1)),
        echo: false,
        ..QemuConfig::new(kernel_elf())
    }
}

/// [`config`] with the initramfs from `INITRD` passed as `-initrd`.
pub fn config_with_initramfs(smp: u32, kernel_args: &[&str]) -> QemuConfig {
    QemuConfig { initrd: Some(initramfs()), ..config(smp, kernel_args) }
}

/// Boots `cfg` and returns the result; panics if QEMU cannot be started.
pub fn boot(cfg: &QemuConfig) -> RunResult {
    let result = run_qemu(cfg).unwrap_or_else(|error| panic!("could not run QEMU: {error}"));
    // Shown by the test harness only when the test fails.
    println!(
        "booted: smp={} accel={} machine={} args={:?} initrd={:?} -> {} in {:.2} s",
        cfg.smp,
        result.accel,
        result.machine,
        cfg.kernel_args,
        cfg.initrd,
        result.outcome,
        result.wall.as_secs_f64()
    );
    result
}

/// Boots in-kernel test `name` (`test=NAME`) on `smp` CPUs with the test accelerator.
pub fn boot_test(name: &str, smp: u32) -> RunResult {
    boot(&config(smp, &[&format!("test={name}")]))
}

/// Whether a serial line explains how a run ended (kept in failure messages
/// even when it scrolled out of the tail).
fn is_key_line(line: &str) -> bool {
    [PANIC, EXCEPTION, STACK_OVERFLOW, TEST_PASS, TEST_FAIL, WARNING].iter().any(|marker| line.starts_with(marker))
        || SmpOnline::parse(line).is_some()
}

/// For failure messages: the lines that explain how the run ended (panic,
/// exception, test verdict, warnings, the `smp:` line), then the last lines
/// of the serial output with flight-recorder dump lines counted rather than
/// shown, then QEMU's stderr.
pub fn describe(result: &RunResult) -> String {
    let lines: Vec<&str> = result.serial_lines().collect();
    let mut text = format!(
        "outcome {} after {:.2} s (accel={} machine={})\n--- key lines ---\n",
        result.outcome,
        result.wall.as_secs_f64(),
        result.accel,
        result.machine,
    );
    for line in lines.iter().filter(|line| is_key_line(line)) {
        text.push_str(line);
        text.push('\n');
    }
    let trace_lines = lines.iter().filter(|line| line.starts_with("@@TRACE")).count();
    let other: Vec<&str> = lines.iter().copied().filter(|line| !line.starts_with("@@TRACE")).collect();
    let skipped = other.len().saturating_sub(SERIAL_TAIL_LINES);
    text.push_str(&format!(
        "--- serial ({} lines{}{}) ---\n",
        lines.len(),
        if skipped > 0 { format!(", first {skipped} omitted") } else { String::new() },
        if trace_lines > 0 { format!(", {trace_lines} @@TRACE lines not shown") } else { String::new() },
    ));
    for line in &other[skipped..] {
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

pub use protocol::serial::{EXCEPTION, PANIC, STACK_OVERFLOW, TEST_FAIL, TEST_PASS, WARNING};
pub use protocol::SmpOnline;

/// Commands typed at the guest's shell, with their exit status.
mod shell_command;
pub use shell_command::{finish_command, run_command, run_command_ok, start_command, COMMAND_STEP};

/// Parses one `smp: N of M CPUs online in T ms` line (anywhere in `line`).
pub fn parse_smp_online(line: &str) -> Option<SmpOnline> {
    SmpOnline::parse(line)
}

/// Asserts the run printed `TEST PASS NAME` and no `TEST FAIL`.
pub fn assert_test_passed(result: &RunResult, name: &str) {
    assert_line_contains(result, &format!("{TEST_PASS} {name}"));
    assert_no_line_contains(result, TEST_FAIL);
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
    let expected = SmpOnline { online: smp, found: smp, took_ms: lines[0].took_ms };
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
