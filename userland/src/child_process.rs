//! Forking a child that runs a closure, and waiting for children (thin `libc` wrappers).
//!
//! `std::process` covers fork+exec; tests of copy-on-write and of faults need
//! a plain `fork` whose child keeps running our code, and `init` needs
//! `wait4(-1)` to reap children it never spawned.

use std::io;

use crate::wait_status::ChildEnd;

/// A child process id (positive).
pub type Pid = libc::pid_t;

/// Forks; the child runs `child_body` and `_exit`s with what it returns
/// (never unwinding into the parent's code). Returns the child's pid.
pub fn fork_running(child_body: impl FnOnce() -> i32) -> io::Result<Pid> {
    // SAFETY: fork has no memory-safety preconditions; the caller's process
    // is single-threaded in every use here (usertest, init), so the child
    // may run ordinary code, and it leaves through _exit only.
    let pid = unsafe { libc::fork() };
    match pid {
        -1 => Err(io::Error::last_os_error()),
        0 => {
            let code =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(child_body)).unwrap_or(101);
            // SAFETY: _exit ends the child at once; nothing of the parent's runs on.
            unsafe { libc::_exit(code) }
        }
        pid => Ok(pid),
    }
}

/// Waits for child `pid` (or any child with -1), retrying on EINTR.
/// Returns the pid that ended and how.
pub fn wait_for(pid: Pid) -> io::Result<(Pid, ChildEnd)> {
    wait_with_flags(pid, 0).map(|ended| ended.expect("a blocking wait returns a child"))
}

/// Reaps one ended child without blocking: `None` when none has ended yet
/// (or there are no children at all).
pub fn reap_one_if_ended() -> io::Result<Option<(Pid, ChildEnd)>> {
    match wait_with_flags(-1, libc::WNOHANG) {
        Err(error) if error.raw_os_error() == Some(libc::ECHILD) => Ok(None),
        other => other,
    }
}

fn wait_with_flags(pid: Pid, flags: i32) -> io::Result<Option<(Pid, ChildEnd)>> {
    loop {
        let mut status = 0;
        // SAFETY: status is a valid, writable int for the whole call.
        let ended = unsafe { libc::waitpid(pid, &mut status, flags) };
        match ended {
            0 => return Ok(None),
            -1 => {
                let error = io::Error::last_os_error();
                if error.kind() != io::ErrorKind::Interrupted {
                    return Err(error);
                }
            }
            ended => return Ok(Some((ended, ChildEnd::from_raw(status)))),
        }
    }
}

/// Forks a child running `child_body` and waits for it.
pub fn fork_and_wait(child_body: impl FnOnce() -> i32) -> io::Result<ChildEnd> {
    let pid = fork_running(child_body)?;
    wait_for(pid).map(|(_, end)| end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forked_child_reports_its_exit_code() {
        assert_eq!(fork_and_wait(|| 42).unwrap(), ChildEnd::Exited(42));
        assert_eq!(fork_and_wait(|| 0).unwrap(), ChildEnd::Exited(0));
    }

    #[test]
    fn a_panicking_child_exits_101_without_returning_into_the_test() {
        assert_eq!(
            fork_and_wait(|| panic!("child panics on purpose")).unwrap(),
            ChildEnd::Exited(101)
        );
    }

    #[test]
    fn a_child_killed_by_a_signal_is_reported_as_such() {
        let end = fork_and_wait(|| {
            // SAFETY: raise only sends a signal to this (child) process.
            unsafe { libc::raise(libc::SIGKILL) };
            0
        });
        assert_eq!(end.unwrap(), ChildEnd::Signaled(libc::SIGKILL));
    }
}
