//! Parses the `cargo xtask` command line (hand-rolled: no dependencies).
//!
//! Options take their value as the next word or after `=` (`--smp 4`,
//! `--smp=4`). For `run`, everything after `--` is the kernel command line.
//! Errors are [`ArgError`]s whose text is ready to print after `xtask: `.

use std::fmt;
use std::time::Duration;

use crate::qemu::{Accel, Machine, DEFAULT_MEM_MIB, DEFAULT_SMP, MAX_SMP};

/// Smallest guest memory `--mem` accepts, in MiB.
pub const MIN_MEM_MIB: u32 = 32;
/// Largest guest memory `--mem` accepts, in MiB (1 TiB).
pub const MAX_MEM_MIB: u32 = 1 << 20;

/// Usage text printed by `cargo xtask help`.
pub const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  build [--release]              build the kernel ELF for x86_64-unknown-none
  run [options] [-- ARGS...]     build, then boot in QEMU (serial on this terminal)
      --smp N                    CPUs, 1 to 64 (default 1)
      --mem MIB                  guest memory in MiB (default 256)
      --accel auto|kvm|tcg       accelerator (default auto: KVM if /dev/kvm usable)
      --machine pc|microvm       machine type (default: microvm on KVM, pc on TCG)
      --release                  boot the release build
      --gdb                      wait for gdb on :1234 (-s -S)
      --timeout SECS             kill QEMU after SECS seconds (exit 124)
      -- ARGS...                 kernel command line, e.g. -- test=boot
  test                           host unit tests + QEMU tests (the CI suite)
  bench [--smp N] [--accel A] [--machine M] [--mem MIB] [--timeout SECS]
                                 release kernel in benchmark mode (default --smp 4):
                                 medians in ns and cycles, accelerator named
  help                           this text

exit codes of run: 0 PASS, 1 FAIL, 2 bad usage, 3 kernel PANIC, 4 no result
(reset/triple fault), 5 other QEMU status, 6 set-up/build error, 124 timeout";

/// A parsed `cargo xtask` invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `build [--release]`.
    Build {
        /// Build the release profile.
        release: bool,
    },
    /// `run ...`.
    Run(RunArgs),
    /// `test`.
    Test,
    /// `bench ...` (run options; no kernel arguments, no gdb).
    Bench(RunArgs),
    /// `help`, `--help`, `-h` or no command.
    Help,
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
    /// Kernel command line tokens (after `--`).
    pub kernel_args: Vec<String>,
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
        }
    }
}

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
pub fn parse(words: &[String]) -> Result<Command, ArgError> {
    let Some((command, rest)) = words.split_first() else {
        return Ok(Command::Help);
    };
    match command.as_str() {
        "build" => parse_build(rest),
        "run" => parse_run(rest).map(Command::Run),
        "test" => no_options("test", rest).map(|()| Command::Test),
        "bench" => parse_bench(rest).map(Command::Bench),
        "help" | "--help" | "-h" => Ok(Command::Help),
        other => Err(ArgError(format!(
            "unknown command '{other}' (commands: build, run, test, bench, help)"
        ))),
    }
}

/// Benchmark CPUs when `--smp` is not given.
pub const DEFAULT_BENCH_SMP: u32 = 4;

fn parse_bench(rest: &[String]) -> Result<RunArgs, ArgError> {
    let mut args = parse_run(rest)?;
    if args.gdb || args.release || !args.kernel_args.is_empty() {
        return Err(ArgError(
            "bench takes --smp, --mem, --accel, --machine and --timeout only (it always boots the release kernel)".into(),
        ));
    }
    if !rest.iter().any(|word| word == "--smp" || word.starts_with("--smp=")) {
        args.smp = DEFAULT_BENCH_SMP;
    }
    Ok(args)
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
    for word in rest {
        match word.as_str() {
            "--release" => release = true,
            other => {
                return Err(ArgError(format!(
                    "unknown option '{other}' for 'build' (only --release)"
                )))
            }
        }
    }
    Ok(Command::Build { release })
}

fn parse_run(rest: &[String]) -> Result<RunArgs, ArgError> {
    let mut run = RunArgs::default();
    let mut words = rest.iter();
    while let Some(word) = words.next() {
        if word == "--" {
            run.kernel_args = words.by_ref().cloned().collect();
            break;
        }
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
            "--release" | "--gdb" if inline_value.is_some() => {
                return Err(ArgError(format!("{name} takes no value")));
            }
            "--release" => run.release = true,
            "--gdb" => run.gdb = true,
            other => {
                return Err(ArgError(format!(
                    "unknown option '{other}' for 'run' (kernel arguments go after '--', see cargo xtask help)"
                )))
            }
        }
    }
    Ok(run)
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
            }
        );
    }

    #[test]
    fn words_after_double_dash_are_kernel_args_even_if_they_look_like_options() {
        assert_eq!(run_args("run -- --smp 3").kernel_args, ["--smp", "3"]);
    }

    #[test]
    fn smp_range_is_enforced() {
        assert_eq!(parse_smp("1"), Ok(1));
        assert_eq!(parse_smp("64"), Ok(64));
        assert_eq!(
            parse_smp("0").unwrap_err().0,
            "--smp 0 is out of range: the kernel supports 1 to 64 CPUs"
        );
        assert_eq!(
            parse_smp("65").unwrap_err().0,
            "--smp 65 is out of range: the kernel supports 1 to 64 CPUs"
        );
        assert_eq!(
            parse_smp("300").unwrap_err().0,
            "--smp 300 is out of range: the kernel supports 1 to 64 CPUs"
        );
        assert_eq!(
            parse_smp("abc").unwrap_err().0,
            "--smp 'abc' is not a number: the kernel supports 1 to 64 CPUs"
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
        assert_eq!(parse_words("build"), Ok(Command::Build { release: false }));
        assert_eq!(
            parse_words("build --release"),
            Ok(Command::Build { release: true })
        );
        assert_eq!(parse_words("test"), Ok(Command::Test));
        assert_eq!(
            parse_words("bench"),
            Ok(Command::Bench(RunArgs { smp: DEFAULT_BENCH_SMP, ..RunArgs::default() }))
        );
        assert_eq!(
            parse_words("bench --smp 2 --accel tcg"),
            Ok(Command::Bench(RunArgs { smp: 2, accel: Accel::Tcg, ..RunArgs::default() }))
        );
        assert!(parse_words("bench -- test=boot").is_err());
        assert!(parse_words("bench --gdb").is_err());
        assert!(parse_words("trace").is_err(), "no placeholder commands");
    }
}
