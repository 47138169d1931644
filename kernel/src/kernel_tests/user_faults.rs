//! `test=user_faults`: an exception in ring 3 kills only the thread that
//! raised it. User threads jump to an unmapped address (a null call) and
//! into kernel memory (a supervisor page); each must be reported on the
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

fn run_user_thread_at(name: &str, rip: u64) -> Result<u64, String> {
    let mut space = UserAddressSpace::new().ok_or("out of memory for an address space")?;
    space
        .map_page(STACK_PAGE_ADDRESS, UserPageAccess::ReadWrite, &[])
        .map_err(|error| format!("mapping the stack: {error:?}"))?;
    let root = space.root();
    let rsp = STACK_PAGE_ADDRESS + PAGE_SIZE_BYTES - 16;
    let thread = crate::sched::spawn(name, move || {
        // SAFETY: the space maps the stack; `rip` is meant to fault, which
        // kills only this thread; the space outlives the join below.
        unsafe { crate::sched::enter_user_mode(root, rip, rsp) }
    })
    .map_err(|error| format!("spawn: {error}"))?;
    let status = thread.join();
    drop(space);
    Ok(status)
}

pub fn run() -> Result<(), String> {
    let kernel_text = run as *const () as u64;
    let cases = [("user-null-call", 0), ("user-jump-into-kernel", kernel_text)];
    let mut wrong = Vec::new();
    for (name, rip) in cases {
        let status = run_user_thread_at(name, rip)?;
        crate::kprintln!("user_faults: {} (rip {:#x}) ended with status {}", name, rip, status);
        if status != KILLED_BY_PAGE_FAULT {
            wrong.push((name, status));
        }
    }
    if !wrong.is_empty() {
        return Err(format!("expected status {KILLED_BY_PAGE_FAULT} (killed by #PF), got {wrong:?}"));
    }
    for cpu in super::support::online_cpus() {
        let witness = crate::sched::spawn_pinned(cpu, "after-user-faults", || {}).map_err(|error| format!("spawn: {error}"))?;
        witness.join();
    }
    crate::kprintln!("user_faults: every CPU still runs threads");
    Ok(())
}
