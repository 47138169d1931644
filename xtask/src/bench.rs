//! `cargo xtask bench`: boots the release kernel in benchmark mode
//! (`test=bench`) and a few more times for the boot time (at the chosen CPU
//! count and at the most CPUs the kernel drives), and prints the medians
//! with the accelerator they were measured on. Benchmarks report; they
//! never pass or fail on a number.

use std::time::Duration;

use crate::args::BenchArgs;
use crate::cargo::build_kernel;
use crate::exit_protocol::{xtask_exit, Outcome};
use crate::qemu::{run_qemu, QemuConfig, RunResult};
use crate::setup::ensure_all;
use protocol::serial::BENCH;

/// Boots whose `smp: ... online in T ms` line gives the boot-time median.
pub const BOOT_SAMPLES: usize = 5;
/// Boots for the boot-time median at the largest CPU count (slow: hundreds
/// of vCPUs on a small host).
pub const LARGE_BOOT_SAMPLES: usize = 3;
/// The largest CPU count, whose boot time is reported too.
pub const LARGE_SMP: u32 = protocol::MAX_CPUS;
/// Upper bound for one benchmark boot (this machine's KVM is slow).
const BENCH_TIMEOUT: Duration = Duration::from_secs(600);

/// One `bench: NAME median_ns=.. median_cycles=.. samples=..` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchLine {
    pub name: String,
    pub median_ns: u64,
    pub median_cycles: Option<u64>,
    pub samples: u64,
}

/// Parses a `bench:` line printed by the kernel.
pub fn parse_bench_line(line: &str) -> Option<BenchLine> {
    let rest = line.strip_prefix(BENCH)?.strip_prefix(' ')?;
    let mut words = rest.split_whitespace();
    let name = words.next()?.to_string();
    let mut line = BenchLine { name, median_ns: 0, median_cycles: None, samples: 0 };
    let mut saw_ns = false;
    for word in words {
        let (key, value) = word.split_once('=')?;
        let value: u64 = value.parse().ok()?;
        match key {
            "median_ns" => {
                line.median_ns = value;
                saw_ns = true;
            }
            "median_cycles" => line.median_cycles = Some(value),
            "samples" => line.samples = value,
            _ => return None,
        }
    }
    saw_ns.then_some(line)
}

/// The `T` of a `smp: N of M CPUs online in T ms` line.
pub fn parse_boot_ms(line: &str) -> Option<u64> {
    protocol::SmpOnline::parse(line).map(|online| online.took_ms)
}

/// Median of `values` (upper median for an even count); `None` when empty.
pub fn median(values: &mut [u64]) -> Option<u64> {
    values.sort_unstable();
    values.get(values.len() / 2).copied()
}

fn boot(config: &QemuConfig) -> Result<RunResult, String> {
    let result = run_qemu(config).map_err(|error| format!("could not run QEMU: {error}"))?;
    if result.outcome != Outcome::Pass {
        let lines: Vec<&str> = result.serial_lines().collect();
        let tail = &lines[lines.len().saturating_sub(20)..];
        return Err(format!("benchmark boot ended with {}:\n{}", result.outcome, tail.join("\n")));
    }
    Ok(result)
}

/// Runs the benchmarks; returns the xtask exit code.
pub fn run_bench(bench_args: BenchArgs) -> i32 {
    let args = bench_args.run.clone();
    if let Err(error) = ensure_all() {
        eprintln!("xtask: {error}");
        return xtask_exit::TOOL_ERROR;
    }
    let kernel_elf = match build_kernel(true) {
        Ok(elf) => elf,
        Err(error) => {
            eprintln!("xtask: {error}");
            return xtask_exit::TOOL_ERROR;
        }
    };
    let config = |smp: u32, kernel_args: &[&str]| QemuConfig {
        smp,
        mem_mib: args.mem_mib,
        accel: args.accel,
        machine: args.machine,
        kernel_args: kernel_args.iter().map(|word| word.into()).collect(),
        timeout: Some(args.timeout.unwrap_or(BENCH_TIMEOUT)),
        gdb: false,
        kernel_elf: kernel_elf.clone(),
        initrd: None,
        echo: false,
        input: crate::ConsoleInput::Closed,
        trace_file: None,
    };
    let bench_run = match boot(&config(args.smp, &["test=bench"])) {
        Ok(result) => result,
        Err(error) => {
            eprintln!("xtask: {error}");
            return xtask_exit::FAIL;
        }
    };
    let mut boot_ms: Vec<u64> = bench_run.serial_lines().filter_map(parse_boot_ms).collect();
    let mut boot_rows = Vec::new();
    for (smp, samples) in [(args.smp, BOOT_SAMPLES), (LARGE_SMP, LARGE_BOOT_SAMPLES)] {
        if smp == LARGE_SMP && smp == args.smp {
            continue;
        }
        while boot_ms.len() < samples {
            match boot(&config(smp, &["test=boot"])) {
                Ok(result) => boot_ms.extend(result.serial_lines().filter_map(parse_boot_ms)),
                Err(error) => {
                    eprintln!("xtask: {error}");
                    return xtask_exit::FAIL;
                }
            }
        }
        let count = boot_ms.len();
        boot_rows.push((smp, median(&mut boot_ms).unwrap_or(0), count));
        boot_ms.clear();
    }
    println!(
        "benchmarks: accel={} machine={} smp={} (release kernel, medians; cycles are TSC ticks)",
        bench_run.accel, bench_run.machine, args.smp
    );
    println!("{:<34} {:>14} {:>14} {:>8}", "benchmark", "median ns", "median cycles", "samples");
    for (smp, median_ms, count) in boot_rows {
        let name = format!("boot_to_all_cpus_online smp={smp}");
        println!("{:<34} {:>14} {:>14} {:>8}", name, median_ms * 1_000_000, "-", count);
    }
    for line in bench_run.serial_lines().filter_map(parse_bench_line) {
        if line.name == "boot_to_all_cpus_online" {
            continue;
        }
        let cycles = line.median_cycles.map_or_else(|| "-".to_string(), |cycles| cycles.to_string());
        println!("{:<34} {:>14} {:>14} {:>8}", line.name, line.median_ns, cycles, line.samples);
    }
    for line in bench_run.serial_lines().filter(|line| line.starts_with(BENCH) && line.contains("skipped")) {
        println!("{line}");
    }
    match user_space(&bench_args, &config(args.smp, &[]), &bench_run.accel.to_string()) {
        Ok(()) => xtask_exit::PASS,
        Err(error) => {
            eprintln!("xtask: {error}");
            xtask_exit::FAIL
        }
    }
}

/// The user-space figures (and Linux's, with `--against-linux`).
fn user_space(bench_args: &BenchArgs, base: &QemuConfig, accel: &str) -> Result<(), String> {
    crate::user_programs::build_user_programs()?;
    let (initrd, _) = crate::initramfs::build_standard_initramfs()?;
    let ours = crate::bench_user::run_ours(base, &initrd)?;
    let our_figures = crate::bench_user::figures(&ours);
    let linux_figures = if bench_args.against_linux {
        let vmlinuz = crate::linux_kernel::linux_kernel(bench_args.linux_kernel.as_deref(), &crate::bench_user::linux_cache_dir())?;
        println!("xtask: comparing with {}", vmlinuz.display());
        Some(crate::bench_user::figures(&crate::bench_user::run_linux(base, &vmlinuz, &initrd)?))
    } else {
        None
    };
    crate::bench_user::print_table(&our_figures, linux_figures.as_deref(), accel, base.smp);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bench_lines_parse() {
        let line = parse_bench_line("bench: yield_round_trip_one_cpu median_ns=1968 median_cycles=5147 samples=31");
        assert_eq!(
            line,
            Some(BenchLine {
                name: "yield_round_trip_one_cpu".into(),
                median_ns: 1968,
                median_cycles: Some(5147),
                samples: 31
            })
        );
        assert_eq!(parse_bench_line("bench: x median_ns=abc"), None);
        assert_eq!(parse_bench_line("bench: x samples=3"), None);
        assert_eq!(parse_bench_line("smp: 4 of 4 CPUs online in 93 ms"), None);
    }

    #[test]
    fn boot_times_and_medians() {
        assert_eq!(parse_boot_ms("smp: 4 of 4 CPUs online in 93 ms"), Some(93));
        assert_eq!(parse_boot_ms("smp: 4 of 4 CPUs online"), None);
        assert_eq!(median(&mut [5, 1, 3]), Some(3));
        assert_eq!(median(&mut []), None);
    }
}
