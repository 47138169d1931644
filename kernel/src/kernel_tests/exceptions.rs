//! `test=exceptions`: every CPU raises an invalid-opcode exception (#UD) on
//! itself at the deliberate site; the handler must run on that CPU's own
//! PCR. The handler compares the PCR's CPU id (through GS) with the CPU
//! found from the APIC id CPUID reports (no GS involved), so a handler
//! running on the wrong PCR is caught.

use crate::cpu::CpuId;
use crate::cpu_set::AtomicCpuSet;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use arch::interrupt_frame::InterruptFrame;

/// CPUs whose handler ran on their own PCR, and CPUs whose did not.
struct Verdicts {
    own_pcr: AtomicCpuSet,
    wrong_pcr: AtomicCpuSet,
}

static VERDICTS: spin::Once<Verdicts> = spin::Once::new();

fn on_exception(_frame: &InterruptFrame) {
    let Some(verdicts) = VERDICTS.get() else { return };
    let pcr_cpu = percpu::cpu_id();
    let Some(hardware_cpu) = crate::cpu::with_apic_id(arch::lapic::apic_id_from_cpuid()) else { return };
    if hardware_cpu.as_u32() == pcr_cpu {
        verdicts.own_pcr.insert(hardware_cpu.index());
    } else {
        verdicts.wrong_pcr.insert(hardware_cpu.index());
    }
}

fn raise_exception() {
    arch::cpu::raise_deliberate_invalid_opcode();
    let me = percpu::cpu_id();
    let handled_here = crate::cpu::online_id(me)
        .zip(VERDICTS.get())
        .is_some_and(|(cpu, verdicts)| verdicts.own_pcr.contains(cpu.index()));
    if handled_here {
        crate::kprintln!("exceptions: cpu {} handled on its own PCR", me);
    } else {
        crate::kprintln!("exceptions: cpu {} exception NOT handled on its own PCR", me);
    }
}

pub fn run() -> Result<(), String> {
    let verdicts = VERDICTS.call_once(|| Verdicts { own_pcr: AtomicCpuSet::default(), wrong_pcr: AtomicCpuSet::default() });
    crate::exceptions::set_resumable_exception_observer(on_exception);
    let cpus = super::support::online_cpus();
    for &cpu in &cpus {
        crate::ipi::run_on(cpu, raise_exception);
    }
    let failed: Vec<CpuId> = cpus
        .into_iter()
        .filter(|cpu| !verdicts.own_pcr.contains(cpu.index()) || verdicts.wrong_pcr.contains(cpu.index()))
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("exception not handled on the raising CPU's PCR for cpus {failed:?}"))
    }
}
