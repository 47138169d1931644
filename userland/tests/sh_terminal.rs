//! `sh` interactive under a pseudo-terminal (openpty), driven like a person
//! at the serial console: Ctrl-C ends the foreground job but not the shell,
//! Ctrl-Z stops it (`jobs`, `bg`, `kill %1`), history recall, a 4 KiB
//! paste, ^D exits. Waits are for output text (generous deadline, so a
//! slow machine only makes it slower); keys that must reach a job are
//! re-sent until the job reacts, since the job may not own the terminal yet.
//!
//! Every line is typed at a prompt, after the previous command's output
//! and the prompt that follows it, as a person does. Typed ahead while a
//! command runs, a line meets the terminal in cooked mode: the kernel
//! echoes it before the next prompt (a second copy of the text the waits
//! look for), a ^D becomes an end-of-file mark the editor never sees (as
//! with bash on Linux), and a canonical line is cut at 4095 bytes.
//! TEAM_NOTES/shell.md has the investigation.

use std::ffi::CString;
use std::time::{Duration, Instant};

const SH: &str = env!("CARGO_BIN_EXE_sh");
const DEADLINE: Duration = Duration::from_secs(60);
/// Columns the pty reports: wide enough that no echoed line wraps (the
/// editor breaks a line at the window width, which would split the
/// texts the waits look for).
const COLUMNS: u16 = 8192;

/// The shell on the slave side of a pty; we hold the master.
struct Terminal {
    master: i32,
    pid: libc::pid_t,
    seen: String,
}

impl Terminal {
    fn start() -> Terminal {
        let (mut master, mut slave) = (0, 0);
        // SAFETY: two valid int out-pointers; null name, termios and winsize.
        let result = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                std::ptr::null(),
            )
        };
        assert_eq!(result, 0, "openpty");
        let size = libc::winsize {
            ws_row: 24,
            ws_col: COLUMNS,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: TIOCSWINSZ reads the valid winsize given.
        assert_eq!(unsafe { libc::ioctl(master, libc::TIOCSWINSZ, &size) }, 0, "TIOCSWINSZ");
        let root = CString::new("/").unwrap();
        let program = CString::new(SH).unwrap();
        let argv = [program.as_ptr(), std::ptr::null()];
        // SAFETY: the child only calls async-signal-safe functions before exec.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            // SAFETY: plain descriptor and session calls, then exec or _exit.
            unsafe {
                libc::setsid();
                libc::chdir(root.as_ptr());
                libc::ioctl(slave, libc::TIOCSCTTY, 0);
                for fd in 0..3 {
                    libc::dup2(slave, fd);
                }
                libc::close(master);
                libc::close(slave);
                libc::execv(program.as_ptr(), argv.as_ptr());
                libc::_exit(127);
            }
        }
        // SAFETY: the parent does not use the slave side.
        unsafe { libc::close(slave) };
        Terminal {
            master,
            pid,
            seen: String::new(),
        }
    }

    fn type_text(&self, text: &str) {
        let bytes = text.as_bytes();
        // SAFETY: the pointer and length describe `bytes`.
        let written = unsafe { libc::write(self.master, bytes.as_ptr().cast(), bytes.len()) };
        assert_eq!(written, bytes.len() as isize, "write to the pty");
    }

    /// Reads output for at most `limit`; once `text` has appeared since
    /// the last successful wait, returns the output up to and including it
    /// (and forgets it).
    fn wait_for_within(&mut self, text: &str, limit: Duration) -> Option<String> {
        let start = Instant::now();
        loop {
            if let Some(index) = self.seen.find(text) {
                return Some(self.seen.drain(..index + text.len()).collect());
            }
            let left = limit.saturating_sub(start.elapsed());
            if left.is_zero() {
                return None;
            }
            let mut descriptor = libc::pollfd {
                fd: self.master,
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd.
            let ready =
                unsafe { libc::poll(&mut descriptor, 1, left.as_millis().min(1000) as i32) };
            if ready == 1 {
                let mut buffer = [0u8; 4096];
                // SAFETY: reads into the local buffer.
                let count =
                    unsafe { libc::read(self.master, buffer.as_mut_ptr().cast(), buffer.len()) };
                if count <= 0 {
                    let index = self.seen.find(text)?;
                    return Some(self.seen.drain(..index + text.len()).collect());
                }
                self.seen
                    .push_str(&String::from_utf8_lossy(&buffer[..count as usize]));
            }
        }
    }

    /// Types `line` and Enter; call only at a prompt (see the module comment).
    fn enter(&self, line: &str) {
        self.type_text(&format!("{line}\r"));
    }

    /// Waits for `text`, then for the prompt after it: the shell is back
    /// in its editor, ready for the next line.
    fn wait_for_then_prompt(&mut self, text: &str) {
        self.wait_for(text);
        self.wait_for(PROMPT_END);
    }

    /// [`Terminal::wait_for_within`] the deadline, or the test fails.
    fn wait_for(&mut self, text: &str) -> String {
        match self.wait_for_within(text, DEADLINE) {
            Some(output) => output,
            None => panic!("no {text:?} in the output; it was:\n{}", self.seen),
        }
    }

    /// Sends `key` until `text` appears (the job may not own the terminal yet).
    fn press_until(&mut self, key: &str, text: &str) {
        let start = Instant::now();
        while start.elapsed() < DEADLINE {
            self.type_text(key);
            if self.wait_for_within(text, Duration::from_secs(1)).is_some() {
                return;
            }
        }
        panic!("{key:?} never gave {text:?}; output:\n{}", self.seen);
    }

    /// [`Terminal::press_until`], but waits a second before the first key.
    fn press_until_after_a_wait(&mut self, key: &str, text: &str) {
        if self.wait_for_within(text, Duration::from_secs(1)).is_none() {
            self.press_until(key, text);
        }
    }

    fn wait_exit(&mut self) -> i32 {
        let mut status = 0;
        // SAFETY: status is a valid int.
        unsafe { libc::waitpid(self.pid, &mut status, 0) };
        libc::WEXITSTATUS(status)
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        // SAFETY: kill and close take plain integers; the shell is ours.
        unsafe {
            libc::kill(self.pid, libc::SIGKILL);
            libc::close(self.master);
        }
    }
}

const PROMPT_END: &str = " $ ";

#[test]
fn ctrl_c_ends_the_foreground_job_not_the_shell() {
    let mut terminal = Terminal::start();
    terminal.wait_for("[cpu ");
    terminal.wait_for(PROMPT_END);
    terminal.enter("sleep 100");
    terminal.wait_for("sleep 100\r\n");
    terminal.press_until("\x03", PROMPT_END);
    // A ^C re-sent while the shell came back may abandon an empty line at
    // the next prompt ("^C" and another prompt, $? still 130): the unique
    // output below moves past those.
    terminal.enter("echo status=$?");
    terminal.wait_for_then_prompt("status=130\r\n");
    terminal.enter("jobs; echo al\"\"ive");
    // The echo of the line, then what `jobs` printed, then "alive".
    let listed = terminal.wait_for("\r\nalive\r\n");
    assert!(!listed.contains("sleep"), "no job left: {listed}");
    terminal.wait_for(PROMPT_END);
    terminal.enter("false");
    terminal.wait_for(PROMPT_END);
    terminal.type_text("\x04");
    terminal.wait_for("exit");
    assert_eq!(terminal.wait_exit(), 1, "^D exits with the last status");
}

#[test]
fn ctrl_z_stops_the_job_then_bg_and_kill_percent_one() {
    let mut terminal = Terminal::start();
    terminal.wait_for(PROMPT_END);
    terminal.enter("sleep 100");
    terminal.wait_for("sleep 100\r\n");
    terminal.press_until("\x1a", "[1]+  Stopped                 sleep 100");
    terminal.wait_for(PROMPT_END);
    terminal.enter("jobs");
    terminal.wait_for_then_prompt("[1]+  Stopped                 sleep 100\r\n");
    terminal.enter("bg");
    terminal.wait_for_then_prompt("[1]+ sleep 100 &\r\n");
    terminal.enter("jobs");
    terminal.wait_for_then_prompt("[1]+  Running                 sleep 100 &\r\n");
    // The report comes before the prompt after `kill %1` if the shell has
    // reaped the job by then, else before a later one: press Enter until.
    terminal.enter("kill %1");
    terminal.press_until_after_a_wait("\r", "[1]+  Terminated              sleep 100\r\n");
    terminal.wait_for(PROMPT_END);
    terminal.enter("exit 3");
    assert_eq!(terminal.wait_exit(), 3);
}

#[test]
fn history_recall_paste_and_a_mistyped_command() {
    let mut terminal = Terminal::start();
    terminal.wait_for(PROMPT_END);
    terminal.enter("echo first-$((");
    terminal.wait_for_then_prompt("not supported");
    terminal.enter("nosuchcmd");
    terminal.wait_for_then_prompt("sh: nosuchcmd: command not found\r\n");
    terminal.enter("echo recalled-line");
    terminal.wait_for("echo recalled-line\r\n");
    terminal.wait_for_then_prompt("recalled-line\r\n");
    // The up arrow redraws the prompt with the recalled line, then Enter.
    terminal.type_text("\x1b[A\r");
    terminal.wait_for("echo recalled-line\r\n");
    terminal.wait_for_then_prompt("recalled-line\r\n");
    let pasted: String = (0..4096)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    terminal.enter(&format!("echo {pasted}"));
    terminal.wait_for(&format!("echo {pasted}\r\n"));
    terminal.wait_for_then_prompt(&format!("{pasted}\r\n"));
    terminal.enter("exit");
    assert_eq!(terminal.wait_exit(), 0);
}
