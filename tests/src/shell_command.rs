//! A command typed at the guest's shell over the serial line, followed by
//! `echo STATUS""DONE $? STATUS""END`: the echo of the typed line keeps the
//! quotes, so only the shell's output matches the markers, and the status
//! comes back with the output (`tools.rs`, `affinity.rs`).

use std::time::Duration;

use xtask::qemu::session::QemuSession;

/// How long one command may take (TCG on a loaded 2-core host).
pub const COMMAND_STEP: Duration = Duration::from_secs(90);

/// Types `line` followed by the status echo (after a space for a
/// background job, so the echo is not part of it).
pub fn start_command(session: &mut QemuSession, line: &str) {
    let separator = if line.ends_with('&') { " " } else { "; " };
    session
        .type_text(&format!("{line}{separator}echo STATUS\"\"DONE $? STATUS\"\"END\r"))
        .expect("type into the serial line");
}

/// Waits for the command [`start_command`] typed to end; returns what it
/// printed (from the typed line on, without carriage returns) and its
/// exit status.
pub fn finish_command(session: &mut QemuSession, line: &str) -> (String, i32) {
    let text = session
        .wait_for("STATUSEND", COMMAND_STEP)
        .unwrap_or_else(|error| panic!("{line}: {error}"));
    let (output, status) = text
        .rsplit_once("STATUSDONE ")
        .unwrap_or_else(|| panic!("{line}: no status in {text:?}"));
    let status = status
        .trim_end_matches("STATUSEND")
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("{line}: bad status in {text:?}"));
    (output.replace('\r', ""), status)
}

/// Types `line`; returns its output and exit status.
pub fn run_command(session: &mut QemuSession, line: &str) -> (String, i32) {
    start_command(session, line);
    finish_command(session, line)
}

/// Runs `line`, checks it succeeded, returns its output.
pub fn run_command_ok(session: &mut QemuSession, line: &str) -> String {
    let (output, status) = run_command(session, line);
    assert_eq!(status, 0, "{line} failed:\n{output}");
    output
}
