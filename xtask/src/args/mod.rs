//! Parses the `cargo xtask` command line (hand-rolled: no dependencies).
//!
//! Options take their value as the next word or after `=` (`--smp 4`,
//! `--smp=4`). For `run`, everything after `--` is the kernel command line.
//! Errors are [`ArgError`]s whose text is ready to print after `xtask: `.

use std::fmt;
use std::time::Duration;

use crate::initramfs::add_spec::AddSpec;
use crate::initramfs::initrd_file::check_initrd_file;
use crate::qemu::{kernel_command_line, Accel, Machine, DEFAULT_MEM_MIB, DEFAULT_SMP, MAX_SMP};
use protocol::KERNEL_COMMAND_LINE_MAX_BYTES;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

mod usage;
pub use usage::usage;

/// Smallest guest memory `--mem` accepts, in MiB.
pub const MIN_MEM_MIB: u32 = 32;
/// Largest guest memory `--mem` accepts, in MiB (1 TiB).
pub const MAX_MEM_MIB: u32 = 1 << 20;

/// A parsed `cargo xtask` invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `build [--release]`.
    Build {
        /// Build the release profile.
        release: bool,
        /// `--busybox`: also pack `initramfs-busybox.cpio` (the archive of
        /// the busybox QEMU test).
        busybox: bool,
    },
    /// `run ...`.
    Run(RunArgs),
    /// `test`.
    Test,
    /// `bench ...` (run options; no kernel arguments, no gdb).
    Bench(BenchArgs),
    /// `trace ...`.
    Trace(TraceArgs),
    /// `help`, `--help`, `-h` or no command.
    Help,
}

/// Options of `cargo xtask bench`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BenchArgs {
    /// CPUs, accelerator, machine, memory, timeout.
    pub run: RunArgs,
    /// `--against-linux`: run the user-space benchmark under Linux too.
    pub against_linux: bool,
    /// `--linux-kernel PATH`: the Linux kernel to compare with (default:
    /// Debian's `linux-image-amd64`, fetched into a cache).
    pub linux_kernel: Option<std::path::PathBuf>,
}

/// Options of `cargo xtask run`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunArgs {
    /// CPU count, validated to 1..=[`MAX_SMP`].
    pub smp: u32,
    /// Guest memory in MiB.
    pub mem_mib: u32,
    /// Requested accelerator.
    pub accel: Accel,
    /// Machine type, or `None` to follow the accelerator.
    pub machine: Option<Machine>,
    /// Boot the release build.
    pub release: bool,
    /// Wait for gdb.
    pub gdb: bool,
    /// Kill QEMU after this long.
    pub timeout: Option<Duration>,
    /// Kernel command line words (after `--`), passed to the kernel byte for
    /// byte (they need not be UTF-8).
    pub kernel_args: Vec<OsString>,
    /// `--add` values, in order (checked: the host paths exist).
    pub additions: Vec<AddSpec>,
    /// `--initrd FILE`: the user's own archive (checked: newc magic).
    pub initrd: Option<PathBuf>,
}

impl Default for RunArgs {
    fn default() -> RunArgs {
        RunArgs {
            smp: DEFAULT_SMP,
            mem_mib: DEFAULT_MEM_MIB,
            accel: Accel::Auto,
            machine: None,
            release: false,
            gdb: false,
            timeout: None,
            kernel_args: Vec::new(),
            additions: Vec::new(),
            initrd: None,
        }
    }
}

/// Options of `cargo xtask trace`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceArgs {
    /// How to boot the workload (kernel arguments are added to `test=trace_workload`).
    pub run: RunArgs,
    /// Output directory (`None`: a new one under `target/trace/`).
    pub out: Option<std::path::PathBuf>,
    /// Export this saved console log instead of booting.
    pub from: Option<std::path::PathBuf>,
    /// `--kernel ELF`: the kernel whose symbols the log's backtraces are
    /// read with (default: the build's ELF, debug or `--release`).
    pub kernel: Option<std::path::PathBuf>,
}

/// CPUs traced when `--smp` is not given.
pub const DEFAULT_TRACE_SMP: u32 = 4;

/// A command-line error; QEMU is never started after one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgError(pub String);

impl fmt::Display for ArgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ArgError {}

/// Parses the words after `cargo xtask` (the program name already removed).
/// Commands and options must be UTF-8; the kernel arguments after `--` are
/// kept as they are.
pub fn parse<S: AsRef<OsStr>>(words: &[S]) -> Result<Command, ArgError> {
    let (options, kernel_args) = split_kernel_args(words)?;
    let Some((command, rest)) = options.split_first() else {
        if !kernel_args.is_empty() {
            return Err(ArgError("kernel arguments need a command: cargo xtask run -- ARGS...".into()));
        }
        return Ok(Command::Help);
    };
    if !kernel_args.is_empty() && command != "run" && command != "trace" {
        return Err(ArgError(format!("'{command}' takes no kernel arguments (only 'run' and 'trace' do)")));
    }
    match command.as_str() {
        "build" => parse_build(rest),
        "run" => parse_run(rest, kernel_args).map(Command::Run),
        "test" => no_options("test", rest).map(|()| Command::Test),
        "bench" => parse_bench(rest).map(Command::Bench),
        "trace" => parse_trace(rest, kernel_args).map(Command::Trace),
        "help" | "--help" | "-h" => Ok(Command::Help),
        other => Err(ArgError(format!(
            "unknown command '{other}' (commands: build, run, test, bench, trace, help)"
        ))),
    }
}

/// Benchmark CPUs when `--smp` is not given.
pub const DEFAULT_BENCH_SMP: u32 = 4;

/// Splits the words at the first `--`: the options before it as UTF-8
/// strings (an error if one is not), the kernel arguments after it as they
/// are. The kernel command line they make must fit what the kernel reads.
fn split_kernel_args<S: AsRef<OsStr>>(words: &[S]) -> Result<(Vec<String>, Vec<OsString>), ArgError> {
    let mut options = Vec::new();
    let mut words = words.iter().map(AsRef::as_ref);
    for word in words.by_ref() {
        if word == "--" {
            let kernel_args: Vec<OsString> = words.map(OsStr::to_os_string).collect();
            check_command_line_length(&kernel_args)?;
            return Ok((options, kernel_args));
        }
        match word.to_str() {
            Some(text) => options.push(text.to_string()),
            None => return Err(ArgError(format!("argument {word:?} is not UTF-8 (only kernel arguments after '--' may be)"))),
        }
    }
    Ok((options, Vec::new()))
}

/// Refuses a kernel command line longer than the kernel reads whole
/// (`protocol::KERNEL_COMMAND_LINE_MAX_BYTES`): the kernel would cut it, and
/// a few bytes beyond QEMU's loader overlaps it with the boot information.
pub fn check_command_line_length(kernel_args: &[OsString]) -> Result<(), ArgError> {
    let bytes = kernel_command_line(kernel_args).len();
    if bytes > KERNEL_COMMAND_LINE_MAX_BYTES {
        return Err(ArgError(format!(
            "the kernel command line is {bytes} bytes; the kernel reads at most {KERNEL_COMMAND_LINE_MAX_BYTES} \
             (QEMU's PVH loader corrupts the boot information with longer ones)"
        )));
    }
    Ok(())
}

fn parse_bench(rest: &[String]) -> Result<BenchArgs, ArgError> {
    let mut against_linux = false;
    let mut linux_kernel = None;
    let mut run_words = Vec::new();
    let mut words = rest.iter();
    while let Some(word) = words.next() {
        if word == "--against-linux" {
            against_linux = true;
        } else if word == "--linux-kernel" || word.starts_with("--linux-kernel=") {
            let value = match word.split_once('=') {
                Some((_, value)) => value.to_string(),
                None => words.next().cloned().ok_or_else(|| ArgError("--linux-kernel needs a path".into()))?,
            };
            if value.is_empty() {
                return Err(ArgError("--linux-kernel needs a path".into()));
            }
            linux_kernel = Some(std::path::PathBuf::from(value));
        } else {
            run_words.push(word.clone());
        }
    }
    if linux_kernel.is_some() && !against_linux {
        return Err(ArgError("--linux-kernel goes with --against-linux".into()));
    }
    let run = parse_bench_run(&run_words)?;
    Ok(BenchArgs { run, against_linux, linux_kernel })
}

fn parse_bench_run(rest: &[String]) -> Result<RunArgs, ArgError> {
    let mut args = parse_run(rest, Vec::new())?;
    if args.gdb || args.release || !args.additions.is_empty() || args.initrd.is_some() {
        return Err(ArgError(
            "bench takes --smp, --mem, --accel, --machine and --timeout only (it always boots the release kernel)".into(),
        ));
    }
    if !rest.iter().any(|word| word == "--smp" || word.starts_with("--smp=")) {
        args.smp = DEFAULT_BENCH_SMP;
    }
    Ok(args)
}

/// `trace`: `--out DIR` and `--from LOG`, then the run options (no `--gdb`).
fn parse_trace(rest: &[String], kernel_args: Vec<OsString>) -> Result<TraceArgs, ArgError> {
    let mut out = None;
    let mut from = None;
    let mut kernel = None;
    let mut run_options = Vec::new();
    let mut words = rest.iter();
    while let Some(word) = words.next() {
        let (name, inline_value) = match word.split_once('=') {
            Some((name, value)) => (name, Some(value.to_string())),
            None => (word.as_str(), None),
        };
        let slot = match name {
            "--out" => &mut out,
            "--from" => &mut from,
            "--kernel" => &mut kernel,
            _ => {
                run_options.push(word.clone());
                continue;
            }
        };
        let value = inline_value
            .or_else(|| words.next().cloned())
            .ok_or_else(|| ArgError(format!("{name} needs a value")))?;
        *slot = Some(std::path::PathBuf::from(value));
    }
    let mut run = parse_run(&run_options, kernel_args)?;
    if run.gdb {
        return Err(ArgError("trace does not take --gdb".into()));
    }
    if !run_options.iter().any(|word| word == "--smp" || word.starts_with("--smp=")) {
        run.smp = DEFAULT_TRACE_SMP;
    }
    if !run_options.iter().any(|word| word == "--accel" || word.starts_with("--accel=")) {
        run.accel = Accel::Tcg;
    }
    Ok(TraceArgs { run, out, from, kernel })
}

fn no_options(command: &str, rest: &[String]) -> Result<(), ArgError> {
    match rest.first() {
        None => Ok(()),
        Some(word) => Err(ArgError(format!(
            "unexpected argument '{word}' for '{command}'"
        ))),
    }
}

fn parse_build(rest: &[String]) -> Result<Command, ArgError> {
    let mut release = false;
    let mut busybox = false;
    for word in rest {
        match word.as_str() {
            "--release" => release = true,
            "--busybox" => busybox = true,
            other => {
                return Err(ArgError(format!(
                    "unknown option '{other}' for 'build' (only --release and --busybox)"
                )))
            }
        }
    }
    Ok(Command::Build { release, busybox })
}

fn parse_run(rest: &[String], kernel_args: Vec<OsString>) -> Result<RunArgs, ArgError> {
    let mut run = RunArgs { kernel_args, ..RunArgs::default() };
    let mut busybox = false;
    let mut words = rest.iter();
    while let Some(word) = words.next() {
        let (name, inline_value) = match word.split_once('=') {
            Some((name, value)) if name.starts_with("--") => (name, Some(value.to_string())),
            _ => (word.as_str(), None),
        };
        let mut value = || -> Result<String, ArgError> {
            match inline_value.clone() {
                Some(value) => Ok(value),
                None => words
                    .next()
                    .cloned()
                    .ok_or_else(|| ArgError(format!("{name} needs a value"))),
            }
        };
        match name {
            "--smp" => run.smp = parse_smp(&value()?)?,
            "--mem" => run.mem_mib = parse_mem_mib(&value()?)?,
            "--accel" => run.accel = value()?.parse().map_err(ArgError)?,
            "--machine" => run.machine = Some(value()?.parse().map_err(ArgError)?),
            "--timeout" => run.timeout = Some(parse_timeout(&value()?)?),
            "--add" => run.additions.push(AddSpec::parse(&value()?).map_err(ArgError)?),
            "--initrd" => run.initrd = Some(check_initrd_file(Path::new(&value()?)).map_err(ArgError)?),
            "--release" | "--gdb" if inline_value.is_some() => {
                return Err(ArgError(format!("{name} takes no value")));
            }
            "--release" => run.release = true,
            "--gdb" => run.gdb = true,
            "--busybox" if inline_value.is_some() => return Err(ArgError("--busybox takes no value".into())),
            "--busybox" => busybox = true,
            other => {
                return Err(ArgError(format!(
                    "unknown option '{other}' for 'run' (kernel arguments go after '--', see cargo xtask help)"
                )))
            }
        }
    }
    if busybox {
        if run.initrd.is_some() {
            return Err(ArgError(
                "--busybox packs busybox into our initramfs and --initrd boots your own instead: give one or the other".into(),
            ));
        }
        add_busybox(&mut run)?;
    }
    if run.initrd.is_some() && !run.additions.is_empty() {
        return Err(ArgError(
            "--add packs files into our initramfs and --initrd boots your own instead: give one or the other".into(),
        ));
    }
    Ok(run)
}

/// `--busybox`: Debian's busybox goes into the archive (under
/// `/busybox/bin`), and init starts its `ash` unless the kernel command
/// line already names init's program (after a second `--`).
fn add_busybox(run: &mut RunArgs) -> Result<(), ArgError> {
    run.additions.push(crate::busybox::busybox_addition());
    if !run.kernel_args.iter().any(|word| word == "--") {
        run.kernel_args.push("--".into());
        run.kernel_args.push(crate::busybox::shell().into());
        check_command_line_length(&run.kernel_args)?;
    }
    Ok(())
}

/// Parses and range-checks a `--smp` value: 1..=[`MAX_SMP`].
pub fn parse_smp(text: &str) -> Result<u32, ArgError> {
    let range = format!("the kernel supports 1 to {MAX_SMP} CPUs");
    match text.trim().parse::<u64>() {
        Ok(count) if (1..=u64::from(MAX_SMP)).contains(&count) => Ok(count as u32),
        Ok(count) => Err(ArgError(format!("--smp {count} is out of range: {range}"))),
        Err(_) => Err(ArgError(format!("--smp '{text}' is not a number: {range}"))),
    }
}

/// Parses and range-checks a `--mem` value in MiB.
pub fn parse_mem_mib(text: &str) -> Result<u32, ArgError> {
    match text.trim().parse::<u64>() {
        Ok(mib) if (u64::from(MIN_MEM_MIB)..=u64::from(MAX_MEM_MIB)).contains(&mib) => {
            Ok(mib as u32)
        }
        Ok(mib) => Err(ArgError(format!(
            "--mem {mib} is out of range: give {MIN_MEM_MIB} to {MAX_MEM_MIB} MiB"
        ))),
        Err(_) => Err(ArgError(format!(
            "--mem '{text}' is not a number: give the size in MiB, e.g. 256"
        ))),
    }
}

/// Parses a `--timeout` value: whole seconds, at least 1.
pub fn parse_timeout(text: &str) -> Result<Duration, ArgError> {
    match text.trim().parse::<u64>() {
        Ok(0) => Err(ArgError(
            "--timeout 0 is too short: give at least 1 second".to_string(),
        )),
        Ok(seconds) => Ok(Duration::from_secs(seconds)),
        Err(_) => Err(ArgError(format!(
            "--timeout '{text}' is not a number of seconds"
        ))),
    }
}

#[cfg(test)]
mod tests;
