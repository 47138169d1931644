//! Entry stubs for all 256 vectors, the common entry path and the paranoid
//! entry path. See TEAM_NOTES/entry-path-rules.md.
//!
//! Each stub pushes a dummy error code when the CPU does not push one, then
//! its vector number, and jumps to one of two shared paths:
//!
//! - **common** (everything but NMI, #DF, #MC): the interrupted CS says where
//!   we came from; `swapgs` only when it was ring 3, then `lfence` on both
//!   paths so no load through GS can run speculatively with the wrong base.
//! - **paranoid** (NMI, #DF, #MC): these can arrive between a `swapgs` and the
//!   instruction after it, so CS cannot be trusted. Read `IA32_GS_BASE`: the
//!   kernel's PCRs live in the upper half, so a negative value means the
//!   kernel GS is already active. Swap only if it was not, remember that in
//!   callee-saved RBX, and swap back on exit: GS is restored to exactly what
//!   it was.
//!
//! Both paths clear RFLAGS.AC first when SMAP is on (`clac`): an interrupt
//! gate keeps the interrupted AC, and a user's AC (or the one `user_copy`
//! holds) would open user memory to the handler; `iretq` restores the
//! interrupted AC.
//!
//! Both paths save all GPRs into an `InterruptFrame` and call
//! `arch_interrupt_dispatch(&mut InterruptFrame)`. No path touches GS before
//! its swap decision.

use crate::interrupt_frame::{pop_general_registers, push_general_registers, CS_FROM_VECTOR_OFFSET, STUB_PUSHED_BYTES};
use crate::msr::IA32_GS_BASE;
use crate::vectors::{ERROR_CODE_VECTORS_MASK, EXCEPTION_VECTOR_COUNT, PARANOID_VECTORS_MASK};

/// Vectors with a stub (all of them).
pub const VECTOR_COUNT: usize = 256;

core::arch::global_asm!(
    concat!(
    "\n.macro save_general_registers\n",
    push_general_registers!(),
    ".endm\n.macro restore_general_registers\n",
    pop_general_registers!(),
    ".endm\n",
    r#"
    .pushsection .rodata.arch_interrupt_stub_table, "a"
    .balign 8
    .global arch_interrupt_stub_table
arch_interrupt_stub_table:
    .popsection

    .pushsection .text.arch_interrupt_stubs, "ax"
    .balign 16
    .set stub_vector, 0
    .rept {vector_count}
    .balign 16
1:
    /* The sets come from vectors.rs as bit masks over the exception vectors. */
    .set stub_is_exception, stub_vector < {exception_count}
    .if !(stub_is_exception && (({error_code_mask} >> (stub_vector & 31)) & 1))
    push 0
    .endif
    push stub_vector
    .if stub_is_exception && (({paranoid_mask} >> (stub_vector & 31)) & 1)
    jmp arch_paranoid_entry
    .else
    jmp arch_common_entry
    .endif
    .pushsection .rodata.arch_interrupt_stub_table, "a"
    .quad 1b
    .popsection
    .set stub_vector, stub_vector + 1
    .endr

arch_common_entry:
    /* An interrupt gate keeps the interrupted AC: with SMAP, a user's AC
       (or the one `user_copy` set) would open user memory to the handler.
       iretq restores the interrupted AC. */
    cmp byte ptr [rip + {smap_active}], 0
    je 7f
    clac
7:  test byte ptr [rsp + {cs_from_vector}], 3
    jz 2f
    swapgs
2:  lfence
    save_general_registers
    mov rdi, rsp
    cld
    call arch_interrupt_dispatch
    restore_general_registers
    test byte ptr [rsp + {cs_from_vector}], 3
    jz 3f
    swapgs
3:  add rsp, {stub_pushed}
    iretq

arch_paranoid_entry:
    save_general_registers
    mov ecx, {gs_base_msr}
    rdmsr
    xor ebx, ebx
    test edx, edx
    js 4f
    swapgs
    mov ebx, 1
4:  cmp byte ptr [rip + {smap_active}], 0
    je 6f
    clac
6:  lfence
    mov rdi, rsp
    cld
    call arch_interrupt_dispatch
    test ebx, ebx
    jz 5f
    swapgs
5:  restore_general_registers
    add rsp, {stub_pushed}
    iretq
    .popsection
    "#),
    vector_count = const VECTOR_COUNT,
    cs_from_vector = const CS_FROM_VECTOR_OFFSET,
    stub_pushed = const STUB_PUSHED_BYTES,
    gs_base_msr = const IA32_GS_BASE,
    exception_count = const EXCEPTION_VECTOR_COUNT,
    error_code_mask = const ERROR_CODE_VECTORS_MASK,
    paranoid_mask = const PARANOID_VECTORS_MASK,
    smap_active = sym crate::protection::SMAP_ACTIVE,
);
