//! The kernel binary: only the entry point the boot stub calls. Everything
//! else is the `kernel` library (`boot.rs` reads as the boot sequence).
#![no_std]
#![no_main]

/// Called by the boot stub (`arch::boot`) in long mode on the early stack,
/// with the physical address of `hvm_start_info`.
#[unsafe(no_mangle)]
extern "C" fn kernel_bsp_entry(start_info_phys: u64) -> ! {
    kernel::boot::bsp_entry(start_info_phys)
}
