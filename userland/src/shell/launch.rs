//! Starting a job: one child process per pipeline stage, joined by pipes;
//! under job control all in one new process group (set by parent and
//! child, so neither order of running matters), the terminal handed to it
//! when it runs in the foreground.

use crate::child_process::Pid;

use super::ast::{AndOr, SimpleCommand};
use super::builtins::is_builtin;
use super::exec_program::exec_program;
use super::redirect::{self, duplicate};
use super::state::{report_error, Shell};
use super::terminal::give_terminal_to;

/// One process of a job.
pub enum Stage<'a> {
    /// A simple command (builtin or program).
    Command(&'a SimpleCommand),
    /// An and-or chain run by a copy of the shell (`a && b &`).
    Subshell(&'a AndOr),
}

/// Signals the interactive shell ignores; its children get them back.
pub const JOB_CONTROL_SIGNALS: [i32; 5] = [
    libc::SIGINT,
    libc::SIGQUIT,
    libc::SIGTSTP,
    libc::SIGTTIN,
    libc::SIGTTOU,
];

impl Shell {
    /// Starts `stages` as a job (pipes between them); returns its number.
    pub fn launch_job(
        &mut self,
        stages: &[Stage],
        text: &str,
        foreground: bool,
    ) -> Result<usize, String> {
        let mut process_group: Pid = 0;
        let mut pids = Vec::new();
        let mut input: Option<i32> = None;
        for (index, stage) in stages.iter().enumerate() {
            let pipe = if index + 1 < stages.len() {
                Some(make_pipe().map_err(|e| format!("pipe: {}", redirect::error_text(&e)))?)
            } else {
                None
            };
            // SAFETY: the shell is single-threaded, so the child may run any
            // code; it leaves only through exec or _exit (run_child).
            let pid = unsafe { libc::fork() };
            if pid == -1 {
                let error = std::io::Error::last_os_error();
                close_if_open(input);
                if let Some((read_end, write_end)) = pipe {
                    close_if_open(Some(read_end));
                    close_if_open(Some(write_end));
                }
                return Err(format!("fork: {}", redirect::error_text(&error)));
            }
            if pid == 0 {
                self.run_child(stage, process_group, foreground, input, pipe);
            }
            if self.has_job_control() {
                if process_group == 0 {
                    process_group = pid;
                }
                // SAFETY: setpgid takes plain integers; a failure (the child
                // already exec'd or exited) is harmless: the child did it too.
                unsafe { libc::setpgid(pid, process_group) };
            }
            close_if_open(input);
            input = pipe.map(|(read_end, write_end)| {
                close_if_open(Some(write_end));
                read_end
            });
            pids.push(pid);
        }
        let group = if process_group == 0 {
            pids[0]
        } else {
            process_group
        };
        if !foreground {
            self.last_background_pid = pids.last().copied();
        }
        Ok(self.jobs.add(group, &pids, text))
    }

    /// The child side: process group, terminal, signals, pipes, then the stage. Never returns.
    fn run_child(
        &mut self,
        stage: &Stage,
        process_group: Pid,
        foreground: bool,
        input: Option<i32>,
        pipe: Option<(i32, i32)>,
    ) -> ! {
        let had_job_control = self.has_job_control();
        if had_job_control {
            // SAFETY: plain integers; makes this process join (or start) the job's group.
            unsafe { libc::setpgid(0, process_group) };
            if foreground {
                // SAFETY: getpgrp has no arguments.
                let _ = give_terminal_to(unsafe { libc::getpgrp() });
            }
        } else if !foreground {
            // Without job control a background job must not take ^C or the terminal's input.
            ignore_signal(libc::SIGINT);
            ignore_signal(libc::SIGQUIT);
            if input.is_none() {
                redirect_stdin_from_null();
            }
        }
        // After tcsetpgrp: with SIGTTOU back to default, a child of a
        // background group calling tcsetpgrp would stop itself.
        default_signals(had_job_control);
        self.job_control = None;
        if let Some(read_end) = input {
            let _ = duplicate(read_end, 0);
            close_if_open(Some(read_end));
        }
        if let Some((read_end, write_end)) = pipe {
            let _ = duplicate(write_end, 1);
            close_if_open(Some(read_end));
            close_if_open(Some(write_end));
        }
        let status = match stage {
            Stage::Command(command) => self.run_command_here(command),
            Stage::Subshell(and_or) => {
                let text = String::new();
                self.run_and_or(and_or, &text)
            }
        };
        // SAFETY: ends the child without running the parent's exit handlers.
        unsafe { libc::_exit(status) }
    }

    /// In a child: expands, redirects, then runs a builtin or execs a program.
    fn run_command_here(&mut self, command: &SimpleCommand) -> i32 {
        let words = self.expand_words(command);
        let assignments = self.expand_assignments(command);
        if let Err(message) = redirect::apply(&command.redirections, &|n| self.parameter(n), false)
        {
            report_error(&message);
            return 1;
        }
        if words.is_empty() {
            return 0;
        }
        if is_builtin(&words[0]) {
            return self.run_builtin(&words);
        }
        let path = assignments
            .iter()
            .rev()
            .find(|(name, _)| name == "PATH")
            .map(|(_, value)| value.clone())
            .or_else(|| self.variables.get("PATH").map(str::to_string));
        let environment = self.variables.environment(&assignments);
        exec_program(&words, path.as_deref(), &environment)
    }
}

fn make_pipe() -> std::io::Result<(i32, i32)> {
    let mut ends = [0; 2];
    // SAFETY: ends is a valid array of two ints for pipe2 to fill.
    if unsafe { libc::pipe2(ends.as_mut_ptr(), libc::O_CLOEXEC) } == -1 {
        return Err(std::io::Error::last_os_error());
    }
    Ok((ends[0], ends[1]))
}

fn close_if_open(fd: Option<i32>) {
    if let Some(fd) = fd {
        // SAFETY: the descriptor is one this code opened and owns.
        unsafe { libc::close(fd) };
    }
}

fn ignore_signal(signal: i32) {
    // SAFETY: installs SIG_IGN, no handler code involved.
    unsafe { libc::signal(signal, libc::SIG_IGN) };
}

/// Gives a child the default dispositions the shell changed: the job
/// control signals (when it had them ignored) and SIGPIPE (ignored by Rust's runtime).
fn default_signals(job_control_was_on: bool) {
    let job_control_signals: &[i32] = if job_control_was_on {
        &JOB_CONTROL_SIGNALS
    } else {
        &[]
    };
    for signal in job_control_signals.iter().chain(&[libc::SIGPIPE]) {
        // SAFETY: SIG_DFL involves no handler code.
        unsafe { libc::signal(*signal, libc::SIG_DFL) };
    }
}

fn redirect_stdin_from_null() {
    if let Ok(null) = std::fs::File::open("/dev/null") {
        use std::os::unix::io::IntoRawFd;
        let fd = null.into_raw_fd();
        let _ = duplicate(fd, 0);
        close_if_open(Some(fd));
    }
}
