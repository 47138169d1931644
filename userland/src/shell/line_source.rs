//! Non-interactive input: `-c` text, a script file, or stdin read a byte
//! at a time (so commands that read stdin get the rest, as with bash).
//! Lines are gathered until they parse as complete commands.

use super::editor::read_byte;
use super::invocation::Source;
use super::parse_error::ParseError;
use super::parser::parse;
use super::run::STATUS_SYNTAX_ERROR;
use super::state::{report_error, Shell};

/// Status when the script cannot be read (as bash for a missing file).
const STATUS_SCRIPT_UNREADABLE: i32 = 127;

/// Runs commands from `source` without job control; returns the exit status.
pub fn run_non_interactive(shell: &mut Shell, source: &Source) -> i32 {
    match source {
        Source::Text(text) => shell.run_text(text),
        Source::Script(path) => match std::fs::read_to_string(path) {
            Ok(contents) => {
                let mut lines = contents.lines().map(str::to_string);
                run_lines(shell, &mut || lines.next());
            }
            Err(error) => {
                report_error(&format!("{path}: {}", super::redirect::error_text(&error)));
                return STATUS_SCRIPT_UNREADABLE;
            }
        },
        Source::Stdin => run_lines(shell, &mut read_plain_line),
    }
    shell.exit_requested.unwrap_or(shell.last_status)
}

/// Runs lines from `next_line` as they complete commands.
fn run_lines(shell: &mut Shell, next_line: &mut dyn FnMut() -> Option<String>) {
    let mut pending = String::new();
    while shell.exit_requested.is_none() {
        let Some(line) = next_line() else { break };
        pending.push_str(&line);
        pending.push('\n');
        if parse(&pending) == Err(ParseError::Incomplete) {
            continue;
        }
        shell.run_text(&pending);
        pending.clear();
    }
    if !pending.is_empty() && shell.exit_requested.is_none() {
        report_error("syntax error: unexpected end of file");
        shell.last_status = STATUS_SYNTAX_ERROR;
    }
}

/// One line from stdin without its newline; `None` at end of input.
pub fn read_plain_line() -> Option<String> {
    let mut bytes = Vec::new();
    loop {
        match read_byte() {
            Ok(Some(b'\n')) => break,
            Ok(Some(byte)) => bytes.push(byte),
            Ok(None) | Err(_) if bytes.is_empty() => return None,
            Ok(None) | Err(_) => break,
        }
    }
    Some(String::from_utf8_lossy(&bytes).into_owned())
}
