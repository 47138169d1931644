//! The kernel's virtual address space. Everything here is in the upper half
//! (PML4 entries 256..511), which is shared into every address space.
//!
//! ```text
//! 0xffff_8000_0000_0000  DIRECT_MAP_BASE     all physical memory (2 MiB pages)
//! 0xffff_9000_0000_0000  HEAP_BASE           kernel heap, grows upward
//! 0xffff_c000_0000_0000  STACK_REGION_BASE   kernel stacks: [guard | stack] slots
//! 0xffff_d000_0000_0000  MMIO_BASE           device registers, uncached
//! 0xffff_ffff_8000_0000  KERNEL_VIRTUAL_BASE the kernel image (-mcmodel=kernel)
//! ```

/// Virtual address of physical address 0 in the kernel-image mapping.
pub const KERNEL_VIRTUAL_BASE: u64 = 0xffff_ffff_8000_0000;
/// Physical address the kernel image is loaded at (see kernel/linker.ld).
pub const KERNEL_PHYSICAL_BASE: u64 = 0x10_0000;
/// Virtual address of physical address 0 in the direct map.
pub const DIRECT_MAP_BASE: u64 = 0xffff_8000_0000_0000;
/// How much of physical memory the boot stub direct-maps (the rest, if any,
/// is mapped by the kernel's memory set-up).
pub const BOOT_DIRECT_MAP_BYTES: u64 = 4 << 30;
/// Start of the kernel heap.
pub const HEAP_BASE: u64 = 0xffff_9000_0000_0000;
/// Most the heap may grow to.
pub const HEAP_MAX_BYTES: u64 = 64 << 30;
/// Start of the kernel-stack region.
pub const STACK_REGION_BASE: u64 = 0xffff_c000_0000_0000;
/// Start of the MMIO window.
pub const MMIO_BASE: u64 = 0xffff_d000_0000_0000;
/// Size of a 4 KiB page.
pub const PAGE_SIZE_BYTES: u64 = 4096;
/// Size of a 2 MiB large page.
pub const LARGE_PAGE_SIZE_BYTES: u64 = 2 << 20;

const _: () = assert!(HEAP_BASE + HEAP_MAX_BYTES <= STACK_REGION_BASE, "heap runs into the stacks");
const _: () = assert!(DIRECT_MAP_BASE + (1 << 44) <= HEAP_BASE, "the direct map needs room for 16 TiB");
const _: () = assert!(STACK_REGION_BASE < MMIO_BASE && MMIO_BASE < KERNEL_VIRTUAL_BASE);

/// PML4 index of a virtual address.
pub const fn pml4_index(virtual_address: u64) -> u64 {
    (virtual_address >> 39) & 0x1ff
}

/// PDPT index of a virtual address.
pub const fn pdpt_index(virtual_address: u64) -> u64 {
    (virtual_address >> 30) & 0x1ff
}

/// The direct-map virtual address of a physical address.
pub const fn phys_to_virt(physical_address: u64) -> u64 {
    DIRECT_MAP_BASE + physical_address
}

/// The physical address of a kernel-image virtual address.
pub const fn kernel_virt_to_phys(virtual_address: u64) -> u64 {
    virtual_address - KERNEL_VIRTUAL_BASE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_region_is_in_the_shared_kernel_half() {
        for base in [DIRECT_MAP_BASE, HEAP_BASE, STACK_REGION_BASE, MMIO_BASE, KERNEL_VIRTUAL_BASE] {
            assert!(pml4_index(base) >= 256, "{base:#x}");
        }
    }

    #[test]
    fn kernel_image_sits_in_the_top_two_gib() {
        assert_eq!(pml4_index(KERNEL_VIRTUAL_BASE), 511);
        assert_eq!(pdpt_index(KERNEL_VIRTUAL_BASE), 510);
        assert_eq!(kernel_virt_to_phys(KERNEL_VIRTUAL_BASE + KERNEL_PHYSICAL_BASE), KERNEL_PHYSICAL_BASE);
    }
}
