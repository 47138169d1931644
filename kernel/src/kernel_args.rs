//! Kernel command-line parsing: `test=NAME`, `init=PATH`, `rdinit=PATH`,
//! `nosmap`, `noxsave`, `trace=CLASSES`, `trace_cpus=LIST`,
//! `watchdog_thresh=SECONDS` and reporting of anything not understood.
//!
//! The command line is split on ASCII whitespace (trailing NULs from the C
//! string are ignored). Each token is `key=value` or a bare `key`. As on
//! Linux, the words after a lone `--` are not kernel arguments: they are
//! passed to init as its arguments (`init_arguments`). To add an
//! argument, add a field to [`KernelArgs`] and a match arm in [`apply_token`].
//!
//! ```text
//! let args = kernel_args::parse(cmdline);
//! for problem in args.problems() {
//!     println!("warning: {problem}");   // "unknown kernel argument 'foo'"
//! }
//! ```

use crate::trace::filter::{self, ClassMask, CpuMask};
use core::fmt;

/// The recognized kernel arguments, borrowing from the command line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KernelArgs<'a> {
    /// `test=NAME`: run the named in-kernel test instead of the normal boot.
    /// If given more than once, the last one wins (and a warning is reported).
    pub test: Option<&'a str>,
    /// `stall_ap=N` (fault injection for tests): CPU N stalls in its
    /// bring-up until the BSP gives up on it, to exercise that path.
    pub stall_ap: Option<u32>,
    /// `init=PATH`: the program to run as PID 1.
    pub init: Option<&'a str>,
    /// `nosmap`: keep SMAP off (for hypervisors that cannot run
    /// `stac`/`clac`; `cargo xtask` passes it under an emulating KVM).
    pub nosmap: bool,
    /// `noxsave`: save user FPU state with `fxsave` (x87/SSE only) even
    /// where XSAVE exists (`cargo xtask` passes it under an emulating KVM).
    pub noxsave: bool,
    /// `rdinit=PATH`: the program to run from the initramfs as PID 1
    /// (with no real root filesystem here, the same as `init=`; `init=`
    /// wins when both are given).
    pub rdinit: Option<&'a str>,
    /// `trace=sched,irq,...|all`: the event classes the flight recorder keeps.
    pub trace: Option<ClassMask>,
    /// `trace_cpus=0-1,3`: the CPUs whose events it keeps.
    pub trace_cpus: Option<CpuMask>,
    /// `watchdog_thresh=SECONDS`: a CPU that does not schedule for this
    /// long with interrupts on is reported as a soft lockup (0: off;
    /// default [`WATCHDOG_DEFAULT_SECONDS`], at most [`WATCHDOG_MAX_SECONDS`]).
    pub watchdog_thresh: Option<u32>,
    cmdline: &'a str,
}

/// The soft-lockup threshold without `watchdog_thresh=` (seconds).
pub const WATCHDOG_DEFAULT_SECONDS: u32 = 5;
/// The largest `watchdog_thresh=` (seconds; ten minutes).
pub const WATCHDOG_MAX_SECONDS: u32 = 600;

/// Why one command-line token was not accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgProblemKind {
    /// The key is not a known argument.
    Unknown,
    /// The argument needs a non-empty value (`test=` alone).
    EmptyValue,
    /// A known argument given as a bare key without `=value`.
    MissingValue,
    /// The value is not a number where one is needed (`stall_ap=x`).
    BadValue,
    /// The value is none of the words or lists the argument takes (`trace=bogus`).
    BadList,
    /// The argument appeared before; this later occurrence overrides it.
    Repeated,
    /// A flag given a value (`nosmap=1`); the flag still applies.
    UnexpectedValue,
    /// `watchdog_thresh=` is not a whole number of seconds in range; the
    /// default stays.
    BadWatchdogThreshold,
}

/// One token the kernel should warn about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArgProblem<'a> {
    /// The whole offending token, as written.
    pub token: &'a str,
    pub kind: ArgProblemKind,
}

impl fmt::Display for ArgProblem<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let token = self.token;
        match self.kind {
            ArgProblemKind::Unknown => write!(formatter, "unknown kernel argument '{token}'"),
            ArgProblemKind::EmptyValue => {
                write!(
                    formatter,
                    "invalid kernel argument '{token}': the value is empty"
                )
            }
            ArgProblemKind::MissingValue => {
                write!(
                    formatter,
                    "invalid kernel argument '{token}': expected '{token}=VALUE'"
                )
            }
            ArgProblemKind::Repeated => {
                write!(
                    formatter,
                    "kernel argument '{token}' repeats an earlier one; the last wins"
                )
            }
            ArgProblemKind::BadValue => {
                write!(formatter, "invalid kernel argument '{token}': the value is not a number")
            }
            ArgProblemKind::UnexpectedValue => {
                write!(formatter, "kernel argument '{token}' takes no value; the value was ignored")
            }
            ArgProblemKind::BadWatchdogThreshold => write!(
                formatter,
                "invalid kernel argument '{token}': expected whole seconds from 0 (off) to {WATCHDOG_MAX_SECONDS}; \
                 the default, {WATCHDOG_DEFAULT_SECONDS} s, is kept"
            ),
            ArgProblemKind::BadList => write!(
                formatter,
                "invalid kernel argument '{token}': expected trace=all or classes from \
                 sched,irq,ipi,exception,syscall,fault,proc,signal,marker; trace_cpus=0-3,5"
            ),
        }
    }
}

/// Parses the command line; never fails. Call [`KernelArgs::problems`] for warnings.
pub fn parse(cmdline: &str) -> KernelArgs<'_> {
    let mut args = KernelArgs { cmdline, ..KernelArgs::default() };
    for token in tokens(cmdline) {
        let _ = apply_token(&mut args, token);
    }
    args
}

impl<'a> KernelArgs<'a> {
    /// The command line these arguments were parsed from.
    pub fn cmdline(&self) -> &'a str {
        self.cmdline
    }

    /// Iterates over the tokens that were not accepted as they were written, in order.
    pub fn problems(&self) -> impl Iterator<Item = ArgProblem<'a>> + 'a {
        let mut replay = KernelArgs { cmdline: self.cmdline, ..KernelArgs::default() };
        tokens(self.cmdline).filter_map(move |token| {
            apply_token(&mut replay, token)
                .err()
                .map(|kind| ArgProblem { token, kind })
        })
    }

    /// The words after `--`: init's arguments.
    pub fn init_arguments(&self) -> impl Iterator<Item = &'a str> + 'a {
        all_words(self.cmdline).skip_while(|word| *word != INIT_ARGUMENTS_SEPARATOR).skip(1)
    }
}

/// The word after which the rest of the line belongs to init.
const INIT_ARGUMENTS_SEPARATOR: &str = "--";

fn all_words(cmdline: &str) -> impl Iterator<Item = &str> {
    cmdline.trim_end_matches('\0').split_ascii_whitespace()
}

/// The kernel's own words: those before `--`.
fn tokens(cmdline: &str) -> impl Iterator<Item = &str> {
    all_words(cmdline).take_while(|word| *word != INIT_ARGUMENTS_SEPARATOR)
}

/// Applies one token to `args`; `Err` says why it needs a warning (a repeated
/// argument is still applied).
fn apply_token<'a>(args: &mut KernelArgs<'a>, token: &'a str) -> Result<(), ArgProblemKind> {
    let (key, value) = match token.split_once('=') {
        Some((key, value)) => (key, Some(value)),
        None => (token, None),
    };
    match key {
        "test" => {
            let name = value.ok_or(ArgProblemKind::MissingValue)?;
            if name.is_empty() {
                return Err(ArgProblemKind::EmptyValue);
            }
            let repeated = args.test.is_some();
            args.test = Some(name);
            if repeated {
                Err(ArgProblemKind::Repeated)
            } else {
                Ok(())
            }
        }
        "stall_ap" => {
            let text = value.ok_or(ArgProblemKind::MissingValue)?;
            let cpu = text.parse().map_err(|_| ArgProblemKind::BadValue)?;
            let repeated = args.stall_ap.replace(cpu).is_some();
            if repeated {
                Err(ArgProblemKind::Repeated)
            } else {
                Ok(())
            }
        }
        "nosmap" | "noxsave" => {
            let flag = if key == "nosmap" { &mut args.nosmap } else { &mut args.noxsave };
            let repeated = core::mem::replace(flag, true);
            if value.is_some() {
                Err(ArgProblemKind::UnexpectedValue)
            } else if repeated {
                Err(ArgProblemKind::Repeated)
            } else {
                Ok(())
            }
        }
        "trace" => {
            let classes = filter::parse_classes(value.ok_or(ArgProblemKind::MissingValue)?);
            let repeated = args.trace.replace(classes.ok_or(ArgProblemKind::BadList)?).is_some();
            if repeated {
                Err(ArgProblemKind::Repeated)
            } else {
                Ok(())
            }
        }
        "init" | "rdinit" => {
            let path = value.ok_or(ArgProblemKind::MissingValue)?;
            if path.is_empty() {
                return Err(ArgProblemKind::EmptyValue);
            }
            let slot = if key == "init" { &mut args.init } else { &mut args.rdinit };
            if slot.replace(path).is_some() {
                Err(ArgProblemKind::Repeated)
            } else {
                Ok(())
            }
        }
        "trace_cpus" => {
            let cpus = filter::parse_cpus(value.ok_or(ArgProblemKind::MissingValue)?);
            let repeated = args.trace_cpus.replace(cpus.ok_or(ArgProblemKind::BadList)?).is_some();
            if repeated {
                Err(ArgProblemKind::Repeated)
            } else {
                Ok(())
            }
        }
        "watchdog_thresh" => {
            let text = value.ok_or(ArgProblemKind::MissingValue)?;
            let seconds = text.parse().ok().filter(|seconds| *seconds <= WATCHDOG_MAX_SECONDS).ok_or(ArgProblemKind::BadWatchdogThreshold)?;
            let repeated = args.watchdog_thresh.replace(seconds).is_some();
            if repeated {
                Err(ArgProblemKind::Repeated)
            } else {
                Ok(())
            }
        }
        _ => Err(ArgProblemKind::Unknown),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;
    use std::vec::Vec;

    fn problems(cmdline: &str) -> Vec<(&str, ArgProblemKind)> {
        parse(cmdline)
            .problems()
            .map(|problem| (problem.token, problem.kind))
            .collect()
    }

    #[test]
    fn empty_and_blank_command_lines() {
        for cmdline in ["", "   ", "\0\0", " \t\n"] {
            let args = parse(cmdline);
            assert_eq!(args.test, None);
            assert_eq!(args.problems().count(), 0);
        }
    }

    #[test]
    fn test_name_is_extracted() {
        let args = parse("  test=smp_stress\0");
        assert_eq!(args.test, Some("smp_stress"));
        assert!(problems("  test=smp_stress\0").is_empty());
        assert_eq!(parse("test=a=b").test, Some("a=b"));
    }

    #[test]
    fn unknown_tokens_are_reported_in_order() {
        let cmdline = "console=ttyS0 test=heap quiet";
        assert_eq!(parse(cmdline).test, Some("heap"));
        assert_eq!(
            problems(cmdline),
            [
                ("console=ttyS0", ArgProblemKind::Unknown),
                ("quiet", ArgProblemKind::Unknown)
            ]
        );
        let message = parse(cmdline).problems().next().unwrap().to_string();
        assert_eq!(message, "unknown kernel argument 'console=ttyS0'");
    }

    #[test]
    fn stall_ap_takes_a_cpu_number() {
        assert_eq!(parse("stall_ap=3 test=boot").stall_ap, Some(3));
        assert_eq!(problems("stall_ap=x"), [("stall_ap=x", ArgProblemKind::BadValue)]);
        assert_eq!(parse("stall_ap=x").stall_ap, None);
    }

    #[test]
    fn init_takes_a_path_and_the_words_after_the_separator() {
        let args = parse("init=/bin/hello test=x -- --exit 7 test=y");
        assert_eq!(args.init, Some("/bin/hello"));
        assert_eq!(args.test, Some("x"), "words after -- are not kernel arguments");
        assert_eq!(args.init_arguments().collect::<Vec<_>>(), ["--exit", "7", "test=y"]);
        assert!(problems("init=/bin/hello -- unknown=1 quiet").is_empty());
        assert_eq!(parse("rdinit=/sbin/init").rdinit, Some("/sbin/init"));
        assert_eq!(parse("init=/a").init_arguments().count(), 0);
        assert_eq!(parse("init=/a --").init_arguments().count(), 0);
        assert_eq!(problems("init="), [("init=", ArgProblemKind::EmptyValue)]);
        assert_eq!(problems("init"), [("init", ArgProblemKind::MissingValue)]);
    }

    #[test]
    fn nosmap_is_a_flag() {
        assert!(parse("nosmap test=boot").nosmap);
        assert!(!parse("test=boot").nosmap);
        assert!(problems("nosmap").is_empty());
        assert!(parse("nosmap=1").nosmap);
        assert_eq!(problems("nosmap=1"), [("nosmap=1", ArgProblemKind::UnexpectedValue)]);
        assert!(parse("noxsave").noxsave && !parse("noxsave").nosmap);
    }

    #[test]
    fn trace_filters_are_parsed_or_reported() {
        let args = parse("trace=sched,ipi trace_cpus=0-1");
        assert_eq!(args.trace, filter::parse_classes("sched,ipi"));
        assert_eq!(args.trace_cpus, filter::parse_cpus("0,1"));
        assert!(problems("trace=sched,ipi trace_cpus=0-1").is_empty());
        assert_eq!(
            problems("trace=bogus trace_cpus=9-1 trace"),
            [
                ("trace=bogus", ArgProblemKind::BadList),
                ("trace_cpus=9-1", ArgProblemKind::BadList),
                ("trace", ArgProblemKind::MissingValue)
            ]
        );
        assert_eq!(parse("trace=bogus").trace, None);
    }

    #[test]
    fn watchdog_thresh_takes_seconds_in_range() {
        assert_eq!(parse("watchdog_thresh=2").watchdog_thresh, Some(2));
        assert_eq!(parse("watchdog_thresh=0").watchdog_thresh, Some(0));
        assert_eq!(parse("watchdog_thresh=600").watchdog_thresh, Some(600));
        assert_eq!(parse("test=boot").watchdog_thresh, None);
        for bad in ["watchdog_thresh=x", "watchdog_thresh=-1", "watchdog_thresh=601", "watchdog_thresh=1.5", "watchdog_thresh="] {
            assert_eq!(parse(bad).watchdog_thresh, None, "{bad}: the default stays");
            assert_eq!(problems(bad), [(bad, ArgProblemKind::BadWatchdogThreshold)]);
        }
        let message = parse("watchdog_thresh=x").problems().next().unwrap().to_string();
        assert_eq!(
            message,
            "invalid kernel argument 'watchdog_thresh=x': expected whole seconds from 0 (off) to 600; the default, 5 s, is kept"
        );
        assert_eq!(problems("watchdog_thresh"), [("watchdog_thresh", ArgProblemKind::MissingValue)]);
    }

    #[test]
    fn invalid_test_arguments() {
        assert_eq!(parse("test=").test, None);
        assert_eq!(
            problems("test= test"),
            [
                ("test=", ArgProblemKind::EmptyValue),
                ("test", ArgProblemKind::MissingValue)
            ]
        );
        let args = parse("test=one test=two");
        assert_eq!(args.test, Some("two"));
        assert_eq!(
            problems("test=one test=two"),
            [("test=two", ArgProblemKind::Repeated)]
        );
        assert!(parse("test=")
            .problems()
            .next()
            .unwrap()
            .to_string()
            .contains("empty"));
    }
}
