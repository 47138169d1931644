//! Process groups as signal targets: `kill(0 | -1 | -pgid)`, the
//! terminal's signals to its foreground group, and the "orphaned group"
//! test that decides whether a background read gets SIGTTIN or EIO.

use super::group_members;
use super::signal::{send_to_process, SignalInfo};
use core::sync::atomic::Ordering;

/// Sends `info` to every live member of `group`; returns how many there were.
pub fn send_to_group(group: u32, info: SignalInfo) -> usize {
    let members = group_members(group);
    for process in &members {
        send_to_process(process, info);
    }
    members.len()
}

/// Whether `group` is orphaned: no member has a parent in another group
/// of the same session (so nobody is left to continue it after a stop).
pub fn is_orphaned(group: u32) -> bool {
    !group_members(group).iter().any(|process| {
        let Some(parent) = process.parent.lock().upgrade() else { return false };
        parent.group.load(Ordering::Relaxed) != group && parent.session.load(Ordering::Relaxed) == process.session.load(Ordering::Relaxed)
    })
}

/// Whether a live process in `session` leads or belongs to `group`.
pub fn exists_in_session(group: u32, session: u32) -> bool {
    group_members(group).iter().any(|process| process.session.load(Ordering::Relaxed) == session)
}
