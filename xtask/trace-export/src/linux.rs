//! Linux's names and encodings, so that Perfetto and ftrace tools read our
//! events as they read Linux's: idle is pid 0 (`swapper/N`, `<idle>` in a
//! line's context), `prev_state` uses the kernel's task-state bits, and
//! interrupt vectors get the names Linux gives them.

use protocol::trace_event::SwitchedOutState;

/// `prev_state` bits and the letter ftrace prints for a thread that left
/// the CPU in `state` (the `small` byte of a switch).
///
/// Runnable (preempted or yielded) is `R` (0); blocked on a queue or lock is
/// `D` (TASK_UNINTERRUPTIBLE, 2: our kernel threads take no signals); a
/// timed sleep is `S` (TASK_INTERRUPTIBLE, 1); exited is `X` (EXIT_DEAD, 16).
pub fn prev_state(state: u8) -> (i64, &'static str) {
    match SwitchedOutState::from_u8(state) {
        Some(SwitchedOutState::Runnable) | None => (0, "R"),
        Some(SwitchedOutState::Sleeping) => (1, "S"),
        Some(SwitchedOutState::Blocked) => (2, "D"),
        Some(SwitchedOutState::Exited) => (16, "X"),
    }
}

/// The name of the idle thread of `cpu` in the exports (Linux's).
pub fn idle_name(cpu: u32) -> String {
    format!("swapper/{cpu}")
}

/// The priority every thread is shown with (Linux's default nice-0 `prio`).
pub const DEFAULT_PRIO: i32 = 120;

/// Interrupt vectors with a name (these mirror `kernel/src/vectors.rs`).
const NAMED_VECTORS: [(u8, &str); 5] = [
    (0xf0, "reschedule"),
    (0xf1, "call_function"),
    (0xfd, "timer"),
    (0xfe, "error_apic"),
    (0xff, "spurious_apic"),
];

/// The name of interrupt `vector` (`vector_N` when it has none).
pub fn vector_name(vector: u8) -> String {
    match NAMED_VECTORS.iter().find(|(number, _)| *number == vector) {
        Some((_, name)) => (*name).to_string(),
        None if vector < 32 => format!("exception_{vector}"),
        None => format!("vector_{vector}"),
    }
}

/// Linux's reason text for an IPI with `vector` (as `ipi_raise` prints it).
pub fn ipi_reason(vector: u8) -> &'static str {
    match vector {
        0xf0 => "Rescheduling interrupts",
        0xf1 => "Function call interrupts",
        _ => "IPI",
    }
}
