//! The flight recorder, kernel side: each CPU records fixed-size events into
//! the ring of its per-CPU block with no lock, no formatting and no heap:
//! one non-locked `xadd gs:[..]` to reserve a sequence number, a TSC read
//! and a few stores. Which events are kept is set by `trace=` and
//! `trace_cpus=` (default: all). On panic, once the other CPUs are stopped,
//! every CPU's last events are dumped over serial in the line format of
//! TEAM_NOTES/flight-recorder-format.md; [`dump_to_console`] does the same on
//! request (the `trace_workload` test, `/sys/kernel/tracing/dump`).
//!
//! `events.rs` has the hooks of system calls, faults, processes, signals,
//! migrations and markers; `window.rs` where each CPU's trace starts (a
//! cleared trace keeps its ring and moves the start); `port.rs` the second
//! serial port dumps go to.

mod dump_notice;
mod events;
mod port;
mod window;

pub use events::*;
pub use window::clear;

use crate::cpu::{self, PerCpu};
use crate::sync::{IrqGuard, PreemptGuard};
use crate::trace::filter::{self, ClassMask, CpuMask, EventClass};
use crate::trace::thread_names::THREAD_NAMES;
use crate::trace::{EventKind, SnapshotCounts, SwitchedOutState, TraceEvent, TraceLine};
use alloc::vec;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// Events per CPU printed by the panic dump (the newest).
pub const DUMPED_EVENTS_PER_CPU: usize = 128;

/// Event classes being recorded ([`EventClass::bit`]s), plus
/// [`CPU_FILTER_ACTIVE`]: one load decides the common case.
static ENABLED_CLASSES: AtomicU32 = AtomicU32::new(filter::ALL_CLASSES);
/// In [`ENABLED_CLASSES`]: some CPU is filtered out, so check [`ENABLED_CPUS`].
const CPU_FILTER_ACTIVE: u32 = 1 << 31;
const _: () = assert!(filter::ALL_CLASSES & CPU_FILTER_ACTIVE == 0);
/// CPUs that record ([`filter::CpuMask`] words).
static ENABLED_CPUS: [AtomicU64; 4] = [const { AtomicU64::new(u64::MAX) }; 4];

/// Hooks interrupt entry and exit (once, on the BSP).
pub fn init() {
    arch::idt::register_observers(on_interrupt_entry, on_interrupt_exit);
}

/// Records only `classes` on `cpus` from now on (`trace=`, `trace_cpus=`).
pub fn configure(classes: ClassMask, cpus: CpuMask) {
    for (word, bits) in ENABLED_CPUS.iter().zip(cpus) {
        word.store(bits, Ordering::Relaxed);
    }
    let cpu_filter = if cpus == filter::ALL_CPUS { 0 } else { CPU_FILTER_ACTIVE };
    ENABLED_CLASSES.store(classes | cpu_filter, Ordering::Release);
}

/// Stops recording (every class off); returns the classes that were on.
pub fn stop() -> ClassMask {
    ENABLED_CLASSES.swap(0, Ordering::AcqRel) & !CPU_FILTER_ACTIVE
}

/// The classes being recorded now (0: stopped).
pub fn enabled_classes() -> ClassMask {
    ENABLED_CLASSES.load(Ordering::Acquire) & !CPU_FILTER_ACTIVE
}

/// The CPUs that record (whether or not any class is on).
pub fn enabled_cpus() -> CpuMask {
    let mut mask = [0; 4];
    for (bits, word) in mask.iter_mut().zip(&ENABLED_CPUS) {
        *bits = word.load(Ordering::Relaxed);
    }
    mask
}

/// Largest ring `resize_rings` makes, in events per CPU (32 MiB of slots).
pub const MAX_EVENTS_PER_CPU: usize = 1 << 20;

/// Gives every CPU a ring of `events` slots (a power of two up to
/// [`MAX_EVENTS_PER_CPU`]) and clears the trace. Only while stopped: a CPU
/// that is recording keeps what it has.
pub fn resize_rings(events: usize) -> Result<(), ResizeError> {
    if !events.is_power_of_two() || events > MAX_EVENTS_PER_CPU {
        return Err(ResizeError::BadSize);
    }
    if enabled_classes() != 0 {
        return Err(ResizeError::Recording);
    }
    for block in cpu::online() {
        block.trace.resize(events);
    }
    clear();
    Ok(())
}

/// Why [`resize_rings`] refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResizeError {
    /// Not a power of two, or above the largest size.
    BadSize,
    /// Tracing is on: stop it first.
    Recording,
}

/// Events each CPU's ring holds (all rings have the boot CPU's size).
pub fn events_per_cpu() -> usize {
    cpu::online().next().map_or(0, |block| block.trace.ring().capacity())
}

fn cpu_enabled(cpu: u32) -> bool {
    let word = &ENABLED_CPUS[(cpu / 64) as usize % ENABLED_CPUS.len()];
    word.load(Ordering::Relaxed) & (1 << (cpu % 64)) != 0
}

/// Records `event` on the running CPU (nothing before its block exists, or
/// when its class or this CPU is filtered out). The guard keeps the thread
/// on its CPU from finding the ring to writing it, so it cannot migrate
/// halfway and write into another CPU's ring (interrupts may still nest:
/// they take later sequences).
#[inline]
fn record(kind: EventKind, event: TraceEvent) {
    record_with_data(kind, event, &[]);
}

/// Whether events of `kind` are recorded at all now: one load and a test,
/// for hooks that must gather their payload first.
#[inline]
fn class_enabled(kind: EventKind) -> bool {
    ENABLED_CLASSES.load(Ordering::Relaxed) & EventClass::of(kind).bit() != 0
}

/// Records `head` and then its `data` slots ([`EventKind::Data`], `(wide,
/// narrow)` each) with consecutive sequences unless an interrupt nests
/// (its events have no data slots, so a reader pairs each data slot with
/// the last head before it). One guard for all: no switch in between.
#[inline]
fn record_with_data(kind: EventKind, head: TraceEvent, data: &[(u64, u32)]) {
    let enabled = ENABLED_CLASSES.load(Ordering::Relaxed);
    if enabled & EventClass::of(kind).bit() == 0 {
        return;
    }
    let guard = PreemptGuard::new();
    if let Some(this) = cpu::try_this_cpu(&guard) {
        if enabled & CPU_FILTER_ACTIVE == 0 || cpu_enabled(this.id().as_u32()) {
            let ring = this.trace.ring();
            let sequence = percpu::trace_reserve_sequence();
            ring.write(sequence, arch::tsc::read(), head);
            for (index, &(wide, narrow)) in data.iter().enumerate() {
                let sequence = percpu::trace_reserve_sequence();
                ring.write(sequence, arch::tsc::read(), TraceEvent::data(index as u8, wide, narrow));
            }
        }
    }
}

/// Notes the running thread's name for the dump (it is `previous` of a switch).
fn note_running_thread_name() {
    let guard = IrqGuard::new();
    if let Some(this) = cpu::try_this_cpu(&guard) {
        // SAFETY: this CPU's own run queue, with interrupts off (the guard).
        unsafe { this.run_queue.with_current(|thread| THREAD_NAMES.note(thread.id(), thread.name())) };
    }
}

/// Names the running thread `name` in the dump from now on (after exec).
fn rename_running_thread(name: &str) {
    let guard = IrqGuard::new();
    if let Some(this) = cpu::try_this_cpu(&guard) {
        // SAFETY: this CPU's own run queue, with interrupts off (the guard).
        unsafe { this.run_queue.with_current(|thread| THREAD_NAMES.rename(thread.id(), name)) };
    }
}

/// A context switch away from `previous` (which left in `state`) to `next`;
/// called while `previous` is still this CPU's running thread.
pub fn context_switch(previous: u32, next: u32, state: SwitchedOutState) {
    note_running_thread_name();
    record(EventKind::ContextSwitch, TraceEvent::context_switch(previous, next, state));
}

/// Thread `thread` made runnable on CPU `target_cpu`.
pub fn wakeup(thread: u32, target_cpu: u32) {
    record(EventKind::Wakeup, TraceEvent::wakeup(thread, target_cpu as u8));
}

/// IPI `vector` sent to `target_cpu`.
pub fn ipi_send(target_cpu: u32, vector: u8) {
    record(EventKind::IpiSend, TraceEvent::ipi_send(target_cpu, vector));
}

/// IPI `vector` received.
pub fn ipi_receive(vector: u8) {
    record(EventKind::IpiReceive, TraceEvent::ipi_receive(vector));
}

/// Exception `vector` at `rip`.
pub fn exception(vector: u8, rip: u64) {
    record(EventKind::Exception, TraceEvent::exception(vector, rip));
}

fn on_interrupt_entry(vector: u8) {
    cpu::count_interrupt(vector);
    record(EventKind::IrqEntry, TraceEvent::irq_entry(vector));
}

fn on_interrupt_exit(vector: u8) {
    record(EventKind::IrqExit, TraceEvent::irq_exit(vector));
}

/// Prints one record as one whole line.
type LineSink<'s> = &'s mut dyn FnMut(core::fmt::Arguments);

/// The dump's opening: `BEGIN` (CPU count, TSC rate) and the thread names,
/// after noting this CPU's running thread (the table may lack it). Idle
/// threads are thread 0 (Linux's pid 0): no name line, the exports call
/// them `swapper/N`.
fn write_preamble(print: LineSink<'_>) {
    note_running_thread_name();
    let begin = TraceLine::Begin { cpus: cpu::online_count(), tsc_hz: crate::timer::tsc_hz() };
    print(format_args!("{begin}\n"));
    THREAD_NAMES.for_each(|thread, name| print(format_args!("{}\n", TraceLine::Thread { thread, name })));
}

/// One CPU's header and events.
fn write_cpu(print: LineSink<'_>, block: &PerCpu, counts: &SnapshotCounts, events: &[TraceEvent]) {
    let cpu = block.id().as_u32();
    let header = TraceLine::CpuHeader { cpu, idle_thread: Some(block.run_queue.idle.id()), counts: *counts };
    print(format_args!("{header}\n"));
    for &event in events {
        print(format_args!("{}\n", TraceLine::Event { cpu, event }));
    }
}

fn emergency_line(args: core::fmt::Arguments) {
    crate::console::emergency_print(args);
}

fn console_line(args: core::fmt::Arguments) {
    crate::console::print(args);
}

fn port_line(args: core::fmt::Arguments) {
    port::print(args);
}

/// Dumps the newest events of every online CPU. For the panic path: call
/// only after the other CPUs are stopped, on one CPU; allocates nothing.
pub fn dump_all_cpus() {
    static mut DUMP_BUFFER: [TraceEvent; DUMPED_EVENTS_PER_CPU] = [TraceEvent::EMPTY; DUMPED_EVENTS_PER_CPU];
    // SAFETY: only the one panicking CPU gets here (panic.rs lets a single CPU
    // through), so the buffer has no other user.
    let buffer = unsafe { core::slice::from_raw_parts_mut((&raw mut DUMP_BUFFER).cast::<TraceEvent>(), DUMPED_EVENTS_PER_CPU) };
    write_preamble(&mut emergency_line);
    let mut cpus = 0;
    for block in cpu::online() {
        let next_sequence = block.pcr().trace_next_sequence.load(Ordering::Acquire);
        let counts = block.trace.ring().snapshot_into(next_sequence, buffer);
        let kept = (counts.kept() as usize).min(buffer.len());
        write_cpu(&mut emergency_line, block, &counts, &buffer[..kept]);
        cpus += 1;
    }
    emergency_line(format_args!("{}\n", TraceLine::End { cpus }));
}

/// Dumps every event the rings of the online CPUs hold to the console while
/// the system runs. Every CPU's ring is copied first (one cut
/// across CPUs), then printed; events recorded meanwhile count as not yet
/// recorded. Call [`stop`] first to keep the dump out of the trace.
pub fn dump_to_console() {
    dump_live(&mut console_line);
}

/// What [`dump_to_trace_port`] wrote: for the console's one-line notice.
#[derive(Clone, Copy, Debug)]
pub struct DumpReport {
    pub cpus: u32,
    pub kept: u64,
    pub lost: u64,
    pub torn: u64,
    /// Whether the dump went to the trace port (else, with no second
    /// serial port, to the console).
    pub to_port: bool,
}

/// Dumps like [`dump_to_console`] but to the second serial port, which
/// `cargo xtask` saves to a file, so the dump never mixes with the
/// console; without that port, to the console. Counts what it wrote.
pub fn dump_to_trace_port() -> DumpReport {
    let to_port = port::present();
    let mut sink: fn(core::fmt::Arguments) = if to_port { port_line } else { console_line };
    let (cpus, counts) = dump_live(&mut sink);
    DumpReport { cpus, kept: counts.kept(), lost: counts.lost, torn: counts.torn, to_port }
}

/// The live dump as text (the lines of [`dump_to_console`]), for reading
/// `/sys/kernel/tracing/trace`.
pub fn dump_to_text() -> alloc::string::String {
    use core::fmt::Write;
    let mut text = alloc::string::String::new();
    dump_live(&mut |args| {
        let _ = text.write_fmt(args);
    });
    text
}

/// Copies every online CPU's ring (since its trace start, see `window`),
/// then prints the dump with `print`; returns the CPUs and summed counts.
fn dump_live(print: LineSink<'_>) -> (u32, SnapshotCounts) {
    let snapshots: Vec<(&PerCpu, SnapshotCounts, Vec<TraceEvent>)> = cpu::online()
        .map(|block| {
            let mut buffer = vec![TraceEvent::EMPTY; block.trace.ring().capacity()];
            let next_sequence = block.pcr().trace_next_sequence.load(Ordering::Acquire);
            let counts = window::snapshot_since_start(block, next_sequence, &mut buffer);
            buffer.truncate(counts.kept() as usize);
            (block, counts, buffer)
        })
        .collect();
    write_preamble(print);
    let mut total = SnapshotCounts::default();
    for (block, counts, events) in &snapshots {
        write_cpu(print, block, counts, events);
        total.recorded += counts.recorded;
        total.lost += counts.lost;
        total.torn += counts.torn;
    }
    print(format_args!("{}\n", TraceLine::End { cpus: snapshots.len() as u32 }));
    (snapshots.len() as u32, total)
}
