//! `test=user_syscalls`: seed lesson 5 with real user threads. Two user
//! threads per CPU, each in its own address space, run `arch::user_probe`:
//! system calls in a loop for a while (mostly `getpid`, some `sched_yield`),
//! checking after each that the stack pointer and the callee-saved registers
//! came back unchanged, while the threads are preempted and migrate between
//! CPUs. The entry path parks the user RSP in the PCR and loads the kernel
//! stack from it; with a global for either, threads on different CPUs would
//! get each other's stacks and the probe exits non-zero (or the kernel
//! breaks). Each probe also keeps its own value in XMM7 and its FS base:
//! a switch that did not save and restore user FPU state or the FS base
//! shows up as exit status 3 or 4 (seen: removing `load_into_cpu` from the
//! switch gave 4, removing only the `xrstor` gave 3).

use crate::memory::user_space::{UserAddressSpace, UserPageAccess};
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use arch::layout::PAGE_SIZE_BYTES;

/// User threads per online CPU.
const THREADS_PER_CPU: usize = 2;
/// How long each probe makes system calls (guest time).
const RUN_MICROS: u64 = 300_000;
/// Where the probe's code and stack page go in each address space.
const CODE_ADDRESS: u64 = 0x40_0000;
const STACK_PAGE_ADDRESS: u64 = 0x7fff_fff0_0000;

fn user_space_with_probe(deadline_tsc: u64) -> Result<(UserAddressSpace, u64), String> {
    let mut space = UserAddressSpace::new().ok_or("out of memory for an address space")?;
    space
        .map_page(CODE_ADDRESS, UserPageAccess::ReadExecute, arch::user_probe::code())
        .map_err(|error| format!("mapping the probe: {error:?}"))?;
    // The probe reads its deadline from [rsp]; keep RSP 16-byte aligned.
    let rsp_offset = PAGE_SIZE_BYTES as usize - 16;
    let mut stack = vec![0u8; PAGE_SIZE_BYTES as usize];
    stack[rsp_offset..rsp_offset + 8].copy_from_slice(&deadline_tsc.to_le_bytes());
    space
        .map_page(STACK_PAGE_ADDRESS, UserPageAccess::ReadWrite, &stack)
        .map_err(|error| format!("mapping the stack: {error:?}"))?;
    Ok((space, STACK_PAGE_ADDRESS + rsp_offset as u64))
}

pub fn run() -> Result<(), String> {
    let cpus = super::support::online_cpus().len();
    let calls_before = crate::syscall::calls();
    let mut threads = Vec::new();
    for index in 0..cpus * THREADS_PER_CPU {
        // Each probe's own deadline: setting up hundreds of address spaces
        // takes a while, and no probe should start with its time gone.
        let deadline = crate::timer::tsc_deadline_in(RUN_MICROS);
        let (space, rsp) = user_space_with_probe(deadline)?;
        let space = super::support::address_space_of(space);
        // The space maps the probe at CODE_ADDRESS and its stack at `rsp`.
        let thread = super::support::spawn_user_thread(format!("user-probe-{index}"), space, CODE_ADDRESS, rsp)
            .map_err(|error| format!("spawn: {error}"))?;
        threads.push(thread);
    }
    let mut failures = Vec::new();
    for (index, thread) in threads.into_iter().enumerate() {
        let status = thread.join();
        if status != 0 {
            failures.push((index, status));
        }
    }
    let calls = crate::syscall::calls() - calls_before;
    crate::kprintln!(
        "user_syscalls: {} user threads on {} CPUs made {} system calls, {} ms each; {} came back changed; {} unimplemented",
        cpus * THREADS_PER_CPU,
        cpus,
        calls,
        RUN_MICROS / 1000,
        failures.len(),
        crate::syscall::unimplemented_calls()
    );
    // Every probe makes at least one call in its loop and one to exit.
    if calls < 2 * (cpus * THREADS_PER_CPU) as u64 {
        return Err(format!("only {calls} system calls were made"));
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "user threads (index, exit status) {failures:?}: status {} = wrong stack pointer, {} = wrong callee-saved register, {} = wrong XMM7 (FPU state), {} = wrong FS base",
            arch::user_probe::PROBE_WRONG_STACK,
            arch::user_probe::PROBE_WRONG_REGISTERS,
            arch::user_probe::PROBE_WRONG_FPU,
            arch::user_probe::PROBE_WRONG_FS_BASE
        ))
    }
}
