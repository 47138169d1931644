//! `kill`'s arguments, like procps's `kill`: `kill [-SIGNAL | -s SIGNAL |
//! -n NUMBER] [--] PID...` (a negative PID names a process group, `-1`
//! every process), `kill -l [NUMBER]` to list or name signals. Signals are
//! named with or without `SIG`, in any case, or by number.

use crate::signal_names::{bare_name, number_of};

/// Signal 29 as procps names it (`SIGIO`'s other name).
const PROCPS_SIGNAL_29: &str = "POLL";
/// The highest standard signal number.
const LAST_STANDARD_SIGNAL: i32 = 31;

/// Standard signal `number`'s name as procps prints it (`POLL` for 29).
fn procps_name(number: i32) -> Option<&'static str> {
    if number == 29 {
        Some(PROCPS_SIGNAL_29)
    } else {
        bare_name(number)
    }
}

/// SIGTERM, the default.
pub const DEFAULT_SIGNAL: i32 = 15;

/// What `kill` was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KillRequest {
    /// Send `signal` (0: only check) to each pid.
    Send { signal: i32, pids: Vec<i32> },
    /// Print every signal name.
    ListAll,
    /// Print the name of this signal number.
    Name(i32),
}

/// A signal by name (`KILL`, `SIGKILL`, `kill`) or number (`9`, 0 to 64).
pub fn parse_signal(text: &str) -> Result<i32, String> {
    if let Ok(number) = text.parse::<i32>() {
        return if (0..=64).contains(&number) {
            Ok(number)
        } else {
            Err(format!("kill: {text}: invalid signal number"))
        };
    }
    let upper = text.to_ascii_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    if name == PROCPS_SIGNAL_29 {
        return Ok(29);
    }
    number_of(name).ok_or_else(|| format!("kill: unknown signal {text:?}; kill -l lists them"))
}

/// The name of signal `number` without `SIG` (real-time ones as `RTMIN+N`).
pub fn signal_name(number: i32) -> Option<String> {
    match number {
        1..=LAST_STANDARD_SIGNAL => procps_name(number).map(str::to_string),
        34 => Some("RTMIN".into()),
        35..=64 => Some(format!("RTMIN+{}", number - 34)),
        _ => None,
    }
}

/// `kill -l`: every name, space-separated, as procps prints them.
pub fn list_all() -> String {
    (1..=LAST_STANDARD_SIGNAL).filter_map(procps_name).collect::<Vec<_>>().join(" ")
}

/// Parses the arguments after `kill`.
pub fn parse_args(args: &[String]) -> Result<KillRequest, String> {
    let usage = "usage: kill [-SIGNAL | -s SIGNAL] PID... | kill -l [NUMBER]";
    let mut signal = DEFAULT_SIGNAL;
    let mut index = 0;
    match args.first().map(String::as_str) {
        None => return Err(format!("kill: no process given; {usage}")),
        Some("-l" | "-L" | "--list") => {
            return match args.get(1) {
                None => Ok(KillRequest::ListAll),
                Some(number) => {
                    let number: i32 = number
                        .parse()
                        .map_err(|_| format!("kill: {number}: not a signal number"))?;
                    // A wait status's 128+N names signal N, as the shells' kill does.
                    let number = if number > 128 { number - 128 } else { number };
                    signal_name(number)
                        .map(|_| KillRequest::Name(number))
                        .ok_or_else(|| format!("kill: {number}: invalid signal number"))
                }
            };
        }
        Some("-s" | "-n") => {
            let value = args
                .get(1)
                .ok_or_else(|| format!("kill: {} needs a signal; {usage}", args[0]))?;
            signal = parse_signal(value)?;
            index = 2;
        }
        Some("--") => index = 1,
        Some(first)
            if first.starts_with('-')
                && first.len() > 1
                && first.parse::<i32>().map_or(true, |number| number < 0) =>
        {
            signal = parse_signal(&first[1..])?;
            index = 1;
        }
        Some(_) => {}
    }
    if args.get(index).map(String::as_str) == Some("--") {
        index += 1;
    }
    let pids: Vec<i32> = args[index..]
        .iter()
        .map(|word| {
            word.parse()
                .map_err(|_| format!("kill: {word:?}: not a process id"))
        })
        .collect::<Result<_, _>>()?;
    if pids.is_empty() {
        return Err(format!("kill: no process given; {usage}"));
    }
    Ok(KillRequest::Send { signal, pids })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<String> {
        words.iter().map(|word| word.to_string()).collect()
    }

    #[test]
    fn signals_by_name_and_number() {
        assert_eq!(parse_signal("KILL"), Ok(9));
        assert_eq!(parse_signal("sigterm"), Ok(15));
        assert_eq!(parse_signal("9"), Ok(9));
        assert_eq!(parse_signal("0"), Ok(0));
        assert_eq!(parse_signal("SYS"), Ok(31));
        assert!(parse_signal("NOPE").is_err());
        assert!(parse_signal("65").is_err());
        assert_eq!(signal_name(9).as_deref(), Some("KILL"));
        assert_eq!(signal_name(36).as_deref(), Some("RTMIN+2"));
        assert!(list_all().starts_with("HUP INT QUIT"));
    }

    #[test]
    fn argument_forms() {
        assert_eq!(
            parse_args(&args(&["5"])),
            Ok(KillRequest::Send {
                signal: 15,
                pids: vec![5]
            })
        );
        assert_eq!(
            parse_args(&args(&["-9", "5", "6"])),
            Ok(KillRequest::Send {
                signal: 9,
                pids: vec![5, 6]
            })
        );
        assert_eq!(
            parse_args(&args(&["-KILL", "--", "-5"])),
            Ok(KillRequest::Send {
                signal: 9,
                pids: vec![-5]
            })
        );
        assert_eq!(
            parse_args(&args(&["-s", "STOP", "5"])),
            Ok(KillRequest::Send {
                signal: 19,
                pids: vec![5]
            })
        );
        assert_eq!(
            parse_args(&args(&["--", "-1"])),
            Ok(KillRequest::Send {
                signal: 15,
                pids: vec![-1]
            })
        );
        assert_eq!(parse_args(&args(&["-l"])), Ok(KillRequest::ListAll));
        assert_eq!(parse_args(&args(&["-l", "137"])), Ok(KillRequest::Name(9)));
    }

    #[test]
    fn bad_arguments_are_errors() {
        for words in [
            &[][..],
            &["-9"],
            &["-s"],
            &["x"],
            &["-FOO", "1"],
            &["-l", "99"],
        ] {
            assert!(parse_args(&args(words)).is_err(), "{words:?}");
        }
    }
}
