//! The user-space half of `cargo xtask bench`: the initramfs's `/bin/bench`
//! (a plain static Linux program) run as PID 1 under our kernel, and with
//! `--against-linux` under a Linux kernel in the same QEMU with the same
//! accelerator, side by side. Lines read: `BENCH-USER NAME median_ns=N`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::qemu::{run_qemu, QemuConfig, ResolvedAccel, RunResult};

/// The prefix of the benchmark program's result lines.
pub const USER_BENCH_MARKER: &str = "BENCH-USER ";
/// The benchmark program in the initramfs.
pub const USER_BENCH_PATH: &str = "/bin/bench";
/// Linux takes a few seconds to boot under TCG.
const LINUX_TIMEOUT: Duration = Duration::from_secs(600);

/// One figure.
#[derive(Debug, Clone, PartialEq)]
pub struct UserFigure {
    pub name: String,
    pub median_ns: u64,
}

/// Parses `BENCH-USER NAME median_ns=N` (other words after it ignored).
pub fn parse_user_line(line: &str) -> Option<UserFigure> {
    let rest = &line[line.find(USER_BENCH_MARKER)? + USER_BENCH_MARKER.len()..];
    let mut words = rest.split_whitespace();
    let name = words.next()?.to_string();
    let median_ns = words.find_map(|word| word.strip_prefix("median_ns="))?.parse().ok()?;
    Some(UserFigure { name, median_ns })
}

/// The figures of a run.
pub fn figures(result: &RunResult) -> Vec<UserFigure> {
    result.serial_lines().filter_map(parse_user_line).collect()
}

/// Runs `/bin/bench` as PID 1 under our kernel.
pub fn run_ours(base: &QemuConfig, initrd: &Path) -> Result<RunResult, String> {
    let config = QemuConfig {
        initrd: Some(initrd.to_path_buf()),
        kernel_args: vec![format!("init={USER_BENCH_PATH}").into()],
        ..base.clone()
    };
    let result = run_qemu(&config).map_err(|error| format!("could not run QEMU: {error}"))?;
    if figures(&result).is_empty() {
        let accel_hint = if result.accel == ResolvedAccel::Kvm {
            " (this machine's KVM cannot run user programs: SYSCALL does not enter ring 0; try --accel tcg, see TEAM_NOTES/kvm-here-is-an-emulator.md)"
        } else {
            ""
        };
        return Err(format!("the user-space benchmark printed no figures ({}){accel_hint}", result.outcome));
    }
    Ok(result)
}

/// Runs `/bin/bench` as PID 1 under the Linux kernel `vmlinuz` (its
/// serial console on COM1; `rdinit=` picks our program from the same
/// initramfs).
pub fn run_linux(base: &QemuConfig, vmlinuz: &Path, initrd: &Path) -> Result<RunResult, String> {
    let config = QemuConfig {
        kernel_elf: vmlinuz.to_path_buf(),
        initrd: Some(initrd.to_path_buf()),
        kernel_args: ["console=ttyS0", "quiet", "panic=-1", &format!("rdinit={USER_BENCH_PATH}")].iter().map(|word| word.into()).collect(),
        timeout: Some(base.timeout.unwrap_or(LINUX_TIMEOUT).max(LINUX_TIMEOUT)),
        ..base.clone()
    };
    let result = run_qemu(&config).map_err(|error| format!("could not run QEMU with Linux: {error}"))?;
    if figures(&result).is_empty() {
        return Err(format!("Linux ran no benchmark ({}); its last lines:\n{}", result.outcome, tail(&result)));
    }
    Ok(result)
}

fn tail(result: &RunResult) -> String {
    let lines: Vec<&str> = result.serial_lines().collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}

/// Prints our figures, and Linux's beside them with the ratio.
pub fn print_table(ours: &[UserFigure], linux: Option<&[UserFigure]>, accel: &str, smp: u32) {
    println!();
    println!("user-space benchmarks ({USER_BENCH_PATH}, a static Linux binary): accel={accel} smp={smp}, medians");
    match linux {
        None => println!("{:<36} {:>14}", "benchmark", "ours ns"),
        Some(_) => println!("{:<36} {:>14} {:>14} {:>12}", "benchmark", "ours ns", "Linux ns", "Linux/ours"),
    }
    for figure in ours {
        match linux.and_then(|linux| linux.iter().find(|other| other.name == figure.name)) {
            Some(theirs) => {
                let ratio = theirs.median_ns as f64 / figure.median_ns.max(1) as f64;
                println!("{:<36} {:>14} {:>14} {:>11.2}x", figure.name, figure.median_ns, theirs.median_ns, ratio);
            }
            None => println!("{:<36} {:>14}", figure.name, figure.median_ns),
        }
    }
    if linux.is_some() {
        println!("(Linux/ours above 1: ours is faster)");
    }
}

/// Where a fetched Debian kernel is kept.
pub fn linux_cache_dir() -> PathBuf {
    crate::cargo::target_dir().join("linux-kernel")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_lines_parse() {
        assert_eq!(
            parse_user_line("BENCH-USER getpid median_ns=502"),
            Some(UserFigure { name: "getpid".into(), median_ns: 502 })
        );
        assert_eq!(parse_user_line("[   3.1] BENCH-USER fork_exit_wait median_ns=3485012").map(|f| f.median_ns), Some(3485012));
        assert_eq!(parse_user_line("BENCH-USER done cpus=4"), None);
        assert_eq!(parse_user_line("BENCH-USER getpid median_ns=x"), None);
        assert_eq!(parse_user_line("bench: getpid median_ns=5"), None);
    }
}
