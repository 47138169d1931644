//! One-instruction `gs:`-relative accessors for the running CPU's PCR.
//!
//! All of these assume `IA32_GS_BASE` points at this CPU's PCR, which holds
//! from `ProcessorControlRegion::load_on_this_cpu` on (the BSP does it first thing in
//! Rust, an AP before its first Rust function). Entry stubs keep it true in
//! interrupt context by doing the `swapgs` decision before any Rust runs.

use crate::region::{
    ProcessorControlRegion, CPU_ID_OFFSET, IRQ_DEPTH_OFFSET, NO_RESCHED_NEEDED_BIT, PREEMPT_COUNT_OFFSET,
    SELF_REF_OFFSET, TRACE_NEXT_SEQUENCE_OFFSET,
};
use core::arch::asm;

/// The address of the running CPU's PCR, in one `gs:`-relative load.
///
/// A raw pointer on purpose: the thread may migrate right after the load, so
/// the PCR it names is "the CPU this code ran on a moment ago". The kernel
/// turns it into a reference only under a guard that keeps the thread on
/// its CPU (`kernel::cpu::this_cpu`). The asm is not `pure`: the compiler
/// must not reuse one load across code that may migrate.
#[inline(always)]
pub fn current_pcr() -> *const ProcessorControlRegion {
    let pcr: *const ProcessorControlRegion;
    // SAFETY: GS_BASE points at a loaded, 'static PCR whose first field
    // is its own address (offset asserted to be 0 in region.rs).
    unsafe {
        asm!("mov {}, gs:[{off}]", out(reg) pcr, off = const SELF_REF_OFFSET,
             options(nostack, preserves_flags, readonly));
    }
    pcr
}

/// Whether the calling CPU has loaded a PCR: its `IA32_GS_BASE` holds an
/// upper-half (kernel) address, as every PCR is in the upper half; before
/// `load_on_this_cpu` it is 0. Reads the MSR: for the panic and fault paths,
/// which may run on a CPU caught early in its bring-up, not for fast paths.
pub fn pcr_is_loaded() -> bool {
    x86_64::registers::model_specific::GsBase::read().as_u64() >> 63 == 1
}

/// The dense id (0 = BSP) of the CPU this code runs on, in one `gs:`-relative
/// load. Without a guard it may be stale as soon as it is read (the thread
/// may migrate): good for reports, not for indexing per-CPU state.
#[inline(always)]
pub fn cpu_id() -> u32 {
    let id: u32;
    // SAFETY: as in `current_pcr`; `cpu_id` never changes after install.
    unsafe {
        asm!("mov {:e}, gs:[{off}]", out(reg) id, off = const CPU_ID_OFFSET,
             options(nostack, preserves_flags, readonly));
    }
    id
}

/// The running CPU's raw `preempt_count` word (count and inverted flag).
#[inline(always)]
fn preempt_word() -> u32 {
    let word: u32;
    // SAFETY: as in `cpu_id`.
    unsafe {
        asm!("mov {:e}, gs:[{off}]", out(reg) word, off = const PREEMPT_COUNT_OFFSET,
             options(nostack, preserves_flags, readonly));
    }
    word
}

/// Whether preemption is enabled and a reschedule is due: the word is 0.
#[inline(always)]
pub fn should_preempt() -> bool {
    preempt_word() == 0
}

/// Whether a reschedule is due on the running CPU (whatever the count).
#[inline(always)]
pub fn need_resched() -> bool {
    preempt_word() & NO_RESCHED_NEEDED_BIT == 0
}

/// Marks a reschedule due (or not) on the running CPU: one `and`/`or` on
/// the folded bit, so it cannot tear against the count on this CPU.
#[inline(always)]
pub fn set_need_resched(due: bool) {
    // SAFETY: a single read-modify-write of this CPU's own word; an
    // interrupt on this CPU falls before or after it.
    unsafe {
        if due {
            asm!("and dword ptr gs:[{off}], {mask:e}", mask = in(reg) !NO_RESCHED_NEEDED_BIT,
                 off = const PREEMPT_COUNT_OFFSET, options(nostack));
        } else {
            asm!("or dword ptr gs:[{off}], {bit:e}", bit = in(reg) NO_RESCHED_NEEDED_BIT,
                 off = const PREEMPT_COUNT_OFFSET, options(nostack));
        }
    }
}

/// Disables preemption on this CPU (nests): one `inc dword ptr gs:[..]`.
///
/// # Safety
/// Must be paired with exactly one `preempt_enable` on the same CPU; the
/// kernel does this only through its guards (`kernel::sync::PreemptGuard`,
/// `IrqGuard`).
#[inline(always)]
pub unsafe fn preempt_disable() {
    // SAFETY: only this CPU writes its own counter; a single instruction
    // cannot be split by an interrupt on this CPU.
    unsafe { asm!("inc dword ptr gs:[{off}]", off = const PREEMPT_COUNT_OFFSET, options(nostack)) };
}

/// Re-enables preemption on this CPU: one `dec dword ptr gs:[..]`.
/// Returns true when that left the word at 0: preemption is enabled again
/// and a reschedule is due.
///
/// # Safety
/// Ends one earlier `preempt_disable` on this CPU (see there).
#[inline(always)]
pub unsafe fn preempt_enable() -> bool {
    let reached_zero: u8;
    // SAFETY: as in `preempt_disable`.
    unsafe {
        asm!("dec dword ptr gs:[{off}]", "setz {z}", z = out(reg_byte) reached_zero,
             off = const PREEMPT_COUNT_OFFSET, options(nostack));
    }
    reached_zero != 0
}

/// Marks entry into an interrupt handler: one `inc dword ptr gs:[..]`.
#[inline(always)]
pub fn irq_enter() {
    // SAFETY: as in `preempt_disable`.
    unsafe { asm!("inc dword ptr gs:[{off}]", off = const IRQ_DEPTH_OFFSET, options(nostack)) };
}

/// Marks exit from an interrupt handler: one `dec dword ptr gs:[..]`.
#[inline(always)]
pub fn irq_exit() {
    // SAFETY: as in `preempt_disable`.
    unsafe { asm!("dec dword ptr gs:[{off}]", off = const IRQ_DEPTH_OFFSET, options(nostack)) };
}

/// Whether the running CPU is inside an interrupt handler.
#[inline(always)]
pub fn in_interrupt() -> bool {
    let depth: u32;
    // SAFETY: as in `cpu_id`.
    unsafe {
        asm!("mov {:e}, gs:[{off}]", out(reg) depth, off = const IRQ_DEPTH_OFFSET,
             options(nostack, preserves_flags, readonly));
    }
    depth != 0
}

/// Preemption nesting on the running CPU (0: preemption enabled).
#[inline(always)]
pub fn preempt_count() -> u32 {
    preempt_word() & !NO_RESCHED_NEEDED_BIT
}

/// Reserves the next flight-recorder sequence number of the running CPU:
/// one non-locked `xadd` (an interrupt on this CPU falls before or after it,
/// never inside; no other CPU writes this counter).
#[inline(always)]
pub fn trace_reserve_sequence() -> u64 {
    let mut sequence: u64 = 1;
    // SAFETY: only this CPU writes its own counter; one instruction.
    unsafe {
        asm!("xadd gs:[{off}], {seq}", seq = inout(reg) sequence, off = const TRACE_NEXT_SEQUENCE_OFFSET,
             options(nostack));
    }
    sequence
}
