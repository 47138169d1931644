//! `wait4`: reaping children. A zombie child matching the request is
//! removed from the children list (its last reference goes with it) and
//! its status written; with none, the caller sleeps on `child_exited`
//! unless `WNOHANG`; with no matching child at all, `ECHILD`.

use super::{current, Process};
use alloc::sync::Arc;
use core::sync::atomic::Ordering;
use protocol::linux_abi::Errno;

/// `wait4` options.
const WNOHANG: u64 = 1;
const WUNTRACED: u64 = 2;
const WCONTINUED: u64 = 8;
const WALL: u64 = 0x4000_0000;
const WCLONE: u64 = 0x8000_0000;
/// `struct rusage` is 144 bytes; no accounting yet, so zeros.
const RUSAGE_BYTES: usize = 144;

fn matches(child: &Process, pid: i64, own_pid: u32) -> bool {
    match pid {
        -1 => true,
        pid if pid > 0 => u64::from(child.pid) == pid as u64,
        // Process groups arrive with sessions: 0 and < -1 mean "in my
        // group", which is every child until then.
        _ => {
            let _ = own_pid;
            true
        }
    }
}

/// Takes a zombie child matching `pid`: `Ok(Some)` found, `Ok(None)` only
/// live ones, `Err(ECHILD)` none at all.
fn take_zombie(parent: &Process, pid: i64) -> Result<Option<Arc<Process>>, Errno> {
    let mut children = parent.children.lock();
    let mut any = false;
    for index in 0..children.len() {
        if !matches(&children[index], pid, parent.pid) {
            continue;
        }
        any = true;
        if children[index].zombie.load(Ordering::Acquire) {
            return Ok(Some(children.swap_remove(index)));
        }
    }
    if any { Ok(None) } else { Err(Errno::ECHILD) }
}

pub fn wait4(pid: u64, status_address: u64, options: u64, rusage_address: u64) -> Result<u64, Errno> {
    if options & !(WNOHANG | WUNTRACED | WCONTINUED | WALL | WCLONE) != 0 {
        return Err(Errno::EINVAL);
    }
    // `pid` is a `pid_t` (an `int`): glibc passes -1 as 0xffff_ffff.
    match reap(i64::from(pid as u32 as i32), options)? {
        None => Ok(0),
        Some(Reaped::Changed(child, status)) => {
            if status_address != 0 {
                crate::uaccess::write_value(status_address, &status)?;
            }
            Ok(u64::from(child.pid))
        }
        Some(Reaped::Exited(child)) => {
            if status_address != 0 {
                crate::uaccess::write_value(status_address, &child.exit_status.load(Ordering::Acquire))?;
            }
            if rusage_address != 0 {
                crate::uaccess::copy_to_user(rusage_address, &[0u8; RUSAGE_BYTES])?;
            }
            Ok(u64::from(child.pid))
        }
    }
}

/// `waitid(idtype, id, infop, options)`: P_ALL or P_PID, WEXITED.
pub fn waitid(id_type: u64, id: u64, info_address: u64, options: u64) -> Result<u64, Errno> {
    const P_ALL: u64 = 0;
    const P_PID: u64 = 1;
    const P_PGID: u64 = 2;
    const WEXITED: u64 = 4;
    const WNOWAIT: u64 = 0x0100_0000;
    const CLD_EXITED: i32 = 1;
    const CLD_KILLED: i32 = 2;
    const SIGCHLD: i32 = 17;
    if options & WEXITED == 0 || options & WNOWAIT != 0 {
        return Err(Errno::EINVAL); // only reaping waits for exits
    }
    let pid = match id_type {
        P_ALL | P_PGID => -1,
        P_PID => id as i64,
        _ => return Err(Errno::EINVAL),
    };
    let mut info = [0u8; 128];
    if let Some(Reaped::Exited(child)) = reap(pid, options & (WNOHANG | WALL | WCLONE))? {
        let status = child.exit_status.load(Ordering::Acquire);
        let (code, value) = if status & 0x7f == 0 { (CLD_EXITED, (status >> 8) & 0xff) } else { (CLD_KILLED, status & 0x7f) };
        info[0..4].copy_from_slice(&SIGCHLD.to_le_bytes());
        info[8..12].copy_from_slice(&code.to_le_bytes());
        info[16..20].copy_from_slice(&child.pid.to_le_bytes());
        info[24..28].copy_from_slice(&value.to_le_bytes());
    }
    if info_address != 0 {
        crate::uaccess::copy_to_user(info_address, &info)?;
    }
    Ok(0)
}

/// What `reap` found.
enum Reaped {
    /// A zombie, removed from the children.
    Exited(Arc<Process>),
    /// A stop (`WUNTRACED`) or continue (`WCONTINUED`) and its status.
    Changed(Arc<Process>, u32),
}

/// A stopped or continued child matching `pid` the options ask about.
fn take_change(parent: &Process, pid: i64, options: u64) -> Option<(Arc<Process>, u32)> {
    /// `wait4`'s status of a continued child.
    const CONTINUED_STATUS: u32 = 0xffff;
    let children = parent.children.lock();
    for child in children.iter().filter(|child| matches(child, pid, parent.pid)) {
        if options & WUNTRACED != 0 {
            if let Some(status) = super::job_control::take_stop_report(child) {
                return Some((child.clone(), status));
            }
        }
        if options & WCONTINUED != 0 && super::job_control::take_continue_report(child) {
            return Some((child.clone(), CONTINUED_STATUS));
        }
    }
    None
}

/// Waits for (unless `WNOHANG`) and removes a zombie child matching
/// `pid`, or reports a stop or continue the options ask for.
fn reap(pid: i64, options: u64) -> Result<Option<Reaped>, Errno> {
    let no_hang = options & WNOHANG != 0;
    let user = current().ok_or(Errno::ECHILD)?;
    let parent = user.process.clone();
    drop(user);
    loop {
        if let Some(child) = take_zombie(&parent, pid)? {
            return Ok(Some(Reaped::Exited(child)));
        }
        if let Some((child, status)) = take_change(&parent, pid, options) {
            return Ok(Some(Reaped::Changed(child, status)));
        }
        if no_hang {
            return Ok(None);
        }
        parent
            .child_exited
            .wait_until_interruptible(|| {
                parent.children.lock().iter().any(|child| {
                    matches(child, pid, parent.pid)
                        && (child.zombie.load(Ordering::Acquire)
                            || (options & WUNTRACED != 0 && child.stop_report.load(Ordering::Acquire) != 0)
                            || (options & WCONTINUED != 0 && child.continue_report.load(Ordering::Acquire)))
                })
            })
            .map_err(|_| Errno::ERESTARTSYS)?;
    }
}
