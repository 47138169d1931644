//! Shared helper of the integration tests: run one of our built programs.
#![allow(dead_code)] // each test file uses part of it

use std::process::{Command, Output};

/// Runs program `binary` (a `CARGO_BIN_EXE_*` path) with `args`.
pub fn run(binary: &str, args: &[&str]) -> Output {
    Command::new(binary)
        .args(args)
        .output()
        .unwrap_or_else(|error| panic!("cannot run {binary}: {error}"))
}

/// Its stdout as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}
