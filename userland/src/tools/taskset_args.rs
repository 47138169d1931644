//! `taskset`'s arguments, like util-linux's: `taskset [-c] MASK COMMAND
//! [ARG...]` runs a command on the CPUs named (hex mask, or with `-c` a
//! list such as `0,2-3`); `taskset -p [-c] PID` shows a process's CPUs;
//! `taskset -p [-c] MASK PID` sets them.

use super::cpu_list::{parse_list, parse_mask};
use std::collections::BTreeSet;

/// What was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TasksetRequest {
    /// Pin to `cpus`, then exec `command`.
    Run {
        cpus: BTreeSet<usize>,
        command: Vec<String>,
    },
    /// Print the CPUs of `pid` (as a list when `as_list`).
    Show { pid: i32, as_list: bool },
    /// Set the CPUs of `pid`.
    Set { pid: i32, cpus: BTreeSet<usize> },
}

/// The usage line.
pub const USAGE: &str =
    "usage: taskset [-c] MASK|LIST COMMAND [ARG...] | taskset -p [-c] [MASK|LIST] PID";

/// Parses the arguments after `taskset`.
pub fn parse_args(args: &[String]) -> Result<TasksetRequest, String> {
    let mut as_list = false;
    let mut for_pid = false;
    let mut index = 0;
    while let Some(option) = args.get(index).filter(|arg| arg.starts_with('-')) {
        match option.as_str() {
            "-c" | "--cpu-list" => as_list = true,
            "-p" | "--pid" => for_pid = true,
            "-pc" | "-cp" => (as_list, for_pid) = (true, true),
            "--" => {
                index += 1;
                break;
            }
            other => return Err(format!("taskset: unknown option {other:?}; {USAGE}")),
        }
        index += 1;
    }
    let rest = &args[index..];
    let cpus = |text: &str| {
        if as_list {
            parse_list(text)
        } else {
            parse_mask(text)
        }
        .map_err(|error| format!("taskset: {error}"))
    };
    let pid = |text: &str| {
        text.parse::<i32>()
            .ok()
            .filter(|pid| *pid >= 0)
            .ok_or_else(|| format!("taskset: {text:?} is not a process id"))
    };
    match (for_pid, rest) {
        (true, [target]) => Ok(TasksetRequest::Show {
            pid: pid(target)?,
            as_list,
        }),
        (true, [set, target]) => Ok(TasksetRequest::Set {
            pid: pid(target)?,
            cpus: cpus(set)?,
        }),
        (false, [set, command @ ..]) if !command.is_empty() => Ok(TasksetRequest::Run {
            cpus: cpus(set)?,
            command: command.to_vec(),
        }),
        _ => Err(format!("taskset: wrong arguments; {USAGE}")),
    }
}

/// `cpus` as util-linux prints a mask: hex without `0x`.
pub fn format_mask(cpus: &BTreeSet<usize>) -> String {
    let top = cpus.iter().max().copied().unwrap_or(0);
    let mut digits = String::new();
    for nibble in (0..=top / 4).rev() {
        let value = (0..4)
            .filter(|bit| cpus.contains(&(nibble * 4 + bit)))
            .fold(0, |value, bit| value | (1 << bit));
        digits.push(char::from_digit(value, 16).unwrap_or('0'));
    }
    digits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<String> {
        words.iter().map(|word| word.to_string()).collect()
    }

    #[test]
    fn the_three_forms() {
        assert_eq!(
            parse_args(&args(&["-c", "0,2", "stress", "2", "1"])),
            Ok(TasksetRequest::Run {
                cpus: [0, 2].into(),
                command: args(&["stress", "2", "1"])
            })
        );
        assert_eq!(
            parse_args(&args(&["0x3", "ps"])),
            Ok(TasksetRequest::Run {
                cpus: [0, 1].into(),
                command: args(&["ps"])
            })
        );
        assert_eq!(
            parse_args(&args(&["-p", "7"])),
            Ok(TasksetRequest::Show {
                pid: 7,
                as_list: false
            })
        );
        assert_eq!(
            parse_args(&args(&["-pc", "1", "7"])),
            Ok(TasksetRequest::Set {
                pid: 7,
                cpus: [1].into()
            })
        );
        assert_eq!(format_mask(&[0, 2, 3].into()), "d");
        assert_eq!(format_mask(&[4].into()), "10");
    }

    #[test]
    fn bad_arguments_are_errors() {
        for words in [
            &[][..],
            &["3"],
            &["-c", "x", "ps"],
            &["-p"],
            &["-p", "x"],
            &["-z", "1", "ps"],
            &["0", "ps"],
        ] {
            assert!(parse_args(&args(words)).is_err(), "{words:?}");
        }
    }
}
