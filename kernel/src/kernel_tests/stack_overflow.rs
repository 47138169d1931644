//! `test=stack_overflow`: a thread pinned to the last CPU recurses until it
//! runs off its stack. The guard page must turn that into a report naming the CPU and a
//! panic, never silent corruption. Returning at all is a failure.

use alloc::string::String;

#[inline(never)]
#[allow(unconditional_recursion)] // Running out of stack is the point.
fn recurse(depth: u64) -> u64 {
    let frame = core::hint::black_box([depth; 64]);
    recurse(depth + 1) + frame[(depth % 64) as usize]
}

fn overflow() {
    crate::kprintln!(
        "stack_overflow: thread {} on cpu {} recursing until its guard page",
        crate::sched::current_thread_id(),
        percpu::cpu_id()
    );
    core::hint::black_box(recurse(0));
}

pub fn run() -> Result<(), String> {
    let thread = crate::sched::spawn_pinned(super::support::last_cpu(), "overflower", overflow)
        .map_err(|error| alloc::format!("spawn: {error}"))?;
    thread.join();
    Err(String::from("the overflowing thread came back: no guard-page fault"))
}
