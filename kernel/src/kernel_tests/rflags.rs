//! `test=rflags`: seed lesson 5. A thread sets AC and clears IF, then gives
//! up the CPU twice: once by yielding (while other threads with AC clear run
//! on that CPU) and once by moving to another CPU. Each time it resumes, its
//! RFLAGS must be exactly what it set, and the threads that ran in between
//! must never have seen its AC.

use crate::cpu::CpuId;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

const RFLAGS_AC: u64 = 1 << 18;
const RFLAGS_IF: u64 = 1 << 9;
/// The flags a thread owns across calls (arithmetic flags are clobbered by
/// any code and not expected to survive).
const SYSTEM_FLAGS: u64 = RFLAGS_AC | RFLAGS_IF;
const NEIGHBOURS: usize = 3;

static LEAKED_AC: AtomicU32 = AtomicU32::new(0);
static STOP_NEIGHBOURS: AtomicBool = AtomicBool::new(false);

fn rflags() -> u64 {
    x86_64::registers::rflags::read_raw()
}

fn neighbour() {
    while !STOP_NEIGHBOURS.load(Ordering::Acquire) {
        if rflags() & RFLAGS_AC != 0 {
            LEAKED_AC.fetch_add(1, Ordering::Relaxed);
        }
        crate::sched::yield_now();
    }
}

/// Seed lesson 5: after a switch and a migration, the CPU the thread runs
/// on names the thread's own stack in its PCR (`kernel_stack_top`, where
/// SYSCALL will load RSP from) and in `TSS.rsp0`; the context switch keeps
/// both per CPU.
fn kernel_stack_top_is_this_threads() -> Result<(), String> {
    let guard = crate::sync::IrqGuard::new();
    let this = crate::cpu::this_cpu(&guard);
    // SAFETY: the running CPU's run queue, under an IrqGuard.
    let own_top = unsafe { this.run_queue.with_current(|thread| thread.stack_top()) };
    let pcr_top = this.pcr().kernel_stack_top.load(Ordering::Relaxed);
    let rsp0 = this.pcr().rsp0();
    if pcr_top != own_top || rsp0 != own_top {
        return Err(format!(
            "cpu {}: PCR kernel_stack_top {pcr_top:#x}, TSS.rsp0 {rsp0:#x}, but the running thread's stack top is {own_top:#x}",
            this.id()
        ));
    }
    Ok(())
}

fn subject(first_cpu: CpuId, second_cpu: CpuId) -> Result<(), String> {
    let original = rflags();
    // SAFETY: AC only affects ring-3 alignment checks (CR0.AM); IF off is
    // restored below. Writing RFLAGS this way is what the test is about.
    unsafe { x86_64::registers::rflags::write_raw((original | RFLAGS_AC) & !RFLAGS_IF) };
    let expected = rflags();
    crate::sched::yield_now();
    let after_yield = rflags();
    crate::sched::move_current_to(second_cpu);
    let after_move = rflags();
    let moved_to = percpu::cpu_id();
    let stack_check = kernel_stack_top_is_this_threads();
    // SAFETY: restores what the thread had.
    unsafe { x86_64::registers::rflags::write_raw(original) };
    crate::kprintln!(
        "rflags: set {:#x} on cpu {}, after yield {:#x}, after moving to cpu {} {:#x}",
        expected,
        first_cpu,
        after_yield,
        moved_to,
        after_move
    );
    if after_yield & SYSTEM_FLAGS != expected & SYSTEM_FLAGS || after_move & SYSTEM_FLAGS != expected & SYSTEM_FLAGS {
        return Err(format!("RFLAGS {expected:#x} came back as {after_yield:#x} / {after_move:#x}"));
    }
    stack_check?;
    if moved_to != second_cpu.as_u32() {
        return Err(format!("asked to move to cpu {second_cpu}, resumed on cpu {moved_to}"));
    }
    Ok(())
}

pub fn run() -> Result<(), String> {
    let first_cpu = super::support::first_cpu();
    let second_cpu = super::support::last_cpu();
    let mut neighbours = Vec::new();
    for cpu in [first_cpu, second_cpu] {
        for index in 0..NEIGHBOURS {
            neighbours.push(
                crate::sched::spawn_pinned(cpu, format!("neighbour-{cpu}-{index}"), neighbour)
                    .map_err(|error| format!("spawn: {error}"))?,
            );
        }
    }
    let outcome = alloc::sync::Arc::new(crate::sync::SpinLock::new(None));
    let result = outcome.clone();
    let tested = crate::sched::spawn_pinned(first_cpu, "rflags-subject", move || {
        *result.lock() = Some(subject(first_cpu, second_cpu));
    })
    .map_err(|error| format!("spawn: {error}"))?;
    tested.join();
    STOP_NEIGHBOURS.store(true, Ordering::Release);
    for neighbour in neighbours {
        neighbour.join();
    }
    let leaked = LEAKED_AC.load(Ordering::Relaxed);
    if leaked != 0 {
        return Err(format!("other threads saw AC set {leaked} times"));
    }
    let verdict = outcome.lock().take();
    verdict.unwrap_or_else(|| Err(String::from("the subject thread did not report")))
}
