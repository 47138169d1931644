//! `hello`: prints a greeting, its arguments and a few environment variables,
//! then exits with the status given by `--exit N` (default 0), or, with
//! `--crash`, dies of SIGSEGV (a program that crashes, for shell tests).

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
    if args.iter().any(|arg| arg == "--crash") {
        use std::io::Write;
        let _ = std::io::stdout().flush();
        // SAFETY: deliberately a fault: address 8 is never mapped, so the
        // store kills the process with SIGSEGV (what --crash is for).
        unsafe { std::ptr::without_provenance_mut::<u8>(8).write_volatile(1) };
    }
    match exit_status_from_args(&args) {
        Ok(status) => ExitCode::from(status),
        Err(error) => {
            eprintln!("hello: {error}");
            ExitCode::from(2)
        }
    }
}
