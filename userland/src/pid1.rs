//! What `init` does as PID 1: run one program, reap every child until it
//! ends (orphans are re-parented to PID 1), report on the console, power off.
//!
//! Power-off convention (for the kernel): `reboot(LINUX_REBOOT_MAGIC1,
//! LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_POWER_OFF, arg)` with `arg` = the
//! program's raw wait status (`exit(N)` gives `N << 8`, death by signal S
//! gives `S`, see `wait_status.rs`). Linux ignores `arg` for POWER_OFF, so
//! the same binary powers Linux off cleanly too. Only PID 1 powers off; run
//! anywhere else (host tests), `init` exits with the program's shell status.
//!
//! The program runs in a session of its own with the console as its
//! controlling terminal (`setsid`, then `TIOCSCTTY` on descriptor 0), so a
//! shell can do job control on it. Power requests: SIGUSR2 or SIGTERM to
//! PID 1 (what busybox's `poweroff` sends) makes init ask every process to
//! end (SIGTERM), reap for up to [`POWER_OFF_GRACE`], and power off with
//! status 0.

use std::ffi::{OsStr, OsString};
use std::io;
use std::os::unix::process::CommandExt;
use std::process::Command;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

use crate::child_process::{reap_one_if_ended, Pid};
use crate::init_plan::{STATUS_NOT_EXECUTABLE, STATUS_NOT_FOUND};
use crate::wait_status::ChildEnd;

/// Runs `program args`, reaping other children meanwhile; returns how it
/// ended. A program that cannot be started counts as
/// `Exited(STATUS_NOT_FOUND / STATUS_NOT_EXECUTABLE)`, with a console line.
pub fn run_and_reap(program: &OsStr, args: &[OsString]) -> RunEnd {
    let shown = program.to_string_lossy();
    let mut command = Command::new(program);
    command.args(args);
    // SAFETY: the closure runs in the forked child before exec and calls
    // only async-signal-safe functions (setsid, isatty, ioctl).
    unsafe {
        command.pre_exec(|| {
            become_session_leader_on_console();
            Ok(())
        });
    }
    let child = match command.spawn() {
        Ok(child) => child,
        Err(error) => {
            println!("init: cannot run {shown}: {error}");
            return RunEnd::Program(ChildEnd::Exited(status_for_spawn_error(&error)));
        }
    };
    let main_pid = child.id() as Pid;
    loop {
        if let Some(signal) = power_request() {
            return RunEnd::PowerRequest {
                signal,
                program: main_pid,
            };
        }
        match wait_interruptibly() {
            Ok(Some((pid, end))) if pid == main_pid => return RunEnd::Program(end),
            Ok(Some((pid, end))) => println!("init: reaped orphan {pid}: {end}"),
            Ok(None) => {}
            Err(error) => {
                println!("init: waiting for {shown} failed: {error}");
                return RunEnd::Program(ChildEnd::Exited(u8::MAX));
            }
        }
    }
}

/// Why [`run_and_reap`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunEnd {
    /// The program ended like this.
    Program(ChildEnd),
    /// A power-off was requested with `signal` while `program` (its pid) ran.
    PowerRequest {
        /// The signal that asked.
        signal: i32,
        /// The program's pid.
        program: Pid,
    },
}

/// In the child before exec: a new session, with descriptor 0 (the
/// console) as its controlling terminal when it is a terminal.
fn become_session_leader_on_console() {
    // SAFETY: setsid, isatty and ioctl(TIOCSCTTY) take plain integers and
    // are async-signal-safe; failures leave the child as it was.
    unsafe {
        libc::setsid();
        if libc::isatty(0) == 1 {
            libc::ioctl(0, libc::TIOCSCTTY, 0);
        }
    }
}

/// Signal that asked for a power-off (0: none yet).
static POWER_REQUEST: AtomicI32 = AtomicI32::new(0);

extern "C" fn note_power_request(signal: libc::c_int) {
    POWER_REQUEST.store(signal, Ordering::SeqCst);
}

/// Makes SIGUSR2 and SIGTERM request a power-off (busybox's `poweroff`
/// signals PID 1 with SIGUSR2). Without SA_RESTART, so a blocked wait returns.
pub fn accept_power_requests() {
    for signal in [libc::SIGUSR2, libc::SIGTERM] {
        // SAFETY: sigaction is zeroable plain data; the handler only stores
        // to an atomic, which is async-signal-safe.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = note_power_request as extern "C" fn(libc::c_int) as usize;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut());
        }
    }
}

/// The signal that requested a power-off, if one did.
pub fn power_request() -> Option<i32> {
    match POWER_REQUEST.load(Ordering::SeqCst) {
        0 => None,
        signal => Some(signal),
    }
}

/// Time processes get to end after SIGTERM before a requested power-off.
pub const POWER_OFF_GRACE: Duration = Duration::from_secs(1);

/// Asks every process to end and reaps them for up to [`POWER_OFF_GRACE`]:
/// as PID 1 with `kill(-1, SIGTERM)` (all but PID 1 on Linux); elsewhere
/// (host tests) only `program` is signalled, never the whole machine.
pub fn end_all_processes(program: Pid) {
    let target = if is_pid1() { -1 } else { program };
    // SAFETY: kill takes plain integers.
    unsafe { libc::kill(target, libc::SIGTERM) };
    let deadline = Instant::now() + POWER_OFF_GRACE;
    while Instant::now() < deadline {
        let mut status = 0;
        // SAFETY: status is a valid, writable int; WNOHANG never blocks.
        match unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) } {
            0 => std::thread::sleep(Duration::from_millis(10)),
            -1 if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted => {}
            -1 => return, // ECHILD: every child is gone
            pid => println!("init: {pid} {}", ChildEnd::from_raw(status)),
        }
    }
}

/// One `waitpid(-1)`, returning `Ok(None)` when a signal interrupted it.
fn wait_interruptibly() -> io::Result<Option<(Pid, ChildEnd)>> {
    let mut status = 0;
    // SAFETY: status is a valid, writable int for the whole call.
    let pid = unsafe { libc::waitpid(-1, &mut status, 0) };
    if pid == -1 {
        let error = io::Error::last_os_error();
        if error.kind() == io::ErrorKind::Interrupted {
            return Ok(None);
        }
        return Err(error);
    }
    Ok(Some((pid, ChildEnd::from_raw(status))))
}

/// Reaps children that have already ended, without waiting for the others.
pub fn reap_ended_children() {
    while let Ok(Some((pid, end))) = reap_one_if_ended() {
        println!("init: reaped orphan {pid}: {end}");
    }
}

fn status_for_spawn_error(error: &io::Error) -> u8 {
    match error.kind() {
        io::ErrorKind::NotFound => STATUS_NOT_FOUND,
        _ => STATUS_NOT_EXECUTABLE,
    }
}

/// Off PID 1 (tests on the host), makes this process the reaper of its
/// orphaned descendants (`PR_SET_CHILD_SUBREAPER`), as PID 1 is, so reaping
/// behaves the same. Returns whether that worked (PID 1: always true).
pub fn adopt_orphans() -> bool {
    if is_pid1() {
        return true;
    }
    // SAFETY: PR_SET_CHILD_SUBREAPER takes an integer flag and changes only
    // which process inherits this one's orphans.
    unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1) == 0 }
}

/// True when this process is PID 1.
pub fn is_pid1() -> bool {
    std::process::id() == 1
}

/// Powers the machine off, handing `end` (as a raw wait status) to the
/// kernel; see the module comment. Not PID 1: exits with `end.shell_code()`.
pub fn power_off(end: ChildEnd) -> ! {
    let raw_status = end.to_raw();
    if !is_pid1() {
        println!(
            "init: not PID 1, so exiting with status {} instead of powering off",
            end.shell_code()
        );
        std::process::exit(end.shell_code().into());
    }
    println!("init: powering off (wait status {raw_status:#x})");
    // SAFETY: reboot takes plain integers; as PID 1 the worst outcome is the
    // power-off it asks for, and on failure it returns -1 with errno.
    let result = unsafe {
        libc::syscall(
            libc::SYS_reboot,
            libc::LINUX_REBOOT_MAGIC1,
            libc::LINUX_REBOOT_MAGIC2,
            libc::LINUX_REBOOT_CMD_POWER_OFF,
            libc::c_long::from(raw_status),
        )
    };
    println!(
        "init: reboot(POWER_OFF) returned {result}: {}; exiting instead",
        io::Error::last_os_error()
    );
    std::process::exit(end.shell_code().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Running programs is tested through the `init` binary (tests/init.rs):
    // `wait_for(-1)` here would steal the children of tests running beside it.

    #[test]
    fn unstartable_programs_get_shell_statuses() {
        let not_found = io::Error::from(io::ErrorKind::NotFound);
        assert_eq!(status_for_spawn_error(&not_found), STATUS_NOT_FOUND);
        let denied = io::Error::from(io::ErrorKind::PermissionDenied);
        assert_eq!(status_for_spawn_error(&denied), STATUS_NOT_EXECUTABLE);
    }

    #[test]
    fn tests_never_run_as_pid1() {
        assert!(!is_pid1(), "power_off would really power off");
    }
}
