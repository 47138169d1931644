//! The terminal's `ioctl`s: settings (`TCGETS`, `TCSETS`, `TCSETSW`,
//! `TCSETSF`), job control (`TIOCSCTTY`, `TIOCNOTTY`, `TIOCGPGRP`,
//! `TIOCSPGRP`, `TIOCGSID`, `TIOCGDEV`), the window size (`TIOCGWINSZ`, `TIOCSWINSZ`,
//! which signals SIGWINCH), queues (`FIONREAD`, `TIOCOUTQ`, `TCFLSH`) and
//! flow (`TCXONC`, `TCSBRK`). Output is written synchronously, so "drain"
//! has nothing to wait for and the output queue is always empty.

use super::foreground::{self, Caller, Ownership};
use super::terminal::{self, publish_output_state, wake_readers, TERMINAL};
use crate::process::process_group;
use crate::process::signal::{SignalInfo, SIGWINCH, SI_KERNEL};
use crate::uaccess::{read_value, write_value, UserPod};
use protocol::linux_abi::termios::*;
use protocol::linux_abi::Errno;

// SAFETY: plain C structs of integers; every bit pattern is valid.
unsafe impl UserPod for Termios {}
// SAFETY: as above.
unsafe impl UserPod for Winsize {}

/// Handles `ioctl(fd, request, argument)` on a terminal.
pub fn handle(request: u64, argument: u64) -> Result<u64, Errno> {
    let caller = foreground::caller();
    match request {
        TCGETS => {
            let termios = TERMINAL.state.lock().discipline.termios();
            write_value(argument, &termios).map(|()| 0)
        }
        TCSETS | TCSETSW | TCSETSF => {
            let termios: Termios = read_value(argument)?;
            check_settings_change(&caller)?;
            let mut state = TERMINAL.state.lock();
            if request == TCSETSF {
                state.discipline.flush_input();
            }
            state.discipline.set_termios(termios);
            publish_output_state(&state);
            drop(state);
            wake_readers();
            Ok(0)
        }
        TIOCGWINSZ => {
            let winsize = TERMINAL.state.lock().winsize;
            write_value(argument, &winsize).map(|()| 0)
        }
        TIOCSWINSZ => {
            let winsize: Winsize = read_value(argument)?;
            let (changed, foreground) = {
                let mut state = TERMINAL.state.lock();
                let changed = state.winsize != winsize;
                state.winsize = winsize;
                (changed, state.ownership.foreground)
            };
            if let (true, Some(group)) = (changed, foreground) {
                process_group::send_to_group(group, SignalInfo { signal: SIGWINCH, code: SI_KERNEL, address: 0, sender_pid: 0 });
            }
            Ok(0)
        }
        FIONREAD => {
            let available = TERMINAL.state.lock().discipline.available() as i32;
            write_value(argument, &available).map(|()| 0)
        }
        TIOCOUTQ => write_value(argument, &0i32).map(|()| 0),
        TCFLSH => {
            check_settings_change(&caller)?;
            match argument {
                TCIFLUSH | TCIOFLUSH => {
                    TERMINAL.state.lock().discipline.flush_input();
                    Ok(0)
                }
                TCOFLUSH => Ok(0),
                _ => Err(Errno::EINVAL),
            }
        }
        TCSBRK => Ok(0),
        TCXONC => flow(&caller, argument),
        TIOCGDEV => write_value(argument, &super::TERMINAL_DEVICE_NUMBER).map(|()| 0),
        TIOCSCTTY => set_controlling(&caller, argument),
        TIOCNOTTY => give_up_controlling(&caller),
        TIOCGPGRP | TIOCGSID => {
            let caller = caller.ok_or(Errno::ENOTTY)?;
            let ownership = terminal::ownership();
            if !ownership.controls(&caller) {
                return Err(Errno::ENOTTY);
            }
            let value = if request == TIOCGPGRP { ownership.foreground } else { ownership.session };
            // A session with the terminal always has a foreground group;
            // Linux reports a large id when that group has gone.
            write_value(argument, &(value.unwrap_or(i32::MAX as u32) as i32)).map(|()| 0)
        }
        TIOCSPGRP => {
            let caller_ref = caller.as_ref().ok_or(Errno::ENOTTY)?;
            if !terminal::ownership().controls(caller_ref) {
                return Err(Errno::ENOTTY);
            }
            check_settings_change(&caller)?;
            let group: i32 = read_value(argument)?;
            let group = u32::try_from(group).map_err(|_| Errno::EINVAL)?;
            let session = terminal::ownership().session.ok_or(Errno::ENOTTY)?;
            if !process_group::exists_in_session(group, session) {
                return Err(Errno::EPERM);
            }
            TERMINAL.state.lock().ownership.foreground = Some(group);
            Ok(0)
        }
        _ => Err(Errno::ENOTTY),
    }
}

/// A settings change from the background stops the caller's group
/// (SIGTTOU), unless it ignores or blocks that signal.
fn check_settings_change(caller: &Option<Caller>) -> Result<(), Errno> {
    match caller {
        Some(caller) => foreground::check_output_or_settings(terminal::ownership(), caller),
        None => Ok(()),
    }
}

/// `TCXONC`: stop or restart output, or send STOP/START to the other end.
fn flow(caller: &Option<Caller>, action: u64) -> Result<u64, Errno> {
    check_settings_change(caller)?;
    let mut state = TERMINAL.state.lock();
    match action {
        TCOOFF | TCOON => {
            state.discipline.set_output_stopped(action == TCOOFF);
            publish_output_state(&state);
        }
        TCIOFF | TCION => {
            let slot = if action == TCIOFF { VSTOP } else { VSTART };
            let character = state.discipline.termios().c_cc[slot];
            drop(state);
            crate::console::write_bytes(&[character]);
        }
        _ => return Err(Errno::EINVAL),
    }
    Ok(0)
}

/// `TIOCSCTTY`: a session leader without a terminal takes this one; with
/// `argument` 1 it takes it from another session (as root may).
fn set_controlling(caller: &Option<Caller>, argument: u64) -> Result<u64, Errno> {
    let caller = caller.as_ref().ok_or(Errno::EPERM)?;
    if caller.pid != caller.session {
        return Err(Errno::EPERM);
    }
    let previous_foreground = {
        let mut state = TERMINAL.state.lock();
        match state.ownership.session {
            Some(session) if session == caller.session => return Ok(0),
            Some(_) if argument != 1 => return Err(Errno::EPERM),
            _ => {}
        }
        let previous = state.ownership.foreground;
        state.ownership = Ownership { session: Some(caller.session), foreground: Some(caller.group) };
        previous
    };
    // Stolen: the old session loses its terminal as on a hangup.
    if let Some(group) = previous_foreground {
        terminal::hang_up(group);
    }
    Ok(0)
}

/// `TIOCNOTTY`: the caller gives up its controlling terminal. For the
/// session leader that releases the terminal and hangs up the foreground
/// group; for other members the terminal stays the session's (this kernel
/// keeps the controlling terminal per session, not per process).
fn give_up_controlling(caller: &Option<Caller>) -> Result<u64, Errno> {
    let caller = caller.as_ref().ok_or(Errno::ENOTTY)?;
    if !terminal::ownership().controls(caller) {
        return Err(Errno::ENOTTY);
    }
    if terminal::is_owning_leader(caller) {
        terminal::session_leader_exited(caller.session);
    }
    Ok(0)
}
