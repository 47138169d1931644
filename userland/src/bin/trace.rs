//! `trace`: controls the kernel's tracer from user space (see
//! `userland::trace_tool` for the commands).

use std::path::PathBuf;
use std::process::ExitCode;

use userland::trace_tool::tracefs::Tracefs;
use userland::trace_tool::{parse, Command, TRACING_DIR};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match parse(&args) {
        Ok(command) => command,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(2);
        }
    };
    let tracefs = Tracefs { dir: PathBuf::from(TRACING_DIR) };
    match run(&tracefs, command) {
        Ok(status) => ExitCode::from(status),
        Err(error) => {
            eprintln!("trace: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Does `command`; returns the exit status.
fn run(tracefs: &Tracefs, command: Command) -> Result<u8, String> {
    match command {
        Command::Start(options) => tracefs.start(&options)?,
        Command::Stop => tracefs.stop()?,
        Command::Dump => tracefs.dump()?,
        Command::Status => print!("{}", tracefs.status()?),
        Command::Marker(text) => tracefs.marker(&text)?,
        Command::Run { options, command } => return run_traced(tracefs, &options, &command),
    }
    Ok(0)
}

/// `trace run`: start, a marker, the command, a marker with how it ended, stop, dump.
fn run_traced(tracefs: &Tracefs, options: &userland::trace_tool::StartOptions, command: &[String]) -> Result<u8, String> {
    tracefs.start(options)?;
    let line = command.join(" ");
    tracefs.marker(&format!("trace run: {line}"))?;
    let outcome = std::process::Command::new(&command[0]).args(&command[1..]).status();
    let (status, ended) = match &outcome {
        Ok(status) => (exit_code_of(status), format!("trace run: {line}: {status}")),
        Err(error) => (127, format!("trace run: {line}: cannot run: {error}")),
    };
    tracefs.marker(&ended)?;
    tracefs.stop()?;
    tracefs.dump()?;
    if let Err(error) = outcome {
        return Err(format!("{}: {error}", command[0]));
    }
    Ok(status)
}

/// The shell's convention: the exit code, or 128 + the signal.
fn exit_code_of(status: &std::process::ExitStatus) -> u8 {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => code as u8,
        (None, Some(signal)) => 128u8.wrapping_add(signal as u8),
        (None, None) => 1,
    }
}
