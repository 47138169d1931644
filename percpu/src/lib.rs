//! The ProcessorControlRegion (PCR): everything one CPU needs without a lock,
//! reached through `IA32_GS_BASE`.
//!
//! ```text
//!  GS_BASE ──► ┌──────────────────────────────┐ offset
//!              │ self_ref  (points here)      │ 0      mov rax, gs:[0]
//!              │ user_rsp_scratch             │ USER_RSP_SCRATCH_OFFSET
//!              │ kernel_stack_top             │ KERNEL_STACK_TOP_OFFSET
//!              │ cpu_id, apic_id              │ CPU_ID_OFFSET, APIC_ID_OFFSET
//!              │ preempt_count (+ resched bit)│ PREEMPT_COUNT_OFFSET, NO_RESCHED_NEEDED_BIT
//!              │ irq_depth                    │ IRQ_DEPTH_OFFSET
//!              │ timer_ticks                  │ TIMER_TICKS_OFFSET
//!              │ trace_next_sequence          │ TRACE_NEXT_SEQUENCE_OFFSET
//!              │ GDT (this CPU's TSS entry)   │
//!              │ TSS (rsp0, IST1..IST4)       │ TSS_RSP0_OFFSET
//!              └──────────────────────────────┘
//! ```
//!
//! While a CPU runs kernel code `IA32_GS_BASE` holds its PCR and
//! `IA32_KERNEL_GS_BASE` holds the user's GS base (0 until user mode exists).
//! Every field that assembly touches has its offset exported below as a
//! `pub const`, computed with `offset_of!` and asserted at compile time.
//!
//! The PCR is the assembly-visible header of the kernel's typed per-CPU
//! block (`kernel::cpu::PerCpu`): this crate cannot name kernel types, so it
//! holds no pointers to them; the kernel widens `gs:[0]` to its block.
#![cfg_attr(not(test), no_std)]

mod accessors;
mod region;

pub use accessors::*;
pub use region::*;
