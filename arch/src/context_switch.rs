//! The context switch: save the callee-saved registers and RFLAGS of the
//! running thread on its stack, park its RSP, point the PCR's
//! `kernel_stack_top` and `TSS.rsp0` at the incoming thread's stack, load the
//! incoming RSP and restore its registers and RFLAGS.
//!
//! RFLAGS is saved and restored (`pushfq`/`popfq`): a thread that yields
//! with interrupts off, or with AC or DF set, gets exactly that back, on
//! whichever CPU resumes it (seed lesson 5).
//!
//! ```text
//! saved stack of a switched-out thread (lowest address first):
//!   rflags, r15, r14, r13, r12, rbp, rbx, return address   <- SwitchFrame
//! ```

use memoffset::offset_of;
use percpu::{KERNEL_STACK_TOP_OFFSET, TSS_RSP0_OFFSET};

/// What `switch_context` leaves on a stack, lowest address first. A new
/// thread's stack is prepared with one of these (see `prepare_new_stack`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SwitchFrame {
    pub rflags: u64,
    pub r15: u64,
    pub r14: u64,
    pub r13: u64,
    pub r12: u64,
    pub rbp: u64,
    pub rbx: u64,
    pub return_address: u64,
}

const _: () = assert!(offset_of!(SwitchFrame, rflags) == 0);
const _: () = assert!(offset_of!(SwitchFrame, return_address) == 7 * 8);

/// RFLAGS a new thread starts with: interrupts off (its entry enables them
/// once the switch is finished), reserved bit 1 set.
const INITIAL_RFLAGS: u64 = 0x2;

core::arch::global_asm!(
    r#"
    .pushsection .text.arch_switch_context, "ax"
    .global arch_switch_context
arch_switch_context:
    /* rdi = &mut previous rsp, rsi = next rsp, rdx = next kernel stack top */
    push rbx
    push rbp
    push r12
    push r13
    push r14
    push r15
    pushfq
    mov [rdi], rsp
    mov gs:[{kernel_stack_top}], rdx
    mov gs:[{tss_rsp0}], rdx
    mov rsp, rsi
    popfq
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbp
    pop rbx
    ret

    /* First code of a new thread: r12 = entry, r13 = argument. */
    .global arch_thread_start
arch_thread_start:
    mov rdi, r13
    call r12
    ud2
    .popsection
    "#,
    kernel_stack_top = const KERNEL_STACK_TOP_OFFSET,
    tss_rsp0 = const TSS_RSP0_OFFSET,
);

unsafe extern "C" {
    fn arch_switch_context(previous_rsp: *mut u64, next_rsp: u64, next_stack_top: u64);
    fn arch_thread_start();
}

/// Switches from the running thread to another.
///
/// # Safety
/// Interrupts must be disabled. `next_rsp` must be an RSP saved by this
/// function (or made by `prepare_new_stack`) of a thread that no CPU is
/// running, and `next_stack_top` that thread's kernel stack top.
/// `previous_rsp` must stay valid until the running thread is resumed.
pub unsafe fn switch_context(previous_rsp: *mut u64, next_rsp: u64, next_stack_top: u64) {
    // SAFETY: the caller's contract.
    unsafe { arch_switch_context(previous_rsp, next_rsp, next_stack_top) }
}

/// Lays out a new thread's stack so that switching to it calls
/// `entry(argument)` with interrupts disabled; returns the RSP to switch to.
///
/// # Safety
/// `stack_top` must be the 16-byte aligned top of a mapped stack nobody uses.
pub unsafe fn prepare_new_stack(stack_top: u64, entry: extern "C" fn(u64) -> !, argument: u64) -> u64 {
    // Keep 16 bytes above the frame (a null return address for debuggers) so
    // that `ret` lands with RSP 16-aligned and the `call` in
    // arch_thread_start gives `entry` the ABI's RSP = 8 (mod 16).
    let frame_address = stack_top - 16 - core::mem::size_of::<SwitchFrame>() as u64;
    let frame = SwitchFrame {
        rflags: INITIAL_RFLAGS,
        r12: entry as *const () as u64,
        r13: argument,
        return_address: arch_thread_start as *const () as u64,
        ..SwitchFrame::default()
    };
    // SAFETY: the frame lies within the caller's stack (contract).
    unsafe {
        core::ptr::write(frame_address as *mut SwitchFrame, frame);
        core::ptr::write((stack_top - 16) as *mut [u64; 2], [0, 0]);
    }
    frame_address
}
