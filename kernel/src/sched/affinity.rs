//! CPU affinity: the set of CPUs a thread may run on (Linux's
//! `cpus_mask`), and changing it. See TEAM_NOTES/cpu-affinity.md.
//!
//! Where the set is enforced:
//! - placement (`placement.rs`): new threads, wake-ups and the idle CPU
//!   offered a busy CPU's queued thread are chosen among allowed CPUs;
//! - the switch (`switch.rs`): a CPU only dequeues or steals a thread
//!   allowed on it (one that lost the CPU while queued is passed on), a
//!   running thread that lost its CPU is queued elsewhere when it leaves
//!   it, and a thread claimed just as its set lost this CPU reschedules at
//!   once (a locked exchange of `on_cpu` against the setter's store, see
//!   [`set_allowed_cpus`]).
//!
//! A change takes effect before [`set_allowed_cpus`] returns, as on Linux
//! (whose `__set_cpus_allowed_ptr` has the stopper thread migrate a
//! running task and waits for it): the calling thread switches away from a
//! CPU it lost and resumes on an allowed one; another thread running on a
//! CPU it lost gets a reschedule IPI there and the caller waits until it
//! left. So when `sched_setaffinity` returns, no thread of the request
//! runs outside its new set.

use super::current::current_thread;
use super::switch::schedule;
use crate::cpu::CpuId;
use crate::cpu_set::CpuSet;
use crate::thread::Thread;
use alloc::sync::Arc;
use core::sync::atomic::Ordering;

/// Makes `allowed` the CPUs `thread` may run on and returns once it runs
/// on none outside them (see the module doc). `allowed` must name an
/// online CPU (the system call checks). Interrupts on, no guard held (the
/// caller may switch).
pub fn set_allowed_cpus(thread: &Arc<Thread>, allowed: CpuSet) {
    thread.set_allowed_cpus(allowed);
    let mut kicked: Option<CpuId> = None;
    loop {
        // SeqCst after the set's SeqCst store: see `prepare_switch`.
        let on_cpu = thread.on_cpu.load(Ordering::SeqCst);
        let Some(cpu) = thread.last_cpu() else { return };
        // The live set, not `allowed`: a later setter may have changed it
        // again, and the thread may rightly run where `allowed` forbids.
        if !on_cpu || thread.may_run_on(cpu) {
            return;
        }
        let is_caller = Arc::ptr_eq(thread, &current_thread());
        if !is_caller && kicked != Some(cpu) {
            // It runs there now: make that CPU reschedule, which moves it.
            crate::ipi::send_reschedule(cpu);
            kicked = Some(cpu);
        }
        // The caller: `schedule` queues it on an allowed CPU and it
        // resumes there. Another thread: let its CPU switch away from it.
        arch::cpu::without_interrupts(schedule);
        if !is_caller {
            arch::cpu::pause();
        }
    }
}

/// Pins the calling thread to `target` and moves it there (it resumes on
/// that CPU).
pub fn move_current_to(target: CpuId) {
    set_allowed_cpus(&current_thread(), CpuSet::single(target.index()));
}
