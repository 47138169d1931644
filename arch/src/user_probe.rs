//! A tiny position-independent ring-3 program that tests the SYSCALL path:
//! it makes system calls in a loop (mostly `getpid`, every 16th a
//! `sched_yield`) until the TSC passes a deadline, and after every call
//! checks that its stack pointer and its callee-saved registers came back
//! unchanged. It also keeps a per-thread value (its deadline) in XMM7 and
//! in its FS base (`arch_prctl`), and checks both: XMM7 after every call,
//! the FS base (`ARCH_GET_FS`) after every yield, so a context switch that
//! loses user FPU state or FS base is caught. It exits (`exit`) with 0, or
//! with `PROBE_WRONG_*` at the first mismatch.
//!
//! The kernel copies `code()` to a user page and enters it with a user stack
//! whose top word holds the deadline TSC (read once, at `[rsp]`).
//!
//! Two more snippets test the supervisor protections: `umip_probe_code`
//! (ring 3 runs `sgdt`) and `ret_code` (a user page the kernel calls).

use protocol::linux_abi::misc::{ARCH_GET_FS, ARCH_SET_FS};
use protocol::linux_abi::{SYS_ARCH_PRCTL, SYS_EXIT, SYS_GETPID, SYS_SCHED_YIELD};

/// Exit status when the stack pointer changed across a system call.
pub const PROBE_WRONG_STACK: u64 = 1;
/// Exit status when a callee-saved register changed across a system call.
pub const PROBE_WRONG_REGISTERS: u64 = 2;
/// Exit status when XMM7 changed across a system call (FPU state lost).
pub const PROBE_WRONG_FPU: u64 = 3;
/// Exit status when the FS base changed (or `arch_prctl` failed).
pub const PROBE_WRONG_FS_BASE: u64 = 4;
/// Register patterns the probe keeps and checks.
const PATTERN_RBX: u64 = 0x1111_2222_3333_4444;
const PATTERN_RBP: u64 = 0x5555_6666_7777_8888;
const PATTERN_R14: u64 = 0x9999_aaaa_bbbb_cccc;
const PATTERN_R15: u64 = 0xdddd_eeee_ffff_0123;

core::arch::global_asm!(
    r#"
    .pushsection .rodata.arch_user_probe, "a"
    .global arch_user_probe_start
arch_user_probe_start:
    mov r13, rsp
    mov r12, [rsp]
    movabs rbx, {pattern_rbx}
    movabs rbp, {pattern_rbp}
    movabs r14, {pattern_r14}
    movabs r15, {pattern_r15}
    movq xmm7, r12
    mov eax, {sys_arch_prctl}
    mov edi, {arch_set_fs}
    mov rsi, r12
    syscall
    test rax, rax
    jnz 8f
    xor r8d, r8d
2:  mov eax, {sys_getpid}
    test r8d, 15
    jnz 3f
    mov eax, {sys_sched_yield}
    syscall
    mov eax, {sys_arch_prctl}
    mov edi, {arch_get_fs}
    lea rsi, [rsp - 16]
    syscall
    test rax, rax
    jnz 8f
    cmp [rsp - 16], r12
    jne 8f
    mov eax, {sys_getpid}
3:  syscall
    cmp rsp, r13
    jne 5f
    movq rcx, xmm7
    cmp rcx, r12
    jne 9f
    movabs rcx, {pattern_rbx}
    cmp rbx, rcx
    jne 6f
    movabs rcx, {pattern_rbp}
    cmp rbp, rcx
    jne 6f
    movabs rcx, {pattern_r14}
    cmp r14, rcx
    jne 6f
    movabs rcx, {pattern_r15}
    cmp r15, rcx
    jne 6f
    inc r8d
    rdtsc
    shl rdx, 32
    or rax, rdx
    cmp rax, r12
    jb 2b
    xor edi, edi
    jmp 7f
5:  mov edi, {wrong_stack}
    jmp 7f
6:  mov edi, {wrong_registers}
    jmp 7f
8:  mov edi, {wrong_fs_base}
    jmp 7f
9:  mov edi, {wrong_fpu}
7:  mov eax, {sys_exit}
    syscall
    ud2
    .global arch_user_probe_end
arch_user_probe_end:
    .popsection
    "#,
    pattern_rbx = const PATTERN_RBX,
    pattern_rbp = const PATTERN_RBP,
    pattern_r14 = const PATTERN_R14,
    pattern_r15 = const PATTERN_R15,
    sys_getpid = const SYS_GETPID,
    sys_sched_yield = const SYS_SCHED_YIELD,
    sys_exit = const SYS_EXIT,
    wrong_stack = const PROBE_WRONG_STACK,
    wrong_registers = const PROBE_WRONG_REGISTERS,
    wrong_fpu = const PROBE_WRONG_FPU,
    wrong_fs_base = const PROBE_WRONG_FS_BASE,
    sys_arch_prctl = const SYS_ARCH_PRCTL,
    arch_set_fs = const ARCH_SET_FS,
    arch_get_fs = const ARCH_GET_FS,
);

core::arch::global_asm!(
    r#"
    .pushsection .rodata.arch_user_umip_probe, "a"
    /* With UMIP, `sgdt` in ring 3 raises #GP; without, the `ud2` after it
       raises #UD: the exit status tells which. */
    .global arch_user_umip_probe_start
arch_user_umip_probe_start:
    sgdt [rsp]
    ud2
    .global arch_user_umip_probe_end
arch_user_umip_probe_end:

    /* A user page the kernel must not execute (SMEP): just `ret`. */
    .global arch_user_ret_start
arch_user_ret_start:
    ret
    .global arch_user_ret_end
arch_user_ret_end:
    .popsection
    "#
);

unsafe extern "C" {
    static arch_user_probe_start: u8;
    static arch_user_probe_end: u8;
    static arch_user_umip_probe_start: u8;
    static arch_user_umip_probe_end: u8;
    static arch_user_ret_start: u8;
    static arch_user_ret_end: u8;
}

fn bytes_between(start: *const u8, end: *const u8) -> &'static [u8] {
    // SAFETY: callers pass two symbols of one blob in .rodata, start <= end.
    unsafe { core::slice::from_raw_parts(start, end as usize - start as usize) }
}

/// Ring-3 code that executes `sgdt` (a #GP under UMIP), then `ud2`.
pub fn umip_probe_code() -> &'static [u8] {
    bytes_between(&raw const arch_user_umip_probe_start, &raw const arch_user_umip_probe_end)
}

/// A lone `ret`, to place in a user page the kernel then calls (SMEP test).
pub fn ret_code() -> &'static [u8] {
    bytes_between(&raw const arch_user_ret_start, &raw const arch_user_ret_end)
}

/// The probe's machine code (position independent; copy it anywhere).
pub fn code() -> &'static [u8] {
    bytes_between(&raw const arch_user_probe_start, &raw const arch_user_probe_end)
}
