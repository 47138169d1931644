//! The signal frame (x86_64 Linux `rt_sigframe`, TEAM_NOTES/signal-frame.md):
//! building it on the user stack before a handler runs, and taking it
//! apart in `rt_sigreturn`.

use super::{SignalInfo, SAVED_MASK_VALID, SA_ONSTACK, SA_RESTORER, SIGBUS, SIGFPE, SIGILL, SIGSEGV, SIGTRAP, UNBLOCKABLE};
use crate::process::{current, UserThread};
use crate::uaccess::{copy_from_user, copy_to_user};
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use arch::interrupt_frame::InterruptFrame;
use core::sync::atomic::Ordering;
use protocol::linux_abi::Errno;

/// `sigaltstack` flag: the thread is running on it.
const SS_ONSTACK: u64 = 1;
/// Bytes below the user RSP a signal frame must leave alone.
const RED_ZONE_BYTES: u64 = 128;
/// RFLAGS bits a handler starts without: TF, DF, RF.
const HANDLER_CLEARED_FLAGS: u64 = (1 << 8) | (1 << 10) | (1 << 16);

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

pub(super) fn setup(user: &UserThread, frame: &mut InterruptFrame, info: SignalInfo, handler: u64, flags: u64, restorer: u64) -> Result<(), Errno> {
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
        bad_frame(user, frame_address)
    }
    let mut words = [0u64; 18];
    for (index, word) in words.iter_mut().enumerate() {
        *word = get(&bytes, MCONTEXT_OFFSET + 8 * index);
    }
    let rip = words[16];
    if !arch::syscall::is_user_address(rip) {
        bad_frame(user, frame_address)
    }
    let fpstate = get(&bytes, MCONTEXT_OFFSET + 8 * SIGCONTEXT_FPSTATE_WORD);
    if fpstate != 0 {
        let mut image = vec![0u8; arch::fpu::image_bytes()];
        if copy_from_user(&mut image, fpstate).is_err() {
            bad_frame(user, frame_address)
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
            bad_frame(user, frame_address)
        }
    }
    let mask: u64 = get(&bytes, MASK_OFFSET);
    user.signal_mask.store(mask & !UNBLOCKABLE, Ordering::SeqCst);
    // Signals the handler's mask held back may be deliverable now.
    super::refresh_pending_flag(&user);
    set_registers(frame, &words);
    // The entry path forces user CS/SS and sanitises RFLAGS; RCX != RIP
    // in general, so it returns with iretq.
    Ok(frame.rax)
}

/// Ends the process with SIGSEGV for a frame it cannot resume from. Takes
/// the caller's reference so that it is dropped before the kill, which
/// does not return.
fn bad_frame(user: Arc<UserThread>, address: u64) -> ! {
    crate::kprintln!(
        "signal: process {} ({}): rt_sigreturn with a bad frame at {:#x}; killed with SIGSEGV",
        user.process.pid(),
        user.process.name(),
        address
    );
    drop(user);
    arch::cpu::enable_interrupts();
    crate::process::kill_current(SIGSEGV)
}
