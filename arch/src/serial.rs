//! The 16550 UART on COM1: the serial console. Output is polled; input
//! comes by interrupt (received data, byte by byte: the FIFOs stay off) once
//! the kernel routes COM1's IRQ. Locking is the kernel's business (see
//! kernel/src/console.rs); this is the bare device.

use x86_64::instructions::port::Port;

/// I/O base of COM1.
pub const COM1_PORT_BASE: u16 = 0x3f8;
/// I/O base of COM2 (the trace port).
pub const COM2_PORT_BASE: u16 = 0x2f8;

const DATA: u16 = 0;
const INTERRUPT_ENABLE: u16 = 1;
const FIFO_CONTROL: u16 = 2;
const LINE_CONTROL: u16 = 3;
const MODEM_CONTROL: u16 = 4;
const LINE_STATUS: u16 = 5;
const MODEM_STATUS: u16 = 6;
/// A byte the UART keeps for software (no effect on the line).
const SCRATCH: u16 = 7;
/// Read side of register 2.
const INTERRUPT_IDENTIFICATION: u16 = 2;
const INTERRUPT_ENABLE_RECEIVED_DATA: u8 = 1 << 0;
const INTERRUPT_ENABLE_LINE_STATUS: u8 = 1 << 2;
/// DTR and RTS.
const MODEM_CONTROL_DTR_RTS: u8 = 0x03;
/// OUT2 gates the UART's interrupt line on PC hardware (and in QEMU).
const MODEM_CONTROL_OUT2: u8 = 1 << 3;
const IDENTIFICATION_NONE_PENDING: u8 = 1 << 0;
const LINE_STATUS_TRANSMIT_EMPTY: u8 = 1 << 5;
const LINE_STATUS_DATA_READY: u8 = 1 << 0;
/// Break interrupt: the line was held at 0 for a whole character (a
/// serial BREAK). Reading LSR clears it, so every read keeps it in
/// `saved_line_status` until the received byte is taken (Linux's 8250
/// driver keeps `lsr_saved_flags` for the same reason).
const LINE_STATUS_BREAK: u8 = 1 << 4;
const LINE_CONTROL_DLAB: u8 = 1 << 7;
const LINE_CONTROL_8N1: u8 = 0x03;
/// Divisor for 115200 baud from the 1.8432 MHz UART clock.
const DIVISOR_115200_BAUD: u16 = 1;

/// A 16550 UART at an I/O base.
pub struct SerialPort {
    base: u16,
    /// Status bits seen by an LSR read (which clears them) and not yet
    /// acted on: [`LINE_STATUS_BREAK`].
    saved_line_status: u8,
}

/// What [`SerialPort::try_read_received`] took from the line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Received {
    /// A byte.
    Byte(u8),
    /// A BREAK (its NUL byte consumed): the start of a SysRq sequence.
    Break,
}

impl SerialPort {
    /// # Safety
    /// `base` must be the I/O base of a 16550-compatible UART that nothing
    /// else drives concurrently without coordination.
    pub const unsafe fn new(base: u16) -> Self {
        Self { base, saved_line_status: 0 }
    }

    /// Reads LSR, keeping the break bit it clears for the next received byte.
    fn read_line_status(&mut self) -> u8 {
        let status = self.read_register(LINE_STATUS);
        self.saved_line_status |= status & LINE_STATUS_BREAK;
        status
    }

    fn write_register(&mut self, register: u16, value: u8) {
        // SAFETY: `new`'s contract: base is a UART's I/O base.
        unsafe { Port::<u8>::new(self.base + register).write(value) };
    }

    fn read_register(&mut self, register: u16) -> u8 {
        // SAFETY: `new`'s contract: base is a UART's I/O base.
        unsafe { Port::<u8>::new(self.base + register).read() }
    }

    /// 115200 baud, 8N1, device interrupts off, FIFOs off. Off on purpose:
    /// with them off the UART holds one received byte and QEMU holds back
    /// the rest until it is read, so nothing typed before or during boot
    /// is lost; turning them on would flush what is waiting (QEMU, like a
    /// 16550, clears both FIFOs when the enable bit changes), and a byte
    /// arriving between a read and that flush was lost (`echo` came in as
    /// `eho`). The cost, one interrupt per byte, is nothing at a person's
    /// typing speed, and a 4 KiB paste waits in QEMU rather than overrun.
    pub fn init(&mut self) {
        self.write_register(INTERRUPT_ENABLE, 0);
        self.write_register(LINE_CONTROL, LINE_CONTROL_DLAB);
        self.write_register(DATA, DIVISOR_115200_BAUD as u8);
        self.write_register(INTERRUPT_ENABLE, (DIVISOR_115200_BAUD >> 8) as u8);
        self.write_register(LINE_CONTROL, LINE_CONTROL_8N1);
        self.write_register(FIFO_CONTROL, 0);
        self.write_register(MODEM_CONTROL, MODEM_CONTROL_DTR_RTS);
    }

    /// Raises the interrupt line for received data, receive timeouts and
    /// line-status changes (and sets OUT2, without which it stays low).
    pub fn enable_receive_interrupts(&mut self) {
        self.write_register(MODEM_CONTROL, MODEM_CONTROL_DTR_RTS | MODEM_CONTROL_OUT2);
        self.write_register(INTERRUPT_ENABLE, INTERRUPT_ENABLE_RECEIVED_DATA | INTERRUPT_ENABLE_LINE_STATUS);
    }

    /// Stops receive interrupts (input is throttled); bytes wait in the FIFO.
    pub fn disable_receive_interrupts(&mut self) {
        self.write_register(INTERRUPT_ENABLE, 0);
    }

    /// What the UART is interrupting for, if anything (reading IIR, and
    /// for line and modem status the register that clears the cause).
    /// The data causes are cleared by reading the received bytes.
    pub fn pending_interrupt(&mut self) -> Option<UartInterrupt> {
        let identification = self.read_register(INTERRUPT_IDENTIFICATION);
        if identification & IDENTIFICATION_NONE_PENDING != 0 {
            return None;
        }
        Some(match (identification >> 1) & 0b111 {
            0b011 => {
                self.read_line_status();
                UartInterrupt::LineStatus
            }
            0b010 => UartInterrupt::ReceivedData,
            0b110 => UartInterrupt::ReceiveTimeout,
            0b001 => UartInterrupt::TransmitterEmpty,
            _ => {
                self.read_register(MODEM_STATUS);
                UartInterrupt::ModemStatus
            }
        })
    }

    /// Sends one byte, waiting for room in the transmitter.
    pub fn write_byte(&mut self, byte: u8) {
        while self.read_line_status() & LINE_STATUS_TRANSMIT_EMPTY == 0 {
            core::hint::spin_loop();
        }
        self.write_register(DATA, byte);
    }
}

/// Why the UART raised its interrupt (IIR).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UartInterrupt {
    /// A line-status change (overrun, parity, framing, break); cleared.
    LineStatus,
    /// The receive FIFO reached its trigger level: read the bytes.
    ReceivedData,
    /// Bytes sat in the FIFO below the trigger level: read them.
    ReceiveTimeout,
    /// The transmitter wants data (not enabled by this driver).
    TransmitterEmpty,
    /// A modem-status change; cleared.
    ModemStatus,
}

impl SerialPort {
    /// Whether a UART answers at this base: its scratch register keeps
    /// what is written (an empty I/O port reads back 0xff).
    pub fn is_present(&mut self) -> bool {
        [0x5a, 0xa5].into_iter().all(|pattern| {
            self.write_register(SCRATCH, pattern);
            self.read_register(SCRATCH) == pattern
        })
    }

    /// Whether a received byte is waiting.
    pub fn input_pending(&mut self) -> bool {
        self.read_line_status() & LINE_STATUS_DATA_READY != 0
    }

    /// Takes one received byte, if any: a BREAK arrives as a NUL byte with
    /// the break bit set in LSR (QEMU and a real 16550 alike), reported
    /// as [`Received::Break`].
    pub fn try_read_received(&mut self) -> Option<Received> {
        if !self.input_pending() {
            return None;
        }
        let byte = self.read_register(DATA);
        if self.saved_line_status & LINE_STATUS_BREAK != 0 {
            self.saved_line_status &= !LINE_STATUS_BREAK;
            if byte == 0 {
                return Some(Received::Break);
            }
        }
        Some(Received::Byte(byte))
    }
}

impl core::fmt::Write for SerialPort {
    fn write_str(&mut self, text: &str) -> core::fmt::Result {
        for byte in text.bytes() {
            if byte == b'\n' {
                self.write_byte(b'\r');
            }
            self.write_byte(byte);
        }
        Ok(())
    }
}
