//! `clone`, `fork`, `vfork`: new threads of the caller's process
//! (`CLONE_THREAD`, the flags musl and glibc use for `pthread_create`);
//! new processes that share the caller's memory until they `execve`
//! (`CLONE_VM`, with `CLONE_VFORK` the parent waits until then: what
//! `posix_spawn` and Rust's `Command` use); and new processes with a
//! copy-on-write copy of the caller's memory (`fork`, no `CLONE_VM`).
//!
//! The child starts in ring 3 with the caller's registers (RAX = 0, RSP =
//! the new stack if one was given) and a copy of its FPU state and FS/GS
//! base (FS = the `tls` argument with `CLONE_SETTLS`).

use super::{current, Process, UserThread};
use alloc::sync::Arc;
use arch::interrupt_frame::InterruptFrame;
use core::sync::atomic::Ordering;
use protocol::linux_abi::Errno;

pub const CLONE_VM: u64 = 0x0000_0100;
pub const CLONE_FS: u64 = 0x0000_0200;
pub const CLONE_FILES: u64 = 0x0000_0400;
pub const CLONE_SIGHAND: u64 = 0x0000_0800;
pub const CLONE_VFORK: u64 = 0x0000_4000;
pub const CLONE_PARENT: u64 = 0x0000_8000;
pub const CLONE_THREAD: u64 = 0x0001_0000;
pub const CLONE_SYSVSEM: u64 = 0x0004_0000;
pub const CLONE_SETTLS: u64 = 0x0008_0000;
pub const CLONE_PARENT_SETTID: u64 = 0x0010_0000;
pub const CLONE_CHILD_CLEARTID: u64 = 0x0020_0000;
pub const CLONE_DETACHED: u64 = 0x0040_0000;
pub const CLONE_CHILD_SETTID: u64 = 0x0100_0000;
/// The low byte: the signal sent to the parent when the child exits.
const EXIT_SIGNAL_MASK: u64 = 0xff;
const KNOWN_FLAGS: u64 = CLONE_VM
    | CLONE_FS
    | CLONE_FILES
    | CLONE_SIGHAND
    | CLONE_VFORK
    | CLONE_PARENT
    | CLONE_THREAD
    | CLONE_SYSVSEM
    | CLONE_SETTLS
    | CLONE_PARENT_SETTID
    | CLONE_CHILD_CLEARTID
    | CLONE_DETACHED
    | CLONE_CHILD_SETTID
    | EXIT_SIGNAL_MASK;

/// The arguments of `clone` (x86_64 order: flags, stack, parent_tid,
/// child_tid, tls).
#[derive(Clone, Copy, Debug)]
pub struct CloneRequest {
    pub flags: u64,
    pub stack: u64,
    pub parent_tid: u64,
    pub child_tid: u64,
    pub tls: u64,
}

pub fn clone(request: CloneRequest, frame: &InterruptFrame) -> Result<u64, Errno> {
    let flags = request.flags;
    if flags & !KNOWN_FLAGS != 0 {
        return Err(Errno::EINVAL);
    }
    // Linux's consistency rules.
    if (flags & CLONE_THREAD != 0 && flags & CLONE_SIGHAND == 0) || (flags & CLONE_SIGHAND != 0 && flags & CLONE_VM == 0) {
        return Err(Errno::EINVAL);
    }
    let user = current().ok_or(Errno::EPERM)?;
    let state = crate::sched::with_current_thread(|thread| {
        // SAFETY: the calling thread's own state.
        thread.user_state().map(|state| unsafe { state.duplicate_running() })
    })
    .flatten()
    .flatten()
    .ok_or(Errno::ENOMEM)?;
    let mut state = state;
    if flags & CLONE_SETTLS != 0 {
        if !arch::syscall::is_user_address(request.tls) {
            return Err(Errno::EPERM);
        }
        state.set_fs_base_before_start(request.tls);
    }
    let mut child_frame = frame.clone();
    child_frame.rax = 0;
    if request.stack != 0 {
        child_frame.rsp = request.stack;
    }

    let parent_process = user.process.clone();
    if flags & CLONE_THREAD == 0 {
        let limit = parent_process.limits.lock()[protocol::linux_abi::misc::RLIMIT_NPROC as usize][0].min(super::MAX_PROCESSES);
        if super::all().iter().filter(|process| !super::is_zombie(process)).count() as u64 >= limit {
            return Err(Errno::EAGAIN);
        }
    }
    let id = crate::thread::allocate_id();
    let parent_memory = parent_process.memory()?;
    let memory = if flags & CLONE_VM != 0 { parent_memory } else { Arc::new(parent_memory.fork()?) };
    let space = memory.clone();
    let (child_user, child_process) = if flags & CLONE_THREAD != 0 {
        parent_process.live_threads.fetch_add(1, Ordering::AcqRel);
        (UserThread::new(parent_process.clone()), None)
    } else {
        let files = parent_process.files.lock().clone();
        let child = Process::with_shared_memory(id, Arc::downgrade(&parent_process), parent_process.name(), memory, files);
        *child.signal_actions.lock() = *parent_process.signal_actions.lock();
        *child.cwd.lock() = parent_process.cwd.lock().clone();
        *child.limits.lock() = *parent_process.limits.lock();
        child.group.store(parent_process.group.load(Ordering::Relaxed), Ordering::Relaxed);
        child.session.store(parent_process.session.load(Ordering::Relaxed), Ordering::Relaxed);
        *child.command_line.lock() = parent_process.command_line.lock().clone();
        *child.executable.lock() = parent_process.executable.lock().clone();
        child.umask.store(parent_process.umask.load(Ordering::Relaxed), Ordering::Relaxed);
        parent_process.children.lock().push(child.clone());
        (UserThread::new(child.clone()), Some(child))
    };
    child_user.signal_mask.store(user.signal_mask.load(Ordering::Relaxed), Ordering::Relaxed);
    // fork and vfork children inherit the alternate signal stack; threads
    // (CLONE_VM without CLONE_VFORK) start without one, as on Linux.
    if flags & CLONE_VM == 0 || flags & CLONE_VFORK != 0 {
        *child_user.alternate_stack.lock() = *user.alternate_stack.lock();
    }
    if flags & CLONE_CHILD_CLEARTID != 0 {
        child_user.clear_child_tid.store(request.child_tid, Ordering::Relaxed);
    }
    if flags & CLONE_PARENT_SETTID != 0 {
        crate::uaccess::write_value(request.parent_tid, &id)?;
    }
    // Into the child's memory: the shared one, or (fork) the copy, which
    // the child writes itself before it returns to ring 3.
    let set_child_tid = flags & CLONE_CHILD_SETTID != 0;
    if set_child_tid && flags & CLONE_VM != 0 {
        crate::uaccess::write_value(request.child_tid, &id)?;
    }
    let child_tid_address = (set_child_tid && flags & CLONE_VM == 0).then_some(request.child_tid);
    let name = parent_process.name();
    crate::flight_recorder::fork(id, flags);
    let spawned = crate::sched::spawn_user_as(id, name, move || {
        super::attach_current(child_user);
        if let Some(address) = child_tid_address {
            crate::sched::switch_address_space(Some(space.clone()));
            let _ = crate::uaccess::write_value(address, &id);
        }
        // The memory is the process's (shared with the parent, or its
        // copy-on-write copy); the frame is the parent's, which was
        // running in that memory.
        Some(crate::thread::UserStart { space, state, frame: child_frame })
    });
    if spawned.is_err() {
        if let Some(child) = &child_process {
            parent_process.children.lock().retain(|other| !Arc::ptr_eq(other, child));
        } else {
            parent_process.live_threads.fetch_sub(1, Ordering::AcqRel);
        }
        return Err(Errno::EAGAIN);
    }
    if let (Some(child), true) = (&child_process, flags & CLONE_VFORK != 0) {
        child.vfork_waiters.wait_until(|| child.vfork_done.load(Ordering::Acquire));
    }
    Ok(u64::from(id))
}
