//! Time: the TSC frequency (for timestamps and delays) and the periodic LAPIC
//! timer tick on every CPU.

use crate::vectors;
use arch::interrupt_frame::InterruptFrame;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// Timer interrupts per second on each CPU.
pub const TICK_HZ: u32 = 100;

static TSC_HZ: AtomicU64 = AtomicU64::new(0);
static LAPIC_TICKS_PER_PERIOD: AtomicU32 = AtomicU32::new(0);
static BOOT_TO_ONLINE_MICROS: AtomicU64 = AtomicU64::new(0);

/// Records how long the boot took up to "all CPUs online" (from the first
/// kernel instruction) and returns it in microseconds.
pub fn record_boot_to_online() -> u64 {
    let micros = tsc_delta_micros(arch::boot::entry_tsc(), arch::tsc::read());
    BOOT_TO_ONLINE_MICROS.store(micros, Ordering::Relaxed);
    micros
}

/// What `record_boot_to_online` measured.
pub fn boot_to_online_micros() -> u64 {
    BOOT_TO_ONLINE_MICROS.load(Ordering::Relaxed)
}

/// Finds the TSC frequency; returns it and where it came from.
pub fn init_tsc() -> (u64, arch::tsc::FrequencySource) {
    let (hz, source) = arch::tsc::detect_frequency();
    TSC_HZ.store(hz, Ordering::Relaxed);
    (hz, source)
}

/// TSC ticks per second.
pub fn tsc_hz() -> u64 {
    TSC_HZ.load(Ordering::Relaxed)
}

/// Microseconds between two TSC readings.
pub fn tsc_delta_micros(start: u64, end: u64) -> u64 {
    ((end.saturating_sub(start)) as u128 * 1_000_000 / u128::from(tsc_hz().max(1))) as u64
}

/// Spins until `done()` holds or `timeout_micros` passed; returns whether
/// `done()` held (checked once more at the deadline).
pub fn spin_until(timeout_micros: u64, mut done: impl FnMut() -> bool) -> bool {
    let start = arch::tsc::read();
    while tsc_delta_micros(start, arch::tsc::read()) < timeout_micros {
        if done() {
            return true;
        }
        arch::cpu::pause();
    }
    done()
}

/// Busy-waits `microseconds` (boot-time delays such as the SIPI timing).
pub fn delay_micros(microseconds: u64) {
    let start = arch::tsc::read();
    let ticks = microseconds * tsc_hz() / 1_000_000;
    while arch::tsc::read().wrapping_sub(start) < ticks {
        arch::cpu::pause();
    }
}

/// Measures the APIC timer against the TSC (BSP, once) and registers the
/// tick handler.
pub fn calibrate_lapic_timer() -> u32 {
    let ticks_per_ms = arch::lapic::calibrate_timer_ticks_per_ms(tsc_hz());
    let per_period = ticks_per_ms.saturating_mul(1000 / TICK_HZ).max(1);
    LAPIC_TICKS_PER_PERIOD.store(per_period, Ordering::Relaxed);
    arch::idt::register_handler(vectors::LAPIC_TIMER, on_tick);
    ticks_per_ms
}

/// Starts the periodic tick on the calling CPU.
pub fn start_tick_on_this_cpu() {
    arch::lapic::start_periodic_timer(LAPIC_TICKS_PER_PERIOD.load(Ordering::Relaxed));
}

/// Stops the tick on the calling CPU (an idle CPU with nothing to time).
pub fn stop_tick_on_this_cpu() {
    arch::lapic::stop_timer();
}

fn on_tick(_frame: &mut InterruptFrame) {
    percpu::current().timer_ticks.fetch_add(1, Ordering::Relaxed);
    arch::lapic::end_of_interrupt();
    crate::sched::on_tick();
}
