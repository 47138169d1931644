//! Helpers the in-kernel tests share: the online CPUs and a scheduler
//! warm-up before heap and frame accounting.

use crate::cpu::CpuId;
use alloc::vec::Vec;

/// The online CPUs, in order (the BSP first).
pub fn online_cpus() -> Vec<CpuId> {
    crate::cpu::online().map(|block| block.id()).collect()
}

/// The BSP.
pub fn first_cpu() -> CpuId {
    online_cpus()[0]
}

/// The highest-numbered online CPU (the BSP alone at --smp 1).
pub fn last_cpu() -> CpuId {
    *online_cpus().last().expect("the BSP is online")
}

/// Runs and joins one trivial thread on each of `cpus` and reclaims their
/// stacks, so that the run queues, wait queues and release lists have grown
/// to their working size before a test measures heap and frame use.
pub fn warm_up_scheduler(cpus: &[CpuId]) -> Result<(), alloc::string::String> {
    for cpu in cpus {
        let thread = crate::sched::spawn_pinned(*cpu, "warm-up", || {})
            .map_err(|error| alloc::format!("spawn: {error}"))?;
        thread.join();
    }
    crate::memory::kernel_stacks::reclaim_released();
    Ok(())
}

/// Wraps hand-mapped user pages into an address space a thread can enter.
pub fn address_space_of(pages: crate::memory::user_space::UserAddressSpace) -> alloc::sync::Arc<crate::memory::address_space::AddressSpace> {
    let memory = crate::memory::process_memory::ProcessMemory::with_pages(pages);
    alloc::sync::Arc::new(crate::memory::address_space::AddressSpace::new(memory))
}

/// Exit status of a test's user thread that could not enter ring 3.
pub const ENTER_USER_MODE_FAILED: u64 = 0xE0;

/// Starts a bare user thread (no process) at `rip` with stack `rsp` in
/// `space`; if there is no memory for its registers, it says so and ends
/// with [`ENTER_USER_MODE_FAILED`].
pub fn spawn_user_thread(
    name: alloc::string::String,
    space: alloc::sync::Arc<crate::memory::address_space::AddressSpace>,
    rip: u64,
    rsp: u64,
) -> Result<crate::sched::JoinHandle, crate::sched::SpawnError> {
    crate::sched::spawn_user(name, move || match crate::thread::UserState::new_initial() {
        Some(state) => Some(crate::thread::UserStart::program(space, state, rip, rsp)),
        None => {
            crate::kprintln!("thread {}: no memory for its user registers", crate::sched::current_thread_id());
            crate::sched::exit(ENTER_USER_MODE_FAILED)
        }
    })
}
