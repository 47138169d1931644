//! `sh` interactive under a pseudo-terminal (openpty), driven like a person
//! at the serial console: Ctrl-C ends the foreground job but not the shell,
//! Ctrl-Z stops it (`jobs`, `bg`, `kill %1`), history recall, a 4 KiB
//! paste, ^D exits. Waits are for output text (generous deadline, so a
//! slow machine only makes it slower); keys that must reach a job are
//! re-sent until the job reacts, since the job may not own the terminal yet.

use std::ffi::CString;
use std::time::{Duration, Instant};

const SH: &str = env!("CARGO_BIN_EXE_sh");
const DEADLINE: Duration = Duration::from_secs(60);

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
        let program = CString::new(SH).unwrap();
        let argv = [program.as_ptr(), std::ptr::null()];
        // SAFETY: the child only calls async-signal-safe functions before exec.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            // SAFETY: plain descriptor and session calls, then exec or _exit.
            unsafe {
                libc::setsid();
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

    /// Reads output for at most `limit`; true once `text` has appeared
    /// since the last successful wait (which then forgets the output up to it).
    fn wait_for_within(&mut self, text: &str, limit: Duration) -> bool {
        let start = Instant::now();
        loop {
            if let Some(index) = self.seen.find(text) {
                self.seen.drain(..index + text.len());
                return true;
            }
            let left = limit.saturating_sub(start.elapsed());
            if left.is_zero() {
                return false;
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
                    return self.seen.contains(text);
                }
                self.seen
                    .push_str(&String::from_utf8_lossy(&buffer[..count as usize]));
            }
        }
    }

    fn wait_for(&mut self, text: &str) {
        assert!(
            self.wait_for_within(text, DEADLINE),
            "no {text:?} in the output; it was:\n{}",
            self.seen
        );
    }

    /// Sends `key` until `text` appears (the job may not own the terminal yet).
    fn press_until(&mut self, key: &str, text: &str) {
        let start = Instant::now();
        while start.elapsed() < DEADLINE {
            self.type_text(key);
            if self.wait_for_within(text, Duration::from_secs(1)) {
                return;
            }
        }
        panic!("{key:?} never gave {text:?}; output:\n{}", self.seen);
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
    terminal.type_text("sleep 100\r");
    terminal.wait_for("sleep 100\r\n");
    terminal.press_until("\x03", PROMPT_END);
    terminal.type_text("echo status=$?\r");
    terminal.wait_for("status=130\r\n");
    terminal.type_text("jobs; echo alive\r");
    terminal.wait_for("alive\r\n");
    assert!(
        !terminal.seen.contains("sleep"),
        "no job left: {}",
        terminal.seen
    );
    terminal.wait_for(PROMPT_END);
    terminal.type_text("false\r");
    terminal.wait_for(PROMPT_END);
    terminal.type_text("\x04");
    terminal.wait_for("exit");
    assert_eq!(terminal.wait_exit(), 1, "^D exits with the last status");
}

#[test]
fn ctrl_z_stops_the_job_then_bg_and_kill_percent_one() {
    let mut terminal = Terminal::start();
    terminal.wait_for(PROMPT_END);
    terminal.type_text("sleep 100\r");
    terminal.wait_for("sleep 100\r\n");
    terminal.press_until("\x1a", "[1]+  Stopped                 sleep 100");
    terminal.wait_for(PROMPT_END);
    terminal.type_text("jobs\r");
    terminal.wait_for("[1]+  Stopped                 sleep 100\r\n");
    terminal.type_text("bg\r");
    terminal.wait_for("[1]+ sleep 100 &\r\n");
    terminal.type_text("jobs\r");
    terminal.wait_for("[1]+  Running                 sleep 100 &\r\n");
    terminal.type_text("kill %1\r");
    terminal.wait_for(PROMPT_END);
    terminal.press_until("\r", "[1]+  Terminated              sleep 100");
    terminal.type_text("exit 3\r");
    assert_eq!(terminal.wait_exit(), 3);
}

#[test]
fn history_recall_paste_and_a_mistyped_command() {
    let mut terminal = Terminal::start();
    terminal.wait_for(PROMPT_END);
    terminal.type_text("echo first-$((\r");
    terminal.wait_for("not supported");
    terminal.type_text("nosuchcmd\r");
    terminal.wait_for("sh: nosuchcmd: command not found\r\n");
    terminal.type_text("echo recalled-line\r");
    terminal.wait_for("recalled-line\r\n");
    terminal.wait_for("recalled-line\r\n");
    terminal.type_text("\x1b[A\r");
    terminal.wait_for("echo recalled-line\r\n");
    terminal.wait_for("recalled-line\r\n");
    let pasted: String = (0..4096)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    terminal.type_text(&format!("echo {pasted}\r"));
    terminal.wait_for(&format!("{pasted}\r\n"));
    terminal.type_text("exit\r");
    assert_eq!(terminal.wait_exit(), 0);
}
