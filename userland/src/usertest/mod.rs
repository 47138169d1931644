//! `usertest`: the checks the QEMU tests drive, one subcommand each. Every
//! check prints detail lines `usertest NAME: ...` and one verdict line
//! (`verdict.rs`); the exit status is 0 when all passed, 1 otherwise, 2 on
//! bad usage. Every check passes on Linux too (`tests/usertest.rs`).
//!
//! ```text
//! usertest threads | fs [DIR] | spawn [HELLO] | pipe | cow | fault KIND|all | all
//! ```

use std::path::PathBuf;

/// Copy-on-write isolation after fork.
pub mod cow;
/// User faults in a child, checked by the parent.
pub mod fault;
/// The faulting instructions.
pub mod fault_trigger;
/// `std::fs` round trip.
pub mod fs_check;
/// Pipes between two processes.
pub mod pipe;
/// `std::process::Command` running `hello`.
pub mod spawn;
/// Threads with `Mutex` and `Condvar`.
pub mod threads;
/// The verdict lines.
pub mod verdict;

use fault::{FaultKind, ALL_FAULTS};
use verdict::{verdict_line, CheckResult};

/// One check to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// `threads`.
    Threads,
    /// `fs [DIR]`.
    Fs(PathBuf),
    /// `spawn [HELLO]`.
    Spawn(PathBuf),
    /// `pipe`.
    Pipe,
    /// `cow`.
    Cow,
    /// `fault KIND`.
    Fault(FaultKind),
}

impl Check {
    /// The name in the verdict line.
    pub fn name(&self) -> String {
        match self {
            Check::Threads => "threads".into(),
            Check::Fs(_) => "fs".into(),
            Check::Spawn(_) => "spawn".into(),
            Check::Pipe => "pipe".into(),
            Check::Cow => "cow".into(),
            Check::Fault(kind) => format!("fault-{}", kind.name()),
        }
    }

    /// Runs the check.
    pub fn run(&self) -> CheckResult {
        match self {
            Check::Threads => threads::check_threads(),
            Check::Fs(dir) => fs_check::check_fs(dir),
            Check::Spawn(hello) => spawn::check_spawn(hello),
            Check::Pipe => pipe::check_pipe(),
            Check::Cow => cow::check_cow(),
            Check::Fault(kind) => fault::check_fault(*kind),
        }
    }
}

/// The usage line.
pub const USAGE: &str =
    "usage: usertest threads | fs [DIR] | spawn [HELLO] | pipe | cow | fault KIND|all | all\n\
     fault kinds: null-deref write-readonly exec-stack ud2 divide-by-zero stack-overflow kernel-pointer";

/// The checks `argv[1..]` asks for.
pub fn parse(args: &[String]) -> Result<Vec<Check>, String> {
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    let fs_dir = |dir: Option<&&str>| PathBuf::from(dir.copied().unwrap_or(fs_check::DEFAULT_DIR));
    let hello = |path: Option<&&str>| PathBuf::from(path.copied().unwrap_or(spawn::DEFAULT_HELLO));
    let checks = match words.as_slice() {
        ["threads"] => vec![Check::Threads],
        ["fs", dir @ ..] if dir.len() <= 1 => vec![Check::Fs(fs_dir(dir.first()))],
        ["spawn", path @ ..] if path.len() <= 1 => vec![Check::Spawn(hello(path.first()))],
        ["pipe"] => vec![Check::Pipe],
        ["cow"] => vec![Check::Cow],
        ["fault", "all"] => ALL_FAULTS.into_iter().map(Check::Fault).collect(),
        ["fault", kind] => match FaultKind::from_name(kind) {
            Some(kind) => vec![Check::Fault(kind)],
            None => return Err(format!("unknown fault kind '{kind}'")),
        },
        ["all"] => {
            let mut all = vec![
                Check::Threads,
                Check::Fs(fs_dir(None)),
                Check::Spawn(hello(None)),
                Check::Pipe,
                Check::Cow,
            ];
            all.extend(ALL_FAULTS.into_iter().map(Check::Fault));
            all
        }
        _ => return Err(format!("cannot understand '{}'", words.join(" "))),
    };
    Ok(checks)
}

/// Runs `checks`, printing details and verdicts; true when all passed.
pub fn run_and_report(checks: &[Check]) -> bool {
    let mut all_passed = true;
    for check in checks {
        let name = check.name();
        let result = check.run();
        if let Ok(detail) = &result {
            println!("usertest {name}: {detail}");
        }
        println!("{}", verdict_line(&name, &result));
        all_passed &= result.is_ok();
    }
    all_passed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_line(line: &str) -> Result<Vec<Check>, String> {
        parse(
            &line
                .split_whitespace()
                .map(String::from)
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn subcommands_parse() {
        assert_eq!(parse_line("threads"), Ok(vec![Check::Threads]));
        assert_eq!(parse_line("fs"), Ok(vec![Check::Fs("/tmp".into())]));
        assert_eq!(parse_line("fs /x"), Ok(vec![Check::Fs("/x".into())]));
        assert_eq!(
            parse_line("spawn"),
            Ok(vec![Check::Spawn("/bin/hello".into())])
        );
        assert_eq!(
            parse_line("fault ud2"),
            Ok(vec![Check::Fault(FaultKind::Ud2)])
        );
        assert_eq!(parse_line("fault all").unwrap().len(), ALL_FAULTS.len());
        assert_eq!(parse_line("all").unwrap().len(), 5 + ALL_FAULTS.len());
    }

    #[test]
    fn bad_usage_is_refused() {
        for line in [
            "",
            "threads extra",
            "fault",
            "fault nope",
            "fs a b",
            "frobnicate",
        ] {
            assert!(parse_line(line).is_err(), "{line:?} was accepted");
        }
    }

    #[test]
    fn names_are_single_words() {
        assert_eq!(
            Check::Fault(FaultKind::DivideByZero).name(),
            "fault-divide-by-zero"
        );
        assert_eq!(Check::Fs("/tmp".into()).name(), "fs");
    }
}
