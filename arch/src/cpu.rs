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

/// Spin-loop hint.
pub fn pause() {
    core::hint::spin_loop();
}

/// Raises a breakpoint exception (#BP, vector 3) on this CPU.
pub fn breakpoint() {
    x86_64::instructions::interrupts::int3();
}

/// The current stack pointer.
#[inline(always)]
pub fn stack_pointer() -> u64 {
    let rsp: u64;
    // SAFETY: reads RSP, no side effects.
    unsafe { core::arch::asm!("mov {}, rsp", out(reg) rsp, options(nomem, nostack, preserves_flags)) };
    rsp
}
