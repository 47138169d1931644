//! Waiting for jobs and reporting them like bash: the foreground job (the
//! terminal handed back to the shell afterwards, its modes restored),
//! background jobs finished since the last prompt, `fg` and `bg`.

use crate::child_process::Pid;
use crate::wait_status::ChildEnd;

use super::signal_text::death_description;
use super::state::{print_out, report_error, Shell};
use super::terminal::{get_modes, give_terminal_to, set_modes};

impl Shell {
    /// Waits until job `number` ends or stops; returns its status (128 + signal when
    /// stopped, as bash). Under job control the shell takes the terminal back.
    pub fn wait_for_foreground_job(&mut self, number: usize) -> i32 {
        loop {
            match self.jobs.get(number) {
                Some(job) if !job.is_done() && !job.is_stopped() => {}
                _ => break,
            }
            if !self.wait_for_any_child(0) {
                break;
            }
        }
        if let Some(control) = &self.job_control {
            let _ = give_terminal_to(control.shell_group);
            let job_modes = get_modes().ok();
            let _ = set_modes(&control.shell_modes);
            if let Some(job) = self.jobs.get_mut(number) {
                if job.is_stopped() {
                    job.saved_modes = job_modes;
                }
            }
        }
        let Some(job) = self.jobs.get(number) else {
            return 0;
        };
        if job.is_stopped() {
            let line = self.jobs.status_line(job, false);
            let _ = super::editor::write_all(2, format!("\n{line}\n").as_bytes());
            return 128 + libc::SIGTSTP;
        }
        let end = job.end();
        self.jobs.remove(number);
        if let ChildEnd::Signaled(signal) = end {
            report_signal_death(signal);
        }
        i32::from(end.shell_code())
    }

    /// One blocking (flags 0) or polling (WNOHANG) wait for any child,
    /// recorded in the job table. False when there was nothing to wait for.
    pub fn wait_for_any_child(&mut self, flags: i32) -> bool {
        let mut status = 0;
        // SAFETY: status is a valid, writable int for the call.
        let pid: Pid =
            unsafe { libc::waitpid(-1, &mut status, flags | libc::WUNTRACED | libc::WCONTINUED) };
        if pid > 0 {
            self.jobs.record(pid, status);
            return true;
        }
        pid == -1 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR)
    }

    /// Collects state changes of background jobs; reports (interactive) and
    /// forgets finished ones, as bash does before a prompt.
    pub fn report_finished_jobs(&mut self) {
        while self.wait_for_any_child(libc::WNOHANG) {}
        let finished: Vec<usize> = self
            .jobs
            .all()
            .filter(|job| job.is_done())
            .map(|job| job.number)
            .collect();
        for number in finished {
            if let Some(job) = self.jobs.get(number) {
                let line = self.jobs.status_line(job, false);
                let _ = super::editor::write_all(2, format!("{line}\n").as_bytes());
            }
            self.jobs.remove(number);
        }
    }

    /// `[1] 1234` when a job starts in the background (interactive only, as bash).
    pub fn announce_background_job(&self, number: usize) {
        if !self.has_job_control() {
            return;
        }
        if let Some(job) = self.jobs.get(number) {
            let last = job.processes.last().map_or(0, |p| p.pid);
            let _ = super::editor::write_all(2, format!("[{number}] {last}\n").as_bytes());
        }
    }

    /// `fg [job]`.
    pub fn foreground(&mut self, spec: Option<&str>) -> i32 {
        let Some(control) = &self.job_control else {
            report_error("fg: no job control");
            return 1;
        };
        let shell_modes = control.shell_modes;
        let number = match self.jobs.resolve(spec) {
            Ok(number) => number,
            Err(message) => {
                report_error(&format!("fg: {message}"));
                return 1;
            }
        };
        let Some(job) = self.jobs.get_mut(number) else {
            return 1;
        };
        print_out(&format!("{}\n", job.text));
        let group = job.process_group;
        let modes = job.saved_modes.take().unwrap_or(shell_modes);
        job.mark_continued();
        let _ = give_terminal_to(group);
        let _ = set_modes(&modes);
        continue_group(group);
        self.wait_for_foreground_job(number)
    }

    /// `bg [job]`.
    pub fn background(&mut self, spec: Option<&str>) -> i32 {
        if !self.has_job_control() {
            report_error("bg: no job control");
            return 1;
        }
        let number = match self.jobs.resolve(spec) {
            Ok(number) => number,
            Err(message) => {
                report_error(&format!("bg: {message}"));
                return 1;
            }
        };
        let Some(job) = self.jobs.get_mut(number) else {
            return 1;
        };
        if !job.is_stopped() {
            report_error(&format!("bg: job {number} already in background"));
            return 0;
        }
        job.mark_continued();
        let group = job.process_group;
        continue_group(group);
        let marker = self.jobs.marker(number);
        let text = self
            .jobs
            .get(number)
            .map(|j| j.text.clone())
            .unwrap_or_default();
        print_out(&format!("[{number}]{marker} {text} &\n"));
        0
    }
}

/// Sends SIGCONT to a process group.
pub fn continue_group(group: Pid) {
    // SAFETY: kill takes plain integers.
    unsafe { libc::kill(-group, libc::SIGCONT) };
}

/// What bash prints when a foreground job dies of `signal`: the
/// description, except for SIGINT (just a newline: the terminal showed ^C)
/// and SIGPIPE (nothing).
fn report_signal_death(signal: i32) {
    let text = match signal {
        libc::SIGINT => "\n".to_string(),
        libc::SIGPIPE => return,
        other => format!("{}\n", death_description(other)),
    };
    let _ = super::editor::write_all(2, text.as_bytes());
}
