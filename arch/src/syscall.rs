//! The SYSCALL entry and exit, through the PCR, and entering ring 3 from a
//! whole register frame (new programs and `clone` children). See TEAM_NOTES/syscall-entry.md.
//!
//! ```text
//! syscall from ring 3 (IF, DF, TF, AC, NT cleared by SFMASK):
//!   swapgs                          GS = this CPU's PCR
//!   mov gs:[USER_RSP_SCRATCH], rsp  park the user RSP in the PCR (never a global)
//!   mov rsp, gs:[KERNEL_STACK_TOP]  this thread's kernel stack
//!   push ss, rsp, r11, cs, rcx, 0, SYSCALL_FRAME_VECTOR, GPRs   an InterruptFrame
//!   call arch_syscall_dispatch      the kernel's handler; true: sysret is exact
//!   pop GPRs; sysretq (RCX = RIP, R11 = RFLAGS, user RSP) or iretq
//! ```
//!
//! `sysretq` is used only when it restores exactly what the frame says:
//! RCX = RIP, R11 = RFLAGS, a canonical user RIP, no TF or RF, the user code
//! and data selectors. Anything else (a frame the kernel rewrote) returns
//! with `iretq`, with user CS/SS forced and RFLAGS sanitised.

use crate::hook::Hook;
use crate::interrupt_frame::{pop_general_registers, push_general_registers, InterruptFrame, SAVED_REGISTERS_BYTES, STUB_PUSHED_BYTES};
use memoffset::offset_of;
use percpu::{selectors, KERNEL_STACK_TOP_OFFSET, USER_RSP_SCRATCH_OFFSET};
use x86_64::registers::model_specific::{Efer, EferFlags, LStar, SFMask, Star};
use x86_64::registers::rflags::RFlags;
use x86_64::structures::gdt::SegmentSelector;
use x86_64::VirtAddr;

/// What the entry stub puts in the frame's `vector` slot: not an interrupt
/// vector (those are 0..256), so handlers can tell a syscall frame apart.
pub const SYSCALL_FRAME_VECTOR: u64 = 0x1_0000;
/// The first address above the user half (canonical lower half ends here).
pub const USER_ADDRESS_LIMIT: u64 = 0x0000_8000_0000_0000;
/// RFLAGS bits SYSCALL clears on entry.
const SYSCALL_CLEARED_FLAGS: RFlags = RFlags::INTERRUPT_FLAG
    .union(RFlags::DIRECTION_FLAG)
    .union(RFlags::TRAP_FLAG)
    .union(RFlags::ALIGNMENT_CHECK)
    .union(RFlags::NESTED_TASK);
/// RFLAGS bits user code may hold; everything else (IOPL, NT, VM, RF, VIF,
/// VIP) is cleared before returning to ring 3.
const USER_SETTABLE_FLAGS: u64 = RFlags::CARRY_FLAG.bits()
    | RFlags::PARITY_FLAG.bits()
    | RFlags::AUXILIARY_CARRY_FLAG.bits()
    | RFlags::ZERO_FLAG.bits()
    | RFlags::SIGN_FLAG.bits()
    | RFlags::TRAP_FLAG.bits()
    | RFlags::DIRECTION_FLAG.bits()
    | RFlags::OVERFLOW_FLAG.bits()
    | RFlags::ALIGNMENT_CHECK.bits()
    | RFlags::ID.bits();
/// RFLAGS bit 1 is always set.
const RFLAGS_RESERVED_ONE: u64 = 1 << 1;

/// The kernel's system-call handler: reads the call from the frame, writes
/// the result into `frame.rax`. Runs with interrupts off on entry (it may
/// enable them) and must return with them off.
pub type SyscallHandler = fn(&mut InterruptFrame);

static HANDLER: Hook<SyscallHandler> = Hook::new();

/// Registers the kernel's handler (once).
pub fn register_handler(handler: SyscallHandler) {
    HANDLER.set(handler);
}

/// Enables SYSCALL on the calling CPU: EFER.SCE, STAR (kernel and user
/// selectors), LSTAR (the entry stub), SFMASK. Every CPU runs it.
pub fn init_this_cpu() {
    let selector = |value| SegmentSelector(value);
    Star::write(
        selector(selectors::USER_CODE),
        selector(selectors::USER_DATA),
        selector(selectors::KERNEL_CODE),
        selector(selectors::KERNEL_DATA),
    )
    .expect("the GDT is in SYSCALL/SYSRET order");
    LStar::write(VirtAddr::new(arch_syscall_entry as *const () as u64));
    SFMask::write(SYSCALL_CLEARED_FLAGS);
    // SAFETY: enabling SYSCALL changes no memory; the entry point is set.
    unsafe { Efer::update(|flags| flags.insert(EferFlags::SYSTEM_CALL_EXTENSIONS)) };
}

/// Whether an address lies in the user half.
pub const fn is_user_address(address: u64) -> bool {
    address < USER_ADDRESS_LIMIT
}

/// Called by the entry stub with the frame it built; returns whether the
/// stub may leave with `sysretq` (else `iretq`).
#[unsafe(no_mangle)]
extern "C" fn arch_syscall_dispatch(frame: &mut InterruptFrame) -> bool {
    match HANDLER.get() {
        Some(handler) => handler(frame),
        None => frame.rax = protocol::linux_abi::Errno::ENOSYS.as_return_value(), // nothing registered yet
    }
    prepare_user_return(frame)
}

/// Makes `frame` safe to return to ring 3 (user selectors, sanitised
/// RFLAGS with IF set) and says whether `sysretq` restores it exactly.
pub fn prepare_user_return(frame: &mut InterruptFrame) -> bool {
    frame.cs = u64::from(selectors::USER_CODE);
    frame.ss = u64::from(selectors::USER_DATA);
    frame.rflags = (frame.rflags & USER_SETTABLE_FLAGS) | RFlags::INTERRUPT_FLAG.bits() | RFLAGS_RESERVED_ONE;
    let flags_sysret_cannot_restore = RFlags::TRAP_FLAG.bits() | RFlags::RESUME_FLAG.bits();
    is_user_address(frame.rip)
        && frame.rcx == frame.rip
        && frame.r11 == frame.rflags
        && frame.rflags & flags_sysret_cannot_restore == 0
}

core::arch::global_asm!(
    concat!(
    r#"
    .pushsection .text.arch_syscall_entry, "ax"
    .global arch_syscall_entry
arch_syscall_entry:
    swapgs
    mov gs:[{user_rsp_scratch}], rsp
    mov rsp, gs:[{kernel_stack_top}]
    push {user_data}
    push qword ptr gs:[{user_rsp_scratch}]
    push r11
    push {user_code}
    push rcx
    push 0
    push {syscall_vector}
"#,
    push_general_registers!(),
    r#"
    mov rdi, rsp
    call arch_syscall_dispatch
    test al, al
"#,
    pop_general_registers!(),
    r#"
    lea rsp, [rsp + {stub_pushed}]
    jz 1f
    /* sysretq: RCX = RIP and R11 = RFLAGS were checked equal to the frame. */
    mov rsp, [rsp + {user_rsp_from_rip}]
    swapgs
    sysretq
1:  swapgs
    iretq

    /* Ring 3 from a whole frame (a new thread's copy of its parent's):
       rdi = the frame, which becomes the stack. */
    .global arch_return_to_user_frame
arch_return_to_user_frame:
    mov rsp, rdi
"#,
    pop_general_registers!(),
    r#"
    add rsp, {stub_pushed}
    swapgs
    iretq

    .popsection
    "#),
    user_rsp_scratch = const USER_RSP_SCRATCH_OFFSET,
    kernel_stack_top = const KERNEL_STACK_TOP_OFFSET,
    user_data = const selectors::USER_DATA,
    user_code = const selectors::USER_CODE,
    syscall_vector = const SYSCALL_FRAME_VECTOR,
    stub_pushed = const STUB_PUSHED_BYTES,
    user_rsp_from_rip = const offset_of!(InterruptFrame, rsp) - offset_of!(InterruptFrame, rip),
);

// The stub pushes the GPRs with `push_general_registers!`, the block the
// interrupt entry pushes too: the order `InterruptFrame` declares.
const _: () = assert!(SAVED_REGISTERS_BYTES == offset_of!(InterruptFrame, vector));
const _: () = assert!(offset_of!(InterruptFrame, rax) + 8 == offset_of!(InterruptFrame, vector));
const _: () = assert!(offset_of!(InterruptFrame, r15) == 0);

unsafe extern "C" {
    fn arch_syscall_entry();
    fn arch_return_to_user_frame(frame: *const InterruptFrame) -> !;
}

/// Leaves the kernel for ring 3 with every register from `frame` (after
/// `prepare_user_return` forces user selectors and sane RFLAGS), through
/// `iretq`. The frame is copied to the top of `stack`'s free part first.
///
/// # Safety
/// Interrupts must be off; the current address space must map what the
/// frame points at as the program expects; the calling kernel frame is
/// abandoned for good (its stack is reused for the copy).
pub unsafe fn return_to_user(frame: &InterruptFrame) -> ! {
    let mut copy = frame.clone();
    prepare_user_return(&mut copy);
    // SAFETY: the caller's contract; `copy` lives on this stack, which the
    // routine takes over (nothing of ours runs after it).
    unsafe { arch_return_to_user_frame(&copy) }
}
