//! ACPI walk from the RSDP to the MADT, producing the CPU and I/O APIC topology.
//!
//! ```text
//! RSDP ("RSD PTR ", v1: 20 bytes, v2: 36 bytes)
//!   '-> XSDT (64-bit entries; RSDT with 32-bit entries when revision 0 or no XSDT)
//!         '-> "APIC" = MADT: header | local APIC addr u32 | flags u32 | entries...
//!                                    entry = type u8 | length u8 | body
//! ```
//!
//! This is a self-contained parser, not the `acpi` crate: acpi 6.1.1 declares
//! `#![feature(allocator_api)]` unconditionally and does not build on stable Rust,
//! and its MADT entry iterator trusts entry lengths (a length-0 entry never
//! advances, so iteration never ends; an entry shorter than its type is read past
//! its end; a MADT length below 44 underflows). Here every
//! table length, checksum and entry length is checked before it is used, and all
//! reads go through bounds-checked slices, so bad firmware yields a [`MadtError`].
//!
//! The MADT does not say which CPU is the BSP; the kernel reads its own local
//! APIC ID for that.

use core::fmt;

mod topology;
/// Finding the RSDP and reading the tables through the direct map.
#[cfg(target_os = "none")]
pub mod acpi_tables;

pub use topology::{
    CpuEntry, CpuTopology, FixedList, InterruptOverride, IoApic, Polarity, TriggerMode,
    MAX_INTERRUPT_OVERRIDES, MAX_IO_APICS,
};

const SDT_HEADER_SIZE_BYTES: usize = 36;
const MADT_ENTRIES_OFFSET_BYTES: usize = 44;
const RSDP_V1_SIZE_BYTES: usize = 20;
const RSDP_V2_SIZE_BYTES: usize = 36;
/// Sanity cap on a table's length field, so a garbage length is an error, not a huge map.
const MAX_TABLE_SIZE_BYTES: usize = 1 << 20;

/// Read access to physical memory (the kernel maps it through its direct map;
/// host tests serve a byte buffer).
pub trait PhysicalMemory {
    /// Returns the `length_bytes` bytes at `phys_addr`, or `None` if not readable.
    fn read(&self, phys_addr: u64, length_bytes: usize) -> Option<&[u8]>;
}

/// Why the topology could not be read. Every variant is fatal for SMP bring-up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MadtError {
    /// No RSDP found (the boot info had none and the BIOS-area scan failed).
    NoRsdp,
    RsdpUnreadable {
        phys_addr: u64,
    },
    BadRsdpSignature {
        phys_addr: u64,
    },
    BadRsdpChecksum {
        phys_addr: u64,
    },
    /// The ACPI 2.0+ extended checksum or length is wrong.
    BadRsdpExtendedChecksum {
        phys_addr: u64,
    },
    TableUnreadable {
        signature: [u8; 4],
        phys_addr: u64,
        length_bytes: usize,
    },
    BadTableSignature {
        expected: [u8; 4],
        found: [u8; 4],
        phys_addr: u64,
    },
    BadTableLength {
        signature: [u8; 4],
        phys_addr: u64,
        length_bytes: usize,
    },
    BadTableChecksum {
        signature: [u8; 4],
        phys_addr: u64,
    },
    /// The RSDT/XSDT lists no readable "APIC" table.
    MadtNotFound,
    /// An entry's length is 0/1, runs past the table end, or is too short for its type.
    MalformedMadtEntry {
        offset_bytes: usize,
        entry_type: u8,
        length_bytes: usize,
    },
    /// No enabled Local APIC / x2APIC entry.
    NoUsableProcessors,
    /// No I/O APIC: device interrupts cannot be routed (no 8259 fallback in this kernel).
    NoIoApic,
}

struct Ascii<'a>(&'a [u8]);

impl fmt::Display for Ascii<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|&byte| {
            let printable = byte.is_ascii_graphic() || byte == b' ';
            write!(formatter, "{}", if printable { byte as char } else { '?' })
        })
    }
}

impl fmt::Display for MadtError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::NoRsdp => write!(formatter, "ACPI: no RSDP found"),
            Self::RsdpUnreadable { phys_addr } => write!(formatter, "ACPI: RSDP at {phys_addr:#x} is unreadable"),
            Self::BadRsdpSignature { phys_addr } => {
                write!(formatter, "ACPI: no 'RSD PTR ' signature at {phys_addr:#x}")
            }
            Self::BadRsdpChecksum { phys_addr } => write!(formatter, "ACPI: RSDP at {phys_addr:#x} has a bad checksum"),
            Self::BadRsdpExtendedChecksum { phys_addr } => {
                write!(formatter, "ACPI: RSDP at {phys_addr:#x} has a bad extended checksum or length")
            }
            Self::TableUnreadable { signature, phys_addr, length_bytes } => write!(
                formatter,
                "ACPI: table '{}' at {phys_addr:#x} ({length_bytes} bytes) is unreadable (length field too large?)",
                Ascii(&signature)
            ),
            Self::BadTableSignature { expected, found, phys_addr } => write!(
                formatter,
                "ACPI: expected table '{}' at {phys_addr:#x}, found '{}'",
                Ascii(&expected),
                Ascii(&found)
            ),
            Self::BadTableLength { signature, phys_addr, length_bytes } => write!(
                formatter,
                "ACPI: table '{}' at {phys_addr:#x} has an impossible length of {length_bytes} bytes",
                Ascii(&signature)
            ),
            Self::BadTableChecksum { signature, phys_addr } => {
                write!(formatter, "ACPI: table '{}' at {phys_addr:#x} has a bad checksum", Ascii(&signature))
            }
            Self::MadtNotFound => write!(formatter, "ACPI: no MADT ('APIC' table) in the RSDT/XSDT"),
            Self::MalformedMadtEntry { offset_bytes, entry_type, length_bytes } => write!(
                formatter,
                "ACPI: malformed MADT entry of type {entry_type} at offset {offset_bytes} (length {length_bytes})"
            ),
            Self::NoUsableProcessors => write!(formatter, "ACPI: the MADT lists no enabled processor"),
            Self::NoIoApic => write!(formatter, "ACPI: the MADT lists no I/O APIC; device interrupts cannot be routed"),
        }
    }
}

/// Walks RSDP -> XSDT/RSDT -> MADT and returns the topology.
pub fn topology_from_rsdp<M: PhysicalMemory + ?Sized>(
    memory: &M,
    rsdp_phys_addr: u64,
) -> Result<CpuTopology, MadtError> {
    let (madt, madt_phys_addr) = find_madt(memory, rsdp_phys_addr)?;
    topology_from_madt(madt, madt_phys_addr)
}

/// Scans `memory` (whose first byte is at `base_phys`) on 16-byte physical boundaries
/// for a valid RSDP (v1 checksum, plus the v2 extended checksum when revision >= 2).
pub fn find_rsdp_in(memory: &[u8], base_phys: u64) -> Option<u64> {
    let first_offset = (base_phys.wrapping_neg() % 16) as usize;
    (first_offset..memory.len())
        .step_by(16)
        .find(|&offset| {
            memory[offset..].starts_with(b"RSD PTR ") && parse_rsdp(&memory[offset..], 0).is_ok()
        })
        .map(|offset| base_phys + offset as u64)
}

/// Finds the MADT; returns its bytes (exactly its length field, checksum verified)
/// and its physical address.
pub fn find_madt<M: PhysicalMemory + ?Sized>(
    memory: &M,
    rsdp_phys_addr: u64,
) -> Result<(&[u8], u64), MadtError> {
    let unreadable = MadtError::RsdpUnreadable {
        phys_addr: rsdp_phys_addr,
    };
    let rsdp_v1 = memory
        .read(rsdp_phys_addr, RSDP_V1_SIZE_BYTES)
        .ok_or(unreadable)?;
    let rsdp = match rsdp_v1.get(15).copied().unwrap_or(0) {
        0 => rsdp_v1,
        _ => {
            let length_bytes = le_u32(
                memory
                    .read(rsdp_phys_addr, RSDP_V2_SIZE_BYTES)
                    .ok_or(unreadable)?,
                20,
            ) as usize;
            let length_bytes = length_bytes.clamp(RSDP_V2_SIZE_BYTES, MAX_TABLE_SIZE_BYTES);
            memory
                .read(rsdp_phys_addr, length_bytes)
                .ok_or(unreadable)?
        }
    };
    let (root_phys_addr, entry_size_bytes) = parse_rsdp(rsdp, rsdp_phys_addr)?;
    let expected = if entry_size_bytes == 8 {
        *b"XSDT"
    } else {
        *b"RSDT"
    };
    let root = read_table(memory, root_phys_addr, expected)?;
    for entry in root[SDT_HEADER_SIZE_BYTES..].chunks_exact(entry_size_bytes) {
        let table_phys_addr = if entry_size_bytes == 8 {
            le_u64(entry, 0)
        } else {
            u64::from(le_u32(entry, 0))
        };
        // An unreadable entry cannot be the MADT we are looking for; skip it.
        let Some(header) = memory.read(table_phys_addr, SDT_HEADER_SIZE_BYTES) else {
            continue;
        };
        if header.starts_with(b"APIC") {
            return Ok((
                read_table(memory, table_phys_addr, *b"APIC")?,
                table_phys_addr,
            ));
        }
    }
    Err(MadtError::MadtNotFound)
}

/// Parses a MADT (signature, length and checksum are checked again here, so this
/// is safe to call on any bytes). `phys_addr` is only used in error messages.
pub fn topology_from_madt(madt: &[u8], phys_addr: u64) -> Result<CpuTopology, MadtError> {
    let table = validate_table(madt, phys_addr, *b"APIC")?;
    if table.len() < MADT_ENTRIES_OFFSET_BYTES {
        return Err(MadtError::BadTableLength {
            signature: *b"APIC",
            phys_addr,
            length_bytes: table.len(),
        });
    }
    let mut topology = CpuTopology {
        local_apic_phys_addr: u64::from(le_u32(table, 36)),
        legacy_pics_present: le_u32(table, 40) & 1 != 0,
        ..Default::default()
    };
    let mut offset_bytes = MADT_ENTRIES_OFFSET_BYTES;
    while offset_bytes < table.len() {
        let rest = &table[offset_bytes..];
        let entry_type = rest[0];
        let length_bytes = rest
            .get(1)
            .map_or(rest.len(), |&length| usize::from(length));
        let minimum_bytes = match entry_type {
            0 => 8,
            1 | 5 => 12,
            2 => 10,
            9 => 16,
            _ => 2,
        };
        if length_bytes < minimum_bytes || length_bytes > rest.len() {
            return Err(MadtError::MalformedMadtEntry {
                offset_bytes,
                entry_type,
                length_bytes,
            });
        }
        let entry = &rest[..length_bytes];
        match entry_type {
            0 => add_processor(
                &mut topology,
                u32::from(entry[3]),
                u32::from(entry[2]),
                le_u32(entry, 4),
                false,
            ),
            1 => {
                let io_apic = IoApic {
                    id: entry[2],
                    phys_addr: u64::from(le_u32(entry, 4)),
                    gsi_base: le_u32(entry, 8),
                };
                topology.io_apics.push(io_apic);
            }
            2 => {
                let flags = le_u16(entry, 8);
                let polarity = match flags & 0b11 {
                    0b01 => Polarity::ActiveHigh,
                    0b11 => Polarity::ActiveLow,
                    _ => Polarity::ConformsToBus,
                };
                let trigger_mode = match (flags >> 2) & 0b11 {
                    0b01 => TriggerMode::Edge,
                    0b11 => TriggerMode::Level,
                    _ => TriggerMode::ConformsToBus,
                };
                let entry = InterruptOverride {
                    isa_irq: entry[3],
                    gsi: le_u32(entry, 4),
                    polarity,
                    trigger_mode,
                };
                topology.interrupt_overrides.push(entry);
            }
            5 => topology.local_apic_phys_addr = le_u64(entry, 4),
            9 => add_processor(
                &mut topology,
                le_u32(entry, 4),
                le_u32(entry, 12),
                le_u32(entry, 8),
                true,
            ),
            _ => {} // NMI sources, GIC entries, OEM types: not needed here.
        }
        offset_bytes += length_bytes;
    }
    if topology.enabled_cpus().next().is_none() {
        return Err(MadtError::NoUsableProcessors);
    }
    if topology.io_apics.is_empty() {
        return Err(MadtError::NoIoApic);
    }
    Ok(topology)
}

fn add_processor(
    topology: &mut CpuTopology,
    apic_id: u32,
    acpi_processor_uid: u32,
    flags: u32,
    x2apic: bool,
) {
    const ENABLED: u32 = 1 << 0;
    const ONLINE_CAPABLE: u32 = 1 << 1;
    let invalid_id = if x2apic { u32::MAX } else { 0xFF };
    if apic_id == invalid_id || flags & (ENABLED | ONLINE_CAPABLE) == 0 {
        topology.unusable_cpu_entries += 1;
        return;
    }
    let enabled = flags & ENABLED != 0;
    topology.add_cpu(CpuEntry {
        apic_id,
        acpi_processor_uid,
        enabled,
        from_x2apic_entry: x2apic,
    });
}

/// Validates an RSDP; returns the root table address and its entry size (8 = XSDT).
fn parse_rsdp(rsdp: &[u8], phys_addr: u64) -> Result<(u64, usize), MadtError> {
    if rsdp.len() < RSDP_V1_SIZE_BYTES || !rsdp.starts_with(b"RSD PTR ") {
        return Err(MadtError::BadRsdpSignature { phys_addr });
    }
    if checksum(&rsdp[..RSDP_V1_SIZE_BYTES]) != 0 {
        return Err(MadtError::BadRsdpChecksum { phys_addr });
    }
    let rsdt_phys_addr = u64::from(le_u32(rsdp, 16));
    if rsdp[15] == 0 {
        return Ok((rsdt_phys_addr, 4));
    }
    let bad_extended = MadtError::BadRsdpExtendedChecksum { phys_addr };
    let length_bytes = le_u32(rsdp, 20) as usize;
    if length_bytes < RSDP_V2_SIZE_BYTES
        || length_bytes > rsdp.len()
        || checksum(&rsdp[..length_bytes]) != 0
    {
        return Err(bad_extended);
    }
    match le_u64(rsdp, 24) {
        0 => Ok((rsdt_phys_addr, 4)),
        xsdt_phys_addr => Ok((xsdt_phys_addr, 8)),
    }
}

/// Reads a whole table through `memory` and validates it.
fn read_table<M: PhysicalMemory + ?Sized>(
    memory: &M,
    phys_addr: u64,
    signature: [u8; 4],
) -> Result<&[u8], MadtError> {
    let header_unreadable = MadtError::TableUnreadable {
        signature,
        phys_addr,
        length_bytes: SDT_HEADER_SIZE_BYTES,
    };
    let header = memory
        .read(phys_addr, SDT_HEADER_SIZE_BYTES)
        .ok_or(header_unreadable)?;
    let found = le_bytes::<4>(header, 0);
    if found != signature {
        return Err(MadtError::BadTableSignature {
            expected: signature,
            found,
            phys_addr,
        });
    }
    let length_bytes = le_u32(header, 4) as usize;
    if !(SDT_HEADER_SIZE_BYTES..=MAX_TABLE_SIZE_BYTES).contains(&length_bytes) {
        return Err(MadtError::BadTableLength {
            signature,
            phys_addr,
            length_bytes,
        });
    }
    let table = memory
        .read(phys_addr, length_bytes)
        .ok_or(MadtError::TableUnreadable {
            signature,
            phys_addr,
            length_bytes,
        })?;
    validate_table(table, phys_addr, signature)
}

/// Checks signature, length field (against the bytes present) and checksum;
/// returns the table cut to its length field.
fn validate_table(bytes: &[u8], phys_addr: u64, expected: [u8; 4]) -> Result<&[u8], MadtError> {
    let found = le_bytes::<4>(bytes, 0);
    if bytes.len() < SDT_HEADER_SIZE_BYTES || found != expected {
        return Err(MadtError::BadTableSignature {
            expected,
            found,
            phys_addr,
        });
    }
    let length_bytes = le_u32(bytes, 4) as usize;
    let bad_length = MadtError::BadTableLength {
        signature: expected,
        phys_addr,
        length_bytes,
    };
    if !(SDT_HEADER_SIZE_BYTES..=MAX_TABLE_SIZE_BYTES).contains(&length_bytes) {
        return Err(bad_length);
    }
    let table = bytes
        .get(..length_bytes)
        .ok_or(MadtError::TableUnreadable {
            signature: expected,
            phys_addr,
            length_bytes,
        })?;
    if checksum(table) != 0 {
        return Err(MadtError::BadTableChecksum {
            signature: expected,
            phys_addr,
        });
    }
    Ok(table)
}

fn checksum(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0u8, |sum, &byte| sum.wrapping_add(byte))
}

/// Little-endian field readers; out-of-range bytes read as zero (callers check lengths first).
fn le_bytes<const N: usize>(bytes: &[u8], offset: usize) -> [u8; N] {
    let mut value = [0u8; N];
    if let Some(source) = offset.checked_add(N).and_then(|end| bytes.get(offset..end)) {
        value.copy_from_slice(source);
    }
    value
}

fn le_u16(bytes: &[u8], offset: usize) -> u16 {
    u16::from_le_bytes(le_bytes(bytes, offset))
}

fn le_u32(bytes: &[u8], offset: usize) -> u32 {
    u32::from_le_bytes(le_bytes(bytes, offset))
}

fn le_u64(bytes: &[u8], offset: usize) -> u64 {
    u64::from_le_bytes(le_bytes(bytes, offset))
}

#[cfg(test)]
mod tests;
