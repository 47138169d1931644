//! The first instructions: the PVH entry note, the 32-bit stub that builds
//! the boot page tables and enters long mode, and the jump to the higher half.
//!
//! QEMU (`-kernel`) finds the Xen `PHYS32_ENTRY` note, loads the ELF at its
//! physical addresses and jumps to `arch_pvh_start32` in 32-bit protected
//! mode, paging off, with `ebx` = physical address of `hvm_start_info`.
//!
//! The boot page tables map, with 2 MiB pages:
//! - physical 0..1 GiB at virtual 0 (identity; needed until the APs are up,
//!   because the AP trampoline turns paging on while running low),
//! - physical 0..1 GiB at `KERNEL_VIRTUAL_BASE` (the kernel image),
//! - physical 0..4 GiB at `DIRECT_MAP_BASE` (the direct map).
//!
//! These tables stay the kernel's page tables; the kernel extends them.
//! The stub then calls `kernel_bsp_entry(start_info_phys: u64) -> !`, which
//! the kernel binary defines, on a small early stack; the kernel switches to
//! a guarded stack as soon as its memory is set up.
//! See TEAM_NOTES/boot-path.md.

use crate::layout::{
    pdpt_index, pml4_index, BOOT_DIRECT_MAP_BYTES, DIRECT_MAP_BASE, KERNEL_VIRTUAL_BASE,
    LARGE_PAGE_SIZE_BYTES,
};
use crate::long_mode::{self, enable_paging_from_32_bit};
use x86_64::structures::paging::PageTableFlags;

/// Xen ELF note type that carries the 32-bit PVH entry point.
const XEN_ELFNOTE_PHYS32_ENTRY: u32 = 18;
/// Bytes of the early (unguarded) stack the stub hands to Rust.
pub const EARLY_STACK_BYTES: usize = 64 * 1024;
const BOOT_PD_COUNT: u64 = BOOT_DIRECT_MAP_BYTES >> 30;
const TABLE_FLAGS: u64 = PageTableFlags::PRESENT.bits() | PageTableFlags::WRITABLE.bits();
const LARGE_PAGE_FLAGS: u64 = TABLE_FLAGS | PageTableFlags::HUGE_PAGE.bits();
/// Boot GDT selectors (only used until the BSP loads its PCR's GDT).
const BOOT_CODE64_SELECTOR: u16 = 0x08;
const BOOT_DATA_SELECTOR: u16 = 0x10;

core::arch::global_asm!(
    concat!(
    r#"
    .pushsection .note.Xen, "a", @note
    .balign 4
    .long 4
    .long 8
    .long {note_type}
    .asciz "Xen"
    .balign 4
    .quad arch_pvh_start32
    .balign 4
    .popsection

    .pushsection .boot.text, "ax"
    .code32
    .global arch_pvh_start32
arch_pvh_start32:
    cli
    cld
    mov esi, ebx
    rdtsc
    mov [boot_entry_tsc_low], eax
    mov [boot_entry_tsc_low + 4], edx
    mov esp, offset boot_stub_stack_top

    /* Long mode needs CPUID leaf 0x80000001 EDX bit 29. */
    mov eax, 0x80000000
    cpuid
    cmp eax, 0x80000001
    jb 90f
    mov eax, 0x80000001
    cpuid
    bt edx, 29
    jnc 90f

    /* PML4: identity, direct map, kernel image. */
    mov eax, offset boot_pdpt_identity
    or eax, {table_flags}
    mov [boot_pml4 + {identity_pml4} * 8], eax
    mov eax, offset boot_pdpt_direct
    or eax, {table_flags}
    mov [boot_pml4 + {direct_pml4} * 8], eax
    mov eax, offset boot_pdpt_kernel
    or eax, {table_flags}
    mov [boot_pml4 + {kernel_pml4} * 8], eax

    /* The first PD (physical 0..1 GiB) serves all three views. */
    mov eax, offset boot_pd
    or eax, {table_flags}
    mov [boot_pdpt_identity], eax
    mov [boot_pdpt_kernel + {kernel_pdpt} * 8], eax
    xor ecx, ecx
1:  mov eax, ecx
    shl eax, 12
    add eax, offset boot_pd
    or eax, {table_flags}
    mov [boot_pdpt_direct + ecx * 8], eax
    inc ecx
    cmp ecx, {pd_count}
    jb 1b

    /* 2 MiB pages covering the boot direct map. */
    xor ecx, ecx
2:  mov eax, ecx
    shl eax, {large_page_shift}
    or eax, {large_page_flags}
    mov edx, ecx
    shr edx, 32 - {large_page_shift}
    mov [boot_pd + ecx * 8], eax
    mov [boot_pd + ecx * 8 + 4], edx
    inc ecx
    cmp ecx, {pd_count} * 512
    jb 2b

"#,
    enable_paging_from_32_bit!("offset boot_pml4"),
    r#"
    lgdt [boot_gdt_pointer]
    /* Far jump to 64-bit code: jmp ptr16:32 (opcode EA). */
    .byte 0xea
    .long boot_long_mode
    .word {code64}

    /* No long mode: say so on COM1 and stop. */
90: mov ebx, offset boot_no_long_mode_message
91: mov al, [ebx]
    test al, al
    jz 92f
    mov dx, {com1_port}
    out dx, al
    inc ebx
    jmp 91b
92: hlt
    jmp 92b

    .code64
boot_long_mode:
    mov ax, {data}
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor eax, eax
    mov fs, ax
    mov gs, ax
    mov edi, esi
    movabs rax, offset arch_boot_higher_half
    jmp rax

    .pushsection .boot.rodata, "a"
    .balign 8
boot_gdt:
    .quad 0
    .quad {code64_descriptor}
    .quad {data_descriptor}
boot_gdt_end:
boot_gdt_pointer:
    .word boot_gdt_end - boot_gdt - 1
    .long boot_gdt
boot_no_long_mode_message:
    .asciz "boot: this CPU has no 64-bit long mode; cannot start\r\n"
    .popsection

    .pushsection .boot.bss, "aw", @nobits
    .balign 4096
boot_pml4: .skip 4096
boot_pdpt_identity: .skip 4096
boot_pdpt_direct: .skip 4096
boot_pdpt_kernel: .skip 4096
boot_pd: .skip 4096 * {pd_count}
    .skip 4096
boot_stub_stack_top:
boot_entry_tsc_low: .skip 8
    .popsection
    .popsection

    .pushsection .text.arch_boot_higher_half, "ax"
    .global arch_boot_higher_half
arch_boot_higher_half:
    mov rax, qword ptr [boot_entry_tsc_low]
    mov [rip + arch_boot_entry_tsc], rax
    lea rsp, [rip + arch_early_stack_top]
    xor ebp, ebp
    call kernel_bsp_entry
    ud2
    .popsection

    .pushsection .bss.arch_early_stack, "aw", @nobits
    .balign 4096
    .skip {early_stack_bytes}
    .global arch_early_stack_top
arch_early_stack_top:
    .popsection

    .pushsection .data.arch_boot_entry_tsc, "aw"
    .balign 8
    .global arch_boot_entry_tsc
arch_boot_entry_tsc: .quad 0
    .popsection
    "#),

    note_type = const XEN_ELFNOTE_PHYS32_ENTRY,
    com1_port = const crate::serial::COM1_PORT_BASE,
    table_flags = const TABLE_FLAGS,
    large_page_flags = const LARGE_PAGE_FLAGS,
    large_page_shift = const LARGE_PAGE_SIZE_BYTES.trailing_zeros(),
    identity_pml4 = const 0,
    direct_pml4 = const pml4_index(DIRECT_MAP_BASE),
    kernel_pml4 = const pml4_index(KERNEL_VIRTUAL_BASE),
    kernel_pdpt = const pdpt_index(KERNEL_VIRTUAL_BASE),
    pd_count = const BOOT_PD_COUNT,
    cr4_bits = const long_mode::CR4_BITS,
    efer_msr = const long_mode::EFER_MSR,
    efer_bits = const long_mode::EFER_BITS,
    cr0_bits = const long_mode::CR0_BITS,
    code64_descriptor = const long_mode::CODE64_DESCRIPTOR,
    data_descriptor = const long_mode::DATA_DESCRIPTOR,
    code64 = const BOOT_CODE64_SELECTOR,
    data = const BOOT_DATA_SELECTOR,
    early_stack_bytes = const EARLY_STACK_BYTES,
);

unsafe extern "C" {
    static arch_boot_entry_tsc: u64;
    static arch_early_stack_top: u8;
}

/// TSC value at the very first instruction of the kernel (for boot timing).
pub fn entry_tsc() -> u64 {
    // SAFETY: written once by the boot stub before any Rust runs; read-only after.
    unsafe { core::ptr::read_volatile(&raw const arch_boot_entry_tsc) }
}

/// Top of the early (unguarded) boot stack, and its size.
pub fn early_stack() -> (u64, usize) {
    (&raw const arch_early_stack_top as u64, EARLY_STACK_BYTES)
}
