//! `trace`: starts, stops and dumps the kernel's tracer through
//! `/sys/kernel/tracing` (TEAM_NOTES/tracing-from-user-space.md):
//!
//! ```text
//! trace start [-e CLASSES] [-c CPUS] [-b KIB_PER_CPU]   clear, select, record
//! trace stop                                            stop recording
//! trace dump                                            dump to the trace port (COM2)
//! trace status                                          on/off, classes, CPUs, buffer size
//! trace marker TEXT...                                  write a marker event
//! trace run [-e ..] [-c ..] [-b ..] CMD [ARGS...]       start, run CMD, stop, dump; CMD's status
//! ```
//!
//! CLASSES: `all` or comma-separated `sched,irq,ipi,exception,syscall,fault,proc,signal,marker`;
//! CPUS: ids and ranges, `0-1,3`.

/// The tracefs files, read and written.
pub mod tracefs;

use std::fmt;

/// Where the kernel's tracing files are (Linux's path).
pub const TRACING_DIR: &str = "/sys/kernel/tracing";
/// The event classes the kernel knows, as `set_event` takes them.
pub const CLASSES: [&str; 9] = ["sched", "irq", "ipi", "exception", "syscall", "fault", "proc", "signal", "marker"];
/// Most CPUs a mask names (the kernel's CPU mask is 256 bits).
pub const MAX_CPU_ID: u32 = 255;

/// How to start: what to record, where, how much.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StartOptions {
    /// Class names (`None`: all).
    pub classes: Option<Vec<String>>,
    /// `tracing_cpumask`'s hex text (`None`: every CPU).
    pub cpu_mask: Option<String>,
    /// Requested ring size per CPU.
    pub buffer_kib: Option<u64>,
}

/// A parsed command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Start(StartOptions),
    Stop,
    Dump,
    Status,
    Marker(String),
    Run { options: StartOptions, command: Vec<String> },
}

/// A bad command line, with the usage to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}\n{USAGE}", self.0)
    }
}

/// The usage text.
pub const USAGE: &str = "usage: trace start [-e CLASSES] [-c CPUS] [-b KIB_PER_CPU] | stop | dump | status | marker TEXT... | run [-e CLASSES] [-c CPUS] [-b KIB] CMD [ARGS...]
  CLASSES: all, or comma-separated sched,irq,ipi,exception,syscall,fault,proc,signal,marker
  CPUS: ids and ranges, e.g. 0-1,3";

fn usage(message: impl Into<String>) -> UsageError {
    UsageError(message.into())
}

/// Parses `args` (without the program name).
pub fn parse(args: &[String]) -> Result<Command, UsageError> {
    let (verb, rest) = args.split_first().ok_or_else(|| usage("trace: no command"))?;
    match verb.as_str() {
        "start" => {
            let (options, extra) = parse_options(rest)?;
            match extra.first() {
                None => Ok(Command::Start(options)),
                Some(word) => Err(usage(format!("trace start: unexpected '{word}'"))),
            }
        }
        "stop" | "dump" | "status" if rest.is_empty() => Ok(match verb.as_str() {
            "stop" => Command::Stop,
            "dump" => Command::Dump,
            _ => Command::Status,
        }),
        "stop" | "dump" | "status" => Err(usage(format!("trace {verb}: takes no arguments"))),
        "marker" if rest.is_empty() => Err(usage("trace marker: no text")),
        "marker" => Ok(Command::Marker(rest.join(" "))),
        "run" => {
            let (options, command) = parse_options(rest)?;
            if command.is_empty() {
                return Err(usage("trace run: no command to run"));
            }
            Ok(Command::Run { options, command: command.to_vec() })
        }
        other => Err(usage(format!("trace: unknown command '{other}'"))),
    }
}

/// The `-e`, `-c`, `-b` options at the front of `args`, and what follows them.
fn parse_options(args: &[String]) -> Result<(StartOptions, &[String]), UsageError> {
    let mut options = StartOptions::default();
    let mut rest = args;
    while let Some((flag, after)) = rest.split_first() {
        if !flag.starts_with('-') {
            break;
        }
        if flag == "--" {
            return Ok((options, after));
        }
        let (value, after) = after.split_first().ok_or_else(|| usage(format!("trace: {flag} needs a value")))?;
        match flag.as_str() {
            "-e" => options.classes = Some(parse_classes(value)?),
            "-c" => options.cpu_mask = Some(cpu_list_to_mask(value)?),
            "-b" => {
                let kib = value.parse::<u64>().ok().filter(|kib| *kib > 0);
                options.buffer_kib = Some(kib.ok_or_else(|| usage(format!("trace: -b {value}: not a positive number of KiB")))?);
            }
            other => return Err(usage(format!("trace: unknown option '{other}'"))),
        }
        rest = after;
    }
    Ok((options, rest))
}

/// `all` or known class names separated by commas.
pub fn parse_classes(text: &str) -> Result<Vec<String>, UsageError> {
    if text == "all" {
        return Ok(CLASSES.iter().map(|class| class.to_string()).collect());
    }
    text.split(',')
        .map(|word| {
            if CLASSES.contains(&word) {
                Ok(word.to_string())
            } else {
                Err(usage(format!("trace: -e: unknown class '{word}' (known: all, {})", CLASSES.join(", "))))
            }
        })
        .collect()
}

/// A CPU list (`0-1,3`) as the hex mask `tracing_cpumask` takes (`b`).
pub fn cpu_list_to_mask(text: &str) -> Result<String, UsageError> {
    let bad = || usage(format!("trace: -c {text}: not a CPU list like 0-1,3 (ids up to {MAX_CPU_ID})"));
    let mut words = [0u64; 4];
    for part in text.split(',') {
        let (first, last) = match part.split_once('-') {
            Some((first, last)) => (first.parse::<u32>().map_err(|_| bad())?, last.parse::<u32>().map_err(|_| bad())?),
            None => {
                let cpu = part.parse::<u32>().map_err(|_| bad())?;
                (cpu, cpu)
            }
        };
        if first > last || last > MAX_CPU_ID {
            return Err(bad());
        }
        for cpu in first..=last {
            words[(cpu / 64) as usize] |= 1 << (cpu % 64);
        }
    }
    let highest = words.iter().rposition(|word| *word != 0).unwrap_or(0);
    let mut mask = format!("{:x}", words[highest]);
    for word in words[..highest].iter().rev() {
        mask.push_str(&format!("{word:016x}"));
    }
    Ok(mask)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn commands_parse() {
        assert_eq!(parse(&words("stop")), Ok(Command::Stop));
        assert_eq!(parse(&words("dump")), Ok(Command::Dump));
        assert_eq!(parse(&words("status")), Ok(Command::Status));
        assert_eq!(parse(&words("marker hello  world")), Ok(Command::Marker("hello world".into())));
        assert_eq!(
            parse(&words("start -e sched,syscall -c 0-1,3 -b 64")),
            Ok(Command::Start(StartOptions {
                classes: Some(vec!["sched".into(), "syscall".into()]),
                cpu_mask: Some("b".into()),
                buffer_kib: Some(64),
            }))
        );
        assert_eq!(
            parse(&words("run -e all /bin/usertest threads -e x")),
            Ok(Command::Run {
                options: StartOptions { classes: Some(CLASSES.iter().map(|class| class.to_string()).collect()), ..StartOptions::default() },
                command: words("/bin/usertest threads -e x"),
            })
        );
        assert_eq!(parse(&words("run -- -weird")), Ok(Command::Run { options: StartOptions::default(), command: words("-weird") }));
    }

    #[test]
    fn bad_command_lines_say_why() {
        for (line, reason) in [
            ("", "no command"),
            ("begin", "unknown command 'begin'"),
            ("start -e bogus", "unknown class 'bogus'"),
            ("start -e", "-e needs a value"),
            ("start -c 3-1", "not a CPU list"),
            ("start -c 256", "not a CPU list"),
            ("start -b 0", "not a positive number"),
            ("start -x 1", "unknown option '-x'"),
            ("start now", "unexpected 'now'"),
            ("stop now", "takes no arguments"),
            ("run", "no command to run"),
            ("run -e sched", "no command to run"),
            ("marker", "no text"),
        ] {
            let error = parse(&words(line)).expect_err(line);
            assert!(error.0.contains(reason), "{line:?}: {error}");
            assert!(error.to_string().contains("usage: trace"), "{line:?} shows the usage");
        }
    }

    #[test]
    fn cpu_lists_become_hex_masks() {
        assert_eq!(cpu_list_to_mask("0"), Ok("1".into()));
        assert_eq!(cpu_list_to_mask("0-3"), Ok("f".into()));
        assert_eq!(cpu_list_to_mask("0-1,3"), Ok("b".into()));
        assert_eq!(cpu_list_to_mask("64"), Ok("10000000000000000".into()));
        assert_eq!(cpu_list_to_mask("255"), Ok(format!("8{}", "0".repeat(63))));
        for bad in ["", "a", "1,", "-1", "0x1"] {
            assert!(cpu_list_to_mask(bad).is_err(), "{bad:?}");
        }
    }
}
