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

/// Smallest guest memory `--mem` accepts, in MiB.
pub const MIN_MEM_MIB: u32 = 32;
/// Largest guest memory `--mem` accepts, in MiB (1 TiB).
pub const MAX_MEM_MIB: u32 = 1 << 20;

/// Usage text printed by `cargo xtask help`.
pub fn usage() -> String {
    format!(
        "\
usage: cargo xtask <command> [options]

commands:
  build [--release] [--busybox]  build the kernel ELF (x86_64-unknown-none) and the
                                 initramfs (user programs for x86_64-unknown-linux-musl,
                                 uutils coreutils); --busybox also packs
                                 initramfs-busybox.cpio with Debian's busybox
  run [options] [-- ARGS...]     build, then boot in QEMU (serial on this terminal)
      --smp N                    CPUs, 1 to {MAX_SMP} (default 1)
      --mem MIB                  guest memory in MiB (default 256)
      --accel auto|kvm|tcg       accelerator (default auto: KVM on hardware virtualization, else TCG)
      --machine pc|microvm       machine type (default: microvm on KVM, pc on TCG)
      --release                  boot the release build
      --gdb                      wait for gdb on :1234 (-s -S)
      --timeout SECS             kill QEMU after SECS seconds (exit 124)
      --add HOST[:GUEST]         add a file or directory to the initramfs (repeatable;
                                 default GUEST /NAME; GUEST ending in / puts it inside)
      --initrd FILE              boot your own newc cpio archive instead of ours
      --busybox                  add Debian's busybox-static (fetched with apt-get download
                                 into target/busybox/) as /busybox/bin with its applet
                                 links; init starts its ash unless init's program is given
      -- ARGS...                 kernel command line, e.g. -- test=boot (at most
                                 {KERNEL_COMMAND_LINE_MAX_BYTES} bytes; bytes need not be UTF-8); init=PATH,
                                 rdinit=PATH and a second -- with init's arguments
                                 are the kernel's to read
  test                           host unit tests + QEMU tests (the CI suite)
  trace [options] [--out DIR] [--from LOG] [--kernel ELF] [-- ARGS...]
                                 boot test=trace_workload (default --smp 4, --accel tcg),
                                 or read a saved console LOG; check every @@TRACE line and
                                 write trace.perfetto-trace, trace.txt, timeline.svg and a
                                 summary into DIR (default: a new target/trace/run-*);
                                 kernel backtraces (@@BT) in the log are printed and saved
                                 to DIR/backtraces.txt, symbolised with ELF (default: the
                                 build's kernel); ARGS: kernel arguments (key=value, e.g.
                                 trace=sched trace_cpus=0-1), then a command the guest's
                                 trace tool runs, e.g. -- stress 4 2 (or KERNEL_ARGS -- CMD...)
  bench [--smp N] [--accel A] [--machine M] [--mem MIB] [--timeout SECS]
        [--against-linux [--linux-kernel PATH]]
                                 release kernel in benchmark mode (default --smp 4):
                                 medians in ns and cycles, accelerator named; then
                                 the user-space figures of /bin/bench; with
                                 --against-linux also under Linux (PATH, or Debian's
                                 linux-image-amd64 fetched into target/linux-kernel/)
  help                           this text

exit codes of run: 0 PASS, 1 FAIL, 2 bad usage, 3 kernel PANIC, 4 no result
(reset/triple fault), 5 other QEMU status, 6 set-up/build error, 124 timeout"
    )
}

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
mod tests {
    use super::*;

    fn parse_words(line: &str) -> Result<Command, ArgError> {
        let words: Vec<String> = line.split_whitespace().map(String::from).collect();
        parse(&words)
    }

    fn run_args(line: &str) -> RunArgs {
        match parse_words(line) {
            Ok(Command::Run(run)) => run,
            other => panic!("'{line}' parsed to {other:?}"),
        }
    }

    #[test]
    fn run_defaults() {
        assert_eq!(run_args("run"), RunArgs::default());
        assert_eq!(RunArgs::default().smp, 1);
        assert_eq!(RunArgs::default().mem_mib, 256);
    }

    #[test]
    fn run_with_every_option() {
        let run = run_args(
            "run --smp 4 --mem=512 --accel tcg --machine microvm --release --gdb --timeout 20 -- test=boot x=1",
        );
        assert_eq!(
            run,
            RunArgs {
                smp: 4,
                mem_mib: 512,
                accel: Accel::Tcg,
                machine: Some(Machine::Microvm),
                release: true,
                gdb: true,
                timeout: Some(Duration::from_secs(20)),
                kernel_args: vec!["test=boot".into(), "x=1".into()],
                additions: Vec::new(),
                initrd: None,
            }
        );
    }

    /// A scratch directory of test `name` with a file `prog`, a newc
    /// archive `own.cpio` and a gzip file `own.cpio.gz`. One per test:
    /// tests run in parallel, and rewriting a shared file while another
    /// test reads it made them fail at random.
    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-args-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("prog"), b"\x7fELF").unwrap();
        std::fs::write(dir.join("own.cpio"), b"070701...").unwrap();
        std::fs::write(dir.join("own.cpio.gz"), b"\x1f\x8b\x08").unwrap();
        dir
    }

    #[test]
    fn add_is_repeatable_and_initrd_is_checked() {
        let dir = scratch("add");
        let prog = dir.join("prog");
        let run = run_args(&format!("run --add {} --add={}:/bin/ -- init=/prog", prog.display(), prog.display()));
        let guests: Vec<String> = run.additions.iter().map(|spec| spec.guest.to_string()).collect();
        assert_eq!(guests, ["/prog", "/bin/prog"]);
        assert_eq!(run.additions[0].host, prog);
        assert_eq!(run.kernel_args, ["init=/prog"]);
        let own = dir.join("own.cpio");
        assert_eq!(run_args(&format!("run --initrd {}", own.display())).initrd, Some(own));
    }

    #[test]
    fn bad_add_and_initrd_values_are_rejected() {
        let dir = scratch("bad");
        let error = |line: String| parse_words(&line).unwrap_err().0;
        assert_eq!(
            error("run --add /no/such/prog".into()),
            "--add '/no/such/prog': cannot use host path '/no/such/prog': No such file or directory (os error 2)"
        );
        assert!(error(format!("run --add {}:bin/prog", dir.join("prog").display())).ends_with("guest path 'bin/prog' must be absolute (start with '/')"));
        assert!(error(format!("run --add {}:/a/../b", dir.join("prog").display())).contains("has a '..' component"));
        assert!(error("run --add".into()).contains("--add needs a value"));
        assert!(error("run --initrd /no/such.cpio".into()).starts_with("--initrd /no/such.cpio: cannot read it: "));
        assert!(error(format!("run --initrd {}", dir.join("own.cpio.gz").display())).contains("gzip-compressed"));
        assert!(error(format!("run --initrd {}", dir.join("prog").display())).contains("not the newc magic"));
        let both = format!("run --initrd {} --add {}", dir.join("own.cpio").display(), dir.join("prog").display());
        assert!(error(both).contains("give one or the other"));
        assert!(error(format!("bench --add {}", dir.join("prog").display())).starts_with("bench takes"));
    }

    #[test]
    fn busybox_adds_the_staged_tree_and_starts_its_shell_unless_told_otherwise() {
        let run = run_args("run --busybox --accel tcg -- test=boot");
        assert_eq!(run.additions, [crate::busybox::busybox_addition()]);
        assert_eq!(run.kernel_args, ["test=boot", "--", "/busybox/bin/sh"]);
        assert_eq!(run_args("run --busybox").kernel_args, ["--", "/busybox/bin/sh"]);
        let own = run_args("run --busybox -- -- /busybox/bin/ls -l /");
        assert_eq!(own.kernel_args, ["--", "/busybox/bin/ls", "-l", "/"], "init's program as given");
        assert!(parse_words("run --busybox=yes").unwrap_err().0.contains("takes no value"));
        let own_archive = scratch("busybox").join("own.cpio");
        let error = parse_words(&format!("run --busybox --initrd {}", own_archive.display())).unwrap_err().0;
        assert!(error.starts_with("--busybox packs busybox"), "{error}");
        assert!(parse_words("bench --busybox").unwrap_err().0.starts_with("bench takes"));
    }

    #[test]
    fn words_after_double_dash_are_kernel_args_even_if_they_look_like_options() {
        assert_eq!(run_args("run -- --smp 3").kernel_args, ["--smp", "3"]);
    }

    #[test]
    fn kernel_command_lines_longer_than_the_kernel_reads_are_refused() {
        let line_of = |bytes: usize| -> Vec<String> {
            ["run", "--", "test=boot", &"y".repeat(bytes - "test=boot ".len())].iter().map(|word| word.to_string()).collect()
        };
        assert!(matches!(parse(&line_of(KERNEL_COMMAND_LINE_MAX_BYTES)), Ok(Command::Run(_))));
        for bytes in [4096, 5000, 65536] {
            let error = parse(&line_of(bytes)).unwrap_err();
            assert_eq!(
                error.0,
                format!(
                    "the kernel command line is {bytes} bytes; the kernel reads at most 4095 \
                     (QEMU's PVH loader corrupts the boot information with longer ones)"
                )
            );
        }
    }

    #[test]
    fn kernel_args_need_not_be_utf8_but_options_must_be() {
        use std::os::unix::ffi::{OsStrExt, OsStringExt};
        let words: Vec<OsString> = ["run", "--", "\u{0}", "test=boot"].iter().map(OsString::from).collect();
        let mut with_bad_byte = words.clone();
        with_bad_byte[2] = OsString::from_vec(b"\xff\x07".to_vec());
        match parse(&with_bad_byte) {
            Ok(Command::Run(run)) => assert_eq!(run.kernel_args[0].as_bytes(), b"\xff\x07"),
            other => panic!("parsed to {other:?}"),
        }
        let bad_option = [OsString::from("run"), OsString::from_vec(b"--smp\xff".to_vec())];
        assert!(parse(&bad_option).unwrap_err().0.contains("is not UTF-8"));
    }

    #[test]
    fn smp_range_is_enforced() {
        assert_eq!(parse_smp("1"), Ok(1));
        assert_eq!(parse_smp("255"), Ok(255));
        assert_eq!(
            parse_smp("0").unwrap_err().0,
            "--smp 0 is out of range: the kernel supports 1 to 255 CPUs"
        );
        assert_eq!(
            parse_smp("256").unwrap_err().0,
            "--smp 256 is out of range: the kernel supports 1 to 255 CPUs"
        );
        assert_eq!(
            parse_smp("abc").unwrap_err().0,
            "--smp 'abc' is not a number: the kernel supports 1 to 255 CPUs"
        );
        assert!(parse_smp("-1").is_err());
        assert!(parse_smp("99999999999999999999999").is_err());
    }

    #[test]
    fn bad_values_are_rejected_through_parse() {
        assert!(parse_words("run --smp 0").is_err());
        assert!(parse_words("run --smp")
            .unwrap_err()
            .0
            .contains("--smp needs a value"));
        assert!(parse_words("run --accel xen")
            .unwrap_err()
            .0
            .contains("expected auto, kvm or tcg"));
        assert!(parse_words("run --machine q35")
            .unwrap_err()
            .0
            .contains("expected pc or microvm"));
        assert!(parse_words("run --timeout 0").is_err());
        assert!(parse_words("run --mem 1").is_err());
        assert!(parse_words("run --gdb=1").is_err());
        assert!(parse_words("run test=boot")
            .unwrap_err()
            .0
            .contains("after '--'"));
        assert!(parse_words("frobnicate").is_err());
        assert!(parse_words("build --debug").is_err());
        assert!(parse_words("test extra").is_err());
    }

    #[test]
    fn other_commands() {
        assert_eq!(parse_words(""), Ok(Command::Help));
        assert_eq!(parse_words("--help"), Ok(Command::Help));
        assert_eq!(parse_words("build"), Ok(Command::Build { release: false, busybox: false }));
        assert_eq!(
            parse_words("build --release"),
            Ok(Command::Build { release: true, busybox: false })
        );
        assert_eq!(parse_words("build --busybox"), Ok(Command::Build { release: false, busybox: true }));
        assert_eq!(parse_words("test"), Ok(Command::Test));
        assert_eq!(
            parse_words("bench"),
            Ok(Command::Bench(BenchArgs { run: RunArgs { smp: DEFAULT_BENCH_SMP, ..RunArgs::default() }, ..BenchArgs::default() }))
        );
        assert_eq!(
            parse_words("bench --smp 2 --accel tcg"),
            Ok(Command::Bench(BenchArgs { run: RunArgs { smp: 2, accel: Accel::Tcg, ..RunArgs::default() }, ..BenchArgs::default() }))
        );
        let Ok(Command::Bench(with_linux)) = parse_words("bench --against-linux --linux-kernel /k/vmlinuz --smp 4") else { panic!("bench") };
        assert!(with_linux.against_linux);
        assert_eq!(with_linux.linux_kernel, Some(std::path::PathBuf::from("/k/vmlinuz")));
        assert_eq!(with_linux.run.smp, 4);
        assert!(parse_words("bench --linux-kernel /k/vmlinuz").is_err(), "--linux-kernel alone");
        assert!(parse_words("bench --against-linux --linux-kernel").is_err(), "no path");
        assert!(parse_words("bench -- test=boot").is_err());
        assert!(parse_words("bench --gdb").is_err());
        assert!(parse_words("gdb").is_err(), "no placeholder commands");
    }

    #[test]
    fn trace_defaults_to_four_cpus_under_tcg() {
        let traced = |smp, accel| RunArgs { smp, accel, ..RunArgs::default() };
        assert_eq!(
            parse_words("trace"),
            Ok(Command::Trace(TraceArgs { run: traced(DEFAULT_TRACE_SMP, Accel::Tcg), out: None, from: None, kernel: None }))
        );
        let Ok(Command::Trace(args)) = parse_words("trace --smp 2 --accel=kvm --out /tmp/t --from=a.log -- trace=sched")
        else {
            panic!("trace options not parsed");
        };
        assert_eq!((args.run.smp, args.run.accel), (2, Accel::Kvm));
        assert_eq!(args.out.as_deref(), Some(std::path::Path::new("/tmp/t")));
        assert_eq!(args.from.as_deref(), Some(std::path::Path::new("a.log")));
        assert_eq!(args.run.kernel_args, [OsString::from("trace=sched")]);
        assert!(parse_words("trace --gdb").is_err());
        assert!(parse_words("trace --out").is_err());
        let Ok(Command::Trace(args)) = parse_words("trace --from a.log --kernel=old/kernel") else {
            panic!("--kernel not parsed");
        };
        assert_eq!(args.kernel.as_deref(), Some(std::path::Path::new("old/kernel")));
        assert!(parse_words("trace --kernel").is_err());
    }
}
