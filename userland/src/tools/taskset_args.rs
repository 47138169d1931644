//! `taskset`'s arguments, as util-linux's (`schedutils/taskset.c`):
//! - `taskset [-c] MASK|LIST COMMAND [ARG...]`: run a command on those CPUs;
//! - `taskset -p [-c] PID`: print a thread's CPUs;
//! - `taskset -p [-c] MASK|LIST PID`: set them (printing before and after).
//!
//! Options may be combined (`-pc`, `-cp`) or long (`--pid`,
//! `--cpu-list`); the first word that is not an option ends them (getopt's
//! `+`), as does `--`. Errors carry util-linux's message and exit status.

use super::cpu_list::{format_list, format_mask, parse_list, parse_mask};
use std::collections::BTreeSet;

/// What was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TasksetRequest {
    /// Set this process's CPUs to `cpus`, then exec `command`.
    Run {
        cpus: BTreeSet<usize>,
        command: Vec<String>,
    },
    /// Print the CPUs of `pid` (as a list when `as_list`).
    Show { pid: i32, as_list: bool },
    /// Set the CPUs of `pid`, printing them before and after.
    Set {
        pid: i32,
        cpus: BTreeSet<usize>,
        as_list: bool,
    },
    /// `-h`: print [`USAGE`], succeed.
    Help,
}

/// A failure: the line for standard error (after `taskset: `) and the
/// exit status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TasksetError {
    pub message: String,
    pub status: i32,
}

/// util-linux's status for every failure but a failed exec.
pub const EXIT_FAILURE: i32 = 1;
/// After a failed exec: the program was found but could not run.
pub const EXIT_EXEC_FAILED: i32 = 126;
/// After a failed exec: no such program.
pub const EXIT_EXEC_NOT_FOUND: i32 = 127;

impl TasksetError {
    pub fn new(message: impl Into<String>) -> TasksetError {
        TasksetError {
            message: message.into(),
            status: EXIT_FAILURE,
        }
    }
}

/// The usage line.
pub const USAGE: &str =
    "usage: taskset [-c] MASK|LIST COMMAND [ARG...] | taskset -p [-c] [MASK|LIST] PID";

/// Parses the arguments after `taskset`.
pub fn parse_args(args: &[String]) -> Result<TasksetRequest, TasksetError> {
    let mut as_list = false;
    let mut for_pid = false;
    let mut index = 0;
    while let Some(option) = args
        .get(index)
        .filter(|arg| arg.starts_with('-') && arg.len() > 1)
    {
        index += 1;
        match option.as_str() {
            "--" => break,
            "--pid" => for_pid = true,
            "--cpu-list" => as_list = true,
            "--help" => return Ok(TasksetRequest::Help),
            long if long.starts_with("--") => {
                return Err(TasksetError::new(format!(
                    "unrecognized option '{long}'; {USAGE}"
                )))
            }
            short => {
                for letter in short[1..].chars() {
                    match letter {
                        'p' => for_pid = true,
                        'c' => as_list = true,
                        'h' => return Ok(TasksetRequest::Help),
                        other => {
                            return Err(TasksetError::new(format!(
                                "invalid option -- '{other}'; {USAGE}"
                            )))
                        }
                    }
                }
            }
        }
    }
    let rest = &args[index..];
    let cpus = |text: &str| {
        let parsed = if as_list {
            parse_list(text)
        } else {
            parse_mask(text)
        };
        let form = if as_list { "list" } else { "mask" };
        parsed.ok_or_else(|| TasksetError::new(format!("failed to parse CPU {form}: {text}")))
    };
    let pid = |text: &str| {
        text.parse::<i32>()
            .ok()
            .filter(|pid| *pid >= 0)
            .ok_or_else(|| TasksetError::new(format!("failed to parse pid: '{text}'")))
    };
    match (for_pid, rest) {
        (true, [target]) => Ok(TasksetRequest::Show {
            pid: pid(target)?,
            as_list,
        }),
        (true, [set, target]) => {
            let pid = pid(target)?;
            Ok(TasksetRequest::Set {
                pid,
                cpus: cpus(set)?,
                as_list,
            })
        }
        (false, [set, command @ ..]) if !command.is_empty() => Ok(TasksetRequest::Run {
            cpus: cpus(set)?,
            command: command.to_vec(),
        }),
        _ => Err(TasksetError::new(format!(
            "wrong number of arguments; {USAGE}"
        ))),
    }
}

/// util-linux's line for a thread's CPUs (`which`: `current` or `new`).
pub fn affinity_line(pid: i32, which: &str, cpus: &BTreeSet<usize>, as_list: bool) -> String {
    if as_list {
        format!("pid {pid}'s {which} affinity list: {}", format_list(cpus))
    } else {
        format!("pid {pid}'s {which} affinity mask: {}", format_mask(cpus))
    }
}

/// The error after a failed `sched_setaffinity` / `sched_getaffinity`
/// (util-linux's `err`: the message, then the system's reason).
pub fn affinity_error(verb: &str, pid: i32, error: &std::io::Error) -> TasksetError {
    TasksetError::new(format!(
        "failed to {verb} pid {pid}'s affinity: {}",
        reason(error)
    ))
}

/// The error after a failed exec, with util-linux's statuses.
pub fn exec_error(program: &str, error: &std::io::Error) -> TasksetError {
    let status = if error.kind() == std::io::ErrorKind::NotFound {
        EXIT_EXEC_NOT_FOUND
    } else {
        EXIT_EXEC_FAILED
    };
    TasksetError {
        message: format!("failed to execute {program}: {}", reason(error)),
        status,
    }
}

/// `strerror` text, without Rust's ` (os error N)` suffix.
fn reason(error: &std::io::Error) -> String {
    let text = error.to_string();
    match text.find(" (os error") {
        Some(cut) => text[..cut].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<String> {
        words.iter().map(|word| word.to_string()).collect()
    }

    fn message(words: &[&str]) -> String {
        parse_args(&args(words)).expect_err("an error").message
    }

    #[test]
    fn linux_forms() {
        assert_eq!(
            parse_args(&args(&["-c", "1,3", "stress", "4", "2"])),
            Ok(TasksetRequest::Run {
                cpus: [1, 3].into(),
                command: args(&["stress", "4", "2"])
            })
        );
        assert_eq!(
            parse_args(&args(&["0x3", "ps", "-p"])),
            Ok(TasksetRequest::Run {
                cpus: [0, 1].into(),
                command: args(&["ps", "-p"])
            }),
            "options end at the first other word"
        );
        assert_eq!(
            parse_args(&args(&["-p", "7"])),
            Ok(TasksetRequest::Show {
                pid: 7,
                as_list: false
            })
        );
        assert_eq!(
            parse_args(&args(&["-cp", "7"])),
            Ok(TasksetRequest::Show {
                pid: 7,
                as_list: true
            })
        );
        assert_eq!(
            parse_args(&args(&["-p", "a", "7"])),
            Ok(TasksetRequest::Set {
                pid: 7,
                cpus: [1, 3].into(),
                as_list: false
            })
        );
        for form in [
            &["-cp", "0,2-3", "7"][..],
            &["-pc", "0,2-3", "7"],
            &["-c", "-p", "0,2-3", "7"],
            &["--pid", "--cpu-list", "0,2-3", "7"],
        ] {
            assert_eq!(
                parse_args(&args(form)),
                Ok(TasksetRequest::Set {
                    pid: 7,
                    cpus: [0, 2, 3].into(),
                    as_list: true
                }),
                "{form:?}"
            );
        }
        assert_eq!(
            parse_args(&args(&["--", "1", "true"])),
            Ok(TasksetRequest::Run {
                cpus: [0].into(),
                command: args(&["true"])
            })
        );
        assert_eq!(parse_args(&args(&["-h"])), Ok(TasksetRequest::Help));
        assert_eq!(
            parse_args(&args(&["0", "true"])),
            Ok(TasksetRequest::Run {
                cpus: [].into(),
                command: args(&["true"])
            }),
            "an empty mask is the kernel's EINVAL, as with util-linux"
        );
    }

    #[test]
    fn util_linux_messages() {
        assert_eq!(message(&["-c", "x", "ps"]), "failed to parse CPU list: x");
        assert_eq!(message(&["zz", "ps"]), "failed to parse CPU mask: zz");
        assert_eq!(
            message(&["-cp", "3-1", "7"]),
            "failed to parse CPU list: 3-1"
        );
        assert_eq!(message(&["-p", "x"]), "failed to parse pid: 'x'");
        assert!(message(&["-z", "1", "ps"]).starts_with("invalid option -- 'z'"));
        assert!(message(&["--bogus"]).starts_with("unrecognized option '--bogus'"));
        for words in [
            &[][..],
            &["3"],
            &["-p"],
            &["-p", "1", "2", "3"],
            &["-c", "1"],
        ] {
            let error = parse_args(&args(words)).expect_err("usage error");
            assert!(
                error.message.starts_with("wrong number of arguments"),
                "{words:?}"
            );
            assert_eq!(error.status, EXIT_FAILURE);
            assert!(!error.message.contains('\n'), "one line");
        }
    }

    #[test]
    fn output_lines_match_util_linux() {
        assert_eq!(
            affinity_line(42, "current", &[0, 1, 2, 3].into(), false),
            "pid 42's current affinity mask: f"
        );
        assert_eq!(
            affinity_line(42, "new", &[1, 3].into(), false),
            "pid 42's new affinity mask: a"
        );
        assert_eq!(
            affinity_line(42, "current", &[0, 2, 3].into(), true),
            "pid 42's current affinity list: 0,2-3"
        );
        let invalid = std::io::Error::from_raw_os_error(22);
        assert_eq!(
            affinity_error("set", 0, &invalid).message,
            "failed to set pid 0's affinity: Invalid argument"
        );
        let missing = std::io::Error::from_raw_os_error(2);
        let error = exec_error("nosuch", &missing);
        assert_eq!(
            (error.message.as_str(), error.status),
            ("failed to execute nosuch: No such file or directory", 127)
        );
    }
}
