//! Job control on the terminal: who may read, write and change settings.
//!
//! Only a process whose session owns the terminal (its controlling
//! terminal) is subject to these rules; anyone else uses the device as a
//! plain file. A background process (not in the foreground group) that
//! reads gets SIGTTIN for its group and the read restarts after the
//! group is continued; if it ignores or blocks SIGTTIN, or its group is
//! orphaned, the read fails with EIO. Writing with `TOSTOP` set, and
//! changing settings (`TCSETS*`, `TIOCSPGRP`, `TCFLSH`, ...), send SIGTTOU the
//! same way, except that a process ignoring or blocking SIGTTOU may go
//! ahead (and an orphaned group gets EIO).

use crate::process::signal::{self, SignalInfo, SIGTTIN, SIGTTOU};
use crate::process::{process_group, UserThread};
use alloc::sync::Arc;
use core::sync::atomic::Ordering;
use protocol::linux_abi::Errno;

/// The calling process as the terminal sees it.
pub struct Caller {
    pub user: Arc<UserThread>,
    pub pid: u32,
    pub group: u32,
    pub session: u32,
}

/// The calling process; `None` for kernel threads (never background).
pub fn caller() -> Option<Caller> {
    let user = crate::process::current()?;
    let process = &user.process;
    let (pid, group, session) = (process.pid(), process.group.load(Ordering::Relaxed), process.session.load(Ordering::Relaxed));
    Some(Caller { user, pid, group, session })
}

/// Who owns the terminal: its session and foreground group.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ownership {
    pub session: Option<u32>,
    pub foreground: Option<u32>,
}

impl Ownership {
    /// Whether this is `caller`'s controlling terminal.
    pub fn controls(&self, caller: &Caller) -> bool {
        self.session == Some(caller.session)
    }

    fn in_background(&self, caller: &Caller) -> bool {
        self.controls(caller) && self.foreground != Some(caller.group)
    }
}

/// A read by `caller`: Ok, or SIGTTIN sent (ERESTARTSYS), or EIO.
pub fn check_read(ownership: Ownership, caller: &Caller) -> Result<(), Errno> {
    if !ownership.in_background(caller) {
        return Ok(());
    }
    if signal::ignores_or_blocks(&caller.user, SIGTTIN) || process_group::is_orphaned(caller.group) {
        return Err(Errno::EIO);
    }
    stop_group(caller, SIGTTIN)
}

/// A write (with `TOSTOP`) or a settings change by `caller`.
pub fn check_output_or_settings(ownership: Ownership, caller: &Caller) -> Result<(), Errno> {
    if !ownership.in_background(caller) || signal::ignores_or_blocks(&caller.user, SIGTTOU) {
        return Ok(());
    }
    if process_group::is_orphaned(caller.group) {
        return Err(Errno::EIO);
    }
    stop_group(caller, SIGTTOU)
}

fn stop_group(caller: &Caller, signal: u64) -> Result<(), Errno> {
    process_group::send_to_group(caller.group, SignalInfo { signal, code: signal::SI_KERNEL, address: 0, sender_pid: 0 });
    Err(Errno::ERESTARTSYS)
}
