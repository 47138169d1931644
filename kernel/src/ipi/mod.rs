//! Inter-processor interrupts: reschedule, "run this function on CPU x / on
//! all CPUs" with completion, and TLB shootdown for kernel mappings (which
//! `memory` reaches through its registered shootdown hook). The panic path's
//! NMI stop lives in panic.rs.
//!
//! Function calls run in the target's IPI handler (interrupts off, on
//! whatever stack the target was using): keep them short and non-blocking.

use crate::cpu::{self, CallRequest, CpuId};
use crate::sync::{IrqGuard, PreemptGuard};
use crate::vectors;
use core::sync::atomic::AtomicBool;

/// Registers the IPI handlers and the TLB shootdown (once, on the BSP).
pub fn init() {
    arch::idt::register_handler(vectors::CALL_FUNCTION, on_call_function);
    crate::memory::tlb::register_shootdown(shootdown_tlb);
    crate::memory::tlb::register_user_shootdown(shootdown_user_tlb);
}

fn send(guard: &PreemptGuard, target: CpuId, vector: u8) {
    crate::flight_recorder::ipi_send(target.as_u32(), vector);
    let apic_id = cpu::get(target).apic_id();
    cpu::this_cpu(guard).lapic().send(apic_id, arch::lapic::Ipi::Fixed(vector));
}

/// Asks `target` to reschedule (it is idle and got work).
pub fn send_reschedule(target: CpuId) {
    let guard = PreemptGuard::new();
    send(&guard, target, vectors::RESCHEDULE);
}

/// Asks `target` to print a backtrace of the code it interrupts (SysRq
/// `l`; the handler is `sysrq`'s).
pub fn send_backtrace_request(target: CpuId) {
    let guard = PreemptGuard::new();
    send(&guard, target, vectors::BACKTRACE);
}

fn on_call_function(_frame: &mut arch::interrupt_frame::InterruptFrame) {
    crate::flight_recorder::ipi_receive(vectors::CALL_FUNCTION);
    let guard = IrqGuard::new();
    let this = cpu::this_cpu(&guard);
    this.lapic().end_of_interrupt();
    // `pop` releases the queue lock before the function runs.
    while let Some(request) = this.calls.pop() {
        request.run_and_complete();
    }
}

/// Runs `function` on CPU `target` (in its IPI handler) and waits until it
/// has run. On the calling CPU it simply calls it. Other CPUs: interrupts
/// must be enabled here, or two CPUs calling each other would wait forever.
pub fn run_on(target: CpuId, function: fn()) {
    // No migration between "is it me?" and the call (IPIs still arrive).
    let guard = PreemptGuard::new();
    if target == cpu::this_cpu(&guard).id() {
        arch::cpu::without_interrupts(function);
        return;
    }
    assert!(arch::cpu::interrupts_enabled(), "ipi::run_on to another CPU with interrupts off");
    let done = AtomicBool::new(false);
    // SAFETY: we spin on `done` below until it is set, so it outlives the request.
    cpu::get(target).calls.push(unsafe { CallRequest::new(function, &done) });
    send(&guard, target, vectors::CALL_FUNCTION);
    while !done.load(core::sync::atomic::Ordering::Acquire) {
        arch::cpu::pause();
    }
}

/// Runs `function` on every online CPU, this one included, and waits. The
/// caller stays on its CPU throughout, so none is skipped or done twice.
pub fn run_on_all(function: fn()) {
    let _stay = PreemptGuard::new();
    for block in cpu::online() {
        run_on(block.id(), function);
    }
}

/// Flushes the TLB of every other CPU in `cpus` (a user address space's
/// active set) and waits for them. Interrupts must be enabled if there are
/// any.
fn shootdown_user_tlb(cpus: &crate::memory::address_space::ActiveCpus) {
    let guard = PreemptGuard::new();
    let me = cpu::this_cpu(&guard).id();
    for index in cpus.members().iter() {
        let Some(target) = cpu::online_id(index as u32) else { continue };
        if target != me {
            run_on(target, x86_64::instructions::tlb::flush_all);
        }
    }
}

/// Flushes every CPU's TLB (kernel mappings were removed). Interrupts must
/// be enabled.
fn shootdown_tlb() {
    run_on_all(x86_64::instructions::tlb::flush_all);
}
