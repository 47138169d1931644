//! Moving the running CPU onto another stack for good.

/// Switches RSP to `stack_top` and calls `entry(argument)`, which must never
/// return. Used once per CPU to leave the early boot stack.
///
/// # Safety
/// `stack_top` must be the 16-byte-aligned top of a mapped stack that nothing
/// else uses; nothing on the current stack may be referenced afterwards.
pub unsafe fn switch_to(stack_top: u64, entry: extern "C" fn(u64) -> !, argument: u64) -> ! {
    // SAFETY: caller's contract; `entry` never returns, so abandoning the old
    // stack is fine. RSP is 16-aligned before the call, as the ABI requires.
    unsafe {
        core::arch::asm!(
            "mov rsp, {stack_top}",
            "xor ebp, ebp",
            "call {entry}",
            "ud2",
            stack_top = in(reg) stack_top,
            entry = in(reg) entry,
            in("rdi") argument,
            options(noreturn)
        )
    }
}
