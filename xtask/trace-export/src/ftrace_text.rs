//! `trace.txt`: the events in Linux's ftrace text format, as
//! `/sys/kernel/tracing/trace` prints them (nop tracer, irq-info columns),
//! so that Perfetto and other ftrace tools import it.
//!
//! ```text
//!           <idle>-0       [001] d.h..  1364.213371: irq_handler_entry: irq=253 name=timer
//!           ping-0-6       [000] d....  1364.213400: sched_switch: prev_comm=ping-0 prev_pid=6 ...
//! ```
//!
//! Context columns: the running thread's comm (`<idle>` for pid 0) and pid,
//! the CPU, and the flags `d` (interrupts off: the scheduler and interrupt
//! handlers run so) and `h` (inside an interrupt handler). Exceptions have
//! no Linux event and are left out.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::linux::{self, DEFAULT_PRIO};
use crate::model::{Event, Payload, Trace};

/// Vectors below this are CPU exceptions, not interrupts (x86).
const FIRST_INTERRUPT_VECTOR: u8 = 32;

/// The column header of ftrace's `trace` file with irq-info on.
const COLUMN_HEADER: &str = "\
#                                _-----=> irqs-off/BH-disabled
#                               / _----=> need-resched
#                              | / _---=> hardirq/softirq
#                              || / _--=> preempt-depth
#                              ||| / _-=> migrate-disable
#                              |||| /     delay
#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION
#              | |         |   |||||     |         |
";

/// The whole file.
pub fn write(trace: &Trace) -> String {
    let mut out = String::new();
    out.push_str("# tracer: nop\n#\n");
    let _ = writeln!(
        out,
        "# entries-in-buffer/entries-written: {}/{}   #P:{}",
        trace.entries,
        trace.entries_written,
        trace.cpus.len()
    );
    out.push_str("#\n");
    out.push_str(COLUMN_HEADER);
    let mut in_interrupt: BTreeMap<u32, u32> = BTreeMap::new();
    for event in trace.events_by_time() {
        let depth = in_interrupt.entry(event.cpu).or_default();
        // Exceptions (vectors below 32, e.g. a page fault) are not hard interrupts.
        match event.payload {
            Payload::IrqEntry { vector } if vector >= FIRST_INTERRUPT_VECTOR => *depth += 1,
            Payload::IrqExit { vector } if vector >= FIRST_INTERRUPT_VECTOR => *depth = depth.saturating_sub(1),
            _ => {}
        }
        // The exit line is still printed from inside the handler.
        let inside = *depth > 0 || matches!(event.payload, Payload::IrqExit { vector } if vector >= FIRST_INTERRUPT_VECTOR);
        if let Some(body) = body(trace, &event) {
            let (name, fields) = body;
            let current = trace.thread(event.current);
            let comm = if current.pid == 0 { "<idle>" } else { current.name.as_str() };
            let interrupts_off = inside || matches!(event.payload, Payload::Switch { .. } | Payload::Wakeup { .. });
            let flags = format!(
                "{}.{}..",
                if interrupts_off { 'd' } else { '.' },
                if inside { 'h' } else { '.' }
            );
            let _ = writeln!(
                out,
                "{comm:>16}-{pid:<7} [{cpu:03}] {flags} {seconds:>5}.{micros:06}: {name}: {fields}",
                pid = current.pid,
                cpu = event.cpu,
                seconds = event.ns / 1_000_000_000,
                micros = event.ns % 1_000_000_000 / 1_000,
            );
        }
    }
    out
}

/// The event's name and fields as Linux's trace-event formats print them.
fn body(trace: &Trace, event: &Event) -> Option<(&'static str, String)> {
    Some(match event.payload {
        Payload::Switch {
            prev,
            next,
            prev_state,
        } => {
            let (prev, next) = (trace.thread_on(prev, event.cpu), trace.thread_on(next, event.cpu));
            (
                "sched_switch",
                format!(
                    "prev_comm={} prev_pid={} prev_prio={DEFAULT_PRIO} prev_state={} ==> next_comm={} next_pid={} next_prio={DEFAULT_PRIO}",
                    prev.name,
                    prev.pid,
                    linux::prev_state(prev_state).1,
                    next.name,
                    next.pid
                ),
            )
        }
        Payload::Wakeup { thread, target_cpu } => {
            let woken = trace.thread(thread);
            (
                "sched_waking",
                format!(
                    "comm={} pid={} prio={DEFAULT_PRIO} target_cpu={target_cpu:03}",
                    woken.name, woken.pid
                ),
            )
        }
        Payload::IrqEntry { vector } => (
            "irq_handler_entry",
            format!("irq={vector} name={}", linux::vector_name(vector)),
        ),
        Payload::IrqExit { vector } => ("irq_handler_exit", format!("irq={vector} ret=handled")),
        Payload::IpiSend { target_cpu, vector } => (
            "ipi_raise",
            format!(
                "target_mask={} ({})",
                cpu_mask(target_cpu, trace.cpus.len()),
                linux::ipi_reason(vector)
            ),
        ),
        Payload::IpiReceive { vector } => ("ipi_entry", format!("({})", linux::ipi_reason(vector))),
        Payload::Exception { .. } | Payload::Unknown { .. } => return None,
        _ => return process_body(trace, event),
    })
}

/// System call, fault, process, signal, migration and marker events, in
/// the formats of Linux's `raw_syscalls`, `exceptions`, `sched`, `signal`
/// and `ftrace:print` events. `sys_enter` lists the arguments that were
/// recorded (Linux lists all six).
fn process_body(trace: &Trace, event: &Event) -> Option<(&'static str, String)> {
    let current = trace.thread(event.current);
    Some(match event.payload {
        Payload::SyscallEnter { number, arguments, argument_count } => {
            let listed: Vec<String> = arguments[..usize::from(argument_count)].iter().map(|value| format!("{value:x}")).collect();
            ("sys_enter", format!("NR {number} ({})", listed.join(", ")))
        }
        Payload::SyscallExit { number, value } => ("sys_exit", format!("NR {number} = {value}")),
        Payload::PageFault { address, rip, error_code, user, .. } => (
            if user { "page_fault_user" } else { "page_fault_kernel" },
            format!("address=0x{address:x} ip=0x{rip:x} error_code=0x{error_code:x}"),
        ),
        Payload::Fork { child, .. } => {
            let child = trace.thread(child);
            (
                "sched_process_fork",
                format!("comm={} pid={} child_comm={} child_pid={}", current.name, current.pid, child.name, child.pid),
            )
        }
        Payload::Exec { text } => (
            "sched_process_exec",
            format!("filename={} pid={} old_pid={}", trace.texts[text], current.pid, current.pid),
        ),
        Payload::Exit { thread, .. } => {
            let exiting = trace.thread(thread);
            ("sched_process_exit", format!("comm={} pid={} prio={DEFAULT_PRIO}", exiting.name, exiting.pid))
        }
        Payload::SignalGenerate { signal, code, target, group, result } => {
            let target = trace.thread(target);
            (
                "signal_generate",
                format!(
                    "sig={signal} errno=0 code={code} comm={} pid={} grp={} res={result}",
                    target.name,
                    target.pid,
                    u8::from(group)
                ),
            )
        }
        Payload::SignalDeliver { signal, handler, sa_flags } => (
            "signal_deliver",
            format!("sig={signal} errno=0 code=0 sa_handler={handler:x} sa_flags={sa_flags:x}"),
        ),
        Payload::Migrate { thread, from, to } => {
            let moved = trace.thread(thread);
            (
                "sched_migrate_task",
                format!("comm={} pid={} prio={DEFAULT_PRIO} orig_cpu={from} dest_cpu={to}", moved.name, moved.pid),
            )
        }
        Payload::Marker { text } => ("tracing_mark_write", trace.texts[text].clone()),
        _ => return None,
    })
}

/// A one-CPU mask as Linux prints bitmasks: 32-bit words in hex, highest first, comma-separated.
pub fn cpu_mask(cpu: u32, cpus: usize) -> String {
    let words = cpus.max(cpu as usize + 1).div_ceil(32);
    (0..words)
        .rev()
        .map(|word| {
            let bits = if cpu as usize / 32 == word { 1u32 << (cpu % 32) } else { 0 };
            format!("{bits:08x}")
        })
        .collect::<Vec<_>>()
        .join(",")
}
