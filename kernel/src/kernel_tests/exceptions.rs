//! `test=exceptions`: every CPU raises an invalid-opcode exception (#UD) on
//! itself at the deliberate site; the handler
//! must run on that CPU's own PCR. The handler compares the PCR's CPU id
//! (through GS) with the CPU found from the hardware APIC id (no GS
//! involved), so a handler running on the wrong PCR is caught.

use alloc::format;
use alloc::string::String;
use arch::interrupt_frame::InterruptFrame;
use core::sync::atomic::{AtomicU8, Ordering};
use percpu::MAX_CPUS;

const NOT_RUN: u8 = 0;
const OWN_PCR: u8 = 1;
const WRONG_PCR: u8 = 2;
static RESULTS: [AtomicU8; MAX_CPUS] = [const { AtomicU8::new(NOT_RUN) }; MAX_CPUS];

fn on_exception(_frame: &InterruptFrame) {
    let pcr_cpu = percpu::cpu_id();
    let hardware_cpu = crate::cpus::cpu_with_apic_id(arch::lapic::hardware_id());
    let verdict = if hardware_cpu == Some(pcr_cpu) { OWN_PCR } else { WRONG_PCR };
    if let Some(cpu) = hardware_cpu {
        RESULTS[cpu as usize].store(verdict, Ordering::Release);
    }
}

fn raise_exception() {
    arch::cpu::raise_deliberate_invalid_opcode();
    let me = percpu::cpu_id();
    if RESULTS[me as usize].load(Ordering::Acquire) == OWN_PCR {
        crate::kprintln!("exceptions: cpu {} handled on its own PCR", me);
    } else {
        crate::kprintln!("exceptions: cpu {} exception NOT handled on its own PCR", me);
    }
}

pub fn run() -> Result<(), String> {
    crate::exceptions::set_resumable_exception_observer(on_exception);
    for pcr in crate::cpus::online() {
        crate::ipi::run_on(pcr.cpu_id, raise_exception);
    }
    let failed: alloc::vec::Vec<u32> = crate::cpus::online()
        .map(|pcr| pcr.cpu_id)
        .filter(|cpu| RESULTS[*cpu as usize].load(Ordering::Acquire) != OWN_PCR)
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("exception not handled on the raising CPU's PCR for cpus {failed:?}"))
    }
}
