//! `cargo xtask`: reads the command line and runs one command, one step a line.

use std::env;
use std::process::ExitCode;

use xtask::args::{self, Command, RunArgs};
use xtask::cargo::build_kernel;
use xtask::exit_protocol::xtask_exit;
use xtask::qemu::{run_qemu, QemuConfig};
use xtask::initramfs::{build_initramfs, build_standard_initramfs, CUSTOM_ARCHIVE, STANDARD_ARCHIVE};
use xtask::setup::{ensure_all, ensure_rust_targets};
use xtask::test_suite::run_suite;

fn main() -> ExitCode {
    let words: Vec<std::ffi::OsString> = env::args_os().skip(1).collect();
    let code = match args::parse(&words) {
        Ok(command) => execute(command),
        Err(error) => {
            eprintln!("xtask: {error}");
            xtask_exit::USAGE
        }
    };
    ExitCode::from(code as u8)
}

fn execute(command: Command) -> i32 {
    match command {
        Command::Build { release, busybox } => build(release, busybox),
        Command::Run(run_args) => run(run_args),
        Command::Test => test(),
        Command::Bench(bench_args) => xtask::bench::run_bench(bench_args),
        Command::Trace(trace_args) => xtask::trace::run_trace(trace_args),
        Command::Help => {
            println!("{}", args::usage());
            xtask_exit::PASS
        }
    }
}

/// Builds the kernel and the standard initramfs (and with `busybox` the
/// busybox one); prints the paths, one a line.
fn build(release: bool, busybox: bool) -> i32 {
    if let Err(error) = ensure_rust_targets() {
        return tool_error(&error);
    }
    let kernel_elf = match build_kernel(release) {
        Ok(elf) => elf,
        Err(error) => return tool_error(&error),
    };
    match build_standard_initramfs() {
        Ok((archive, bytes)) => {
            eprintln!("xtask: initramfs {bytes} bytes");
            println!("{}", kernel_elf.display());
            println!("{}", archive.display());
        }
        Err(error) => return tool_error(&error),
    }
    if busybox {
        match xtask::initramfs::build_busybox_test_initramfs() {
            Ok((archive, _)) => println!("{}", archive.display()),
            Err(error) => return tool_error(&error),
        }
    }
    xtask_exit::PASS
}

/// The archive to boot: the user's `--initrd`, or ours (with `--add`s, under
/// its own name so the standard archive stays as `build` made it).
fn initrd_for(run_args: &RunArgs) -> Result<std::path::PathBuf, String> {
    if let Some(own) = &run_args.initrd {
        return Ok(own.clone());
    }
    let name = if run_args.additions.is_empty() { STANDARD_ARCHIVE } else { CUSTOM_ARCHIVE };
    let (archive, bytes) = build_initramfs(&run_args.additions, name)?;
    eprintln!("xtask: initramfs {} ({bytes} bytes)", archive.display());
    Ok(archive)
}

fn run(run_args: RunArgs) -> i32 {
    if let Err(error) = ensure_all() {
        return tool_error(&error);
    }
    let kernel_elf = match build_kernel(run_args.release) {
        Ok(elf) => elf,
        Err(error) => return tool_error(&error),
    };
    let initrd = match initrd_for(&run_args) {
        Ok(initrd) => initrd,
        Err(error) => return tool_error(&error),
    };
    let config = QemuConfig {
        smp: run_args.smp,
        mem_mib: run_args.mem_mib,
        accel: run_args.accel,
        machine: run_args.machine,
        kernel_args: run_args.kernel_args,
        timeout: run_args.timeout,
        gdb: run_args.gdb,
        kernel_elf,
        initrd: Some(initrd),
        echo: true,
        input: xtask::ConsoleInput::from_stdin(),
        trace_file: xtask::trace::prepare_last_dump_file(),
    };
    let result = match run_qemu(&config) {
        Ok(result) => result,
        Err(error) => return tool_error(&error.to_string()),
    };
    xtask::trace::report_last_dump(config.trace_file.as_deref());
    let took = result.wall.as_secs_f64();
    match result.outcome {
        xtask::Outcome::NoResult => {
            eprintln!("xtask: QEMU exited without a result (guest reset or triple fault?) after {took:.2} s")
        }
        xtask::Outcome::Timeout => {
            eprintln!(
                "xtask: timeout after {} s",
                config.timeout.unwrap_or_default().as_secs()
            )
        }
        xtask::Outcome::Other(status) => {
            eprintln!("xtask: QEMU exited with unexpected status {status} after {took:.2} s (see its messages above)")
        }
        outcome => eprintln!("xtask: {outcome} after {took:.2} s"),
    }
    result.outcome.xtask_exit_code()
}

fn test() -> i32 {
    if run_suite() {
        xtask_exit::PASS
    } else {
        xtask_exit::FAIL
    }
}

fn tool_error(message: &str) -> i32 {
    eprintln!("xtask: {message}");
    xtask_exit::TOOL_ERROR
}
