//! COM1's receive interrupt: routed through the I/O APIC (ISA IRQ 4, moved
//! by the MADT's interrupt source override if it says so) to the BSP. The
//! handler drains the UART into a raw ring until IIR says nothing is
//! pending (the line is edge-triggered: leaving a cause pending would stop
//! input for good), then wakes the `tty` thread. With the ring full it
//! masks the UART's receive interrupt instead of dropping bytes; taking
//! bytes out unmasks it (`take`).
//!
//! Magic SysRq: a serial BREAK followed (within [`SYSRQ_KEY_WINDOW_MICROS`])
//! by one byte is a SysRq key. Neither goes into the raw ring, so the line
//! discipline and the shell never see them; the key goes to the hook
//! given to `enable` (TEAM_NOTES/magic-sysrq.md).

use super::raw_ring::{RawRing, RAW_RING_BYTES};
use crate::madt::{CpuTopology, Polarity, TriggerMode};
use crate::sync::IrqSpinLock;
use arch::hook::Hook;
use arch::interrupt_frame::InterruptFrame;
use arch::ioapic::PinSignalling;
use arch::serial::{Received, SerialPort, UartInterrupt};
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};

/// COM1's ISA interrupt line.
const COM1_ISA_IRQ: u8 = 4;
/// Bound on interrupt causes handled in one pass (a UART that never
/// reports "none pending" must not hold the CPU for ever).
const MAX_CAUSES_PER_PASS: usize = 64;

static RAW_INPUT: IrqSpinLock<RawRing> = IrqSpinLock::new(RawRing::new());
/// The ring filled up: the UART's receive interrupt is masked.
static THROTTLED: AtomicBool = AtomicBool::new(false);
/// Told (from the interrupt handler) that bytes wait in the ring.
static ON_INPUT: Hook<fn()> = Hook::new();
/// Told a SysRq key (the byte after a BREAK), outside the console lock.
static ON_SYSRQ: Hook<fn(u8)> = Hook::new();
/// TSC of the last BREAK not yet followed by its key (0: none).
static BREAK_TSC: AtomicU64 = AtomicU64::new(0);
/// A SysRq key taken by `drain_into` and not yet handed on (0: none; a
/// NUL key is not a command).
static SYSRQ_KEY: AtomicU8 = AtomicU8::new(0);
/// How long after a BREAK the next byte is its SysRq key (Linux's serial
/// drivers allow 5 s).
pub const SYSRQ_KEY_WINDOW_MICROS: u64 = 5_000_000;

/// Where COM1's interrupt goes: GSI and signalling.
fn com1_route(topology: &CpuTopology) -> (u32, PinSignalling) {
    let overridden = topology.interrupt_overrides.iter().find(|entry| entry.isa_irq == COM1_ISA_IRQ);
    match overridden {
        Some(entry) => (
            entry.gsi,
            PinSignalling {
                level_triggered: entry.trigger_mode == TriggerMode::Level,
                active_low: entry.polarity == Polarity::ActiveLow,
            },
        ),
        None => (u32::from(COM1_ISA_IRQ), PinSignalling { level_triggered: false, active_low: false }),
    }
}

/// Routes COM1's interrupt to the CPU with xAPIC id `destination`,
/// registers the handler (which calls `on_input` after taking bytes) and
/// turns the UART's receive interrupts on.
/// Returns a line for the boot log, or why input stays off.
pub fn enable(topology: &CpuTopology, destination: u8, on_input: fn(), on_sysrq: fn(u8)) -> Result<alloc::string::String, alloc::string::String> {
    let (gsi, signalling) = com1_route(topology);
    let (index, io_apic) = topology
        .io_apics
        .iter()
        .enumerate()
        .filter(|(_, io_apic)| io_apic.gsi_base <= gsi)
        .max_by_key(|(_, io_apic)| io_apic.gsi_base)
        .ok_or_else(|| alloc::format!("no I/O APIC handles GSI {gsi}"))?;
    let vector = u8::try_from(u32::from(crate::vectors::IO_APIC_FIRST) + gsi).map_err(|_| alloc::format!("GSI {gsi} is beyond the vector space"))?;
    let pin = u8::try_from(gsi - io_apic.gsi_base).map_err(|_| alloc::format!("GSI {gsi} is beyond I/O APIC {}", io_apic.id))?;
    ON_INPUT.set(on_input);
    ON_SYSRQ.set(on_sysrq);
    arch::idt::register_handler(vector, on_interrupt);
    crate::console::with_uart(SerialPort::enable_receive_interrupts);
    arch::ioapic::route_and_unmask(index, pin, vector, destination, signalling).map_err(|error| alloc::format!("I/O APIC {} pin {pin}: {error:?}", io_apic.id))?;
    // Bytes that arrived before the pin was unmasked raised the line
    // already: no new edge will come until they are read.
    drain();
    Ok(alloc::format!(
        "tty: COM1 input on GSI {gsi} (I/O APIC {} pin {pin}, {}, active {}) -> vector {vector:#x}, APIC id {destination}",
        io_apic.id,
        if signalling.level_triggered { "level" } else { "edge" },
        if signalling.active_low { "low" } else { "high" }
    ))
}

fn on_interrupt(_frame: &mut InterruptFrame) {
    drain();
    deliver_sysrq_key();
    if let Some(on_input) = ON_INPUT.get() {
        on_input();
    }
    let guard = crate::sync::IrqGuard::new();
    crate::cpu::this_cpu(&guard).lapic().end_of_interrupt();
}

/// Moves received bytes from the UART into the raw ring until the UART
/// has no cause pending, or the ring is full (then masks its receive
/// interrupt: the bytes wait in the UART and QEMU holds the rest).
fn drain() {
    let mut ring = RAW_INPUT.lock();
    drain_into(&mut ring);
}

fn drain_into(ring: &mut RawRing) {
    crate::console::with_uart(|uart| {
        for _ in 0..MAX_CAUSES_PER_PASS {
            match uart.pending_interrupt() {
                None => return,
                Some(UartInterrupt::ReceivedData | UartInterrupt::ReceiveTimeout) => {
                    while !ring.is_full() {
                        let Some(received) = uart.try_read_received() else { break };
                        if let Some(byte) = without_sysrq(received) {
                            ring.push(byte);
                        }
                    }
                    if ring.is_full() && uart.input_pending() {
                        uart.disable_receive_interrupts();
                        THROTTLED.store(true, Ordering::Release);
                        return;
                    }
                }
                // Reading IIR (and LSR or MSR) cleared these.
                Some(_) => {}
            }
        }
    });
}

/// The byte `received` means for the terminal: `None` for a BREAK and for
/// the SysRq key after it (kept in [`SYSRQ_KEY`]).
fn without_sysrq(received: Received) -> Option<u8> {
    match received {
        Received::Break => {
            BREAK_TSC.store(arch::tsc::read().max(1), Ordering::Relaxed);
            None
        }
        Received::Byte(byte) => {
            let break_tsc = BREAK_TSC.swap(0, Ordering::Relaxed);
            if break_tsc != 0 && crate::timer::tsc_delta_micros(break_tsc, arch::tsc::read()) <= SYSRQ_KEY_WINDOW_MICROS {
                SYSRQ_KEY.store(byte, Ordering::Relaxed);
                return None;
            }
            Some(byte)
        }
    }
}

/// Hands a SysRq key that `drain_into` took to the hook (after the
/// console lock is released: the handler prints).
fn deliver_sysrq_key() {
    let key = SYSRQ_KEY.swap(0, Ordering::Relaxed);
    if key != 0 {
        if let Some(on_sysrq) = ON_SYSRQ.get() {
            on_sysrq(key);
        }
    }
}

/// Takes up to `buffer.len()` bytes from the raw ring; returns how many.
/// Once the ring is half empty again, a masked receive interrupt is
/// unmasked and the UART drained.
pub fn take(buffer: &mut [u8]) -> usize {
    let mut ring = RAW_INPUT.lock();
    let mut count = 0;
    while count < buffer.len() {
        let Some(byte) = ring.pop() else { break };
        buffer[count] = byte;
        count += 1;
    }
    if THROTTLED.load(Ordering::Acquire) && ring.len() <= RAW_RING_BYTES / 2 {
        THROTTLED.store(false, Ordering::Release);
        crate::console::with_uart(SerialPort::enable_receive_interrupts);
        drain_into(&mut ring);
    }
    drop(ring);
    deliver_sysrq_key();
    count
}

/// Whether bytes wait in the raw ring.
pub fn pending() -> bool {
    !RAW_INPUT.lock().is_empty()
}
