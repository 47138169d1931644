//! `usertest spawn [HELLO]`: `std::process::Command` runs `hello` (default
//! `/bin/hello`) with arguments and an environment variable, captures its
//! output through pipes and checks the output and the exit status.

use std::path::Path;
use std::process::Command;

use super::verdict::CheckResult;
use crate::hello::GREETING;

/// Where `hello` is in the initramfs.
pub const DEFAULT_HELLO: &str = "/bin/hello";
const EXIT_STATUS: i32 = 7;
const TERM_VALUE: &str = "usertest-term";

/// Runs `hello` and checks what it printed and how it exited.
pub fn check_spawn(hello: &Path) -> CheckResult {
    let output = Command::new(hello)
        .args(["--exit", &EXIT_STATUS.to_string(), "two words"])
        .env("TERM", TERM_VALUE)
        .output()
        .map_err(|error| format!("cannot run {}: {error}", hello.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let expected_lines = [
        GREETING.to_string(),
        "argv[3]=two words".to_string(),
        format!("env TERM={TERM_VALUE}"),
    ];
    for expected in &expected_lines {
        if !stdout.lines().any(|line| line == expected) {
            return Err(format!("no line {expected:?} in its output {stdout:?}"));
        }
    }
    if output.status.code() != Some(EXIT_STATUS) {
        return Err(format!(
            "it ended with {}, expected exit status {EXIT_STATUS}",
            output.status
        ));
    }
    Ok(format!(
        "{} printed its arguments and exited with {EXIT_STATUS}",
        hello.display()
    ))
}
