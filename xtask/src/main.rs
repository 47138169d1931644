//! `cargo xtask`: reads the command line and runs one command, one step a line.

use std::env;
use std::process::ExitCode;

use xtask::args::{self, Command, RunArgs};
use xtask::cargo::build_kernel;
use xtask::exit_protocol::xtask_exit;
use xtask::qemu::{run_qemu, QemuConfig};
use xtask::setup::{ensure_all, ensure_kernel_target};
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
        Command::Build { release } => build(release),
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

fn build(release: bool) -> i32 {
    if let Err(error) = ensure_kernel_target() {
        return tool_error(&error);
    }
    match build_kernel(release) {
        Ok(elf) => {
            println!("{}", elf.display());
            xtask_exit::PASS
        }
        Err(error) => tool_error(&error),
    }
}

fn run(run_args: RunArgs) -> i32 {
    if let Err(error) = ensure_all() {
        return tool_error(&error);
    }
    let kernel_elf = match build_kernel(run_args.release) {
        Ok(elf) => elf,
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
        echo: true,
    };
    let result = match run_qemu(&config) {
        Ok(result) => result,
        Err(error) => return tool_error(&error.to_string()),
    };
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
