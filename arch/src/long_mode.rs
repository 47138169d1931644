//! What the BSP's boot stub and the AP trampoline share on their way from
//! 32-bit protected mode to long mode: the descriptor values of their small
//! GDTs, the control-register bits, and the instruction sequence that turns
//! on paging (`enable_paging_from_32_bit!`).

use crate::msr::IA32_EFER;
use x86_64::registers::control::{Cr0Flags, Cr4Flags};
use x86_64::registers::model_specific::EferFlags;
use x86_64::structures::gdt::DescriptorFlags;

/// 64-bit ring-0 code segment descriptor.
pub const CODE64_DESCRIPTOR: u64 = DescriptorFlags::KERNEL_CODE64.bits();
/// 32-bit ring-0 code segment descriptor (trampoline only).
pub const CODE32_DESCRIPTOR: u64 = DescriptorFlags::KERNEL_CODE32.bits();
/// Ring-0 data segment descriptor.
pub const DATA_DESCRIPTOR: u64 = DescriptorFlags::KERNEL_DATA.bits();
/// CR4: physical-address extension (required for long mode).
pub const CR4_BITS: u64 = Cr4Flags::PHYSICAL_ADDRESS_EXTENSION.bits();
/// EFER: long mode and no-execute pages.
pub const EFER_BITS: u64 = EferFlags::LONG_MODE_ENABLE.bits() | EferFlags::NO_EXECUTE_ENABLE.bits();
/// CR0: protected mode, supervisor write protection, paging.
pub const CR0_BITS: u64 =
    Cr0Flags::PROTECTED_MODE_ENABLE.bits() | Cr0Flags::WRITE_PROTECT.bits() | Cr0Flags::PAGING.bits();
/// `IA32_EFER`, for the `rdmsr`/`wrmsr` in the sequence.
pub const EFER_MSR: u32 = IA32_EFER;

/// 32-bit assembly that enables PAE, loads CR3 from `$cr3_source` (an
/// operand such as `offset boot_pml4` or `[address]`), sets EFER.LME/NXE
/// and turns paging on. The including `global_asm!` must pass the operands
/// `cr4_bits`, `efer_msr`, `efer_bits` and `cr0_bits` from this module.
macro_rules! enable_paging_from_32_bit {
    ($cr3_source:literal) => {
        concat!(
            "    mov eax, cr4\n",
            "    or eax, {cr4_bits}\n",
            "    mov cr4, eax\n",
            "    mov eax, ", $cr3_source, "\n",
            "    mov cr3, eax\n",
            "    mov ecx, {efer_msr}\n",
            "    rdmsr\n",
            "    or eax, {efer_bits}\n",
            "    wrmsr\n",
            "    mov eax, cr0\n",
            "    or eax, {cr0_bits}\n",
            "    mov cr0, eax\n",
        )
    };
}
pub(crate) use enable_paging_from_32_bit;
