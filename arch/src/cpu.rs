//! One-instruction CPU helpers: interrupt flag, halt, CR2, pause.

use x86_64::instructions::interrupts;

/// Disables interrupts and halts this CPU for good (NMIs wake it and it
/// halts again).
pub fn halt_forever() -> ! {
    loop {
        interrupts::disable();
        x86_64::instructions::hlt();
    }
}

/// Enables interrupts and halts until the next one, atomically (`sti; hlt`),
/// so a wake-up cannot slip in between.
pub fn enable_interrupts_and_halt() {
    interrupts::enable_and_hlt();
}

/// Whether RFLAGS.IF is set on this CPU.
pub fn interrupts_enabled() -> bool {
    interrupts::are_enabled()
}

/// Runs `f` with interrupts disabled, restoring the previous state after.
pub fn without_interrupts<R>(f: impl FnOnce() -> R) -> R {
    interrupts::without_interrupts(f)
}

/// Enables interrupts on this CPU.
pub fn enable_interrupts() {
    interrupts::enable();
}

/// Disables interrupts on this CPU.
pub fn disable_interrupts() {
    interrupts::disable();
}

/// The faulting linear address of the last page fault (CR2).
pub fn page_fault_address() -> u64 {
    x86_64::registers::control::Cr2::read_raw()
}

/// The frame pointer (RBP) of the function this is inlined into: with
/// frame pointers (the kernel's build keeps them) it points at that
/// function's frame record, `[caller's RBP, return address]`.
#[inline(always)]
pub fn frame_pointer() -> u64 {
    let value: u64;
    // SAFETY: reads a register; no memory, stack or flags touched.
    unsafe { core::arch::asm!("mov {}, rbp", out(reg) value, options(nomem, nostack, preserves_flags)) };
    value
}

/// The stack pointer (RSP) in the function this is inlined into.
#[inline(always)]
pub fn stack_pointer() -> u64 {
    let value: u64;
    // SAFETY: reads a register; no memory, stack or flags touched.
    unsafe { core::arch::asm!("mov {}, rsp", out(reg) value, options(nomem, nostack, preserves_flags)) };
    value
}

/// Spin-loop hint.
pub fn pause() {
    core::hint::spin_loop();
}

/// Calls the code at `address` (no arguments, the C ABI's clobbers).
///
/// # Safety
/// `address` must hold code that returns, or a test must mean for the call
/// to fault (the SMEP test calls a user page).
pub unsafe fn call_at(address: u64) {
    // SAFETY: the caller's contract; the C ABI clobbers are declared.
    unsafe { core::arch::asm!("call {address}", address = in(reg) address, clobber_abi("C")) };
}

/// Length of the `ud2` instruction.
const UD2_LENGTH_BYTES: u64 = 2;

core::arch::global_asm!(
    r#"
    .pushsection .text.arch_deliberate_invalid_opcode, "ax"
    .global arch_deliberate_invalid_opcode
arch_deliberate_invalid_opcode:
    ud2
    ret
    .popsection
    "#
);

unsafe extern "C" {
    fn arch_deliberate_invalid_opcode();
}

/// Raises an invalid-opcode exception (#UD, vector 6) on this CPU at a known
/// address, from which the kernel's handler may resume (see
/// `resume_after_deliberate_invalid_opcode`). Tests use it to prove which
/// PCR a handler runs on. (#UD rather than #BP: the KVM on our build
/// machines fails to emulate `int3`; see TEAM_NOTES/kvm-here-is-an-emulator.md.)
pub fn raise_deliberate_invalid_opcode() {
    // SAFETY: the routine is `ud2; ret`; the handler resumes at the `ret`.
    unsafe { arch_deliberate_invalid_opcode() };
}

/// If `rip` is the deliberate `ud2`, the address to resume at.
pub fn resume_after_deliberate_invalid_opcode(rip: u64) -> Option<u64> {
    let site = arch_deliberate_invalid_opcode as *const () as u64;
    (rip == site).then_some(site + UD2_LENGTH_BYTES)
}
