//! Where each CPU's trace starts: clearing the trace (`trace` opened with
//! `O_TRUNC`, `trace start`) notes every CPU's sequence counter instead of
//! touching its ring, and live dumps keep and count only the events from
//! there on. The panic dump ignores it and prints the newest events.

use crate::cpu::{self, PerCpu};
use crate::trace::{SnapshotCounts, TraceEvent, FIRST_SEQUENCE};
use core::sync::atomic::{AtomicU64, Ordering};

/// Per CPU id: the first sequence that belongs to the current trace.
static START_SEQUENCE: [AtomicU64; protocol::MAX_CPUS as usize] =
    [const { AtomicU64::new(FIRST_SEQUENCE) }; protocol::MAX_CPUS as usize];

fn start_of(block: &PerCpu) -> &'static AtomicU64 {
    &START_SEQUENCE[block.id().index() % START_SEQUENCE.len()]
}

/// Empties the trace: events recorded so far on any CPU are left out of
/// later live dumps (and of their counts).
pub fn clear() {
    for block in cpu::online() {
        let next = block.pcr().trace_next_sequence.load(Ordering::Acquire);
        start_of(block).store(next, Ordering::Release);
    }
}

/// `block`'s ring since its trace start, into `buffer` (see `TraceRing::snapshot_since`).
pub(super) fn snapshot_since_start(block: &PerCpu, next_sequence: u64, buffer: &mut [TraceEvent]) -> SnapshotCounts {
    let first = start_of(block).load(Ordering::Acquire);
    block.trace.ring().snapshot_since(first, next_sequence, buffer)
}
