//! The interactive loop: job control set up on the terminal, then prompt,
//! read a line with editing, run it, report jobs, until `exit` or ^D.

use super::builtins::builtin_names;
use super::completion::CommandSources;
use super::edit_session::Outcome;
use super::editor::{read_line, write_all};
use super::launch::JOB_CONTROL_SIGNALS;
use super::line_source::read_plain_line;
use super::parse_error::ParseError;
use super::parser::parse;
use super::prompt::{current_prompt, CONTINUATION_PROMPT};
use super::state::{report_error, JobControl, Shell};
use super::terminal::{foreground_group, get_modes, give_terminal_to, is_terminal, TERMINAL_FD};

/// Status after ^C at the prompt (as bash: 128 + SIGINT).
const STATUS_INTERRUPTED: i32 = 130;

/// Makes the shell the terminal's foreground process group leader and
/// ignores the job-control signals. Errors leave job control off.
pub fn start_job_control(shell: &mut Shell) -> Result<(), String> {
    if !is_terminal(TERMINAL_FD) {
        return Err("no terminal on stdin: job control is off".to_string());
    }
    // Started in the background: wait (stopped by SIGTTIN) until put in the foreground.
    loop {
        // SAFETY: getpgrp has no arguments.
        let group = unsafe { libc::getpgrp() };
        if foreground_group() == group {
            break;
        }
        // SAFETY: kill takes plain integers; stops our own group until continued.
        unsafe { libc::kill(-group, libc::SIGTTIN) };
    }
    for signal in JOB_CONTROL_SIGNALS {
        // SAFETY: SIG_IGN involves no handler code.
        unsafe { libc::signal(signal, libc::SIG_IGN) };
    }
    // SAFETY: getpid/getpgrp/setpgid take plain integers.
    let pid = unsafe { libc::getpid() };
    // SAFETY: as above.
    if unsafe { libc::getpgrp() } != pid && unsafe { libc::setpgid(0, 0) } == -1 {
        return Err(format!(
            "cannot start a process group: {}: job control is off",
            std::io::Error::last_os_error()
        ));
    }
    give_terminal_to(pid)
        .map_err(|e| format!("cannot take the terminal: {e}: job control is off"))?;
    let shell_modes = get_modes().map_err(|e| format!("cannot read terminal modes: {e}"))?;
    shell.job_control = Some(JobControl {
        shell_group: pid,
        shell_modes,
    });
    Ok(())
}

/// Runs the interactive loop; returns the exit status.
pub fn run_interactive(shell: &mut Shell) -> i32 {
    if let Err(message) = start_job_control(shell) {
        report_error(&message);
    }
    let builtins = builtin_names();
    loop {
        shell.report_finished_jobs();
        let path_directories = shell
            .variables
            .get("PATH")
            .unwrap_or("")
            .split(':')
            .filter(|d| !d.is_empty())
            .map(Into::into)
            .collect();
        let commands = CommandSources {
            builtins: &builtins,
            path_directories,
        };
        match read_command(shell, &commands) {
            Entered::Text(text) => {
                shell.history.add(&text);
                shell.run_text(&text);
            }
            Entered::Interrupted => shell.last_status = STATUS_INTERRUPTED,
            Entered::EndOfInput => {
                let _ = write_all(2, b"exit\n");
                return shell.last_status;
            }
        }
        if let Some(status) = shell.exit_requested {
            return status;
        }
    }
}

/// What the user entered.
enum Entered {
    Text(String),
    Interrupted,
    EndOfInput,
}

/// Reads lines until they form complete commands (continuation prompt `> `).
fn read_command(shell: &mut Shell, commands: &CommandSources) -> Entered {
    let mut text = String::new();
    let mut prompt = current_prompt();
    loop {
        let line = if is_terminal(TERMINAL_FD) {
            match read_line(&prompt, &shell.history, commands) {
                Ok(Outcome::Line(line)) => Some(line),
                Ok(Outcome::Interrupted) => return Entered::Interrupted,
                Ok(Outcome::EndOfInput | Outcome::Continue) => None,
                Err(error) => {
                    report_error(&format!("cannot read the terminal: {error}"));
                    None
                }
            }
        } else {
            let _ = write_all(2, prompt.as_bytes());
            read_plain_line()
        };
        let Some(line) = line else {
            if !text.is_empty() {
                report_error("syntax error: unexpected end of file");
            }
            return Entered::EndOfInput;
        };
        text.push_str(&line);
        if parse(&text) == Err(ParseError::Incomplete) {
            text.push('\n');
            prompt = CONTINUATION_PROMPT.to_string();
            continue;
        }
        return Entered::Text(text);
    }
}

/// The terminal after a job left it in a state the shell cannot use.
pub fn restore_shell_terminal(shell: &Shell) {
    if let Some(control) = &shell.job_control {
        let _ = give_terminal_to(control.shell_group);
    }
}
