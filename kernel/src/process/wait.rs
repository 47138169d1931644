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
    let pid = pid as i64;
    let user = current().ok_or(Errno::ECHILD)?;
    let parent = user.process.clone();
    drop(user);
    let child = loop {
        if let Some(child) = take_zombie(&parent, pid)? {
            break child;
        }
        if options & WNOHANG != 0 {
            return Ok(0);
        }
        parent
            .child_exited
            .wait_until_interruptible(|| {
                parent.children.lock().iter().any(|child| matches(child, pid, parent.pid) && child.zombie.load(Ordering::Acquire))
            })
            .map_err(|_| Errno::ERESTARTSYS)?;
    };
    if status_address != 0 {
        crate::uaccess::write_value(status_address, &child.exit_status.load(Ordering::Acquire))?;
    }
    if rusage_address != 0 {
        crate::uaccess::copy_to_user(rusage_address, &[0u8; RUSAGE_BYTES])?;
    }
    Ok(u64::from(child.pid))
}
