//! `test=write_protect`: the kernel image is mapped write-xor-execute. A
//! write to the kernel's own code must fault (#PF, a protection violation
//! on a write: error code bits 0 and 1) and end in a panic that names the
//! address. Returning at all is a failure.

use alloc::string::String;

pub fn run() -> Result<(), String> {
    let code_address = run as *const () as *mut u8;
    crate::kprintln!("write_protect: writing to kernel code at {:#x}", code_address as u64);
    // SAFETY: deliberately unsound: this write must be stopped by the page
    // tables before it lands; if it lands, the test has already failed and
    // reports so below.
    unsafe { core::ptr::write_volatile(code_address, 0xcc) };
    Err(String::from("a write to kernel code succeeded: .text is writable"))
}
