//! `test=stack_overflow`: the last CPU recurses until it runs off its boot
//! stack. The guard page must turn that into a report naming the CPU and a
//! panic, never silent corruption. Returning at all is a failure.

use alloc::string::String;

#[inline(never)]
#[allow(unconditional_recursion)] // Running out of stack is the point.
fn recurse(depth: u64) -> u64 {
    let frame = core::hint::black_box([depth; 64]);
    recurse(depth + 1) + frame[(depth % 64) as usize]
}

fn overflow() {
    crate::kprintln!("stack_overflow: cpu {} recursing until its guard page", percpu::cpu_id());
    core::hint::black_box(recurse(0));
}

pub fn run() -> Result<(), String> {
    let cpu = super::last_cpu();
    crate::cross_call::run_on(cpu, overflow);
    Err(String::from("the overflowing CPU came back: no guard-page fault"))
}
