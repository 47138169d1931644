//! SysRq `t`: what every CPU runs, then every thread with its state, CPU
//! and name.
//!
//! ```text
//! sysrq: cpu 1 runs thread 5 (stress), 0 queued, 812 switches
//! sysrq:   TID STATE     CPU NAME
//! sysrq:     5 running     1 stress
//! sysrq: 9 threads (and an idle thread per CPU)
//! ```

use crate::cpu;
use crate::thread::{registry, ThreadState};
use core::sync::atomic::Ordering;
use protocol::serial::SYSRQ;

pub fn print() {
    for block in cpu::online() {
        let queue = &block.run_queue;
        let id = queue.current_id.load(Ordering::Relaxed);
        let name = if id == queue.idle.id() {
            Some(alloc::string::String::from(queue.idle.name()))
        } else {
            registry::find(id).map(|thread| thread.name().into())
        };
        crate::kprintln!(
            "{SYSRQ} cpu {} runs thread {id} ({}), {} queued, {} switches{}",
            block.id(),
            name.as_deref().unwrap_or("?"),
            queue.queued.load(Ordering::Relaxed),
            queue.switches.load(Ordering::Relaxed),
            if block.progress.is_reported() {
                ", soft lockup reported"
            } else {
                ""
            }
        );
    }
    crate::kprintln!("{SYSRQ}   TID STATE     CPU NAME");
    let threads = registry::all();
    for thread in &threads {
        let cpu = thread.last_cpu().map_or_else(
            || alloc::string::String::from("-"),
            |cpu| alloc::format!("{cpu}"),
        );
        crate::kprintln!(
            "{SYSRQ} {:>5} {:<9} {cpu:>3} {}",
            thread.id(),
            state_word(thread.state()),
            thread.name()
        );
    }
    crate::kprintln!(
        "{SYSRQ} {} threads (and an idle thread per CPU)",
        threads.len()
    );
}

fn state_word(state: ThreadState) -> &'static str {
    match state {
        ThreadState::Running => "running",
        ThreadState::Runnable => "runnable",
        ThreadState::Blocked => "blocked",
        ThreadState::Sleeping => "sleeping",
        ThreadState::Exited => "exited",
    }
}
