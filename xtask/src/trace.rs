//! `cargo xtask trace`: boots the kernel's traced workload (or reads a saved
//! console log with `--from`), keeps the console log, and runs the
//! `trace-export` crate's binary on it, which checks every line and writes
//! `trace.perfetto-trace`, `trace.txt` and `timeline.svg` into the output
//! directory and prints a summary.
//!
//! The exporter is a separate crate (with Perfetto's schema bindings) so
//! that xtask itself stays std-only and quick to build; only this command
//! builds it. Under this project's KVM every serial byte traps to an
//! emulator (`TEAM_NOTES/kvm-here-is-an-emulator.md`: a 10 000-line dump
//! took a minute), so the workload boots under TCG unless `--accel` says
//! otherwise.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::args::TraceArgs;
use crate::cargo::{build_kernel, cargo, target_dir};
use crate::exit_protocol::{xtask_exit, Outcome};
use crate::qemu::{run_qemu, QemuConfig};
use crate::setup::ensure_all;

/// The in-kernel workload that runs threads on every CPU and dumps the trace.
pub const WORKLOAD: &str = "test=trace_workload";
/// The console log kept next to the exports.
pub const CONSOLE_LOG: &str = "console.log";
/// Upper bound for the traced boot when `--timeout` is not given.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// A fresh directory name under `target/trace/`.
pub fn default_out_dir() -> PathBuf {
    let seconds = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    let base = target_dir().join("trace");
    let mut candidate = base.join(format!("run-{seconds}"));
    let mut suffix = 1;
    while candidate.exists() {
        candidate = base.join(format!("run-{seconds}-{suffix}"));
        suffix += 1;
    }
    candidate
}

/// Runs the command; returns xtask's exit code.
pub fn run_trace(args: TraceArgs) -> i32 {
    let out = args.out.clone().unwrap_or_else(default_out_dir);
    if let Err(error) = std::fs::create_dir_all(&out) {
        eprintln!("xtask: cannot create {}: {error}", out.display());
        return xtask_exit::TOOL_ERROR;
    }
    let log = match &args.from {
        Some(log) => log.clone(),
        None => match boot_workload(&args, &out) {
            Ok(log) => log,
            Err(code) => return code,
        },
    };
    export(&log, &out)
}

/// Boots the workload and saves its console to `out/console.log`.
fn boot_workload(args: &TraceArgs, out: &Path) -> Result<PathBuf, i32> {
    let tool_error = |message: String| {
        eprintln!("xtask: {message}");
        xtask_exit::TOOL_ERROR
    };
    ensure_all().map_err(tool_error)?;
    let kernel_elf = build_kernel(args.run.release).map_err(tool_error)?;
    let mut kernel_args: Vec<OsString> = vec![WORKLOAD.into()];
    kernel_args.extend(args.run.kernel_args.iter().cloned());
    let config = QemuConfig {
        smp: args.run.smp,
        mem_mib: args.run.mem_mib,
        accel: args.run.accel,
        machine: args.run.machine,
        kernel_args,
        timeout: Some(args.run.timeout.unwrap_or(DEFAULT_TIMEOUT)),
        gdb: false,
        kernel_elf,
        initrd: None,
        echo: false,
        input: crate::ConsoleInput::Closed,
    };
    println!("xtask: tracing {WORKLOAD} on {} CPUs ({:?})", config.smp, config.accel);
    let result = run_qemu(&config).map_err(|error| tool_error(error.to_string()))?;
    let log = out.join(CONSOLE_LOG);
    std::fs::write(&log, &result.serial).map_err(|error| tool_error(format!("cannot write {}: {error}", log.display())))?;
    println!(
        "xtask: {} under {} in {:.2} s; console saved to {}",
        result.outcome,
        result.accel,
        result.wall.as_secs_f64(),
        log.display()
    );
    if result.outcome != Outcome::Pass {
        eprintln!("xtask: the workload did not pass; exporting what was dumped, if anything");
    }
    Ok(log)
}

/// Runs `trace-export --from LOG --out DIR` through cargo.
fn export(log: &Path, out: &Path) -> i32 {
    let mut command = cargo();
    command.args(["run", "-q", "-p", "trace-export", "--"]);
    command.arg("--from").arg(log).arg("--out").arg(out);
    match command.status() {
        Ok(status) if status.success() => xtask_exit::PASS,
        Ok(status) => {
            eprintln!("xtask: trace-export failed ({status})");
            xtask_exit::FAIL
        }
        Err(error) => {
            eprintln!("xtask: cannot run cargo: {error}");
            xtask_exit::TOOL_ERROR
        }
    }
}
