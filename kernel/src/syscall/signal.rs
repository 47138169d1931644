//! Signal bookkeeping: rt_sigaction, rt_sigprocmask, sigaltstack. The
//! dispositions, masks and alternate stacks are kept exactly (programs
//! read back what they set); delivery to handlers is not built yet, so a
//! fault still ends the process with its default action.

use super::{current_user, SyscallResult};
use crate::uaccess::{read_value, write_value};
use protocol::linux_abi::misc::*;
use protocol::linux_abi::Errno;

/// The kernel's `sigset_t` is 8 bytes.
const SIGSET_BYTES: u64 = 8;
/// Signals that cannot be caught, blocked or ignored.
const UNBLOCKABLE: u64 = (1 << (SIGKILL - 1)) | (1 << (SIGSTOP - 1));
/// `sigaltstack` flags.
const SS_ONSTACK: u64 = 1;
const SS_DISABLE: u64 = 2;
/// Smallest alternate stack (MINSIGSTKSZ).
const MIN_SIGNAL_STACK_BYTES: u64 = 2048;

pub fn rt_sigaction(signal: u64, action: u64, old_action: u64, set_size: u64) -> SyscallResult {
    if set_size != SIGSET_BYTES || signal == 0 || signal > NSIG {
        return Err(Errno::EINVAL);
    }
    let user = current_user()?;
    let new: Option<[u64; 4]> = if action != 0 { Some(read_value(action)?) } else { None };
    if new.is_some() && (signal == SIGKILL || signal == SIGSTOP) {
        return Err(Errno::EINVAL);
    }
    let previous = {
        let mut actions = user.process.signal_actions.lock();
        let slot = &mut actions[(signal - 1) as usize];
        let previous = *slot;
        if let Some(new) = new {
            *slot = new;
        }
        previous
    };
    if old_action != 0 {
        write_value(old_action, &previous)?;
    }
    Ok(0)
}

pub fn rt_sigprocmask(how: u64, set: u64, old_set: u64, set_size: u64) -> SyscallResult {
    if set_size != SIGSET_BYTES {
        return Err(Errno::EINVAL);
    }
    let user = current_user()?;
    let change: Option<u64> = if set != 0 { Some(read_value(set)?) } else { None };
    let previous = user.signal_mask.load(core::sync::atomic::Ordering::Relaxed);
    if let Some(change) = change {
        let mask = match how {
            SIG_BLOCK => previous | change,
            SIG_UNBLOCK => previous & !change,
            SIG_SETMASK => change,
            _ => return Err(Errno::EINVAL),
        };
        user.signal_mask.store(mask & !UNBLOCKABLE, core::sync::atomic::Ordering::SeqCst);
        crate::process::signal::refresh_pending_flag(&user);
    }
    if old_set != 0 {
        write_value(old_set, &previous)?;
    }
    Ok(0)
}

pub fn sigaltstack(stack: u64, old_stack: u64) -> SyscallResult {
    let user = current_user()?;
    // `stack_t`: base (8), flags (4 + 4 padding), size (8).
    let new: Option<[u64; 3]> = if stack != 0 { Some(read_value(stack)?) } else { None };
    if let Some([_, flags, size]) = new {
        let flags = flags & 0xffff_ffff;
        if flags & !SS_DISABLE != 0 {
            return Err(Errno::EINVAL);
        }
        if flags & SS_DISABLE == 0 && size < MIN_SIGNAL_STACK_BYTES {
            return Err(Errno::ENOMEM);
        }
    }
    let previous = {
        let mut current = user.alternate_stack.lock();
        let previous = *current;
        if let Some([base, flags, size]) = new {
            *current = if flags & SS_DISABLE != 0 { [0, SS_DISABLE, 0] } else { [base, 0, size] };
        }
        previous
    };
    if old_stack != 0 {
        let [base, flags, size] = previous;
        let flags = if size == 0 { SS_DISABLE } else { flags & !SS_ONSTACK };
        write_value(old_stack, &[base, flags, size])?;
    }
    Ok(0)
}
