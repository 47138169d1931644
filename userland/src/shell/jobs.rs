//! The job table: each pipeline started by the shell is a job (one process
//! group under job control), numbered from 1, shown like bash.

use crate::child_process::Pid;
use crate::wait_status::ChildEnd;

use super::signal_text::{death_description, stop_description};

/// Where a process of a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessState {
    /// Running (or runnable).
    Running,
    /// Stopped by this signal.
    Stopped(i32),
    /// Gone; how it ended.
    Ended(ChildEnd),
}

/// One process of a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobProcess {
    /// Its pid.
    pub pid: Pid,
    /// Its last known state.
    pub state: ProcessState,
}

/// A job: a pipeline's processes.
#[derive(Debug, Clone)]
pub struct Job {
    /// `%N`.
    pub number: usize,
    /// Its process group (the first process's pid).
    pub process_group: Pid,
    /// The processes, in pipeline order.
    pub processes: Vec<JobProcess>,
    /// The command as typed.
    pub text: String,
    /// Terminal modes it had when it stopped (restored by `fg`).
    pub saved_modes: Option<libc::termios>,
    /// Higher is more recent (started in the background or stopped).
    recency: u64,
}

impl Job {
    /// Every process has ended.
    pub fn is_done(&self) -> bool {
        self.processes
            .iter()
            .all(|p| matches!(p.state, ProcessState::Ended(_)))
    }

    /// No process runs and at least one is stopped.
    pub fn is_stopped(&self) -> bool {
        !self.is_done()
            && self
                .processes
                .iter()
                .all(|p| !matches!(p.state, ProcessState::Running))
    }

    /// How the job ended: as its last process did.
    pub fn end(&self) -> ChildEnd {
        match self.processes.last().map(|p| p.state) {
            Some(ProcessState::Ended(end)) => end,
            _ => ChildEnd::Exited(0),
        }
    }

    /// The stop signal, if stopped.
    fn stop_signal(&self) -> Option<i32> {
        self.processes.iter().find_map(|p| match p.state {
            ProcessState::Stopped(signal) => Some(signal),
            _ => None,
        })
    }

    /// `Running`, `Stopped`, `Done`, `Exit 3`, `Terminated`... as bash's `jobs` shows it.
    pub fn state_text(&self) -> String {
        if self.is_done() {
            return match self.end() {
                ChildEnd::Exited(0) => "Done".to_string(),
                ChildEnd::Exited(code) => format!("Exit {code}"),
                ChildEnd::Signaled(signal) => death_description(signal),
                ChildEnd::Other(_) => "Done".to_string(),
            };
        }
        match self.stop_signal() {
            Some(signal) if self.is_stopped() => stop_description(signal).to_string(),
            _ => "Running".to_string(),
        }
    }

    /// Marks every process running again (after SIGCONT).
    pub fn mark_continued(&mut self) {
        for process in &mut self.processes {
            if matches!(process.state, ProcessState::Stopped(_)) {
                process.state = ProcessState::Running;
            }
        }
    }
}

/// All jobs not yet reported finished.
#[derive(Debug, Default)]
pub struct JobTable {
    jobs: Vec<Job>,
    clock: u64,
}

impl JobTable {
    /// An empty table.
    pub fn new() -> JobTable {
        JobTable::default()
    }

    /// Adds a job; returns its number (one more than the highest in use).
    pub fn add(&mut self, process_group: Pid, pids: &[Pid], text: &str) -> usize {
        let number = self.jobs.iter().map(|j| j.number).max().unwrap_or(0) + 1;
        self.clock += 1;
        self.jobs.push(Job {
            number,
            process_group,
            processes: pids
                .iter()
                .map(|&pid| JobProcess {
                    pid,
                    state: ProcessState::Running,
                })
                .collect(),
            text: text.to_string(),
            saved_modes: None,
            recency: self.clock,
        });
        number
    }

    /// Job `number`.
    pub fn get(&self, number: usize) -> Option<&Job> {
        self.jobs.iter().find(|j| j.number == number)
    }

    /// Job `number`, to change.
    pub fn get_mut(&mut self, number: usize) -> Option<&mut Job> {
        self.jobs.iter_mut().find(|j| j.number == number)
    }

    /// All jobs, by number.
    pub fn all(&self) -> impl Iterator<Item = &Job> {
        self.jobs.iter()
    }

    /// Makes job `number` the current one (`+`).
    pub fn make_current(&mut self, number: usize) {
        self.clock += 1;
        let clock = self.clock;
        if let Some(job) = self.get_mut(number) {
            job.recency = clock;
        }
    }

    /// Records a `waitpid` result for `pid`; returns the job number it belongs to.
    pub fn record(&mut self, pid: Pid, raw_status: i32) -> Option<usize> {
        let state = if libc::WIFSTOPPED(raw_status) {
            ProcessState::Stopped(libc::WSTOPSIG(raw_status))
        } else if libc::WIFCONTINUED(raw_status) {
            ProcessState::Running
        } else {
            ProcessState::Ended(ChildEnd::from_raw(raw_status))
        };
        let stopped = matches!(state, ProcessState::Stopped(_));
        let job = self
            .jobs
            .iter_mut()
            .find(|j| j.processes.iter().any(|p| p.pid == pid))?;
        let number = job.number;
        for process in job.processes.iter_mut().filter(|p| p.pid == pid) {
            process.state = state;
        }
        if stopped {
            self.make_current(number);
        }
        Some(number)
    }

    /// Removes job `number`.
    pub fn remove(&mut self, number: usize) -> Option<Job> {
        let index = self.jobs.iter().position(|j| j.number == number)?;
        Some(self.jobs.remove(index))
    }

    /// Numbers of the current (`+`) and previous (`-`) jobs: the most
    /// recently stopped ones first, then the most recently started.
    fn current_and_previous(&self) -> (Option<usize>, Option<usize>) {
        let mut order: Vec<&Job> = self.jobs.iter().collect();
        order.sort_by_key(|j| (j.is_stopped(), j.recency));
        let mut newest = order.iter().rev().map(|j| j.number);
        (newest.next(), newest.next())
    }

    /// `+`, `-` or ` ` for job `number`.
    pub fn marker(&self, number: usize) -> char {
        match self.current_and_previous() {
            (Some(current), _) if current == number => '+',
            (_, Some(previous)) if previous == number => '-',
            _ => ' ',
        }
    }

    /// The job a spec names: `%N`, `N`, `%%`, `%+`, `%-`, `%prefix`, or none (current).
    pub fn resolve(&self, spec: Option<&str>) -> Result<usize, String> {
        let (current, previous) = self.current_and_previous();
        let spec_text = spec.unwrap_or("%+");
        let body = spec_text.strip_prefix('%').unwrap_or(spec_text);
        let found = match body {
            "" | "%" | "+" => current,
            "-" => previous.or(current),
            digits if digits.bytes().all(|b| b.is_ascii_digit()) => {
                digits.parse().ok().filter(|&n| self.get(n).is_some())
            }
            prefix => {
                let matching: Vec<usize> = self
                    .jobs
                    .iter()
                    .filter(|j| j.text.starts_with(prefix))
                    .map(|j| j.number)
                    .collect();
                if matching.len() > 1 {
                    return Err(format!("{spec_text}: ambiguous job spec"));
                }
                matching.first().copied()
            }
        };
        found.ok_or_else(|| match spec {
            None => "current: no such job".to_string(),
            Some(spec) => format!("{spec}: no such job"),
        })
    }

    /// bash's job line: `[1]+  Stopped                 sleep 100`
    /// (running jobs get ` &` when `show_ampersand`).
    pub fn status_line(&self, job: &Job, show_ampersand: bool) -> String {
        let ampersand = if show_ampersand && !job.is_done() && !job.is_stopped() {
            " &"
        } else {
            ""
        };
        format!(
            "[{}]{}  {:<24}{}{ampersand}",
            job.number,
            self.marker(job.number),
            job.state_text(),
            job.text
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STOPPED_BY_TSTP: i32 = (libc::SIGTSTP << 8) | 0x7f;
    const CONTINUED: i32 = 0xffff;

    #[test]
    fn a_stopped_job_becomes_current_and_shows_like_bash() {
        let mut table = JobTable::new();
        let one = table.add(100, &[100], "stress 4 3");
        let two = table.add(200, &[200], "sleep 100");
        assert_eq!(table.marker(two), '+');
        assert_eq!(table.marker(one), '-');
        assert_eq!(table.record(100, STOPPED_BY_TSTP), Some(one));
        assert!(table.get(one).unwrap().is_stopped());
        assert_eq!(table.marker(one), '+');
        assert_eq!(
            table.status_line(table.get(one).unwrap(), true),
            "[1]+  Stopped                 stress 4 3"
        );
        assert_eq!(
            table.status_line(table.get(two).unwrap(), true),
            "[2]-  Running                 sleep 100 &"
        );
        table.record(100, CONTINUED);
        assert!(!table.get(one).unwrap().is_stopped());
    }

    #[test]
    fn ends_are_described() {
        let mut table = JobTable::new();
        let job = table.add(5, &[5, 6], "a | b");
        table.record(5, libc::SIGPIPE);
        assert!(!table.get(job).unwrap().is_done());
        table.record(6, 3 << 8);
        assert_eq!(table.get(job).unwrap().state_text(), "Exit 3");
        table.record(6, libc::SIGTERM);
        assert_eq!(table.get(job).unwrap().state_text(), "Terminated");
        table.record(6, 0);
        assert_eq!(table.get(job).unwrap().state_text(), "Done");
        assert_eq!(table.record(999, 0), None);
    }

    #[test]
    fn job_specs() {
        let mut table = JobTable::new();
        table.add(1, &[1], "sleep 100");
        table.add(2, &[2], "stress 4 3");
        assert_eq!(table.resolve(Some("%1")), Ok(1));
        assert_eq!(table.resolve(Some("2")), Ok(2));
        assert_eq!(table.resolve(None), Ok(2));
        assert_eq!(table.resolve(Some("%%")), Ok(2));
        assert_eq!(table.resolve(Some("%-")), Ok(1));
        assert_eq!(table.resolve(Some("%sl")), Ok(1));
        assert_eq!(table.resolve(Some("%3")), Err("%3: no such job".into()));
        assert_eq!(
            table.resolve(Some("%s")),
            Err("%s: ambiguous job spec".into())
        );
        table.remove(1);
        table.remove(2);
        assert_eq!(table.resolve(None), Err("current: no such job".into()));
        assert_eq!(
            table.add(3, &[3], "x"),
            1,
            "numbers restart when the table empties"
        );
    }
}
