//! `ttycheck`: checks of the terminal driven from the other end of the
//! serial line. Each step prints `TTYCHECK READY NAME` when it waits for
//! the person (a QEMU test, `tests/tests/tty.rs`) to type, and one verdict
//! line `TTYCHECK PASS|FAIL NAME: ...`; exit status 0 when all pass. Run it
//! on a terminal of its own (it becomes a session leader and takes its
//! standard input as the controlling terminal). On Linux it passes too,
//! with a person typing what the test types.
//!
//! - `ctty`: a new session has no `/dev/tty` and cannot take the terminal
//!   (TIOCSCTTY); ours (made by init, or here) opens it, and the caller's
//!   group is the foreground group.
//! - `early`: a line typed before the kernel booted arrives whole.
//! - `canonical`: a line typed with an erase comes back edited (`abc`,
//!   DEL, `d`, CR gives `abd\n`).
//! - `eof`: `x` then ^D gives `x`; ^D on an empty line gives end of file.
//! - `raw`: with ICANON off and VMIN 1 one key is read at once; with VMIN 0
//!   and VTIME 2 a read with nothing typed returns 0 after about 0.2 s.
//! - `sigint`, `sigquit`: ^C / ^\ kill the foreground job (a child in its own
//!   group), not this process.
//! - `sigtstp`: ^Z stops the foreground job (`WUNTRACED` says SIGTSTP).
//! - `ttin`: a background job that reads is stopped by SIGTTIN.
//! - `ttou`: with TOSTOP, a background job that writes is stopped by SIGTTOU.
//! - `paste`: 64 lines of 64 bytes pasted at once (4 KiB) all arrive, in order.

use std::io::Write;
use std::time::{Duration, Instant};

/// Lines and bytes per line of the paste (the test sends the same).
const PASTE_LINES: usize = 64;
const PASTE_LINE_BYTES: usize = 64;

type Check = fn() -> Result<String, String>;

const CHECKS: [(&str, Check); 11] = [
    ("ctty", ctty),
    ("early", early),
    ("canonical", canonical),
    ("eof", end_of_file),
    ("raw", raw),
    ("sigint", || foreground_job_signal("sigint", libc::SIGINT)),
    ("sigquit", || foreground_job_signal("sigquit", libc::SIGQUIT)),
    ("sigtstp", sigtstp),
    ("ttin", background_read),
    ("ttou", background_write),
    ("paste", paste),
];

/// The line a paste carries as line `index` (without its CR).
pub fn paste_line(index: usize) -> String {
    let mut line = format!("{index:02}:");
    while line.len() < PASTE_LINE_BYTES - 1 {
        line.push((b'a' + (line.len() % 26) as u8) as char);
    }
    line
}

fn ready(name: &str) {
    println!("TTYCHECK READY {name}");
    let _ = std::io::stdout().flush();
}

fn errno() -> std::io::Error {
    std::io::Error::last_os_error()
}

fn read_stdin(buffer: &mut [u8]) -> Result<usize, String> {
    // SAFETY: reads into a live buffer of the given length.
    let count = unsafe { libc::read(0, buffer.as_mut_ptr().cast(), buffer.len()) };
    usize::try_from(count).map_err(|_| format!("read: {}", errno()))
}

fn termios() -> Result<libc::termios, String> {
    // SAFETY: tcgetattr fills a zeroed termios.
    unsafe {
        let mut settings: libc::termios = std::mem::zeroed();
        if libc::tcgetattr(0, &mut settings) != 0 {
            return Err(format!("tcgetattr: {}", errno()));
        }
        Ok(settings)
    }
}

fn set_termios(settings: &libc::termios) -> Result<(), String> {
    // SAFETY: a termios read by tcgetattr and modified.
    if unsafe { libc::tcsetattr(0, libc::TCSANOW, settings) } != 0 {
        return Err(format!("tcsetattr: {}", errno()));
    }
    Ok(())
}

fn ctty() -> Result<String, String> {
    // A new session has no controlling terminal, and cannot take ours.
    // SAFETY: the child makes plain system calls and exits.
    let outsider = unsafe {
        match libc::fork() {
            -1 => return Err(format!("fork: {}", errno())),
            0 => {
                let new_session = libc::setsid() > 0;
                let no_tty = libc::open(c"/dev/tty".as_ptr(), libc::O_RDWR) < 0;
                let refused = libc::ioctl(0, libc::TIOCSCTTY, 0) != 0;
                libc::_exit(if new_session && no_tty && refused { 0 } else { 1 });
            }
            child => child,
        }
    };
    let status = wait_child(outsider, 0)?;
    if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        return Err(format!("a new session opened /dev/tty or took the terminal (wait status {status:#x})"));
    }
    // SAFETY: plain system calls on this process.
    unsafe {
        // Started by our init, this process leads a session that owns the
        // terminal already; started otherwise, it takes the terminal.
        if libc::getsid(0) != libc::getpid() {
            if libc::setsid() < 0 {
                return Err(format!("setsid: {}", errno()));
            }
            if libc::ioctl(0, libc::TIOCSCTTY, 0) != 0 {
                return Err(format!("TIOCSCTTY: {}", errno()));
            }
        }
        let tty = libc::open(c"/dev/tty".as_ptr(), libc::O_RDWR);
        if tty < 0 {
            return Err(format!("/dev/tty in the session that owns the terminal: {}", errno()));
        }
        libc::close(tty);
        let foreground = libc::tcgetpgrp(0);
        if foreground != libc::getpgrp() {
            return Err(format!("foreground group {foreground}, ours {}", libc::getpgrp()));
        }
        // Like a shell: this process moves jobs in and out of the foreground.
        libc::signal(libc::SIGTTOU, libc::SIG_IGN);
        Ok(format!("a new session has no /dev/tty and cannot take the terminal; ours opens it, foreground group {foreground}"))
    }
}

/// What the test types before the machine has even booted.
const EARLY_LINE: &[u8] = b"typed-before-boot\n";

fn early() -> Result<String, String> {
    ready("early");
    let mut line = [0u8; 64];
    let count = read_stdin(&mut line)?;
    if &line[..count] == EARLY_LINE {
        Ok("a line typed before boot arrived whole".into())
    } else {
        Err(format!("read {:?}", String::from_utf8_lossy(&line[..count])))
    }
}

fn canonical() -> Result<String, String> {
    ready("canonical");
    let mut line = [0u8; 64];
    let count = read_stdin(&mut line)?;
    match &line[..count] {
        b"abd\n" => Ok("read \"abd\\n\" after the erase".into()),
        other => Err(format!("read {:?}", String::from_utf8_lossy(other))),
    }
}

fn end_of_file() -> Result<String, String> {
    ready("eof");
    let mut buffer = [0u8; 64];
    let first = read_stdin(&mut buffer)?;
    if &buffer[..first] != b"x" {
        return Err(format!("first read {:?}", String::from_utf8_lossy(&buffer[..first])));
    }
    let second = read_stdin(&mut buffer)?;
    if second != 0 {
        return Err(format!("second read gave {second} bytes, not end of file"));
    }
    Ok("\"x\" then end of file".into())
}

fn raw() -> Result<String, String> {
    let saved = termios()?;
    let mut settings = saved;
    settings.c_lflag &= !(libc::ICANON | libc::ECHO);
    settings.c_cc[libc::VMIN] = 0;
    settings.c_cc[libc::VTIME] = 2;
    set_termios(&settings)?;
    let started = Instant::now();
    let mut key = [0u8; 8];
    let timed_out = read_stdin(&mut key);
    let waited = started.elapsed();
    settings.c_cc[libc::VMIN] = 1;
    settings.c_cc[libc::VTIME] = 0;
    set_termios(&settings)?;
    ready("raw");
    let count = read_stdin(&mut key);
    set_termios(&saved)?;
    if timed_out != Ok(0) || waited < Duration::from_millis(150) {
        return Err(format!("VMIN 0 VTIME 2 read gave {timed_out:?} after {waited:?}"));
    }
    match count {
        Ok(1) if key[0] == b'q' => Ok(format!("VTIME read returned 0 after {} ms; 'q' read alone", waited.as_millis())),
        other => Err(format!("raw read gave {other:?} {:?}", &key[..other.clone().unwrap_or(0).min(8)])),
    }
}

/// Forks a child in a new process group that runs `body`; returns its pid.
fn fork_job(body: impl FnOnce()) -> Result<libc::pid_t, String> {
    // SAFETY: the child only makes system calls and exits.
    unsafe {
        match libc::fork() {
            -1 => Err(format!("fork: {}", errno())),
            0 => {
                libc::setpgid(0, 0);
                // As a shell does for a job: the parent ignores the
                // job-control signals (see `ctty`), the job must not.
                for signal in [libc::SIGTTIN, libc::SIGTTOU, libc::SIGTSTP] {
                    libc::signal(signal, libc::SIG_DFL);
                }
                body();
                libc::_exit(0)
            }
            child => {
                libc::setpgid(child, child);
                Ok(child)
            }
        }
    }
}

fn wait_child(child: libc::pid_t, options: i32) -> Result<i32, String> {
    let mut status = 0;
    // SAFETY: waits for our own child.
    if unsafe { libc::waitpid(child, &mut status, options) } != child {
        return Err(format!("waitpid: {}", errno()));
    }
    Ok(status)
}

fn give_terminal_to(group: libc::pid_t) -> Result<(), String> {
    // SAFETY: SIGTTOU is ignored (ctty), as a shell does.
    if unsafe { libc::tcsetpgrp(0, group) } != 0 {
        return Err(format!("tcsetpgrp({group}): {}", errno()));
    }
    Ok(())
}

fn take_terminal_back() -> Result<(), String> {
    // SAFETY: getpgrp has no failure mode.
    give_terminal_to(unsafe { libc::getpgrp() })
}

fn sleep_forever() {
    loop {
        // SAFETY: waits for a signal.
        unsafe { libc::pause() };
    }
}

fn foreground_job_signal(name: &str, signal: i32) -> Result<String, String> {
    let child = fork_job(sleep_forever)?;
    give_terminal_to(child)?;
    ready(name);
    let status = wait_child(child, 0)?;
    take_terminal_back()?;
    if libc::WIFSIGNALED(status) && libc::WTERMSIG(status) == signal {
        Ok(format!("the foreground job died of signal {signal}; this process runs on"))
    } else {
        Err(format!("the job ended with wait status {status:#x}"))
    }
}

fn sigtstp() -> Result<String, String> {
    let child = fork_job(sleep_forever)?;
    give_terminal_to(child)?;
    ready("sigtstp");
    let status = wait_child(child, libc::WUNTRACED)?;
    take_terminal_back()?;
    // SAFETY: ends our own child.
    unsafe { libc::kill(child, libc::SIGKILL) };
    let _ = wait_child(child, 0);
    if libc::WIFSTOPPED(status) && libc::WSTOPSIG(status) == libc::SIGTSTP {
        Ok("^Z stopped the foreground job".into())
    } else {
        Err(format!("wait status {status:#x}"))
    }
}

fn stopped_by(child: libc::pid_t, signal: i32, what: &str) -> Result<String, String> {
    let status = wait_child(child, libc::WUNTRACED)?;
    // SAFETY: ends our own child.
    unsafe { libc::kill(child, libc::SIGKILL) };
    let _ = wait_child(child, 0);
    if libc::WIFSTOPPED(status) && libc::WSTOPSIG(status) == signal {
        Ok(format!("a background job that {what} was stopped by signal {signal}"))
    } else {
        Err(format!("the background job that {what} ended with wait status {status:#x}"))
    }
}

fn background_read() -> Result<String, String> {
    let child = fork_job(|| {
        let mut byte = [0u8; 1];
        // SAFETY: reads one byte into a live buffer.
        unsafe { libc::read(0, byte.as_mut_ptr().cast(), 1) };
    })?;
    stopped_by(child, libc::SIGTTIN, "reads")
}

fn background_write() -> Result<String, String> {
    let saved = termios()?;
    let mut settings = saved;
    settings.c_lflag |= libc::TOSTOP;
    set_termios(&settings)?;
    let child = fork_job(|| {
        // SAFETY: writes a static buffer.
        unsafe { libc::write(1, c"background output\n".as_ptr().cast(), 18) };
    })?;
    let verdict = stopped_by(child, libc::SIGTTOU, "writes with TOSTOP");
    set_termios(&saved)?;
    verdict
}

fn paste() -> Result<String, String> {
    let saved = termios()?;
    let mut quiet = saved;
    quiet.c_lflag &= !libc::ECHO;
    set_termios(&quiet)?;
    ready("paste");
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    let mut lines = 0;
    while lines < PASTE_LINES {
        let count = read_stdin(&mut buffer)?;
        if count == 0 {
            break;
        }
        received.extend_from_slice(&buffer[..count]);
        lines = received.iter().filter(|&&byte| byte == b'\n').count();
    }
    set_termios(&saved)?;
    let expected: String = (0..PASTE_LINES).map(|index| paste_line(index) + "\n").collect();
    if received == expected.as_bytes() {
        Ok(format!("{} bytes in {lines} lines, in order", received.len()))
    } else {
        let first_bad = received.iter().zip(expected.as_bytes()).position(|(got, want)| got != want);
        Err(format!("got {} bytes ({lines} lines), expected {}; first difference at {first_bad:?}", received.len(), expected.len()))
    }
}

fn main() {
    let wanted: Vec<String> = std::env::args().skip(1).collect();
    let mut failed = 0;
    for (name, check) in CHECKS {
        if !wanted.is_empty() && !wanted.iter().any(|want| want == name) && name != "ctty" {
            continue;
        }
        match check() {
            Ok(detail) => println!("TTYCHECK PASS {name}: {detail}"),
            Err(reason) => {
                println!("TTYCHECK FAIL {name}: {reason}");
                failed += 1;
            }
        }
    }
    std::process::exit(if failed == 0 { 0 } else { 1 });
}
