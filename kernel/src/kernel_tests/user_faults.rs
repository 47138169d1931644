//! `test=user_faults`: an exception in ring 3 kills only the thread that
//! raised it. User threads jump to an unmapped address (a null call), into
//! kernel memory (a supervisor page), and (where the CPU has UMIP) run
//! `sgdt`, which UMIP turns into a #GP; each must be reported on the
//! console and end with status 128 + vector, while the kernel goes on: a
//! kernel thread on every CPU still runs afterwards.

use crate::memory::user_space::{UserAddressSpace, UserPageAccess};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use arch::layout::PAGE_SIZE_BYTES;

/// Where the (empty) stack page goes.
const STACK_PAGE_ADDRESS: u64 = 0x7fff_fff0_0000;
/// Exit status of a thread killed by a page fault (128 + #PF).
const KILLED_BY_PAGE_FAULT: u64 = 128 + arch::vectors::PAGE_FAULT as u64;

/// Where code goes when a case has some.
const CODE_ADDRESS: u64 = 0x40_0000;
/// Exit status of a thread killed by a general-protection fault.
const KILLED_BY_GENERAL_PROTECTION: u64 = 128 + 13;

fn run_user_thread_at(name: &str, rip: u64, code: &[u8]) -> Result<u64, String> {
    let mut space = UserAddressSpace::new().ok_or("out of memory for an address space")?;
    if !code.is_empty() {
        space
            .map_page(CODE_ADDRESS, UserPageAccess::ReadExecute, code)
            .map_err(|error| format!("mapping the code: {error:?}"))?;
    }
    space
        .map_page(STACK_PAGE_ADDRESS, UserPageAccess::ReadWrite, &[])
        .map_err(|error| format!("mapping the stack: {error:?}"))?;
    let space = super::support::address_space_of(space);
    let rsp = STACK_PAGE_ADDRESS + PAGE_SIZE_BYTES - 16;
    // The space maps the stack; `rip` is meant to fault, which kills only
    // this thread.
    let thread = super::support::spawn_user_thread(name.into(), space, rip, rsp).map_err(|error| format!("spawn: {error}"))?;
    Ok(thread.join())
}

pub fn run() -> Result<(), String> {
    let kernel_text = run as *const () as u64;
    let mut cases = alloc::vec![
        ("user-null-call", 0, &[][..], KILLED_BY_PAGE_FAULT),
        ("user-jump-into-kernel", kernel_text, &[][..], KILLED_BY_PAGE_FAULT),
    ];
    if arch::protection::available().umip {
        // UMIP: `sgdt` in ring 3 is a #GP (else the `ud2` after it, #UD).
        cases.push(("user-sgdt", CODE_ADDRESS, arch::user_probe::umip_probe_code(), KILLED_BY_GENERAL_PROTECTION));
    }
    let mut wrong = Vec::new();
    for (name, rip, code, expected) in cases {
        let status = run_user_thread_at(name, rip, code)?;
        crate::kprintln!("user_faults: {} (rip {:#x}) ended with status {}", name, rip, status);
        if status != expected {
            wrong.push((name, status, expected));
        }
    }
    if !wrong.is_empty() {
        return Err(format!("(thread, status, expected) {wrong:?}: 142 = #PF, 141 = #GP, 134 = #UD"));
    }
    for cpu in super::support::online_cpus() {
        let witness = crate::sched::spawn_pinned(cpu, "after-user-faults", || {}).map_err(|error| format!("spawn: {error}"))?;
        witness.join();
    }
    crate::kprintln!("user_faults: every CPU still runs threads");
    Ok(())
}
