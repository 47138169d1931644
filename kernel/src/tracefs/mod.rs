//! `/sys/kernel/tracing`: the flight recorder controlled from user space,
//! with Linux's tracefs file names where they fit
//! (TEAM_NOTES/tracing-from-user-space.md):
//!
//! ```text
//! tracing_on       0 / 1: stop / record the classes of set_event on the CPUs of tracing_cpumask
//! set_event        class names (sched, irq, ipi, exception, syscall, fault, proc, signal, marker),
//!                  or Linux's "sched:*"; O_TRUNC empties the selection, each write adds
//! tracing_cpumask  hex mask (Linux's format)
//! buffer_size_kb   each CPU's ring in KiB; a write (while stopped, else EBUSY) gives every CPU
//!                  a ring of that size rounded up to a power of two of events, and clears
//! trace_marker     each write becomes one marker event (cut at TEXT_MAX_BYTES)
//! trace            reads the dump lines (@@TRACE2, a snapshot at open); O_TRUNC clears the trace
//! dump             (ours) a write sends the dump to the trace port (COM2), a one-line notice to the console
//! ```

mod control_file;

use crate::flight_recorder;
use crate::trace::filter::{self, ClassMask};
use core::sync::atomic::{AtomicU32, Ordering};

/// The classes `set_event` selected: recorded while `tracing_on` is 1.
static SELECTED_CLASSES: AtomicU32 = AtomicU32::new(filter::ALL_CLASSES);

/// Registers the files' opener; the selection starts as what `trace=` chose.
pub fn init() {
    let configured = flight_recorder::enabled_classes();
    SELECTED_CLASSES.store(if configured == 0 { filter::ALL_CLASSES } else { configured }, Ordering::Relaxed);
    crate::file::register_tracing(control_file::open);
}

fn selected_classes() -> ClassMask {
    SELECTED_CLASSES.load(Ordering::Relaxed)
}

/// Whether anything is being recorded.
fn tracing_on() -> bool {
    flight_recorder::enabled_classes() != 0
}

/// Records the selected classes on the chosen CPUs, after noting the names
/// of every thread that exists now (so the dump names them all).
fn start() {
    note_existing_thread_names();
    flight_recorder::configure(selected_classes(), flight_recorder::enabled_cpus());
}

/// Applies a changed selection or CPU mask at once if tracing is on.
fn reapply() {
    if tracing_on() {
        flight_recorder::configure(selected_classes(), flight_recorder::enabled_cpus());
    }
}

/// Notes every user thread's name (its process's command) for the dump.
fn note_existing_thread_names() {
    for process in crate::process::all() {
        let name = process.name();
        for user in crate::process::threads_of(&process) {
            if let Some(thread) = user.thread.get().and_then(alloc::sync::Weak::upgrade) {
                crate::trace::thread_names::THREAD_NAMES.rename(thread.id(), &name);
            }
        }
    }
}
