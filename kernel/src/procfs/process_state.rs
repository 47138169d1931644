//! What `/proc/[pid]/stat` and `status` say of a process's threads: its
//! state letter, its CPU time (threads alive and exited), the CPU it last
//! ran on, its allowed CPUs, in Linux's units (USER_HZ clock ticks) and
//! text forms.

use crate::cpu_set::CpuSet;
use crate::process::Process;
use crate::thread::{Thread, ThreadState};
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

/// Clock ticks per second user space counts in (USER_HZ).
pub const USER_HZ: u64 = crate::exec::load::USER_HZ;

/// Kernel timer ticks as USER_HZ ticks.
pub fn ticks_to_user_hz(ticks: u64) -> u64 {
    ticks * USER_HZ / u64::from(crate::timer::TICK_HZ)
}

/// Nanoseconds as USER_HZ ticks.
pub fn nanos_to_user_hz(nanos: u64) -> u64 {
    nanos / (1_000_000_000 / USER_HZ)
}

/// The live (not exited) scheduler threads of `process`.
pub fn threads(process: &Process) -> Vec<Arc<Thread>> {
    crate::process::threads_of(process)
        .iter()
        .filter_map(|user| user.thread.get()?.upgrade())
        .filter(|thread| thread.state() != ThreadState::Exited)
        .collect()
}

/// Linux's state letter and word for one thread.
pub fn thread_state(thread: &Thread) -> (char, &'static str) {
    match thread.state() {
        ThreadState::Running | ThreadState::Runnable => ('R', "R (running)"),
        ThreadState::Blocked | ThreadState::Sleeping => ('S', "S (sleeping)"),
        ThreadState::Exited => ('X', "X (dead)"),
    }
}

/// The process's state: zombie, stopped, running if any thread is,
/// else sleeping.
pub fn process_state(process: &Process, threads: &[Arc<Thread>]) -> (char, &'static str) {
    if crate::process::is_zombie(process) {
        ('Z', "Z (zombie)")
    } else if crate::process::is_stopped(process) {
        ('T', "T (stopped)")
    } else if threads.iter().any(|thread| thread_state(thread).0 == 'R') {
        ('R', "R (running)")
    } else {
        ('S', "S (sleeping)")
    }
}

/// User and system time of the process in USER_HZ ticks: its exited
/// threads' and its live threads'.
pub fn process_times(process: &Process, threads: &[Arc<Thread>]) -> (u64, u64) {
    let user = process.cpu_time.user_ticks() + threads.iter().map(|thread| thread.cpu_time.user_ticks()).sum::<u64>();
    let system = process.cpu_time.system_ticks() + threads.iter().map(|thread| thread.cpu_time.system_ticks()).sum::<u64>();
    (ticks_to_user_hz(user), ticks_to_user_hz(system))
}

/// The CPU the thread last ran on (0 if it never ran).
pub fn last_cpu(thread: &Thread) -> usize {
    thread.last_cpu().map_or(0, |cpu| cpu.index())
}

/// `Cpus_allowed` and `Cpus_allowed_list` of `/proc/[pid]/status` for
/// `thread`'s affinity (every CPU for a process with no live thread): over
/// Linux's `nr_cpu_ids` CPUs, the ones this boot knows of.
pub fn allowed_cpus_text(thread: Option<&Thread>) -> (String, String) {
    let cpus = crate::cpu::count();
    let allowed = thread.map_or(CpuSet::full(), Thread::allowed_cpus).intersection(&CpuSet::first_n(cpus));
    (allowed.to_hex_mask(cpus), allowed.to_list())
}
