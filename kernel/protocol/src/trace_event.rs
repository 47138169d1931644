//! The flight recorder's event record: what one 32-byte ring slot holds.
//!
//! Shared by the kernel (which records and dumps events) and the host tools
//! (which parse the dump), so both read the fields with the same meaning.
//! Layout and table: `TEAM_NOTES/flight-recorder-format.md`.

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

impl SwitchedOutState {
    /// The state stored as `value`, or `None` for a byte that names none.
    pub const fn from_u8(value: u8) -> Option<Self> {
        match value {
            0 => Some(SwitchedOutState::Runnable),
            1 => Some(SwitchedOutState::Blocked),
            2 => Some(SwitchedOutState::Sleeping),
            3 => Some(SwitchedOutState::Exited),
            _ => None,
        }
    }
}

/// One recorded event: 32 bytes, the layout of a ring slot.
///
/// `sequence` and `tsc` are stamped when the event is written to a ring; the
/// constructors leave them 0. `reserved` is always 0 (it is not part of the
/// serial dump).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct TraceEvent {
    /// Per-CPU sequence number, from 1 up, no gaps.
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
    /// An all-zero event (sequence 0: never written), usable in `static` initialisers.
    pub const EMPTY: TraceEvent = TraceEvent {
        sequence: 0,
        tsc: 0,
        wide: 0,
        narrow: 0,
        kind: 0,
        small: 0,
        reserved: 0,
    };

    const fn payload(kind: EventKind, small: u8, narrow: u32, wide: u64) -> Self {
        Self {
            wide,
            narrow,
            kind: kind as u8,
            small,
            ..Self::EMPTY
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
}

/// How many events a CPU recorded and what happened to them; the dump's per-CPU summary.
///
/// Always `recorded == kept() + lost + torn`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct SnapshotCounts {
    /// Sequences reserved so far.
    pub recorded: u64,
    /// Events overwritten because the ring wrapped (before or during the read),
    /// or older than the reader's buffer could hold.
    pub lost: u64,
    /// Sequences in the ring's window whose slot held no complete event: the
    /// write was in progress, or reserved but not started (e.g. the CPU was
    /// stopped between reserving and writing).
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
