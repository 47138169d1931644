//! Builtin commands: the ones that must change the shell itself (`cd`,
//! `exit`, `export`, job control...) and a few that bash also has built in.

use super::lexer::is_variable_name;
use super::redirect::error_text;
use super::signal_text::{signal_listing, signal_number};
use super::state::{print_out, report_error, Shell};

/// Builtin names with their one-line help, in `help` order.
pub const BUILTINS: [(&str, &str); 17] = [
    (":", ": - do nothing, successfully"),
    ("bg", "bg [%N] - continue a stopped job in the background"),
    (
        "cd",
        "cd [DIR | -] - change the working directory (default $HOME)",
    ),
    ("echo", "echo [-neE] [ARG...] - print the arguments"),
    (
        "exit",
        "exit [N] - leave the shell with status N (default $?)",
    ),
    (
        "export",
        "export [NAME[=VALUE]...] - give variables to commands (no argument: list them)",
    ),
    ("false", "false - fail"),
    ("fg", "fg [%N] - bring a job to the foreground"),
    ("help", "help - this list"),
    ("history", "history - the lines entered, numbered"),
    ("jobs", "jobs - list background and stopped jobs"),
    (
        "kill",
        "kill [-SIG | -s SIG | -l] PID|%N... - send a signal (default TERM)",
    ),
    ("pwd", "pwd - print the working directory"),
    ("true", "true - succeed"),
    ("unset", "unset NAME... - remove variables"),
    ("wait", "wait [PID|%N...] - wait for background jobs"),
    (
        "type",
        "type NAME... - say whether NAME is a builtin or which program runs",
    ),
];

/// Names completed by Tab (and run by the shell itself).
pub fn builtin_names() -> Vec<&'static str> {
    BUILTINS.iter().map(|(name, _)| *name).collect()
}

/// Whether `name` is a builtin.
pub fn is_builtin(name: &str) -> bool {
    BUILTINS.iter().any(|(builtin, _)| *builtin == name)
}

impl Shell {
    /// Runs builtin `words[0]`; returns its status.
    pub fn run_builtin(&mut self, words: &[String]) -> i32 {
        let arguments = &words[1..];
        let first = arguments.first().map(String::as_str);
        match words[0].as_str() {
            ":" | "true" => 0,
            "false" => 1,
            "bg" => self.background(first),
            "fg" => self.foreground(first),
            "cd" => self.change_directory(first),
            "echo" => echo(arguments),
            "exit" => self.exit(first),
            "export" => self.export(arguments),
            "help" => help(),
            "history" => i32::from(!print_out(&self.history.listing())),
            "jobs" => self.list_jobs(),
            "kill" => self.kill(arguments),
            "pwd" => print_working_directory(),
            "type" => self.type_of(arguments),
            "unset" => {
                for name in arguments {
                    self.variables.unset(name);
                }
                0
            }
            "wait" => self.wait(arguments),
            other => {
                report_error(&format!("{other}: not a builtin"));
                1
            }
        }
    }

    fn change_directory(&mut self, target: Option<&str>) -> i32 {
        let (directory, announce) = match target {
            None => match self.variables.get("HOME") {
                Some(home) => (home.to_string(), false),
                None => {
                    report_error("cd: HOME not set");
                    return 1;
                }
            },
            Some("-") => match self.variables.get("OLDPWD") {
                Some(old) => (old.to_string(), true),
                None => {
                    report_error("cd: OLDPWD not set");
                    return 1;
                }
            },
            Some(directory) => (directory.to_string(), false),
        };
        let previous = std::env::current_dir().ok();
        if let Err(error) = std::env::set_current_dir(&directory) {
            report_error(&format!("cd: {directory}: {}", error_text(&error)));
            return 1;
        }
        if let Some(previous) = previous {
            self.variables.set("OLDPWD", &previous.to_string_lossy());
        }
        if let Ok(now) = std::env::current_dir() {
            self.variables.set("PWD", &now.to_string_lossy());
            if announce {
                print_out(&format!("{}\n", now.display()));
            }
        }
        0
    }

    fn exit(&mut self, argument: Option<&str>) -> i32 {
        let status = match argument.map(str::parse::<i64>) {
            None => self.last_status,
            Some(Ok(number)) => (number & 0xff) as i32,
            Some(Err(_)) => {
                report_error(&format!(
                    "exit: {}: numeric argument required",
                    argument.unwrap_or_default()
                ));
                2
            }
        };
        let has_stopped = self.jobs.all().any(|job| job.is_stopped());
        if self.has_job_control() && has_stopped && !self.warned_about_stopped_jobs {
            self.warned_about_stopped_jobs = true;
            report_error("exit: there are stopped jobs (exit again to leave anyway)");
            return 1;
        }
        self.exit_requested = Some(status);
        status
    }

    fn export(&mut self, arguments: &[String]) -> i32 {
        if arguments.is_empty() {
            return i32::from(!print_out(&self.variables.export_listing()));
        }
        let mut status = 0;
        for argument in arguments {
            let (name, value) = match argument.split_once('=') {
                Some((name, value)) => (name, Some(value)),
                None => (argument.as_str(), None),
            };
            if is_variable_name(name) {
                self.variables.export(name, value);
            } else {
                report_error(&format!("export: `{argument}': not a valid identifier"));
                status = 1;
            }
        }
        status
    }

    fn list_jobs(&mut self) -> i32 {
        while self.wait_for_any_child(libc::WNOHANG) {}
        let mut text = String::new();
        let mut finished = Vec::new();
        for job in self.jobs.all() {
            text.push_str(&self.jobs.status_line(job, true));
            text.push('\n');
            if job.is_done() {
                finished.push(job.number);
            }
        }
        for number in finished {
            self.jobs.remove(number);
        }
        i32::from(!print_out(&text))
    }

    fn kill(&mut self, arguments: &[String]) -> i32 {
        let mut signal = libc::SIGTERM;
        let mut rest = arguments;
        match rest.first().map(String::as_str) {
            Some("-l") => return i32::from(!print_out(&signal_listing())),
            Some("-s" | "-n") => {
                let Some(name) = rest.get(1) else {
                    report_error("kill: -s: option requires an argument");
                    return 2;
                };
                match signal_number(name) {
                    Some(number) => signal = number,
                    None => {
                        report_error(&format!("kill: {name}: invalid signal specification"));
                        return 1;
                    }
                }
                rest = &rest[2..];
            }
            Some(option) if option.starts_with('-') && option.len() > 1 => {
                match signal_number(&option[1..]) {
                    Some(number) => signal = number,
                    None => {
                        report_error(&format!(
                            "kill: {}: invalid signal specification",
                            &option[1..]
                        ));
                        return 1;
                    }
                }
                rest = &rest[1..];
            }
            _ => {}
        }
        if rest.is_empty() {
            report_error("kill: usage: kill [-s SIGNAL | -SIGNAL] PID | %JOB ... or kill -l");
            return 2;
        }
        let mut status = 0;
        for target in rest {
            if let Err(message) = self.signal_target(target, signal) {
                report_error(&format!("kill: {message}"));
                status = 1;
            }
        }
        status
    }

    /// Sends `signal` to a pid or a `%N` job (its whole process group; a
    /// stopped job also gets SIGCONT so it can act on the signal, as bash does).
    fn signal_target(&mut self, target: &str, signal: i32) -> Result<(), String> {
        if target.starts_with('%') {
            let number = self.jobs.resolve(Some(target))?;
            let job = self
                .jobs
                .get(number)
                .ok_or(format!("{target}: no such job"))?;
            let stopped = job.is_stopped();
            let pids: Vec<i32> = if self.has_job_control() {
                vec![-job.process_group]
            } else {
                job.processes.iter().map(|p| p.pid).collect()
            };
            for pid in pids {
                send_signal(pid, signal).map_err(|e| format!("{target}: {e}"))?;
                if stopped && signal != libc::SIGKILL && signal != libc::SIGCONT {
                    let _ = send_signal(pid, libc::SIGCONT);
                }
            }
            return Ok(());
        }
        let pid: i32 = target
            .parse()
            .map_err(|_| format!("{target}: arguments must be process or job IDs"))?;
        send_signal(pid, signal).map_err(|e| format!("({pid}) - {e}"))
    }

    fn wait(&mut self, arguments: &[String]) -> i32 {
        if arguments.is_empty() {
            loop {
                let running = self.jobs.all().any(|j| !j.is_done() && !j.is_stopped());
                if !running || !self.wait_for_any_child(0) {
                    break;
                }
            }
            let finished: Vec<usize> = self
                .jobs
                .all()
                .filter(|j| j.is_done())
                .map(|j| j.number)
                .collect();
            for number in finished {
                self.jobs.remove(number);
            }
            return 0;
        }
        let mut status = 0;
        for argument in arguments {
            let number = if argument.starts_with('%') {
                self.jobs.resolve(Some(argument))
            } else {
                let pid: Option<i32> = argument.parse().ok();
                self.jobs
                    .all()
                    .find(|j| j.processes.iter().any(|p| Some(p.pid) == pid))
                    .map(|j| j.number)
                    .ok_or(format!("pid {argument} is not a child of this shell"))
            };
            let number = match number {
                Ok(number) => number,
                Err(message) => {
                    report_error(&format!("wait: {message}"));
                    status = 127;
                    continue;
                }
            };
            while self
                .jobs
                .get(number)
                .is_some_and(|j| !j.is_done() && !j.is_stopped())
            {
                if !self.wait_for_any_child(0) {
                    break;
                }
            }
            if let Some(job) = self.jobs.get(number) {
                if job.is_done() {
                    status = i32::from(job.end().shell_code());
                    self.jobs.remove(number);
                } else {
                    status = 128 + libc::SIGTSTP;
                }
            }
        }
        status
    }

    fn type_of(&self, names: &[String]) -> i32 {
        let mut status = 0;
        for name in names {
            if is_builtin(name) {
                print_out(&format!("{name} is a shell builtin\n"));
            } else if let Some(path) =
                super::exec_program::find_program(name, self.variables.get("PATH"))
                    .filter(|p| p.exists())
            {
                print_out(&format!("{name} is {}\n", path.display()));
            } else {
                report_error(&format!("type: {name}: not found"));
                status = 1;
            }
        }
        status
    }
}

fn send_signal(pid: i32, signal: i32) -> Result<(), String> {
    // SAFETY: kill takes plain integers.
    if unsafe { libc::kill(pid, signal) } == -1 {
        return Err(error_text(&std::io::Error::last_os_error()));
    }
    Ok(())
}

fn print_working_directory() -> i32 {
    match std::env::current_dir() {
        Ok(directory) => i32::from(!print_out(&format!("{}\n", directory.display()))),
        Err(error) => {
            report_error(&format!("pwd: {}", error_text(&error)));
            1
        }
    }
}

fn help() -> i32 {
    let mut text = String::from("Builtins of this shell:\n");
    for (_, line) in BUILTINS {
        text.push_str(&format!("  {line}\n"));
    }
    text.push_str(
        "Syntax: ; & && || | < > >> N> N>&M 2>&1, 'quotes' \"quotes\" \\escapes, $VAR ${VAR} $? $$ $! ~\n",
    );
    i32::from(!print_out(&text))
}

/// `echo`: `-n` (no newline), `-e` (backslash escapes), `-E` (none, the default).
fn echo(arguments: &[String]) -> i32 {
    let mut newline = true;
    let mut escapes = false;
    let mut index = 0;
    while let Some(option) = arguments.get(index) {
        let flags = option
            .strip_prefix('-')
            .filter(|f| !f.is_empty() && f.chars().all(|c| "neE".contains(c)));
        let Some(flags) = flags else { break };
        for flag in flags.chars() {
            match flag {
                'n' => newline = false,
                'e' => escapes = true,
                _ => escapes = false,
            }
        }
        index += 1;
    }
    let mut text = arguments[index..].join(" ");
    if escapes {
        match interpret_escapes(&text) {
            (interpreted, true) => {
                text = interpreted;
                newline = false;
            }
            (interpreted, false) => text = interpreted,
        }
    }
    if newline {
        text.push('\n');
    }
    i32::from(!print_out(&text))
}

/// `echo -e` escapes; the flag says `\c` cut the output short.
fn interpret_escapes(text: &str) -> (String, bool) {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('a') => out.push('\x07'),
            Some('b') => out.push('\x08'),
            Some('e') => out.push('\x1b'),
            Some('\\') => out.push('\\'),
            Some('c') => return (out, true),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    (out, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_names_are_known() {
        for name in [
            "cd", "pwd", "exit", "export", "unset", "history", "help", "jobs", "fg", "bg", "wait",
            "kill",
        ] {
            assert!(is_builtin(name), "{name}");
        }
        assert!(!is_builtin("ls"));
        assert!(builtin_names().contains(&"history"));
    }

    #[test]
    fn echo_escapes() {
        assert_eq!(interpret_escapes("a\\tb\\n"), ("a\tb\n".to_string(), false));
        assert_eq!(interpret_escapes("x\\cy"), ("x".to_string(), true));
        assert_eq!(interpret_escapes("\\q\\"), ("\\q\\".to_string(), false));
    }
}
