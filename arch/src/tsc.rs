//! The time stamp counter: reading it and finding its frequency.
//!
//! Frequency sources, best first: CPUID 0x15 (crystal ratio), the hypervisor
//! timing leaf 0x40000010, CPUID 0x16 (nominal base frequency), and finally
//! calibration against the 8254 PIT.

use raw_cpuid::CpuId;

/// Reads the TSC.
#[inline(always)]
pub fn read() -> u64 {
    // SAFETY: RDTSC is available on every x86_64 CPU and has no side effects.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// Where the TSC frequency came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrequencySource {
    CpuidLeaf15,
    HypervisorLeaf,
    CpuidLeaf16,
    PitCalibration,
}

impl FrequencySource {
    /// A short human name for boot logs.
    pub fn describe(self) -> &'static str {
        match self {
            FrequencySource::CpuidLeaf15 => "cpuid 0x15",
            FrequencySource::HypervisorLeaf => "hypervisor leaf 0x40000010",
            FrequencySource::CpuidLeaf16 => "cpuid 0x16",
            FrequencySource::PitCalibration => "PIT calibration",
        }
    }
}

/// The TSC frequency in Hz and how it was found.
pub fn detect_frequency() -> (u64, FrequencySource) {
    let cpuid = CpuId::new();
    if let Some(hz) = cpuid.get_tsc_info().and_then(|info| info.tsc_frequency()) {
        if hz > 0 {
            return (hz, FrequencySource::CpuidLeaf15);
        }
    }
    if let Some(khz) = cpuid.get_hypervisor_info().and_then(|info| info.tsc_frequency()) {
        if khz > 0 {
            return (u64::from(khz) * 1000, FrequencySource::HypervisorLeaf);
        }
    }
    if let Some(info) = cpuid.get_processor_frequency_info() {
        let mhz = info.processor_base_frequency();
        if mhz > 0 {
            return (u64::from(mhz) * 1_000_000, FrequencySource::CpuidLeaf16);
        }
    }
    (crate::pit::measure_frequency_hz(read), FrequencySource::PitCalibration)
}
