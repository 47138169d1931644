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
//! calls [`TraceRing::write`]. The serial dump format lives in `line_format.rs`
//! and is specified in `TEAM_NOTES/flight-recorder-format.md`.

use alloc::boxed::Box;
use alloc::vec;
use alloc::vec::Vec;
use core::sync::atomic::{fence, AtomicU64, Ordering};

mod line_format;
#[cfg(test)]
mod tests;

pub use line_format::{
    crc32, format_cpu_dump, format_cpu_header, format_end, format_event_line, parse_line,
    ParseError, TraceLine, CPU_HEADER_MARKER, END_MARKER, EVENT_MARKER, MARKER, MAX_LINE_BYTES,
};

/// The first sequence number a CPU hands out; its `next_sequence` counter starts here.
///
/// Sequence 0 means "slot never written", so it is never a real event.
pub const FIRST_SEQUENCE: u64 = 1;

/// Stored in a slot's `sequence` while its payload is being written.
const IN_PROGRESS: u64 = u64::MAX;

/// What happened. The byte value is what the ring stores in [`TraceEvent::kind`].
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// `narrow` = previous thread id, `wide` = next thread id, `small` = [`SwitchedOutState`].
    ContextSwitch = 1,
    /// `narrow` = woken thread id, `small` = CPU whose run queue it goes to.
    Wakeup = 2,
    /// `small` = interrupt vector.
    IrqEntry = 3,
    /// `small` = interrupt vector.
    IrqExit = 4,
    /// `small` = vector sent, `narrow` = target CPU id.
    IpiSend = 5,
    /// `small` = vector received.
    IpiReceive = 6,
    /// `small` = exception vector, `wide` = faulting RIP.
    Exception = 7,
}

impl EventKind {
    /// Every kind, in byte-value order.
    pub const ALL: [EventKind; 7] = [
        EventKind::ContextSwitch,
        EventKind::Wakeup,
        EventKind::IrqEntry,
        EventKind::IrqExit,
        EventKind::IpiSend,
        EventKind::IpiReceive,
        EventKind::Exception,
    ];

    /// The kind stored as `value`, or `None` for a byte that names no kind.
    pub const fn from_u8(value: u8) -> Option<Self> {
        match value {
            1 => Some(EventKind::ContextSwitch),
            2 => Some(EventKind::Wakeup),
            3 => Some(EventKind::IrqEntry),
            4 => Some(EventKind::IrqExit),
            5 => Some(EventKind::IpiSend),
            6 => Some(EventKind::IpiReceive),
            7 => Some(EventKind::Exception),
            _ => None,
        }
    }

    /// The name used in the serial dump (`kind=<name>`).
    pub const fn name(self) -> &'static str {
        match self {
            EventKind::ContextSwitch => "switch",
            EventKind::Wakeup => "wakeup",
            EventKind::IrqEntry => "irq_entry",
            EventKind::IrqExit => "irq_exit",
            EventKind::IpiSend => "ipi_send",
            EventKind::IpiReceive => "ipi_recv",
            EventKind::Exception => "exception",
        }
    }

    /// The kind whose [`name`](Self::name) is `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

/// Why the previous thread left the CPU, stored in `small` of a context switch.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SwitchedOutState {
    /// Still runnable (preempted or yielded).
    Runnable = 0,
    /// Blocked on a lock, queue or I/O.
    Blocked = 1,
    /// Sleeping until a deadline.
    Sleeping = 2,
    /// Exited; it will not run again.
    Exited = 3,
}

/// One recorded event: 32 bytes, the layout of a ring slot.
///
/// `sequence` and `tsc` are stamped by [`TraceRing::write`]; the constructors
/// leave them 0. `reserved` is always 0 (it is not part of the serial dump).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct TraceEvent {
    /// Per-CPU sequence number, from [`FIRST_SEQUENCE`] up, no gaps.
    pub sequence: u64,
    /// Time stamp counter when the event was recorded.
    pub tsc: u64,
    /// 64-bit payload (thread id, RIP), meaning per [`EventKind`].
    pub wide: u64,
    /// 32-bit payload (thread id, CPU id), meaning per [`EventKind`].
    pub narrow: u32,
    /// An [`EventKind`] byte (kept raw: a torn or foreign value must not be UB).
    pub kind: u8,
    /// 8-bit payload (vector, CPU id, thread state), meaning per [`EventKind`].
    pub small: u8,
    /// Zero; room for a later field without changing the size.
    pub reserved: u16,
}

const _: () = assert!(core::mem::size_of::<TraceEvent>() == 32);
const _: () = assert!(core::mem::align_of::<TraceEvent>() == 8);

impl TraceEvent {
    const fn payload(kind: EventKind, small: u8, narrow: u32, wide: u64) -> Self {
        Self {
            sequence: 0,
            tsc: 0,
            wide,
            narrow,
            kind: kind as u8,
            small,
            reserved: 0,
        }
    }

    /// The CPU switched from thread `prev_thread` (which left in `prev_state`) to `next_thread`.
    pub const fn context_switch(
        prev_thread: u32,
        next_thread: u32,
        prev_state: SwitchedOutState,
    ) -> Self {
        Self::payload(
            EventKind::ContextSwitch,
            prev_state as u8,
            prev_thread,
            next_thread as u64,
        )
    }

    /// Thread `thread` was made runnable on CPU `target_cpu`.
    pub const fn wakeup(thread: u32, target_cpu: u8) -> Self {
        Self::payload(EventKind::Wakeup, target_cpu, thread, 0)
    }

    /// Interrupt handler for `vector` entered.
    pub const fn irq_entry(vector: u8) -> Self {
        Self::payload(EventKind::IrqEntry, vector, 0, 0)
    }

    /// Interrupt handler for `vector` about to return.
    pub const fn irq_exit(vector: u8) -> Self {
        Self::payload(EventKind::IrqExit, vector, 0, 0)
    }

    /// An IPI with `vector` sent to CPU `target_cpu`.
    pub const fn ipi_send(target_cpu: u32, vector: u8) -> Self {
        Self::payload(EventKind::IpiSend, vector, target_cpu, 0)
    }

    /// An IPI with `vector` received.
    pub const fn ipi_receive(vector: u8) -> Self {
        Self::payload(EventKind::IpiReceive, vector, 0, 0)
    }

    /// Exception `vector` taken at `rip`.
    pub const fn exception(vector: u8, rip: u64) -> Self {
        Self::payload(EventKind::Exception, vector, 0, rip)
    }

    /// The decoded kind, or `None` if `kind` holds an unknown byte.
    pub const fn event_kind(&self) -> Option<EventKind> {
        EventKind::from_u8(self.kind)
    }

    /// `narrow`, `kind`, `small` and `reserved` as one little-endian word (bytes 24..32).
    const fn packed_tail(&self) -> u64 {
        self.narrow as u64
            | (self.kind as u64) << 32
            | (self.small as u64) << 40
            | (self.reserved as u64) << 48
    }

    const fn with_packed_tail(mut self, packed: u64) -> Self {
        self.narrow = packed as u32;
        self.kind = (packed >> 32) as u8;
        self.small = (packed >> 40) as u8;
        self.reserved = (packed >> 48) as u16;
        self
    }
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

/// How many events a CPU recorded and what happened to them; the dump's per-CPU summary.
///
/// Always `recorded == kept() + lost + torn`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct SnapshotCounts {
    /// Sequences reserved so far (`next_sequence - FIRST_SEQUENCE`).
    pub recorded: u64,
    /// Events overwritten because the ring wrapped (before or during the read),
    /// or older than the caller's buffer could hold.
    pub lost: u64,
    /// Sequences in the ring's window whose slot held no complete event: the
    /// write was in progress, or reserved but not started (e.g. the CPU was
    /// stopped between the `xadd` and the write).
    pub torn: u64,
}

impl SnapshotCounts {
    /// Events actually returned: `recorded - lost - torn`.
    pub const fn kept(&self) -> u64 {
        self.recorded
            .saturating_sub(self.lost)
            .saturating_sub(self.torn)
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
            .store(event.packed_tail(), Ordering::Relaxed);
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
        let event = TraceEvent {
            sequence,
            tsc: slot.tsc.load(Ordering::Relaxed),
            wide: slot.wide.load(Ordering::Relaxed),
            ..TraceEvent::default()
        }
        .with_packed_tail(slot.packed_tail.load(Ordering::Relaxed));
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
        let recorded = next_sequence.saturating_sub(FIRST_SEQUENCE);
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
