//! `hello`: prints a greeting, its arguments and a few environment variables,
//! then exits with the status given by `--exit N` (default 0).

use std::process::ExitCode;

use userland::hello::{exit_status_from_args, report};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args_os()
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    let env: Vec<(String, String)> = std::env::vars_os()
        .map(|(key, value)| {
            (
                key.to_string_lossy().into_owned(),
                value.to_string_lossy().into_owned(),
            )
        })
        .collect();
    print!("{}", report(&args, &env));
    match exit_status_from_args(&args) {
        Ok(status) => ExitCode::from(status),
        Err(error) => {
            eprintln!("hello: {error}");
            ExitCode::from(2)
        }
    }
}
