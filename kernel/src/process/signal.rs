//! Signals: sending (to a process or one thread), and delivery before a
//! thread returns to ring 3: the default action (terminate or ignore; stop
//! and continue arrive with job control), or a handler run on a signal
//! frame (TEAM_NOTES/signal-frame.md) that `rt_sigreturn` takes apart.
//!
//! A signal sent to a thread running on another CPU reaches it at its next
//! interrupt or system call (the 100 Hz tick bounds the wait); a thread
//! blocked in the kernel sees it when it wakes (interrupting blocking calls
//! with EINTR is not built yet).

use super::{current, Process, UserThread};
use crate::uaccess::{copy_from_user, copy_to_user};
use alloc::sync::{Arc, Weak};
use alloc::vec;
use alloc::vec::Vec;
use arch::interrupt_frame::InterruptFrame;
use core::sync::atomic::Ordering;
use protocol::linux_abi::Errno;

pub const SIGILL: u64 = 4;
pub const SIGTRAP: u64 = 5;
pub const SIGBUS: u64 = 7;
pub const SIGFPE: u64 = 8;
pub const SIGKILL: u64 = 9;
pub const SIGSEGV: u64 = 11;
pub const SIGPIPE: u64 = 13;
pub const SIGCHLD: u64 = 17;
pub const SIGCONT: u64 = 18;
pub const SIGSTOP: u64 = 19;
pub const SIGTSTP: u64 = 20;
pub const SIGTTIN: u64 = 21;
pub const SIGTTOU: u64 = 22;
pub const SIGURG: u64 = 23;
pub const SIGWINCH: u64 = 28;
/// Highest signal number.
pub const SIGNAL_COUNT: u64 = 64;

/// `sa_handler` values.
const SIG_DFL: u64 = 0;
const SIG_IGN: u64 = 1;
/// `sa_flags`.
const SA_ONSTACK: u64 = 0x0800_0000;
const SA_RESTORER: u64 = 0x0400_0000;
const SA_NODEFER: u64 = 0x4000_0000;
const SA_RESETHAND: u64 = 0x8000_0000;
const SA_RESTART: u64 = 0x1000_0000;
/// `si_code` values.
pub const SI_USER: i32 = 0;
pub const SI_TKILL: i32 = -6;
pub const SEGV_MAPERR: i32 = 1;
pub const SEGV_ACCERR: i32 = 2;
pub const ILL_ILLOPN: i32 = 2;
pub const FPE_INTDIV: i32 = 1;
pub const TRAP_BRKPT: i32 = 1;
pub const BUS_ADRALN: i32 = 1;
/// Sent by the kernel (a #GP, which has no address).
pub const SI_KERNEL: i32 = 0x80;
/// `sigaltstack` flag: the thread is running on it.
const SS_ONSTACK: u64 = 1;
/// Bytes below the user RSP a signal frame must leave alone.
const RED_ZONE_BYTES: u64 = 128;
/// RFLAGS bits a handler starts without: TF, DF, RF.
const HANDLER_CLEARED_FLAGS: u64 = (1 << 8) | (1 << 10) | (1 << 16);

/// What travels with a pending signal (the fields of `siginfo_t` we fill).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignalInfo {
    pub signal: u64,
    pub code: i32,
    /// Faulting address (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP).
    pub address: u64,
    /// Sender (kill, tgkill).
    pub sender_pid: u32,
}

fn bit(signal: u64) -> u64 {
    1 << (signal - 1)
}

/// Signals that can be neither caught, blocked nor ignored.
pub const UNBLOCKABLE: u64 = (1 << (SIGKILL - 1)) | (1 << (SIGSTOP - 1));

/// Whether a signal's default action is to be ignored.
fn ignored_by_default(signal: u64) -> bool {
    // Stop and continue are ignored until job control exists.
    matches!(signal, SIGCHLD | SIGURG | SIGWINCH | SIGCONT | SIGSTOP | SIGTSTP | SIGTTIN | SIGTTOU)
}

/// Queues `info` for the whole process (any thread not blocking it takes
/// it) and interrupts the waits of the threads that could.
pub fn send_to_process(process: &Process, info: SignalInfo) {
    if is_ignored(process, info.signal) && super::threads_of(process).iter().all(|thread| !blocks(thread, info.signal)) {
        return; // discarded at once, as on Linux
    }
    {
        let mut pending = process.pending_signals.lock();
        if !pending.iter().any(|queued| queued.signal == info.signal) {
            pending.push(info);
        }
    }
    for thread in super::threads_of(process) {
        interrupt_if_unblocked(&thread, info.signal);
    }
}

/// Queues `info` for one thread and interrupts its wait, if any.
pub fn send_to_thread(thread: &UserThread, info: SignalInfo) {
    if is_ignored(&thread.process, info.signal) && !blocks(thread, info.signal) {
        return; // discarded at once, as on Linux
    }
    {
        let mut pending = thread.pending_signals.lock();
        if !pending.iter().any(|queued| queued.signal == info.signal) {
            pending.push(info);
        }
    }
    interrupt_if_unblocked(thread, info.signal);
}

/// Whether `process` ignores `signal` (SIG_IGN, or a default of ignore).
fn is_ignored(process: &Process, signal: u64) -> bool {
    if signal == SIGKILL || signal == SIGSTOP {
        return false;
    }
    match action_of(process, signal)[0] {
        SIG_IGN => true,
        SIG_DFL => ignored_by_default(signal),
        _ => false,
    }
}

/// Whether `thread` blocks `signal`.
fn blocks(thread: &UserThread, signal: u64) -> bool {
    thread.signal_mask.load(Ordering::SeqCst) & !UNBLOCKABLE & bit(signal) != 0
}

/// Makes every thread of `process` leave its blocking call (exit_group).
pub fn interrupt_all(process: &Process) {
    for thread in super::threads_of(process) {
        if let Some(scheduler_thread) = thread.thread.get().and_then(Weak::upgrade) {
            crate::sched::interrupt(&scheduler_thread);
        }
    }
}

/// A signal the thread does not block makes its blocking call give up
/// (on its own CPU or another: the wake-up reaches it there).
fn interrupt_if_unblocked(thread: &UserThread, signal: u64) {
    let blocked = thread.signal_mask.load(Ordering::SeqCst) & !UNBLOCKABLE & bit(signal) != 0;
    if blocked {
        return;
    }
    if let Some(scheduler_thread) = thread.thread.get().and_then(Weak::upgrade) {
        crate::sched::interrupt(&scheduler_thread);
    }
}

/// Recomputes the calling thread's pending-signal flag (after taking a
/// signal, or a change of its mask).
pub fn refresh_pending_flag(user: &UserThread) {
    let mask = user.signal_mask.load(Ordering::SeqCst) & !UNBLOCKABLE;
    let deliverable = [&user.pending_signals, &user.process.pending_signals]
        .iter()
        .any(|pending| pending.lock().iter().any(|info| bit(info.signal) & mask == 0));
    crate::sched::with_current_thread(|thread| thread.set_signal_pending(deliverable));
}

/// Takes the first pending signal the thread does not block: its own
/// first, then its process's.
fn take_deliverable(user: &UserThread) -> Option<SignalInfo> {
    let mask = user.signal_mask.load(Ordering::Relaxed) & !UNBLOCKABLE;
    for pending in [&user.pending_signals, &user.process.pending_signals] {
        let mut pending = pending.lock();
        if let Some(index) = pending.iter().position(|info| bit(info.signal) & mask == 0) {
            return Some(pending.remove(index));
        }
    }
    None
}

/// The action for `signal`: (handler, flags, restorer, mask).
fn action_of(process: &Process, signal: u64) -> [u64; 4] {
    process.signal_actions.lock()[(signal - 1) as usize]
}

/// Delivers every deliverable pending signal before a return to ring 3:
/// ignores, terminates, or sets `frame` up to run a handler (one handler
/// frame per return; further signals wait for the next return). A system
/// call that gave up for a signal (`ERESTARTSYS` in RAX) is restarted,
/// unless a handler without `SA_RESTART` runs: then it fails with `EINTR`.
pub fn deliver_pending(user: &Arc<UserThread>, frame: &mut InterruptFrame) {
    deliver(user, frame);
    if frame.rax == Errno::ERESTARTSYS.as_return_value() {
        restart_system_call(user, frame);
    }
    // A sigsuspend whose signal ran no handler: its mask ends now.
    let saved = user.mask_after_suspend.swap(0, Ordering::SeqCst);
    if saved & SAVED_MASK_VALID != 0 {
        user.signal_mask.store(saved & !SAVED_MASK_VALID & !UNBLOCKABLE, Ordering::SeqCst);
    }
    refresh_pending_flag(user);
}

/// Makes the interrupted system call run again when the program resumes:
/// RAX back to its number, RIP back onto the `syscall` instruction.
fn restart_system_call(user: &UserThread, frame: &mut InterruptFrame) {
    const SYSCALL_INSTRUCTION_BYTES: u64 = 2;
    frame.rax = user.restart_number.load(Ordering::Relaxed);
    frame.rip -= SYSCALL_INSTRUCTION_BYTES;
}

fn deliver(user: &Arc<UserThread>, frame: &mut InterruptFrame) {
    while let Some(info) = take_deliverable(user) {
        let [handler, flags, restorer, mask] = action_of(&user.process, info.signal);
        if info.signal == SIGKILL || handler == SIG_DFL {
            if ignored_by_default(info.signal) {
                continue;
            }
            terminate(user, info);
        }
        if handler == SIG_IGN {
            continue;
        }
        if frame.rax == Errno::ERESTARTSYS.as_return_value() {
            if flags & SA_RESTART != 0 {
                restart_system_call(user, frame);
            } else {
                frame.rax = Errno::EINTR.as_return_value();
            }
        }
        if setup_frame(user, frame, info, handler, flags, restorer).is_err() {
            // No room or a bad stack: Linux kills with SIGSEGV.
            crate::kprintln!(
                "signal: process {} ({}): cannot write the frame for signal {}; killed with SIGSEGV",
                user.process.pid(),
                user.process.name(),
                info.signal
            );
            terminate(user, SignalInfo { signal: SIGSEGV, code: SI_USER, address: 0, sender_pid: 0 });
        }
        let mut blocked = mask;
        if flags & SA_NODEFER == 0 {
            blocked |= bit(info.signal);
        }
        user.signal_mask.fetch_or(blocked & !UNBLOCKABLE, Ordering::Relaxed);
        if flags & SA_RESETHAND != 0 {
            user.process.signal_actions.lock()[(info.signal - 1) as usize] = [SIG_DFL, 0, 0, 0];
        }
        return;
    }
}

/// The default action "terminate": the whole process goes.
fn terminate(user: &Arc<UserThread>, info: SignalInfo) -> ! {
    let _ = user;
    arch::cpu::enable_interrupts();
    super::kill_current(info.signal)
}

/// Layout of the frame (x86_64 Linux `rt_sigframe`): return address, then
/// `ucontext` (flags, link, `stack_t`, `sigcontext`, mask), then
/// `siginfo`; the FPU image sits above, 64-byte aligned.
const UCONTEXT_BYTES: usize = 8 + 8 + 24 + SIGCONTEXT_BYTES + 8;
const SIGCONTEXT_BYTES: usize = 256;
const SIGINFO_BYTES: usize = 128;
const FRAME_BYTES: usize = 8 + UCONTEXT_BYTES + SIGINFO_BYTES;
/// Offsets inside the frame.
const UCONTEXT_OFFSET: usize = 8;
const MCONTEXT_OFFSET: usize = UCONTEXT_OFFSET + 40;
const MASK_OFFSET: usize = MCONTEXT_OFFSET + SIGCONTEXT_BYTES;
const SIGINFO_OFFSET: usize = UCONTEXT_OFFSET + UCONTEXT_BYTES;
/// Offsets inside `sigcontext` (words): r8..r15, rdi, rsi, rbp, rbx, rdx,
/// rax, rcx, rsp, rip, eflags, then cs/gs/fs/ss (u16 each), err, trapno,
/// oldmask, cr2, fpstate pointer.
const SIGCONTEXT_FPSTATE_WORD: usize = 23;
const SIGCONTEXT_SELECTORS_WORD: usize = 18;
const SIGCONTEXT_CR2_WORD: usize = 22;

fn put(bytes: &mut [u8], offset: usize, value: u64) {
    bytes[offset..offset + 8].copy_from_slice(&value.to_le_bytes());
}

fn get(bytes: &[u8], offset: usize) -> u64 {
    u64::from_le_bytes(bytes[offset..offset + 8].try_into().expect("8 bytes"))
}

/// The general registers in `sigcontext` order.
fn registers_of(frame: &InterruptFrame) -> [u64; 18] {
    [
        frame.r8, frame.r9, frame.r10, frame.r11, frame.r12, frame.r13, frame.r14, frame.r15, frame.rdi, frame.rsi, frame.rbp,
        frame.rbx, frame.rdx, frame.rax, frame.rcx, frame.rsp, frame.rip, frame.rflags,
    ]
}

fn set_registers(frame: &mut InterruptFrame, words: &[u64; 18]) {
    let [r8, r9, r10, r11, r12, r13, r14, r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, rflags] = *words;
    *frame = InterruptFrame { r8, r9, r10, r11, r12, r13, r14, r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, rflags, ..frame.clone() };
}

fn setup_frame(user: &UserThread, frame: &mut InterruptFrame, info: SignalInfo, handler: u64, flags: u64, restorer: u64) -> Result<(), Errno> {
    if flags & SA_RESTORER == 0 {
        // x86_64 has no kernel-provided return trampoline: libc always
        // passes one. Without it the handler could not return.
        return Err(Errno::EINVAL);
    }
    let [stack_base, stack_flags, stack_size] = *user.alternate_stack.lock();
    let on_alternate = stack_size != 0 && frame.rsp.wrapping_sub(stack_base) < stack_size;
    let mut sp = if flags & SA_ONSTACK != 0 && stack_size != 0 && !on_alternate {
        stack_base + stack_size
    } else {
        frame.rsp.checked_sub(RED_ZONE_BYTES).ok_or(Errno::EFAULT)?
    };
    // The FPU image, saved from the CPU first.
    let image: Vec<u8> = arch::cpu::without_interrupts(|| {
        crate::sched::with_current_thread(|thread| {
            thread.user_state().map(|state| {
                // SAFETY: the running thread's own state, interrupts off.
                unsafe {
                    state.save_from_cpu();
                    state.fpu_image().to_vec()
                }
            })
        })
        .flatten()
    })
    .ok_or(Errno::EFAULT)?;
    sp = sp.checked_sub(image.len() as u64).ok_or(Errno::EFAULT)? & !(arch::fpu::IMAGE_ALIGN as u64 - 1);
    let fpstate = sp;
    copy_to_user(fpstate, &image)?;
    // After the handler's `ret` pops the return address, RSP + 8 must be
    // 16-byte aligned, as after a `call`.
    sp = ((sp.checked_sub(FRAME_BYTES as u64).ok_or(Errno::EFAULT)?) & !15) - 8;

    let mut bytes = vec![0u8; FRAME_BYTES];
    put(&mut bytes, 0, restorer);
    // uc_stack: the alternate stack in force.
    put(&mut bytes, UCONTEXT_OFFSET + 16, stack_base);
    put(&mut bytes, UCONTEXT_OFFSET + 24, if on_alternate { stack_flags | SS_ONSTACK } else { stack_flags });
    put(&mut bytes, UCONTEXT_OFFSET + 32, stack_size);
    for (index, value) in registers_of(frame).iter().enumerate() {
        put(&mut bytes, MCONTEXT_OFFSET + 8 * index, *value);
    }
    put(&mut bytes, MCONTEXT_OFFSET + 8 * SIGCONTEXT_SELECTORS_WORD, frame.cs | (frame.ss << 48));
    put(&mut bytes, MCONTEXT_OFFSET + 8 * SIGCONTEXT_CR2_WORD, info.address);
    put(&mut bytes, MCONTEXT_OFFSET + 8 * SIGCONTEXT_FPSTATE_WORD, fpstate);
    // After sigsuspend, the frame keeps the mask from before the call.
    let saved = user.mask_after_suspend.swap(0, Ordering::SeqCst);
    let frame_mask = if saved & SAVED_MASK_VALID != 0 { saved & !SAVED_MASK_VALID } else { user.signal_mask.load(Ordering::Relaxed) };
    put(&mut bytes, MASK_OFFSET, frame_mask);
    // siginfo: signo, errno, code, then the union.
    bytes[SIGINFO_OFFSET..SIGINFO_OFFSET + 4].copy_from_slice(&(info.signal as i32).to_le_bytes());
    bytes[SIGINFO_OFFSET + 8..SIGINFO_OFFSET + 12].copy_from_slice(&info.code.to_le_bytes());
    if matches!(info.signal, SIGSEGV | SIGBUS | SIGILL | SIGFPE | SIGTRAP) && info.code > 0 {
        put(&mut bytes, SIGINFO_OFFSET + 16, info.address);
    } else {
        bytes[SIGINFO_OFFSET + 16..SIGINFO_OFFSET + 20].copy_from_slice(&info.sender_pid.to_le_bytes());
    }
    copy_to_user(sp, &bytes)?;

    frame.rsp = sp;
    frame.rip = handler;
    frame.rdi = info.signal;
    frame.rsi = sp + SIGINFO_OFFSET as u64;
    frame.rdx = sp + UCONTEXT_OFFSET as u64;
    frame.rax = 0;
    // SA_SIGINFO or not, the three arguments are passed.
    frame.rflags &= !HANDLER_CLEARED_FLAGS;
    // The handler starts with a clean FPU, as on Linux.
    arch::cpu::without_interrupts(|| {
        crate::sched::with_current_thread(|thread| {
            if let Some(state) = thread.user_state() {
                // SAFETY: the running thread's own state, interrupts off.
                unsafe { state.reset_fpu_to_initial() };
            }
        })
    });
    Ok(())
}

/// `rt_sigreturn`: restores the registers, signal mask and FPU state the
/// frame at the caller's RSP holds. A frame the CPU could not resume from
/// (non-canonical RIP, a bad FPU image) ends the process with SIGSEGV.
pub fn sigreturn(frame: &mut InterruptFrame) -> Result<u64, Errno> {
    let user = current().ok_or(Errno::EPERM)?;
    // The handler's `ret` popped the return address: RSP is at ucontext.
    let frame_address = frame.rsp.wrapping_sub(UCONTEXT_OFFSET as u64);
    let mut bytes = vec![0u8; FRAME_BYTES];
    if copy_from_user(&mut bytes, frame_address).is_err() {
        bad_frame(&user, frame_address)
    }
    let mut words = [0u64; 18];
    for (index, word) in words.iter_mut().enumerate() {
        *word = get(&bytes, MCONTEXT_OFFSET + 8 * index);
    }
    let rip = words[16];
    if !arch::syscall::is_user_address(rip) {
        bad_frame(&user, frame_address)
    }
    let fpstate = get(&bytes, MCONTEXT_OFFSET + 8 * SIGCONTEXT_FPSTATE_WORD);
    if fpstate != 0 {
        let mut image = vec![0u8; arch::fpu::image_bytes()];
        if copy_from_user(&mut image, fpstate).is_err() {
            bad_frame(&user, frame_address)
        }
        let restored = arch::cpu::without_interrupts(|| {
            crate::sched::with_current_thread(|thread| {
                thread.user_state().is_some_and(|state| {
                    // SAFETY: the running thread's own state, interrupts off.
                    unsafe { state.restore_fpu_image(&image) }
                })
            })
            .unwrap_or(false)
        });
        if !restored {
            bad_frame(&user, frame_address)
        }
    }
    let mask: u64 = get(&bytes, MASK_OFFSET);
    user.signal_mask.store(mask & !UNBLOCKABLE, Ordering::Relaxed);
    set_registers(frame, &words);
    // The entry path forces user CS/SS and sanitises RFLAGS; RCX != RIP
    // in general, so it returns with iretq.
    Ok(frame.rax)
}

fn bad_frame(user: &Arc<UserThread>, address: u64) -> ! {
    crate::kprintln!(
        "signal: process {} ({}): rt_sigreturn with a bad frame at {:#x}; killed with SIGSEGV",
        user.process.pid(),
        user.process.name(),
        address
    );
    terminate(user, SignalInfo { signal: SIGSEGV, code: SI_USER, address, sender_pid: 0 })
}

/// Whether `signal` would run a handler in the current thread (not
/// blocked, not ignored, not default): a fault then becomes a signal
/// instead of killing the process.
pub fn has_handler(user: &UserThread, signal: u64) -> bool {
    let blocked = user.signal_mask.load(Ordering::Relaxed) & bit(signal) != 0;
    let handler = action_of(&user.process, signal)[0];
    !blocked && handler != SIG_DFL && handler != SIG_IGN
}

/// `kill(pid, signal)`: `pid > 0` one process; signal 0 only checks.
pub fn kill(pid: u64, signal: u64) -> Result<u64, Errno> {
    if signal > SIGNAL_COUNT {
        return Err(Errno::EINVAL);
    }
    let sender = current().ok_or(Errno::EPERM)?;
    let pid = pid as i64;
    let target = match pid {
        pid if pid > 0 => super::find(pid as u32).ok_or(Errno::ESRCH)?,
        0 | -1 => sender.process.clone(), // groups arrive with sessions
        _ => return Err(Errno::ESRCH),
    };
    if target.zombie.load(Ordering::Acquire) {
        return Ok(0);
    }
    if signal != 0 {
        send_to_process(&target, SignalInfo { signal, code: SI_USER, address: 0, sender_pid: sender.process.pid() });
    }
    Ok(0)
}

/// `tgkill(tgid, tid, signal)` (and `tkill` with `tgid` 0).
pub fn tgkill(tgid: u64, tid: u64, signal: u64) -> Result<u64, Errno> {
    if signal > SIGNAL_COUNT {
        return Err(Errno::EINVAL);
    }
    let sender = current().ok_or(Errno::EPERM)?;
    let thread = super::find_thread(tid as u32).ok_or(Errno::ESRCH)?;
    if tgid != 0 && u64::from(thread.process.pid()) != tgid {
        return Err(Errno::ESRCH);
    }
    if signal != 0 {
        send_to_thread(&thread, SignalInfo { signal, code: SI_TKILL, address: 0, sender_pid: sender.process.pid() });
    }
    Ok(0)
}

/// `rt_sigsuspend`: waits with `mask` in force until a signal that mask
/// lets through is pending; returns EINTR. The mask from before goes into
/// the handler's frame (so `rt_sigreturn` restores it), or back at once
/// when no handler runs.
pub fn sigsuspend(mask_address: u64, set_size: u64) -> Result<u64, Errno> {
    if set_size != 8 {
        return Err(Errno::EINVAL);
    }
    let user = current().ok_or(Errno::EPERM)?;
    let mask: u64 = crate::uaccess::read_value(mask_address)?;
    let old = user.signal_mask.swap(mask & !UNBLOCKABLE, Ordering::SeqCst);
    user.mask_after_suspend.store(old | SAVED_MASK_VALID, Ordering::SeqCst);
    refresh_pending_flag(&user);
    let nothing = crate::thread::WaitQueue::new();
    let _interrupted = nothing.wait_until_interruptible(|| false);
    Err(Errno::EINTR)
}

/// Marks `UserThread::mask_after_suspend` as holding a mask.
pub const SAVED_MASK_VALID: u64 = 1 << 63;
