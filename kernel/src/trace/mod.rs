//! Per-CPU flight recorder: fixed-size binary events in a lock-free overwrite-oldest ring.
//!
//! Each CPU owns one [`TraceRing`] and is its only writer. Recording an event is
//! a handful of plain stores: no lock, no formatting, no heap. When the ring is
//! full the oldest event is overwritten; the reader works out how many were
//! lost from the sequence numbers. A reader (the panic dump after the other
//! CPUs are stopped, or a live dump on another CPU) may race with the writer,
//! so every slot carries its sequence number, written last, and a reader
//! accepts a slot only if it holds exactly the sequence it expects there.
//!
//! ```text
//!  per-CPU counter next_sequence (starts at FIRST_SEQUENCE = 1)
//!      | xadd 1 -> this event's sequence s          slot index = s & (capacity - 1)
//!      v
//!  slots: [ s=9 | s=10 | s=11 | s=12 | s=5 | s=6 | s=7 | s=8 ]   capacity 8, next = 13
//!                                        ^ oldest still held: 13 - 8 = 5; 1..=4 lost
//!
//!  one slot = 32 bytes, the same layout as TraceEvent:
//!  +0 sequence u64 | +8 tsc u64 | +16 wide u64 | +24 narrow u32 | +28 kind u8 | +29 small u8 | +30 reserved u16
//!
//!  write(s):  sequence := IN_PROGRESS ; fence(Release) ; tsc, wide, packed := ... ; sequence := s (Release)
//!  read(s):   a := sequence (Acquire) ; tsc, wide, packed ; fence(Acquire) ; b := sequence
//!             accept iff a == b == s
//! ```
//!
//! The kernel side reserves the sequence with one non-locked `xadd` on the
//! per-CPU counter (interrupt-safe: interrupts arrive between instructions, and
//! a nested interrupt simply takes a later number and a different slot), then
//! calls [`TraceRing::write`]. The event record and the serial dump format
//! live in the shared `protocol` crate (`protocol::trace_event`,
//! `protocol::trace_line`), so the host exporter parses with the code the
//! kernel formats with; they are specified in `TEAM_NOTES/flight-recorder-format.md`.

use alloc::boxed::Box;
use alloc::vec;
use alloc::vec::Vec;
use core::sync::atomic::{fence, AtomicU64, Ordering};

#[cfg(test)]
mod tests;
/// Event-class and CPU filters (`trace=`, `trace_cpus=`).
pub mod filter;
/// Thread id -> name for the dump (noted at switch-out, read at dump time).
pub mod thread_names;
/// A CPU's ring behind a pointer, so `buffer_size_kb` can change its size.
pub mod resizable;

pub use protocol::trace_event::{EventKind, SnapshotCounts, SwitchedOutState, TraceEvent};
pub use protocol::trace_line::{
    crc32, format_begin, format_cpu_dump, format_cpu_header, format_end, format_event_line,
    format_thread, parse_line, ParseError, ThreadName, TraceLine, CPU_HEADER_MARKER, END_MARKER,
    THREAD_NAME_MAX_BYTES,
    EVENT_MARKER, MARKER, MAX_LINE_BYTES,
};

/// The first sequence number a CPU hands out; its `next_sequence` counter starts here.
///
/// Sequence 0 means "slot never written", so it is never a real event.
pub const FIRST_SEQUENCE: u64 = 1;

/// Stored in a slot's `sequence` while its payload is being written.
const IN_PROGRESS: u64 = u64::MAX;

/// `narrow`, `kind`, `small` and `reserved` as one little-endian word (bytes 24..32).
const fn packed_tail(event: &TraceEvent) -> u64 {
    event.narrow as u64
        | (event.kind as u64) << 32
        | (event.small as u64) << 40
        | (event.reserved as u64) << 48
}

/// `event` with `narrow`, `kind`, `small` and `reserved` taken from a packed tail word.
const fn with_packed_tail(mut event: TraceEvent, packed: u64) -> TraceEvent {
    event.narrow = packed as u32;
    event.kind = (packed >> 32) as u8;
    event.small = (packed >> 40) as u8;
    event.reserved = (packed >> 48) as u16;
    event
}

/// Storage for one event: the [`TraceEvent`] layout made of atomics, so a
/// reader racing the writer reads stale or torn values, never undefined ones.
///
/// Aligned to 32 bytes so a slot never straddles a cache line. On x86-64 the
/// relaxed stores and loads are plain `mov`s.
#[repr(C, align(32))]
#[derive(Debug, Default)]
pub struct TraceSlot {
    sequence: AtomicU64,
    tsc: AtomicU64,
    wide: AtomicU64,
    /// `narrow | kind << 32 | small << 40 | reserved << 48`.
    packed_tail: AtomicU64,
}

const _: () = assert!(core::mem::size_of::<TraceSlot>() == core::mem::size_of::<TraceEvent>());
const _: () = assert!(core::mem::offset_of!(TraceSlot, sequence) == 0);
const _: () = assert!(core::mem::offset_of!(TraceSlot, packed_tail) == 24);

impl TraceSlot {
    /// A never-written slot (sequence 0). Use `[const { TraceSlot::new() }; N]` for static storage.
    pub const fn new() -> Self {
        Self {
            sequence: AtomicU64::new(0),
            tsc: AtomicU64::new(0),
            wide: AtomicU64::new(0),
            packed_tail: AtomicU64::new(0),
        }
    }
}

/// The events a ring still held, oldest first, with the summary counts.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Snapshot {
    /// Complete events in increasing sequence order (gaps where slots were torn).
    pub events: Vec<TraceEvent>,
    /// What was recorded, lost and torn.
    pub counts: SnapshotCounts,
}

/// One CPU's flight recorder over borrowed slots; capacity is a power of two.
///
/// `Send + Sync` because the slots are atomics; the single-writer rule of
/// [`write`](Self::write) is a correctness contract, not a memory-safety one.
#[derive(Clone, Copy, Debug)]
pub struct TraceRing<'a> {
    slots: &'a [TraceSlot],
    /// `capacity - 1`: `sequence & index_mask` is the slot index.
    index_mask: u64,
}

impl<'a> TraceRing<'a> {
    /// A ring over `slots`.
    ///
    /// # Panics
    /// If `slots.len()` is not a power of two (zero included).
    pub fn new(slots: &'a [TraceSlot]) -> Self {
        assert!(
            slots.len().is_power_of_two(),
            "trace ring capacity {} is not a power of two",
            slots.len()
        );
        Self {
            slots,
            index_mask: slots.len() as u64 - 1,
        }
    }

    /// Number of slots (the most events the ring holds at once).
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    fn slot(&self, sequence: u64) -> &TraceSlot {
        // The mask keeps the index below `slots.len()`, which is a power of two.
        &self.slots[(sequence & self.index_mask) as usize]
    }

    /// Records `event` as number `sequence`, taken at time `tsc`.
    ///
    /// `event.sequence` and `event.tsc` are ignored and replaced by the
    /// arguments. Read the TSC after reserving the sequence.
    ///
    /// Contract (the reader's guarantees depend on it; breaking it garbles the
    /// trace but is not undefined behaviour): only the owning CPU calls this,
    /// each `sequence` is reserved from that CPU's counter and written at most
    /// once, and `sequence` is neither 0 nor `u64::MAX`. An interrupt may
    /// nest another `write` anywhere inside this one (it has a later sequence).
    #[inline]
    pub fn write(&self, sequence: u64, tsc: u64, event: TraceEvent) {
        debug_assert!(sequence >= FIRST_SEQUENCE && sequence != IN_PROGRESS);
        let slot = self.slot(sequence);
        slot.sequence.store(IN_PROGRESS, Ordering::Relaxed);
        // Orders the marker before the payload stores (a reader that sees new
        // payload then sees the marker or later in its second sequence load).
        fence(Ordering::Release);
        slot.tsc.store(tsc, Ordering::Relaxed);
        slot.wide.store(event.wide, Ordering::Relaxed);
        slot.packed_tail
            .store(packed_tail(&event), Ordering::Relaxed);
        slot.sequence.store(sequence, Ordering::Release);
    }

    /// Reads slot for `sequence`: the event if the slot holds it completely,
    /// else whether it was overwritten by a newer one (`Err(true)`) or is
    /// torn (`Err(false)`).
    fn read(&self, sequence: u64) -> Result<TraceEvent, bool> {
        let slot = self.slot(sequence);
        let before = slot.sequence.load(Ordering::Acquire);
        if before != sequence {
            return Err(before > sequence && before != IN_PROGRESS);
        }
        let event = with_packed_tail(
            TraceEvent {
                sequence,
                tsc: slot.tsc.load(Ordering::Relaxed),
                wide: slot.wide.load(Ordering::Relaxed),
                ..TraceEvent::default()
            },
            slot.packed_tail.load(Ordering::Relaxed),
        );
        // Orders the payload loads before the re-check below.
        fence(Ordering::Acquire);
        if slot.sequence.load(Ordering::Relaxed) != sequence {
            // A newer write began while we copied: our event is gone.
            return Err(true);
        }
        Ok(event)
    }

    /// Copies the events still in the ring, oldest first, into `buffer` without
    /// allocating (for the panic dump, where the heap lock may be held).
    ///
    /// `next_sequence` is the writer's counter (sequences below it were
    /// reserved). Only the newest `min(capacity, buffer.len())` sequences are
    /// examined; older ones count as lost. The events are `buffer[..kept()]`.
    pub fn snapshot_into(&self, next_sequence: u64, buffer: &mut [TraceEvent]) -> SnapshotCounts {
        self.snapshot_since(FIRST_SEQUENCE, next_sequence, buffer)
    }

    /// [`snapshot_into`](Self::snapshot_into) for the events from sequence
    /// `first` on (a trace cleared when the counter stood at `first`):
    /// older ones are neither kept nor counted.
    pub fn snapshot_since(&self, first: u64, next_sequence: u64, buffer: &mut [TraceEvent]) -> SnapshotCounts {
        let first = first.max(FIRST_SEQUENCE);
        let recorded = next_sequence.saturating_sub(first);
        let window = recorded
            .min(self.slots.len() as u64)
            .min(buffer.len() as u64);
        let mut counts = SnapshotCounts {
            recorded,
            lost: recorded - window,
            torn: 0,
        };
        let mut kept = 0;
        for sequence in next_sequence - window..next_sequence {
            match self.read(sequence) {
                Ok(event) => {
                    buffer[kept] = event;
                    kept += 1;
                }
                Err(true) => counts.lost += 1,
                Err(false) => counts.torn += 1,
            }
        }
        counts
    }

    /// [`snapshot_into`](Self::snapshot_into) a fresh buffer of `capacity` events.
    pub fn snapshot(&self, next_sequence: u64) -> Snapshot {
        let mut events = vec![TraceEvent::default(); self.slots.len()];
        let counts = self.snapshot_into(next_sequence, &mut events);
        events.truncate(counts.kept() as usize);
        Snapshot { events, counts }
    }
}

impl TraceRing<'static> {
    /// A ring over `capacity` freshly allocated, never freed slots (for CPUs brought up at run time).
    ///
    /// # Panics
    /// If `capacity` is not a power of two.
    pub fn leak_new(capacity: usize) -> Self {
        let slots: Box<[TraceSlot]> = (0..capacity).map(|_| TraceSlot::new()).collect();
        Self::new(Box::leak(slots))
    }
}
