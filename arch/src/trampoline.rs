//! The real-mode trampoline that takes an application processor from the
//! start-up IPI to the kernel in long mode.
//!
//! The blob below is assembled into the kernel image and copied to the low
//! physical page `TRAMPOLINE_PHYSICAL_ADDRESS`. A SIPI starts the AP there in
//! real mode with CS = page << 8, IP = 0. It loads its own tiny GDT, enters
//! protected mode, enables PAE, loads the kernel's page tables from the
//! parameters block, sets EFER.LME/NXE, enables paging and far-jumps into
//! 64-bit mode, still running at the low (identity-mapped) address.
//!
//! All APs run it at once (the BSP starts them together), so it uses no
//! stack and writes no memory until an AP has its own stack: each AP reads
//! its APIC id with CPUID, finds the entry with that id in the BSP's table
//! of [`ApStart`]s (a linear scan), loads that entry's stack top and calls
//! the entry point with the entry's argument (the AP's per-CPU block). An AP
//! whose id is not in the table halts for good. Each AP therefore owns its
//! stack and PCR, chosen by APIC id and not by arrival order, before any
//! Rust code runs on it.

use crate::layout::PAGE_SIZE_BYTES;
use crate::long_mode::{self, enable_paging_from_32_bit};
use memoffset::offset_of;
use x86_64::registers::control::Cr0Flags;

/// Where the trampoline runs. Must be page-aligned and below 1 MiB; the
/// kernel keeps this page out of the frame allocator.
pub const TRAMPOLINE_PHYSICAL_ADDRESS: u64 = 0x8000;
const _: () = assert!(TRAMPOLINE_PHYSICAL_ADDRESS.is_multiple_of(PAGE_SIZE_BYTES));
const _: () = assert!(TRAMPOLINE_PHYSICAL_ADDRESS < 0x10_0000);

/// What one AP gets: found in the table by its APIC id.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct ApStart {
    /// The AP's APIC id as CPUID reports it, by the rule of
    /// `lapic::apic_id_from_cpuid` (which the assembly below repeats).
    pub apic_id: u64,
    /// Top of the AP's (guarded) kernel stack; 16-byte aligned.
    pub stack_top: u64,
    /// Passed in RDI to the entry point: the AP's per-CPU block.
    pub argument: u64,
}

/// What the BSP hands to all APs, written into the copied trampoline.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct TrampolineParams {
    /// Physical address of the PML4 (must be below 4 GiB).
    pub cr3: u64,
    /// `extern "C" fn(argument: u64) -> !` to call in long mode.
    pub entry: u64,
    /// Virtual address (kernel half) of the `[ApStart]` table.
    pub table: u64,
    /// Entries in the table.
    pub table_len: u64,
}

/// CPUID leaf with the x2APIC id in EDX (extended topology).
pub const CPUID_TOPOLOGY_LEAF: u32 = 0xb;
/// CPUID leaf with the 8-bit initial APIC id in EBX bits 31..24.
pub const CPUID_FEATURES_LEAF: u32 = 1;
/// Shift of the initial APIC id in leaf 1's EBX.
pub const CPUID_INITIAL_APIC_ID_SHIFT: u32 = 24;

const TRAMPOLINE_CODE32_SELECTOR: u16 = 0x08;
const TRAMPOLINE_DATA_SELECTOR: u16 = 0x10;
const TRAMPOLINE_CODE64_SELECTOR: u16 = 0x18;

core::arch::global_asm!(
    concat!(
    r#"
    .pushsection .rodata.arch_trampoline, "a"
    .balign 16
    .global arch_trampoline_start
arch_trampoline_start:
    .code16
    cli
    cld
    mov ax, cs
    mov ds, ax
    lgdt [trampoline_gdt_pointer_offset]
    mov eax, cr0
    or eax, {cr0_protected}
    mov cr0, eax
    /* jmp ptr16:32 from 16-bit code (operand-size prefix, opcode EA). */
    .byte 0x66, 0xea
    .long trampoline_protected - arch_trampoline_start + {base}
    .word {code32}

    .code32
trampoline_protected:
    mov ax, {data}
    mov ds, ax
    mov es, ax
    mov ss, ax
"#,
    enable_paging_from_32_bit!("[trampoline_param_cr3]"),
    r#"
    .byte 0xea
    .long trampoline_long - arch_trampoline_start + {base}
    .word {code64}

    .code64
trampoline_long:
    xor eax, eax
    mov ds, ax
    mov es, ax
    mov ss, ax
    /* r8 = this AP's APIC id, found with no stack. */
    xor eax, eax
    cpuid
    cmp eax, {topology_leaf}
    jb 1f
    mov eax, {topology_leaf}
    xor ecx, ecx
    cpuid
    test ebx, ebx
    jz 1f
    mov r8d, edx
    jmp 2f
1:  mov eax, {features_leaf}
    cpuid
    shr ebx, {initial_apic_id_shift}
    mov r8d, ebx
    /* Scan the table for our id. */
2:  mov rsi, [trampoline_param_table]
    mov rcx, [trampoline_param_table_len]
3:  test rcx, rcx
    jz 5f
    cmp r8, [rsi + {start_apic_id}]
    je 4f
    add rsi, {start_size}
    dec rcx
    jmp 3b
4:  mov rsp, [rsi + {start_stack_top}]
    mov rdi, [rsi + {start_argument}]
    mov rax, [trampoline_param_entry]
    xor ebp, ebp
    call rax
    ud2
    /* Not in the table: nobody expects this AP; stop it. */
5:  cli
    hlt
    jmp 5b

    .balign 8
trampoline_gdt:
    .quad 0
    .quad {code32_descriptor}
    .quad {data_descriptor}
    .quad {code64_descriptor}
trampoline_gdt_end:
trampoline_gdt_pointer:
    .word trampoline_gdt_end - trampoline_gdt - 1
    .long trampoline_gdt - arch_trampoline_start + {base}

    .balign 8
    .global arch_trampoline_params
arch_trampoline_params:
    .skip {params_size}
    .global arch_trampoline_end
arch_trampoline_end:

    /* Absolute addresses the copied code uses (one symbol per operand). */
    .set trampoline_gdt_pointer_offset, trampoline_gdt_pointer - arch_trampoline_start
    .set trampoline_params_address, arch_trampoline_params - arch_trampoline_start + {base}
    .set trampoline_param_cr3, trampoline_params_address + {cr3_offset}
    .set trampoline_param_entry, trampoline_params_address + {entry_offset}
    .set trampoline_param_table, trampoline_params_address + {table_offset}
    .set trampoline_param_table_len, trampoline_params_address + {table_len_offset}
    .popsection
    "#),

    base = const TRAMPOLINE_PHYSICAL_ADDRESS,
    cr0_protected = const Cr0Flags::PROTECTED_MODE_ENABLE.bits(),
    cr4_bits = const long_mode::CR4_BITS,
    efer_msr = const long_mode::EFER_MSR,
    efer_bits = const long_mode::EFER_BITS,
    cr0_bits = const long_mode::CR0_BITS,
    code32_descriptor = const long_mode::CODE32_DESCRIPTOR,
    data_descriptor = const long_mode::DATA_DESCRIPTOR,
    code64_descriptor = const long_mode::CODE64_DESCRIPTOR,
    code32 = const TRAMPOLINE_CODE32_SELECTOR,
    data = const TRAMPOLINE_DATA_SELECTOR,
    code64 = const TRAMPOLINE_CODE64_SELECTOR,
    cr3_offset = const offset_of!(TrampolineParams, cr3),
    entry_offset = const offset_of!(TrampolineParams, entry),
    table_offset = const offset_of!(TrampolineParams, table),
    table_len_offset = const offset_of!(TrampolineParams, table_len),
    start_apic_id = const offset_of!(ApStart, apic_id),
    start_stack_top = const offset_of!(ApStart, stack_top),
    start_argument = const offset_of!(ApStart, argument),
    start_size = const core::mem::size_of::<ApStart>(),
    topology_leaf = const CPUID_TOPOLOGY_LEAF,
    features_leaf = const CPUID_FEATURES_LEAF,
    initial_apic_id_shift = const CPUID_INITIAL_APIC_ID_SHIFT,
    params_size = const core::mem::size_of::<TrampolineParams>(),
);

unsafe extern "C" {
    static arch_trampoline_start: u8;
    static arch_trampoline_params: u8;
    static arch_trampoline_end: u8;
}

/// The start-up IPI vector: the trampoline's physical page number.
pub const fn startup_page() -> u8 {
    (TRAMPOLINE_PHYSICAL_ADDRESS >> 12) as u8
}

fn blob() -> &'static [u8] {
    let start = &raw const arch_trampoline_start;
    let end = &raw const arch_trampoline_end;
    // SAFETY: both symbols delimit the blob in .rodata, start <= end.
    unsafe { core::slice::from_raw_parts(start, end as usize - start as usize) }
}

/// Copies the trampoline to its low page.
///
/// # Safety
/// `page_virtual` must be a writable mapping of the physical page
/// `TRAMPOLINE_PHYSICAL_ADDRESS` that nothing else uses.
pub unsafe fn install(page_virtual: *mut u8) {
    let blob = blob();
    assert!(blob.len() as u64 <= PAGE_SIZE_BYTES, "trampoline must fit in one page");
    // SAFETY: caller's contract; the blob fits in the page (checked).
    unsafe { core::ptr::copy_nonoverlapping(blob.as_ptr(), page_virtual, blob.len()) };
}

/// Writes the parameters for the APs into the installed trampoline.
///
/// # Safety
/// As for `install`; no AP may be running the trampoline right now; the
/// table named in `params` must stay valid and unchanged while any AP may
/// still read it.
pub unsafe fn set_params(page_virtual: *mut u8, params: TrampolineParams) {
    let offset = &raw const arch_trampoline_params as usize - &raw const arch_trampoline_start as usize;
    // SAFETY: the params block lies inside the installed blob; it is 8-byte
    // aligned (.balign 8 from a 16-aligned start copied to a page start).
    unsafe { core::ptr::write_volatile(page_virtual.add(offset) as *mut TrampolineParams, params) };
}
