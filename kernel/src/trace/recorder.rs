//! The per-CPU flight recorder, kernel side: each CPU records fixed-size
//! events into its own ring (reached from its PCR) with no lock, no
//! formatting and no heap: one non-locked `xadd gs:[..]` to reserve a
//! sequence number, a TSC read and a few stores. On panic, once the other
//! CPUs are stopped, every CPU's last events are dumped over serial in the
//! line format of TEAM_NOTES/flight-recorder-format.md.

use crate::sched::ThreadState;
use alloc::boxed::Box;
use core::sync::atomic::Ordering;
use super::{format_cpu_dump, format_end, SwitchedOutState, TraceEvent, TraceRing};

/// Events each CPU keeps (a power of two).
pub const EVENTS_PER_CPU: usize = 4096;
/// Events per CPU printed by the panic dump (the newest).
pub const DUMPED_EVENTS_PER_CPU: usize = 128;

/// Gives the calling CPU its ring; on the first call also hooks interrupt
/// entry and exit.
pub fn init_this_cpu() {
    let ring: &'static TraceRing<'static> = Box::leak(Box::new(TraceRing::leak_new(EVENTS_PER_CPU)));
    percpu::current().trace_ring.store(ring as *const TraceRing as usize, Ordering::Release);
    if percpu::cpu_id() == 0 {
        arch::idt::register_observers(on_interrupt_entry, on_interrupt_exit);
    }
}

fn ring_of(pcr: &percpu::ProcessorControlRegion) -> Option<&'static TraceRing<'static>> {
    let pointer = pcr.trace_ring.load(Ordering::Acquire) as *const TraceRing<'static>;
    // SAFETY: only leaked (never freed) rings are stored in PCRs.
    (!pointer.is_null()).then(|| unsafe { &*pointer })
}

/// Records `event` on the running CPU (nothing before its ring exists).
/// Preemption is off for the few instructions between finding this CPU's
/// ring and writing it, so a thread cannot migrate halfway and write into
/// another CPU's ring (interrupts may still nest: they take later sequences).
#[inline]
fn record(event: TraceEvent) {
    percpu::preempt_disable();
    if let Some(ring) = ring_of(percpu::current()) {
        let sequence = percpu::trace_reserve_sequence();
        ring.write(sequence, arch::tsc::read(), event);
    }
    percpu::preempt_enable();
}

/// A context switch away from `previous` (which left in `state`) to `next`.
pub fn context_switch(previous: u32, next: u32, state: ThreadState) {
    let state = match state {
        ThreadState::Running | ThreadState::Runnable => SwitchedOutState::Runnable,
        ThreadState::Blocked => SwitchedOutState::Blocked,
        ThreadState::Sleeping => SwitchedOutState::Sleeping,
        ThreadState::Exited => SwitchedOutState::Exited,
    };
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
    for pcr in crate::cpus::online() {
        let Some(ring) = ring_of(pcr) else { continue };
        let next_sequence = pcr.trace_next_sequence.load(Ordering::Acquire);
        let counts = ring.snapshot_into(next_sequence, buffer);
        let kept = (counts.kept() as usize).min(buffer.len());
        let _ = format_cpu_dump(pcr.cpu_id, &counts, &buffer[..kept], &mut EmergencyWriter);
        cpus += 1;
    }
    let _ = format_end(cpus, &mut EmergencyWriter);
    crate::console::emergency_print(format_args!("\n"));
}
