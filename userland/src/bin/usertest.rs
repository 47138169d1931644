//! `usertest`: runs the checks named on its command line and prints one
//! `USERTEST PASS|FAIL NAME` line per check (see `userland::usertest`).

use std::process::ExitCode;

use userland::usertest::{parse, run_and_report, USAGE};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    match parse(&args) {
        Ok(checks) if run_and_report(&checks) => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("usertest: {error}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
