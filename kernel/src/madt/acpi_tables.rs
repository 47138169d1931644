//! Reading the CPU topology from ACPI: locating the RSDP and giving the MADT
//! walker (`kernel::madt`) access to physical memory through the direct map.

use arch::layout::{phys_to_virt, BOOT_DIRECT_MAP_BYTES};
use super::{self as madt, CpuTopology, MadtError, PhysicalMemory};

/// Where the BIOS keeps the RSDP when nobody tells us (ACPI spec 5.2.5.1).
const BIOS_AREA_START: u64 = 0xe0000;
const BIOS_AREA_END: u64 = 0x10_0000;

/// Physical memory through the boot direct map (first 4 GiB, where firmware
/// puts its tables).
struct DirectMap;

impl PhysicalMemory for DirectMap {
    fn read(&self, phys_addr: u64, length_bytes: usize) -> Option<&[u8]> {
        let end = phys_addr.checked_add(length_bytes as u64)?;
        if end > BOOT_DIRECT_MAP_BYTES {
            return None;
        }
        // SAFETY: the range is inside the always-mapped boot direct map; ACPI
        // tables are read-only firmware data nobody writes.
        Some(unsafe { core::slice::from_raw_parts(phys_to_virt(phys_addr) as *const u8, length_bytes) })
    }
}

/// The RSDP: from the boot info, else found by scanning the BIOS area.
fn locate_rsdp(from_boot_info: Option<u64>) -> Result<u64, MadtError> {
    if let Some(address) = from_boot_info {
        return Ok(address);
    }
    let area = DirectMap
        .read(BIOS_AREA_START, (BIOS_AREA_END - BIOS_AREA_START) as usize)
        .ok_or(MadtError::NoRsdp)?;
    madt::find_rsdp_in(area, BIOS_AREA_START).ok_or(MadtError::NoRsdp)
}

/// The CPU and interrupt-controller topology.
pub fn read_topology(rsdp_from_boot_info: Option<u64>) -> Result<CpuTopology, MadtError> {
    let rsdp = locate_rsdp(rsdp_from_boot_info)?;
    madt::topology_from_rsdp(&DirectMap, rsdp)
}
