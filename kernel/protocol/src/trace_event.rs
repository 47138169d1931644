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
    /// System call entry: `narrow` = number, `wide` = first argument,
    /// `small` = how many [`Data`](Self::Data) slots follow (the next arguments).
    SyscallEnter = 8,
    /// System call exit: `narrow` = number, `wide` = return value (two's complement).
    SyscallExit = 9,
    /// Page fault: `wide` = address, `narrow` = error code, `small` =
    /// [`fault_flags`] bits; one [`Data`](Self::Data) slot follows: `wide` = RIP.
    PageFault = 10,
    /// fork/clone by the running thread: `narrow` = child id, `wide` = clone
    /// flags, `small` = 1 for a thread of the same process, 0 for a new process.
    Fork = 11,
    /// exec by the running thread: a text head (the new command name).
    Exec = 12,
    /// The running thread exits: `narrow` = its id, `wide` = exit code.
    Exit = 13,
    /// Signal sent: `small` = signal, `narrow` = target id, `wide` = [`signal_generate`] bits.
    SignalGenerate = 14,
    /// Signal delivered to the running thread: `small` = signal,
    /// `wide` = handler address (0 default, 1 ignore), `narrow` = `sa_flags` (low 32 bits).
    SignalDeliver = 15,
    /// Thread `narrow` moved from CPU `small` to CPU `wide`.
    Migrate = 16,
    /// A line written to `trace_marker`: a text head.
    Marker = 17,
    /// Continuation of the last head on the same CPU: `small` = index from 0;
    /// a syscall argument in `wide`, or 12 bytes of text (`wide` then `narrow`, little-endian).
    Data = 18,
}

/// Bits of a [`EventKind::PageFault`]'s `small`.
pub mod fault_flags {
    /// The fault was resolved (a page was mapped); clear: fatal (a signal, or `EFAULT` for a kernel copy).
    pub const RESOLVED: u8 = 1;
    /// The fault happened in user mode (error-code bit 2).
    pub const USER: u8 = 2;
}

/// Layout of a [`EventKind::SignalGenerate`]'s `wide`.
pub mod signal_generate {
    /// Low byte: Linux's result (`TRACE_SIGNAL_*`): 0 delivered, 1 ignored, 2 already pending.
    pub const RESULT_MASK: u64 = 0xff;
    /// Set when the signal went to a whole process (thread group), clear for one thread.
    pub const GROUP: u64 = 1 << 8;
    /// Bits 32..64: the `si_code` (an `i32`).
    pub const CODE_SHIFT: u32 = 32;
    /// Queued for delivery.
    pub const DELIVERED: u64 = 0;
    /// Discarded: the target ignores it.
    pub const IGNORED: u64 = 1;
    /// Not queued again: one is already pending.
    pub const ALREADY_PENDING: u64 = 2;
}

impl EventKind {
    /// How many [`EventKind::Data`] slots follow a head of this kind whose
    /// `small` is `small` (0 for kinds that have none).
    pub const fn data_slots(self, small: u8) -> u8 {
        match self {
            EventKind::SyscallEnter | EventKind::Exec | EventKind::Marker => small,
            EventKind::PageFault => 1,
            _ => 0,
        }
    }
}

/// Bytes of text one [`EventKind::Data`] slot carries (`wide` then `narrow`).
pub const TEXT_BYTES_PER_SLOT: usize = 12;
/// Longest text a head carries: `small` counts its slots.
pub const TEXT_MAX_BYTES: usize = 96;
/// Most arguments a [`EventKind::SyscallEnter`] carries (the first in the head).
pub const SYSCALL_ARGUMENTS_RECORDED: usize = 3;

/// One [`EventKind::Data`] slot's payload for `chunk` (at most
/// [`TEXT_BYTES_PER_SLOT`] bytes; the rest is zero): `(wide, narrow)`.
pub fn pack_text_chunk(chunk: &[u8]) -> (u64, u32) {
    let mut bytes = [0u8; TEXT_BYTES_PER_SLOT];
    let length = chunk.len().min(TEXT_BYTES_PER_SLOT);
    bytes[..length].copy_from_slice(&chunk[..length]);
    let mut wide = [0u8; 8];
    wide.copy_from_slice(&bytes[..8]);
    let mut narrow = [0u8; 4];
    narrow.copy_from_slice(&bytes[8..]);
    (u64::from_le_bytes(wide), u32::from_le_bytes(narrow))
}

/// The bytes of one [`EventKind::Data`] slot of text.
pub fn unpack_text_chunk(wide: u64, narrow: u32) -> [u8; TEXT_BYTES_PER_SLOT] {
    let mut bytes = [0u8; TEXT_BYTES_PER_SLOT];
    bytes[..8].copy_from_slice(&wide.to_le_bytes());
    bytes[8..].copy_from_slice(&narrow.to_le_bytes());
    bytes
}

impl EventKind {
    /// Every kind, in byte-value order.
    pub const ALL: [EventKind; 18] = [
        EventKind::ContextSwitch,
        EventKind::Wakeup,
        EventKind::IrqEntry,
        EventKind::IrqExit,
        EventKind::IpiSend,
        EventKind::IpiReceive,
        EventKind::Exception,
        EventKind::SyscallEnter,
        EventKind::SyscallExit,
        EventKind::PageFault,
        EventKind::Fork,
        EventKind::Exec,
        EventKind::Exit,
        EventKind::SignalGenerate,
        EventKind::SignalDeliver,
        EventKind::Migrate,
        EventKind::Marker,
        EventKind::Data,
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
            8 => Some(EventKind::SyscallEnter),
            9 => Some(EventKind::SyscallExit),
            10 => Some(EventKind::PageFault),
            11 => Some(EventKind::Fork),
            12 => Some(EventKind::Exec),
            13 => Some(EventKind::Exit),
            14 => Some(EventKind::SignalGenerate),
            15 => Some(EventKind::SignalDeliver),
            16 => Some(EventKind::Migrate),
            17 => Some(EventKind::Marker),
            18 => Some(EventKind::Data),
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
            EventKind::SyscallEnter => "sys_enter",
            EventKind::SyscallExit => "sys_exit",
            EventKind::PageFault => "page_fault",
            EventKind::Fork => "fork",
            EventKind::Exec => "exec",
            EventKind::Exit => "exit",
            EventKind::SignalGenerate => "signal_generate",
            EventKind::SignalDeliver => "signal_deliver",
            EventKind::Migrate => "migrate",
            EventKind::Marker => "marker",
            EventKind::Data => "data",
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

    /// System call `number` entered with `first_argument`; `more` [`Data`](EventKind::Data) slots follow.
    pub const fn syscall_enter(number: u32, first_argument: u64, more: u8) -> Self {
        Self::payload(EventKind::SyscallEnter, more, number, first_argument)
    }

    /// System call `number` returns `value`.
    pub const fn syscall_exit(number: u32, value: u64) -> Self {
        Self::payload(EventKind::SyscallExit, 0, number, value)
    }

    /// A page fault at `address` with `error_code` and [`fault_flags`].
    pub const fn page_fault(address: u64, error_code: u32, flags: u8) -> Self {
        Self::payload(EventKind::PageFault, flags, error_code, address)
    }

    /// The running thread made `child` with clone `flags` (`thread`: same process).
    pub const fn fork(child: u32, flags: u64, thread: bool) -> Self {
        Self::payload(EventKind::Fork, thread as u8, child, flags)
    }

    /// The running thread exits with `code`.
    pub const fn exit(thread: u32, code: u64) -> Self {
        Self::payload(EventKind::Exit, 0, thread, code)
    }

    /// `signal` sent to `target`; `bits` per [`signal_generate`].
    pub const fn signal_generate(signal: u8, target: u32, bits: u64) -> Self {
        Self::payload(EventKind::SignalGenerate, signal, target, bits)
    }

    /// `signal` delivered to the running thread, to `handler` with `sa_flags`.
    pub const fn signal_deliver(signal: u8, handler: u64, sa_flags: u32) -> Self {
        Self::payload(EventKind::SignalDeliver, signal, sa_flags, handler)
    }

    /// `thread` moved from CPU `from` to CPU `to`.
    pub const fn migrate(thread: u32, from: u8, to: u32) -> Self {
        Self::payload(EventKind::Migrate, from, thread, to as u64)
    }

    /// A text head of `kind` ([`EventKind::Exec`] or [`EventKind::Marker`]):
    /// `length` bytes follow in `slots` [`Data`](EventKind::Data) slots.
    pub const fn text_head(kind: EventKind, length: u32, slots: u8) -> Self {
        Self::payload(kind, slots, length, 0)
    }

    /// Continuation number `index` of the last head: `wide` and `narrow` per the head's kind.
    pub const fn data(index: u8, wide: u64, narrow: u32) -> Self {
        Self::payload(EventKind::Data, index, narrow, wide)
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
