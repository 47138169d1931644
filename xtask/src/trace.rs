//! `cargo xtask trace`: boots the kernel's traced workload (or reads a saved
//! console log or trace-port file with `--from`), keeps the log, and runs
//! the `trace-export` crate's binary on it, which checks every line and
//! writes `trace.perfetto-trace`, `trace.txt` and `timeline.svg` into the
//! output directory and prints a summary.
//!
//! ```text
//! cargo xtask trace [--smp N] [-- KERNEL_ARGS]            test=trace_workload (in-kernel threads)
//! cargo xtask trace [--smp N] -- PROG ARGS...             init runs `/bin/trace run PROG ARGS...`
//! cargo xtask trace [--smp N] -- KEY=VALUE... PROG ARGS...  the same, with kernel arguments
//! cargo xtask trace [--smp N] -- KERNEL_ARGS -- CMD...      any kernel arguments (bare flags too)
//! ```
//!
//! A user command's dump comes on the second serial port (COM2), which
//! QEMU writes to `OUT/trace-port.log`; the console keeps a one-line notice.
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
/// The trace port's output (COM2) kept next to the exports.
pub const TRACE_PORT_LOG: &str = "trace-port.log";
/// Where `cargo xtask run` saves the trace port, under the target directory.
pub const LAST_DUMP: &str = "trace/last-dump.log";
/// The tracer's command line in the guest.
pub const TRACE_TOOL: [&str; 2] = ["/bin/trace", "run"];

/// `cargo xtask run`'s trace-port file (`target/trace/last-dump.log`),
/// emptied for this run; `None` if its directory cannot be made.
pub fn prepare_last_dump_file() -> Option<PathBuf> {
    let path = target_dir().join(LAST_DUMP);
    std::fs::create_dir_all(path.parent()?).ok()?;
    std::fs::write(&path, b"").ok()?;
    Some(path)
}

/// After `cargo xtask run`: says where a trace dump was saved, if one was.
pub fn report_last_dump(path: Option<&Path>) {
    let Some(path) = path else { return };
    if std::fs::metadata(path).is_ok_and(|metadata| metadata.len() > 0) {
        eprintln!("xtask: trace port (COM2) saved to {}; export it with cargo xtask trace --from {}", path.display(), path.display());
    }
}

/// The kernel arguments and the user command of `cargo xtask trace -- WORDS`.
/// Kernel arguments are `key=value`, so the command starts at the first
/// word without `=` (`stress 4 2`, `/bin/usertest threads`); a second `--`
/// splits explicitly (for bare kernel flags such as `nosmap`), and a first
/// word that is an absolute path makes every word the command's.
pub fn split_user_command(words: &[OsString]) -> (Vec<OsString>, Vec<OsString>) {
    if words.first().is_some_and(|word| word.to_string_lossy().starts_with('/')) {
        return (Vec::new(), words.to_vec());
    }
    if let Some(split) = words.iter().position(|word| word == "--") {
        return (words[..split].to_vec(), words[split + 1..].to_vec());
    }
    match words.iter().position(|word| !word.to_string_lossy().contains('=')) {
        Some(start) => (words[..start].to_vec(), words[start..].to_vec()),
        None => (words.to_vec(), Vec::new()),
    }
}
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
    let elf = args.kernel.clone().unwrap_or_else(|| crate::cargo::kernel_elf_path(args.run.release));
    report_backtraces(&log, &elf, &out);
    export(&log, &out)
}

/// The file next to the exports that keeps the log's symbolised backtraces.
pub const BACKTRACES: &str = "backtraces.txt";

/// Prints the log's kernel backtraces (`@@BT` lines) symbolised with
/// `elf` and saves them to `out/backtraces.txt`; nothing when there are
/// none. Without symbols, says why and shows the raw lines.
fn report_backtraces(log: &Path, elf: &Path, out: &Path) {
    let Ok(bytes) = std::fs::read(log) else { return };
    let text = String::from_utf8_lossy(&bytes);
    if !text.contains(protocol::backtrace_line::FRAME_MARKER) {
        return;
    }
    let lines = match kernel_symbols::KernelSymbols::open(elf) {
        Ok(symbols) => {
            println!("xtask: kernel backtraces in {}, symbolised with {}:", log.display(), elf.display());
            kernel_symbols::backtraces_in(&text, &symbols.with_source_root(&crate::workspace::workspace_root()))
        }
        Err(error) => {
            eprintln!("xtask: kernel backtraces in {} stay unsymbolised ({error}; --kernel ELF names the kernel)", log.display());
            text.lines().filter_map(|line| line.find(protocol::backtrace_line::FRAME_MARKER).map(|at| line[at..].trim_end().to_string())).collect()
        }
    };
    for line in &lines {
        println!("{line}");
    }
    let saved = out.join(BACKTRACES);
    match std::fs::write(&saved, lines.join("\n") + "\n") {
        Ok(()) => println!("xtask: backtraces saved to {}", saved.display()),
        Err(error) => eprintln!("xtask: cannot write {}: {error}", saved.display()),
    }
}

/// Boots the workload and saves its console to `out/console.log`.
fn boot_workload(args: &TraceArgs, out: &Path) -> Result<PathBuf, i32> {
    let tool_error = |message: String| {
        eprintln!("xtask: {message}");
        xtask_exit::TOOL_ERROR
    };
    ensure_all().map_err(tool_error)?;
    let kernel_elf = build_kernel(args.run.release).map_err(tool_error)?;
    let (extra_kernel_args, command) = split_user_command(&args.run.kernel_args);
    let mut kernel_args: Vec<OsString> = extra_kernel_args;
    let (initrd, trace_file) = if command.is_empty() {
        kernel_args.insert(0, WORKLOAD.into());
        (None, None)
    } else {
        let (archive, _) = crate::initramfs::build_initramfs(&args.run.additions, crate::initramfs::STANDARD_ARCHIVE).map_err(tool_error)?;
        kernel_args.push("--".into());
        kernel_args.extend(TRACE_TOOL.iter().map(OsString::from));
        kernel_args.extend(command.iter().cloned());
        (Some(archive), Some(out.join(TRACE_PORT_LOG)))
    };
    let what = if command.is_empty() { WORKLOAD.to_string() } else { command.iter().map(|word| word.to_string_lossy()).collect::<Vec<_>>().join(" ") };
    let config = QemuConfig {
        smp: args.run.smp,
        mem_mib: args.run.mem_mib,
        accel: args.run.accel,
        machine: args.run.machine,
        kernel_args,
        timeout: Some(args.run.timeout.unwrap_or(DEFAULT_TIMEOUT)),
        gdb: false,
        kernel_elf,
        initrd,
        echo: false,
        input: crate::ConsoleInput::Closed,
        trace_file,
    };
    println!("xtask: tracing {what} on {} CPUs ({:?})", config.smp, config.accel);
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
    // A user command ends with init powering off (cleanly: status 0).
    let succeeded = result.outcome == Outcome::Pass || (config.trace_file.is_some() && result.outcome == Outcome::PowerOff);
    if !succeeded {
        eprintln!("xtask: the workload did not pass; exporting what was dumped, if anything");
    }
    if let Some(trace_file) = config.trace_file {
        println!("xtask: trace port (COM2) saved to {}", trace_file.display());
        return Ok(trace_file);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<OsString> {
        text.split_whitespace().map(OsString::from).collect()
    }

    #[test]
    fn a_user_command_is_told_from_kernel_arguments() {
        assert_eq!(split_user_command(&words("trace=sched trace_cpus=0")), (words("trace=sched trace_cpus=0"), vec![]));
        assert_eq!(split_user_command(&words("/bin/usertest threads")), (vec![], words("/bin/usertest threads")));
        assert_eq!(split_user_command(&words("trace=irq -- /bin/hello -- x")), (words("trace=irq"), words("/bin/hello -- x")));
        assert_eq!(split_user_command(&[]), (vec![], vec![]));
        assert_eq!(split_user_command(&words("stress 4 2")), (vec![], words("stress 4 2")));
        assert_eq!(split_user_command(&words("trace=sched stress 4 2")), (words("trace=sched"), words("stress 4 2")));
        assert_eq!(split_user_command(&words("nosmap -- stress 4 2")), (words("nosmap"), words("stress 4 2")));
    }
}
