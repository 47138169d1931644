//! What `init` does as PID 1: run one program, reap every child until it
//! ends (orphans are re-parented to PID 1), report on the console, power off.
//!
//! Power-off convention (for the kernel): `reboot(LINUX_REBOOT_MAGIC1,
//! LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_POWER_OFF, arg)` with `arg` = the
//! program's raw wait status (`exit(N)` gives `N << 8`, death by signal S
//! gives `S`, see `wait_status.rs`). Linux ignores `arg` for POWER_OFF, so
//! the same binary powers Linux off cleanly too. Only PID 1 powers off; run
//! anywhere else (host tests), `init` exits with the program's shell status.

use std::ffi::{OsStr, OsString};
use std::io;
use std::process::Command;

use crate::child_process::{reap_one_if_ended, wait_for, Pid};
use crate::init_plan::{STATUS_NOT_EXECUTABLE, STATUS_NOT_FOUND};
use crate::wait_status::ChildEnd;

/// Runs `program args`, reaping other children meanwhile; returns how it
/// ended. A program that cannot be started counts as
/// `Exited(STATUS_NOT_FOUND / STATUS_NOT_EXECUTABLE)`, with a console line.
pub fn run_and_reap(program: &OsStr, args: &[OsString]) -> ChildEnd {
    let shown = program.to_string_lossy();
    let child = match Command::new(program).args(args).spawn() {
        Ok(child) => child,
        Err(error) => {
            println!("init: cannot run {shown}: {error}");
            return ChildEnd::Exited(status_for_spawn_error(&error));
        }
    };
    let main_pid = child.id() as Pid;
    loop {
        match wait_for(-1) {
            Ok((pid, end)) if pid == main_pid => return end,
            Ok((pid, end)) => println!("init: reaped orphan {pid}: {end}"),
            Err(error) => {
                println!("init: waiting for {shown} failed: {error}");
                return ChildEnd::Exited(u8::MAX);
            }
        }
    }
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
