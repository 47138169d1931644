//! The shell's state: variables, parameters, jobs, history, job control.

use crate::child_process::Pid;

use super::history::History;
use super::jobs::JobTable;
use super::variables::Variables;

/// What interactive job control needs: the shell's own process group and
/// the terminal modes it restores after each job.
pub struct JobControl {
    /// The shell's process group (it owns the terminal between jobs).
    pub shell_group: Pid,
    /// The terminal modes the shell runs commands with.
    pub shell_modes: libc::termios,
}

/// Everything a running shell keeps.
pub struct Shell {
    /// Shell variables.
    pub variables: Variables,
    /// `$?`.
    pub last_status: i32,
    /// `$!`.
    pub last_background_pid: Option<Pid>,
    /// `$$`: the shell's pid (also in forked subshells).
    pub shell_pid: Pid,
    /// `$0`, `$1`...
    pub positional: Vec<String>,
    /// Background and stopped jobs.
    pub jobs: JobTable,
    /// Lines entered (interactive).
    pub history: History,
    /// Present when the shell is interactive on a terminal.
    pub job_control: Option<JobControl>,
    /// Set by `exit`: the status to exit with.
    pub exit_requested: Option<i32>,
    /// `exit` was refused once because of stopped jobs.
    pub warned_about_stopped_jobs: bool,
}

impl Shell {
    /// A shell with the process environment as its variables and `$0` = `name`.
    pub fn new(name: &str, arguments: &[String]) -> Shell {
        let mut positional = vec![name.to_string()];
        positional.extend(arguments.iter().cloned());
        Shell {
            variables: Variables::from_environment(),
            last_status: 0,
            last_background_pid: None,
            shell_pid: std::process::id() as Pid,
            positional,
            jobs: JobTable::new(),
            history: History::new(),
            job_control: None,
            exit_requested: None,
            warned_about_stopped_jobs: false,
        }
    }

    /// The value of parameter `name` (`?`, `$`, `!`, `#`, `@`, `*`, digits, variables).
    pub fn parameter(&self, name: &str) -> Option<String> {
        match name {
            "?" => Some(self.last_status.to_string()),
            "$" => Some(self.shell_pid.to_string()),
            "!" => self.last_background_pid.map(|pid| pid.to_string()),
            "#" => Some((self.positional.len() - 1).to_string()),
            "@" | "*" => Some(self.positional[1..].join(" ")),
            digits if digits.bytes().all(|b| b.is_ascii_digit()) => digits
                .parse::<usize>()
                .ok()
                .and_then(|index| self.positional.get(index).cloned()),
            variable => self.variables.get(variable).map(str::to_string),
        }
    }

    /// Whether job control is on (interactive on a terminal).
    pub fn has_job_control(&self) -> bool {
        self.job_control.is_some()
    }
}

/// Prints `sh: message` on stderr.
pub fn report_error(message: &str) {
    let _ = super::editor::write_all(2, format!("sh: {message}\n").as_bytes());
}

/// Writes `text` to stdout, unbuffered (builtins; redirections apply at once).
pub fn print_out(text: &str) -> bool {
    super::editor::write_all(1, text.as_bytes()).is_ok()
}
