//! The per-CPU spine, kernel side: each CPU's typed block ([`PerCpu`]) with
//! the assembly-visible PCR at offset 0, the guards through which the
//! running CPU's block is borrowed, the [`CpuId`]s of online CPUs and the
//! registry that maps one to the other.
//!
//! ```text
//!  GS_BASE ──► PerCpu ┌ pcr: ProcessorControlRegion   (percpu crate; gs: fast paths)
//!                     │ run_queue: RunQueue            runnable, current and idle thread
//!                     │ trace: TraceRing               flight recorder
//!                     │ calls: CallQueue               IPI function calls
//!                     │ interrupts: InterruptCounts    taken, by vector
//!                     └ lapic: Lapic                   owner-only (ThisCpu)
//! ```
//!
//! Rules (TEAM_NOTES/per-cpu-spine.md):
//! - The running CPU's block: `this_cpu(&guard)` with a `sync::PreemptGuard`
//!   or `sync::IrqGuard`; the borrow cannot outlive the guard, so the code holding
//!   it cannot migrate. Owner-only state (the LAPIC) is reachable only so.
//! - Another CPU's block: `cpu::get(id)` with a [`CpuId`], which exists only
//!   for CPUs that came online; it exposes what is meant to be shared
//!   (atomics, queues behind their own locks).
//! - Blocks are allocated at boot for the CPUs the MADT lists: per-CPU memory
//!   grows with the CPUs that exist. CPU sets are `crate::cpu_set::CpuSet`.

mod call_queue;
mod interrupt_counts;
mod per_cpu;
mod registry;

pub use call_queue::{CallQueue, CallRequest};
pub use interrupt_counts::{count_interrupt, InterruptCounts};
pub use crate::cpu_id::CpuId;
pub use per_cpu::{this_cpu, try_this_cpu, PerCpu, ThisCpu};
pub(crate) use registry::block;
pub use registry::{abandon, count, get, install_all, mark_online, online, online_count, online_id, with_apic_id};
