//! Inter-processor interrupts: reschedule, "run this function on CPU x / on
//! all CPUs" with completion, and TLB shootdown for kernel mappings. (The
//! panic path's NMI stop lives in panic.rs.)
//!
//! Function calls run in the target's IPI handler (interrupts off, on
//! whatever stack the target was using): keep them short and non-blocking.

use crate::sync::IrqSpinLock;
use crate::vectors;
use alloc::collections::VecDeque;
use core::sync::atomic::{AtomicBool, Ordering};
use percpu::MAX_CPUS;

/// A function to run and the flag its caller waits on.
struct CallRequest {
    function: fn(),
    /// Points at the caller's `AtomicBool`, which outlives the request
    /// because the caller waits for it.
    done: usize,
}

static CALL_QUEUES: [IrqSpinLock<VecDeque<CallRequest>>; MAX_CPUS] =
    [const { IrqSpinLock::new(VecDeque::new()) }; MAX_CPUS];

/// Requests a call queue holds without allocating (it grows beyond).
const CALL_QUEUE_INITIAL_CAPACITY: usize = 16;

/// Registers the IPI handlers (once, on the BSP).
pub fn init() {
    arch::idt::register_handler(vectors::CALL_FUNCTION, on_call_function);
}

/// Reserves the calling CPU's call queue up front, so that which CPU first
/// sends it a call does not decide when heap memory is taken (tests compare
/// heap use before and after).
pub fn init_this_cpu() {
    CALL_QUEUES[percpu::cpu_id() as usize].lock().reserve(CALL_QUEUE_INITIAL_CAPACITY);
}

fn send(cpu_id: u32, vector: u8) {
    let Some(pcr) = crate::cpus::pcr(cpu_id) else { return };
    crate::trace::ipi_send(cpu_id, vector);
    arch::lapic::send(pcr.apic_id, arch::lapic::Ipi::Fixed(vector));
}

/// Asks `cpu_id` to reschedule (it is idle and got work).
pub fn send_reschedule(cpu_id: u32) {
    send(cpu_id, vectors::RESCHEDULE);
}

fn on_call_function(_frame: &mut arch::interrupt_frame::InterruptFrame) {
    crate::trace::ipi_receive(vectors::CALL_FUNCTION);
    arch::lapic::end_of_interrupt();
    let me = percpu::cpu_id() as usize;
    loop {
        // Pop in its own statement: the queue lock must not be held while
        // the function runs.
        let request = CALL_QUEUES[me].lock().pop_front();
        let Some(request) = request else { break };
        (request.function)();
        // SAFETY: `done` points at the waiting caller's flag (see CallRequest).
        unsafe { (*(request.done as *const AtomicBool)).store(true, Ordering::Release) };
    }
}

/// Runs `function` on CPU `cpu_id` (in its IPI handler) and waits until it
/// has run. On the calling CPU it simply calls it. Returns false if the CPU
/// is not online. Other CPUs: interrupts must be enabled here, or two CPUs
/// calling each other would wait forever.
pub fn run_on(cpu_id: u32, function: fn()) -> bool {
    if crate::cpus::pcr(cpu_id).is_none() {
        return false;
    }
    // No migration between "is it me?" and the call (IPIs still arrive).
    percpu::preempt_disable();
    if cpu_id == percpu::cpu_id() {
        arch::cpu::without_interrupts(function);
    } else {
        assert!(arch::cpu::interrupts_enabled(), "ipi::run_on to another CPU with interrupts off");
        let done = AtomicBool::new(false);
        CALL_QUEUES[cpu_id as usize].lock().push_back(CallRequest { function, done: &done as *const _ as usize });
        send(cpu_id, vectors::CALL_FUNCTION);
        while !done.load(Ordering::Acquire) {
            arch::cpu::pause();
        }
    }
    percpu::preempt_enable();
    true
}

/// Runs `function` on every online CPU, this one included, and waits. The
/// caller stays on its CPU throughout, so none is skipped or done twice.
pub fn run_on_all(function: fn()) {
    percpu::preempt_disable();
    for pcr in crate::cpus::online() {
        run_on(pcr.cpu_id, function);
    }
    percpu::preempt_enable();
}

/// Flushes every CPU's TLB (kernel mappings were removed). Interrupts must
/// be enabled.
pub fn shootdown_tlb() {
    run_on_all(x86_64::instructions::tlb::flush_all);
}
