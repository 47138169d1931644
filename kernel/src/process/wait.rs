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
    match reap(pid as i64, options & WNOHANG != 0)? {
        None => Ok(0),
        Some(child) => {
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
    if let Some(child) = reap(pid, options & WNOHANG != 0)? {
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

/// Waits for (unless `no_hang`) and removes a zombie child matching `pid`.
fn reap(pid: i64, no_hang: bool) -> Result<Option<Arc<Process>>, Errno> {
    let user = current().ok_or(Errno::ECHILD)?;
    let parent = user.process.clone();
    drop(user);
    loop {
        if let Some(child) = take_zombie(&parent, pid)? {
            return Ok(Some(child));
        }
        if no_hang {
            return Ok(None);
        }
        parent
            .child_exited
            .wait_until_interruptible(|| {
                parent.children.lock().iter().any(|child| matches(child, pid, parent.pid) && child.zombie.load(Ordering::Acquire))
            })
            .map_err(|_| Errno::ERESTARTSYS)?;
    }
}
