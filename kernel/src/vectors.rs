//! The kernel's interrupt vector assignments.

/// Non-maskable interrupt (architectural; the number lives in `arch`).
pub const NMI: u8 = arch::vectors::NMI;
/// First vector of the I/O APIC pins (pin i -> IO_APIC_FIRST + i).
pub const IO_APIC_FIRST: u8 = 0x30;
/// Reschedule IPI: an idle CPU got a runnable thread.
pub const RESCHEDULE: u8 = 0xf0;
/// "Run the functions queued for you" IPI (see `ipi::run_on`).
pub const CALL_FUNCTION: u8 = 0xf1;
/// "Print a backtrace of what you were doing" IPI (SysRq `l`).
pub const BACKTRACE: u8 = 0xf2;
/// Local APIC timer.
pub const LAPIC_TIMER: u8 = 0xfd;
/// Local APIC error.
pub const LAPIC_ERROR: u8 = 0xfe;
/// Local APIC spurious interrupt (no EOI).
pub const LAPIC_SPURIOUS: u8 = 0xff;
