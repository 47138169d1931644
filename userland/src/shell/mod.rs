//! `sh`: our POSIX-style shell with job control and a line editor (library
//! code, tested on the host; `src/bin/sh.rs` only calls [`main`]).
//! Design: TEAM_NOTES/shell.md.

/// The parsed form of command lines.
pub mod ast;
/// Builtin commands.
pub mod builtins;
/// Tab completion of commands and paths.
pub mod completion;
/// One line's editing: keys in, screen updates out.
pub mod edit_session;
/// Reading a line from the terminal with editing.
pub mod editor;
/// Finding and executing programs.
pub mod exec_program;
/// Word expansion.
pub mod expand;
/// Command history.
pub mod history;
/// The interactive loop and job-control setup.
pub mod interactive;
/// `sh`'s arguments.
pub mod invocation;
/// Waiting for jobs, reporting them, `fg`/`bg`.
pub mod job_control;
/// The job table.
pub mod jobs;
/// Bytes to keys.
pub mod keys;
/// Starting jobs: fork, pipes, process groups.
pub mod launch;
/// Command-line tokens.
pub mod lexer;
/// The line being edited.
pub mod line_buffer;
/// Non-interactive input.
pub mod line_source;
/// Parse errors.
pub mod parse_error;
/// Tokens to commands.
pub mod parser;
/// The prompt.
pub mod prompt;
/// Redirections.
pub mod redirect;
/// Running parsed commands.
pub mod run;
/// Signal names and descriptions.
pub mod signal_text;
/// The shell's state.
pub mod state;
/// Terminal modes and ownership.
pub mod terminal;
/// Shell variables.
pub mod variables;

use invocation::{parse_invocation, Source, USAGE};
use state::{report_error, Shell};
use terminal::{is_terminal, TERMINAL_FD};

/// Status for bad `sh` arguments (as bash).
const STATUS_USAGE: i32 = 2;

/// Runs `sh` with `argv` (including argv\[0\]); returns the exit status.
pub fn main(argv: &[String]) -> i32 {
    let argv0 = argv.first().map_or("sh", String::as_str);
    let invocation = match parse_invocation(argv0, argv.get(1..).unwrap_or_default()) {
        Ok(invocation) => invocation,
        Err(message) => {
            report_error(&message);
            report_error(USAGE);
            return STATUS_USAGE;
        }
    };
    let mut shell = Shell::new(&invocation.name, &invocation.arguments);
    if let Ok(directory) = std::env::current_dir() {
        shell
            .variables
            .export("PWD", Some(&directory.to_string_lossy()));
    }
    let interactive = invocation.force_interactive
        || (invocation.source == Source::Stdin && is_terminal(TERMINAL_FD) && is_terminal(2));
    if interactive && invocation.source == Source::Stdin {
        interactive::run_interactive(&mut shell)
    } else {
        line_source::run_non_interactive(&mut shell, &invocation.source)
    }
}
