//! The PVH boot information (`struct hvm_start_info`, Xen
//! `arch-x86/hvm/start_info.h`) that QEMU hands the kernel in `ebx`.

use crate::command_line::{Escaped, Word};
use arch::layout::phys_to_virt;

/// `hvm_start_info.magic`.
const HVM_START_MAGIC: u32 = 0x336e_c578;
/// E820 type of usable RAM.
pub const MEMORY_TYPE_RAM: u32 = 1;
/// Longest command line the kernel reads whole (`protocol`, shared with
/// xtask, which refuses longer ones).
const MAX_COMMAND_LINE_BYTES: usize = protocol::KERNEL_COMMAND_LINE_MAX_BYTES;

#[repr(C)]
struct HvmStartInfo {
    magic: u32,
    version: u32,
    flags: u32,
    module_count: u32,
    module_list_paddr: u64,
    command_line_paddr: u64,
    rsdp_paddr: u64,
    memory_map_paddr: u64,
    memory_map_entries: u32,
    reserved: u32,
}

/// One entry of the PVH module list (`struct hvm_modlist_entry`).
#[repr(C)]
struct HvmModule {
    physical_address: u64,
    size_bytes: u64,
    command_line_paddr: u64,
    reserved: u64,
}

/// A module the loader placed in memory (QEMU's `-initrd` is module 0):
/// its physical range, which the frame allocator must leave alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BootModule {
    pub physical_address: u64,
    pub size_bytes: u64,
}

impl BootModule {
    /// The module's bytes, through the direct map. They stay valid for
    /// good: the frames are reserved at boot and never handed out.
    pub fn bytes(&self) -> &'static [u8] {
        // SAFETY: the loader placed `size_bytes` bytes here; `memory::init`
        // reserved the range, so nothing else writes it; the direct map
        // covers all RAM.
        unsafe { core::slice::from_raw_parts(phys_to_virt(self.physical_address) as *const u8, self.size_bytes as usize) }
    }
}

/// One entry of the PVH memory map (E820 layout).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct MemoryMapEntry {
    pub address: u64,
    pub size_bytes: u64,
    pub entry_type: u32,
    reserved: u32,
}

/// Most memory-map entries the kernel keeps.
const MAX_MEMORY_MAP_ENTRIES: usize = 128;

/// What the kernel takes from the boot information. The data is copied into
/// the kernel image first, so the loader's pages may be reused.
pub struct BootInfo {
    pub memory_map: &'static [MemoryMapEntry],
    pub command_line: &'static str,
    /// Physical address of the ACPI RSDP, if the loader gave one.
    pub rsdp_phys: Option<u64>,
    /// The first module (the initramfs), if any.
    pub initramfs: Option<BootModule>,
}

struct SavedBootInfo {
    memory_map: [MemoryMapEntry; MAX_MEMORY_MAP_ENTRIES],
    memory_map_entries: usize,
    command_line: [u8; MAX_COMMAND_LINE_BYTES],
    command_line_bytes: usize,
    rsdp_phys: Option<u64>,
    initramfs: Option<BootModule>,
}

static SAVED: spin::Once<SavedBootInfo> = spin::Once::new();

/// The boot information saved by `read`.
pub fn boot_info() -> BootInfo {
    let saved = SAVED.get().expect("pvh::boot_info before pvh::read");
    BootInfo {
        memory_map: &saved.memory_map[..saved.memory_map_entries],
        command_line: core::str::from_utf8(&saved.command_line[..saved.command_line_bytes]).unwrap_or(""),
        rsdp_phys: saved.rsdp_phys,
        initramfs: saved.initramfs,
    }
}

/// Reads `hvm_start_info` at `start_info_phys` through the boot direct map
/// and saves what the kernel needs. Panics with a clear message when the
/// loader gave something unusable.
pub fn read(start_info_phys: u64) -> BootInfo {
    SAVED.call_once(|| save(start_info_phys));
    boot_info()
}

fn save(start_info_phys: u64) -> SavedBootInfo {
    assert!(start_info_phys != 0, "boot: no hvm_start_info (not started through the PVH entry?)");
    // SAFETY: the PVH contract: ebx held the physical address of a valid
    // hvm_start_info, which the boot direct map (first 4 GiB) covers.
    let info = unsafe { &*(phys_to_virt(start_info_phys) as *const HvmStartInfo) };
    if info.magic != HVM_START_MAGIC {
        panic!("{}", BadMagic(info.magic));
    }
    assert!(
        info.version >= 1 && info.memory_map_paddr != 0 && info.memory_map_entries != 0,
        "boot: the loader passed no memory map (hvm_start_info version {}, {} entries)",
        info.version,
        info.memory_map_entries
    );
    // SAFETY: version >= 1 guarantees the memory map fields; the loader
    // placed the array in low memory, covered by the boot direct map.
    let memory_map = unsafe {
        core::slice::from_raw_parts(
            phys_to_virt(info.memory_map_paddr) as *const MemoryMapEntry,
            info.memory_map_entries as usize,
        )
    };
    assert!(
        memory_map.len() <= MAX_MEMORY_MAP_ENTRIES,
        "boot: the memory map has {} entries; the kernel handles {}",
        memory_map.len(),
        MAX_MEMORY_MAP_ENTRIES
    );
    let empty = MemoryMapEntry { address: 0, size_bytes: 0, entry_type: 0, reserved: 0 };
    let mut saved = SavedBootInfo {
        memory_map: [empty; MAX_MEMORY_MAP_ENTRIES],
        memory_map_entries: memory_map.len(),
        command_line: [0; MAX_COMMAND_LINE_BYTES],
        command_line_bytes: 0,
        rsdp_phys: (info.rsdp_paddr != 0).then_some(info.rsdp_paddr),
        initramfs: first_module(info),
    };
    saved.memory_map[..memory_map.len()].copy_from_slice(memory_map);
    saved.command_line_bytes = save_command_line(info.command_line_paddr, &mut saved.command_line);
    saved
}

/// Module 0 of the start info, if the loader passed one with a size.
fn first_module(info: &HvmStartInfo) -> Option<BootModule> {
    if info.module_count == 0 || info.module_list_paddr == 0 {
        return None;
    }
    // SAFETY: the loader put `module_count` entries at `module_list_paddr`,
    // in low memory covered by the boot direct map. QEMU's microvm places
    // the list at an address that is not 8-byte aligned, so it is read
    // unaligned.
    let module = unsafe { core::ptr::read_unaligned(phys_to_virt(info.module_list_paddr) as *const HvmModule) };
    (module.size_bytes > 0).then_some(BootModule { physical_address: module.physical_address, size_bytes: module.size_bytes })
}

/// Explains a wrong `hvm_start_info` magic.
struct BadMagic(u32);

impl core::fmt::Display for BadMagic {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(formatter, "boot: hvm_start_info magic is {:#x}, expected {:#x}: ", self.0, HVM_START_MAGIC)?;
        let bytes = self.0.to_le_bytes();
        if bytes.iter().all(|byte| byte.is_ascii_graphic() || *byte == b' ') {
            write!(
                formatter,
                "it reads as text ({}), so the kernel command line most likely overlapped the start info \
                 (QEMU's PVH loader does that from about 4128 bytes; the kernel takes at most {} bytes)",
                crate::command_line::Escaped(&bytes),
                MAX_COMMAND_LINE_BYTES
            )
        } else {
            write!(formatter, "the loader did not pass a PVH start info (not booted through the PVH entry note?)")
        }
    }
}

/// Copies the command line at `phys` into `saved`: its valid words (see
/// `command_line`), joined by single spaces; warns about a line too long
/// (the rest is cut) and about every word dropped. Returns the bytes saved.
fn save_command_line(phys: u64, saved: &mut [u8; MAX_COMMAND_LINE_BYTES]) -> usize {
    if phys == 0 {
        return 0;
    }
    let start = phys_to_virt(phys) as *const u8;
    let mut length = 0;
    // SAFETY: the loader gives a NUL-terminated string in low memory; we stop
    // at the NUL or one byte past the longest line we keep, whichever is first.
    while length <= MAX_COMMAND_LINE_BYTES && unsafe { *start.add(length) } != 0 {
        length += 1;
    }
    if length > MAX_COMMAND_LINE_BYTES {
        crate::kwarn!("the kernel command line is longer than {} bytes; the rest was ignored", MAX_COMMAND_LINE_BYTES);
        length = MAX_COMMAND_LINE_BYTES;
    }
    // SAFETY: `length` bytes were just read successfully.
    let raw = unsafe { core::slice::from_raw_parts(start, length) };
    let mut saved_bytes = 0;
    for word in crate::command_line::words(raw) {
        match word {
            Word::Kept(text) => {
                let separator = usize::from(saved_bytes > 0);
                saved[saved_bytes..saved_bytes + separator].fill(b' ');
                saved[saved_bytes + separator..saved_bytes + separator + text.len()].copy_from_slice(text.as_bytes());
                saved_bytes += separator + text.len();
            }
            Word::Dropped(bytes) => {
                crate::kwarn!("kernel argument '{}' is not printable UTF-8 text; ignored", Escaped(bytes));
            }
        }
    }
    saved_bytes
}
