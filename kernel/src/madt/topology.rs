//! The CPU and interrupt-controller topology read from the MADT. Processors
//! go into a list as long as the table (the kernel decides how many it can
//! drive); interrupt controllers into fixed-capacity lists.

use alloc::vec::Vec;
use core::ops::Deref;
/// Most I/O APICs tracked.
pub const MAX_IO_APICS: usize = 8;
/// Most interrupt source overrides tracked.
pub const MAX_INTERRUPT_OVERRIDES: usize = 24;

/// A fixed-capacity list that counts what did not fit.
#[derive(Clone, Copy, Debug)]
pub struct FixedList<T: Copy + Default, const N: usize> {
    items: [T; N],
    len: usize,
    dropped: usize,
}

impl<T: Copy + Default, const N: usize> Default for FixedList<T, N> {
    fn default() -> Self {
        Self {
            items: [T::default(); N],
            len: 0,
            dropped: 0,
        }
    }
}

impl<T: Copy + Default, const N: usize> FixedList<T, N> {
    /// Appends `item`, or counts it as dropped when full; returns whether it was kept.
    pub fn push(&mut self, item: T) -> bool {
        match self.items.get_mut(self.len) {
            Some(slot) => {
                *slot = item;
                self.len += 1;
                true
            }
            None => {
                self.dropped += 1;
                false
            }
        }
    }

    /// Items that did not fit.
    pub fn dropped(&self) -> usize {
        self.dropped
    }
}

impl<T: Copy + Default, const N: usize> Deref for FixedList<T, N> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.items[..self.len]
    }
}

/// One processor from a Local APIC or Local x2APIC entry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CpuEntry {
    pub apic_id: u32,
    pub acpi_processor_uid: u32,
    /// Usable now. `false` means disabled but online-capable (hot-pluggable): do not start it.
    pub enabled: bool,
    /// Came from a Local x2APIC entry (its ID may not fit in 8 bits).
    pub from_x2apic_entry: bool,
}

/// One I/O APIC.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IoApic {
    pub id: u8,
    pub phys_addr: u64,
    /// First global system interrupt this I/O APIC handles.
    pub gsi_base: u32,
}

/// Interrupt pin polarity from MPS INTI flags.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Polarity {
    /// Bus default (active high for ISA). Also used for the reserved encoding.
    #[default]
    ConformsToBus,
    ActiveHigh,
    ActiveLow,
}

/// Interrupt trigger mode from MPS INTI flags.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TriggerMode {
    /// Bus default (edge for ISA). Also used for the reserved encoding.
    #[default]
    ConformsToBus,
    Edge,
    Level,
}

/// An ISA IRQ that is wired to a different GSI or with non-default signalling.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InterruptOverride {
    pub isa_irq: u8,
    pub gsi: u32,
    pub polarity: Polarity,
    pub trigger_mode: TriggerMode,
}

/// What the kernel needs from the MADT to bring up APICs and APs.
#[derive(Clone, Debug, Default)]
pub struct CpuTopology {
    pub local_apic_phys_addr: u64,
    /// MADT flag PCAT_COMPAT: dual 8259 PICs are present and must be masked.
    pub legacy_pics_present: bool,
    /// Distinct APIC IDs in table order (enabled and online-capable), however
    /// many the table lists.
    pub cpus: Vec<CpuEntry>,
    pub io_apics: FixedList<IoApic, MAX_IO_APICS>,
    pub interrupt_overrides: FixedList<InterruptOverride, MAX_INTERRUPT_OVERRIDES>,
    /// Processor entries that repeated an APIC ID already seen (the first is kept).
    pub duplicate_apic_ids: usize,
    /// Processor entries neither enabled nor online-capable, or with an invalid ID.
    pub unusable_cpu_entries: usize,
}

impl CpuTopology {
    /// Processors the kernel may start now (including the BSP).
    pub fn enabled_cpus(&self) -> impl Iterator<Item = &CpuEntry> + '_ {
        self.cpus.iter().filter(|cpu| cpu.enabled)
    }

    /// The GSI, polarity and trigger mode for an ISA IRQ (identity if not overridden).
    pub fn isa_irq_to_gsi(&self, isa_irq: u8) -> InterruptOverride {
        let identity = InterruptOverride {
            isa_irq,
            gsi: u32::from(isa_irq),
            ..Default::default()
        };
        self.interrupt_overrides
            .iter()
            .copied()
            .find(|entry| entry.isa_irq == isa_irq)
            .unwrap_or(identity)
    }

    /// Records a usable processor, skipping duplicate APIC IDs.
    pub(super) fn add_cpu(&mut self, cpu: CpuEntry) {
        if self.cpus.iter().any(|known| known.apic_id == cpu.apic_id) {
            self.duplicate_apic_ids += 1;
            return;
        }
        self.cpus.push(cpu);
    }
}
