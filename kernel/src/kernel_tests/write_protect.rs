//! `test=write_protect`: the kernel image is mapped write-xor-execute. A
//! write to the kernel's own code must fault (#PF, a protection violation
//! on a write: error code bits 0 and 1) and end in a panic that names the
//! address. Returning at all is a failure. The write is made on the last
//! CPU (an AP where there is one): every CPU must enforce it (CR0.WP is set
//! by the trampoline as well as by the boot stub).

use alloc::string::String;

fn write_to_kernel_code() {
    let code_address = run as *const () as *mut u8;
    crate::kprintln!("write_protect: writing to kernel code at {:#x} on cpu {}", code_address as u64, percpu::cpu_id());
    // SAFETY: deliberately unsound: this write must be stopped by the page
    // tables before it lands; if it lands, the test has already failed and
    // reports so.
    unsafe { core::ptr::write_volatile(code_address, 0xcc) };
}

pub fn run() -> Result<(), String> {
    let writer = crate::sched::spawn_pinned(super::support::last_cpu(), "code-writer", write_to_kernel_code)
        .map_err(|error| alloc::format!("spawn: {error}"))?;
    writer.join();
    Err(String::from("a write to kernel code succeeded: .text is writable"))
}
