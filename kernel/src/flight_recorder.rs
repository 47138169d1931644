//! The flight recorder, kernel side: each CPU records fixed-size events into
//! the ring of its per-CPU block with no lock, no formatting and no heap:
//! one non-locked `xadd gs:[..]` to reserve a sequence number, a TSC read
//! and a few stores. On panic, once the other CPUs are stopped, every CPU's
//! last events are dumped over serial in the line format of
//! TEAM_NOTES/flight-recorder-format.md.

use crate::trace::{format_cpu_dump, format_end, SwitchedOutState, TraceEvent};
use crate::cpu;
use crate::sync::PreemptGuard;
use core::sync::atomic::Ordering;

/// Events per CPU printed by the panic dump (the newest).
pub const DUMPED_EVENTS_PER_CPU: usize = 128;

/// Hooks interrupt entry and exit (once, on the BSP).
pub fn init() {
    arch::idt::register_observers(on_interrupt_entry, on_interrupt_exit);
}

/// Records `event` on the running CPU (nothing before its block exists).
/// The guard keeps the thread on its CPU from finding the ring to writing
/// it, so it cannot migrate halfway and write into another CPU's ring
/// (interrupts may still nest: they take later sequences).
#[inline]
fn record(event: TraceEvent) {
    let guard = PreemptGuard::new();
    if let Some(this) = cpu::try_this_cpu(&guard) {
        let sequence = percpu::trace_reserve_sequence();
        this.trace.write(sequence, arch::tsc::read(), event);
    }
}

/// A context switch away from `previous` (which left in `state`) to `next`.
pub fn context_switch(previous: u32, next: u32, state: SwitchedOutState) {
    record(TraceEvent::context_switch(previous, next, state));
}

/// Thread `thread` made runnable on CPU `target_cpu`.
pub fn wakeup(thread: u32, target_cpu: u32) {
    record(TraceEvent::wakeup(thread, target_cpu as u8));
}

/// IPI `vector` sent to `target_cpu`.
pub fn ipi_send(target_cpu: u32, vector: u8) {
    record(TraceEvent::ipi_send(target_cpu, vector));
}

/// IPI `vector` received.
pub fn ipi_receive(vector: u8) {
    record(TraceEvent::ipi_receive(vector));
}

/// Exception `vector` at `rip`.
pub fn exception(vector: u8, rip: u64) {
    record(TraceEvent::exception(vector, rip));
}

fn on_interrupt_entry(vector: u8) {
    record(TraceEvent::irq_entry(vector));
}

fn on_interrupt_exit(vector: u8) {
    record(TraceEvent::irq_exit(vector));
}

/// Writes through the emergency console (the dump runs during a panic).
struct EmergencyWriter;

impl core::fmt::Write for EmergencyWriter {
    fn write_str(&mut self, text: &str) -> core::fmt::Result {
        crate::console::emergency_print(format_args!("{text}"));
        Ok(())
    }
}

/// Dumps the newest events of every online CPU. For the panic path: call
/// only after the other CPUs are stopped, on one CPU; allocates nothing.
pub fn dump_all_cpus() {
    static mut DUMP_BUFFER: [TraceEvent; DUMPED_EVENTS_PER_CPU] =
        [TraceEvent { sequence: 0, tsc: 0, wide: 0, narrow: 0, kind: 0, small: 0, reserved: 0 }; DUMPED_EVENTS_PER_CPU];
    // SAFETY: only the one panicking CPU gets here (panic.rs lets a single CPU
    // through), so the buffer has no other user.
    let buffer = unsafe { core::slice::from_raw_parts_mut((&raw mut DUMP_BUFFER).cast::<TraceEvent>(), DUMPED_EVENTS_PER_CPU) };
    let mut cpus = 0;
    for block in cpu::online() {
        let next_sequence = block.pcr().trace_next_sequence.load(Ordering::Acquire);
        let counts = block.trace.snapshot_into(next_sequence, buffer);
        let kept = (counts.kept() as usize).min(buffer.len());
        let _ = format_cpu_dump(block.id().as_u32(), &counts, &buffer[..kept], &mut EmergencyWriter);
        cpus += 1;
    }
    let _ = format_end(cpus, &mut EmergencyWriter);
    crate::console::emergency_print(format_args!("\n"));
}
