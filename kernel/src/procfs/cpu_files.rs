//! `/proc/interrupts` and `/proc/sched_debug`: per-CPU interrupt counts and
//! run-queue state, in the layout of Linux's files (the rows and fields
//! this kernel has; TEAM_NOTES/proc-and-tools.md lists them).

use crate::vectors;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;
use core::sync::atomic::Ordering;

/// Linux's row names and descriptions for the local vectors.
const NAMED_VECTORS: [(u8, &str, &str); 5] = [
    (vectors::LAPIC_TIMER, "LOC", "Local timer interrupts"),
    (vectors::RESCHEDULE, "RES", "Rescheduling interrupts"),
    (vectors::CALL_FUNCTION, "CAL", "Function call interrupts"),
    (vectors::LAPIC_ERROR, "ERR", "APIC error interrupts"),
    (vectors::LAPIC_SPURIOUS, "SPU", "Spurious interrupts"),
];

/// `/proc/interrupts`: a `CPUn` header, then one row per vector taken
/// (named rows as Linux's for the local APIC vectors, the vector number
/// otherwise), one count column per online CPU.
pub fn interrupts() -> Vec<u8> {
    let mut text = String::from("    ");
    for cpu in crate::cpu::online() {
        let _ = write!(text, " {:>10}", alloc::format!("CPU{}", cpu.id().index()));
    }
    text.push('\n');
    for vector in 0..=u8::MAX {
        let counts: Vec<u64> = crate::cpu::online().map(|cpu| cpu.interrupts.of_vector(vector)).collect();
        let named = NAMED_VECTORS.iter().find(|(named, _, _)| *named == vector);
        if counts.iter().all(|&count| count == 0) && named.is_none() {
            continue;
        }
        let (label, description) = match named {
            Some((_, label, description)) => (String::from(*label), String::from(*description)),
            None => (alloc::format!("{vector}"), alloc::format!("vector {vector:#04x}")),
        };
        let _ = write!(text, "{label:>3}:");
        for count in counts {
            let _ = write!(text, " {count:>10}");
        }
        let _ = writeln!(text, "   {description}");
    }
    text.into_bytes()
}

/// `/proc/sched_debug`: Linux's `cpu#N` sections with the fields this
/// kernel keeps: `.nr_running` (queued plus running, as Linux counts),
/// `.nr_switches`, `.curr->pid` (0: the idle thread, as Linux numbers
/// it), and two of ours: `.curr->comm` (the running thread's process
/// name; `swapper/N` for idle as Linux calls it, `[kernel]` for another
/// kernel thread) and `.apic_id`.
pub fn sched_debug() -> Vec<u8> {
    let mut text = String::new();
    let nanos = crate::clock::monotonic_nanos();
    let _ = writeln!(text, "Sched Debug Version: v0.11, this kernel");
    let _ = writeln!(text, "ktime                                   : {}.{:06}", nanos / 1_000_000, nanos % 1_000_000);
    for cpu in crate::cpu::online() {
        let queue = &cpu.run_queue;
        let current = queue.current_id.load(Ordering::Relaxed);
        let (pid, command) = if current == queue.idle.id() {
            (0, alloc::format!("swapper/{}", cpu.id().index()))
        } else {
            (current, crate::process::find_thread(current).map_or_else(|| String::from("[kernel]"), |user| user.process.name()))
        };
        let _ = write!(
            text,
            "\ncpu#{}\n  .nr_running                    : {}\n  .nr_switches                   : {}\n  .curr->pid                     : {pid}\n  .curr->comm                    : {command}\n  .apic_id                       : {}\n",
            cpu.id().index(),
            queue.load(),
            queue.switches.load(Ordering::Relaxed),
            cpu.apic_id(),
        );
    }
    text.into_bytes()
}
