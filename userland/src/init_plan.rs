//! What `init` runs, decided from its arguments (pure logic, tested on the host).
//!
//! The kernel starts `/init` (or the `init=`/`rdinit=` program) with the
//! words after `--` on the kernel command line as arguments, like Linux:
//!
//! ```text
//! init                      -> /bin/sh if the archive has one, else nothing to run
//! init PROG ARGS...         -> PROG ARGS...
//! init -- PROG ARGS...      -> the same (the `--` is optional)
//! ```
//!
//! Whatever ran, `init` reports how it ended and powers off
//! (`power_off` in `pid1.rs`).

use std::ffi::{OsStr, OsString};

/// The console program run when `init` gets no arguments.
pub const DEFAULT_SHELL: &str = "/bin/sh";
/// `PATH` given to programs when the kernel passed none: Linux's usual
/// list, then `/busybox/bin`, where `cargo xtask run --busybox` puts
/// busybox's applet links (so its `ash` finds them; ours and coreutils in
/// `/bin` come first).
pub const DEFAULT_PATH: &str = "/bin:/sbin:/usr/bin:/usr/sbin:/busybox/bin";
/// Exit status init reports for a program it could not find (as shells do).
pub const STATUS_NOT_FOUND: u8 = 127;
/// Exit status init reports for a program it found but could not execute.
pub const STATUS_NOT_EXECUTABLE: u8 = 126;

/// What `init` will do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InitPlan {
    /// Run `program` with `args`, wait for it, report, power off.
    Run {
        /// Path (or a name looked up in `PATH`).
        program: OsString,
        /// Its arguments after argv[0].
        args: Vec<OsString>,
    },
    /// No arguments and no shell: say so and power off.
    NothingToRun,
}

/// The plan for `init`'s arguments (`argv[1..]`); `shell_exists` says
/// whether [`DEFAULT_SHELL`] is there.
pub fn plan(args: &[OsString], shell_exists: bool) -> InitPlan {
    let args = match args.split_first() {
        Some((first, rest)) if first == OsStr::new("--") => rest,
        _ => args,
    };
    match args.split_first() {
        Some((program, rest)) => InitPlan::Run {
            program: program.clone(),
            args: rest.to_vec(),
        },
        None if shell_exists => InitPlan::Run {
            program: DEFAULT_SHELL.into(),
            args: Vec::new(),
        },
        None => InitPlan::NothingToRun,
    }
}

/// The console message for [`InitPlan::NothingToRun`].
pub fn nothing_to_run_message() -> String {
    format!(
        "init: no program to run: no arguments and no {DEFAULT_SHELL} in the initramfs; \
         name one after '--' on the kernel command line, e.g. cargo xtask run -- -- /bin/hello"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<OsString> {
        line.split_whitespace().map(OsString::from).collect()
    }

    fn run(program: &str, args: &str) -> InitPlan {
        InitPlan::Run {
            program: program.into(),
            args: words(args),
        }
    }

    #[test]
    fn arguments_name_the_program_with_or_without_double_dash() {
        assert_eq!(
            plan(&words("/bin/usertest threads"), true),
            run("/bin/usertest", "threads")
        );
        assert_eq!(
            plan(&words("-- /bin/hello --exit 7"), false),
            run("/bin/hello", "--exit 7")
        );
        assert_eq!(
            plan(&words("-- /bin/hello -- x"), false),
            run("/bin/hello", "-- x"),
            "only the first -- is init's"
        );
    }

    #[test]
    fn no_arguments_run_the_shell_or_nothing() {
        assert_eq!(plan(&[], true), run(DEFAULT_SHELL, ""));
        assert_eq!(plan(&words("--"), true), run(DEFAULT_SHELL, ""));
        assert_eq!(plan(&[], false), InitPlan::NothingToRun);
        assert!(nothing_to_run_message().contains("/bin/sh"));
    }
}
