//! The I/O APIC. At boot every redirection entry is pointed at
//! `first_vector + pin` and masked; device drivers unmask the pins they own.

use x2apic::ioapic::IoApic;

/// Most I/O APICs the kernel drives.
pub const MAX_IO_APICS: usize = 8;

/// The I/O APICs, once initialised, by MADT order.
static IO_APICS: [spin::Mutex<Option<IoApic>>; MAX_IO_APICS] = [const { spin::Mutex::new(None) }; MAX_IO_APICS];

/// What `init` found.
#[derive(Clone, Copy, Debug)]
pub struct IoApicInfo {
    pub id: u8,
    pub version: u8,
    pub pin_count: u32,
}

/// Programs I/O APIC number `index` (MADT order, < MAX_IO_APICS) at
/// `mmio_virtual` (mapped uncached): pin `i` to vector `first_vector + i`,
/// all masked.
///
/// # Safety
/// `mmio_virtual` must map an I/O APIC's registers, uncached, for the rest of
/// the kernel's life, and nothing else may drive that I/O APIC.
pub unsafe fn init(index: usize, mmio_virtual: u64, first_vector: u8) -> IoApicInfo {
    // SAFETY: the caller's contract.
    let mut io_apic = unsafe { IoApic::new(mmio_virtual) };
    // SAFETY: exclusive access to a valid I/O APIC (caller's contract).
    let info = unsafe {
        io_apic.init(first_vector);
        let pin_count = u32::from(io_apic.max_table_entry()) + 1;
        for pin in 0..pin_count {
            io_apic.disable_irq(pin as u8);
        }
        IoApicInfo { id: io_apic.id(), version: io_apic.version(), pin_count }
    };
    *IO_APICS[index].lock() = Some(io_apic);
    info
}

/// How a pin signals (from the MADT's interrupt source overrides; ISA
/// defaults are edge-triggered, active high).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PinSignalling {
    pub level_triggered: bool,
    pub active_low: bool,
}

/// Why a pin could not be routed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteError {
    /// No I/O APIC was initialised at that index.
    NoSuchIoApic,
    /// The pin is beyond the I/O APIC's redirection table.
    NoSuchPin,
}

/// Points pin `pin` of I/O APIC `index` at `vector` on the CPU with
/// xAPIC id `destination` (fixed delivery, physical destination), with
/// `signalling`, and unmasks it.
pub fn route_and_unmask(index: usize, pin: u8, vector: u8, destination: u8, signalling: PinSignalling) -> Result<(), RouteError> {
    use x2apic::ioapic::{IrqFlags, IrqMode, RedirectionTableEntry};
    let mut slot = IO_APICS.get(index).ok_or(RouteError::NoSuchIoApic)?.lock();
    let io_apic = slot.as_mut().ok_or(RouteError::NoSuchIoApic)?;
    // SAFETY: `init` took this I/O APIC's registers for the kernel's life;
    // the lock gives exclusive access.
    unsafe {
        if pin > io_apic.max_table_entry() {
            return Err(RouteError::NoSuchPin);
        }
        let mut entry = RedirectionTableEntry::default();
        entry.set_vector(vector);
        entry.set_mode(IrqMode::Fixed);
        let mut flags = IrqFlags::MASKED;
        if signalling.level_triggered {
            flags |= IrqFlags::LEVEL_TRIGGERED;
        }
        if signalling.active_low {
            flags |= IrqFlags::LOW_ACTIVE;
        }
        entry.set_flags(flags);
        entry.set_dest(destination);
        io_apic.set_table_entry(pin, entry);
        io_apic.enable_irq(pin);
    }
    Ok(())
}
