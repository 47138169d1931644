//! Time: the TSC frequency (for timestamps and delays) and the periodic LAPIC
//! timer tick on every CPU. What a tick does beyond counting is registered
//! by the layer above (the scheduler), so time sits below it.

use crate::cpu::{self, ThisCpu};
use crate::sync::IrqGuard;
use crate::vectors;
use arch::hook::Hook;
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

/// TSC ticks in `microseconds`.
pub fn micros_to_tsc_ticks(microseconds: u64) -> u64 {
    microseconds * tsc_hz() / 1_000_000
}

/// The TSC value `microseconds` from now (a deadline).
pub fn tsc_deadline_in(microseconds: u64) -> u64 {
    arch::tsc::read() + micros_to_tsc_ticks(microseconds)
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

/// Spins until `count()` reaches `target`, for as long as it keeps rising:
/// gives up once `stall_timeout_micros` pass without progress. Returns the
/// last count. For waits on many CPUs (bring-up, the panic stop), whose
/// total time grows with the CPU count and the host's load, but where a
/// stall means something is wrong.
pub fn wait_while_progressing(target: usize, stall_timeout_micros: u64, mut count: impl FnMut() -> usize) -> usize {
    let mut last = count();
    while last < target {
        let start_of_wait = last;
        let moved = spin_until(stall_timeout_micros, || {
            last = count();
            last != start_of_wait
        });
        if !moved {
            break;
        }
    }
    last
}

/// Busy-waits `microseconds` (boot-time delays such as the SIPI timing).
pub fn delay_micros(microseconds: u64) {
    let start = arch::tsc::read();
    let ticks = micros_to_tsc_ticks(microseconds);
    while arch::tsc::read().wrapping_sub(start) < ticks {
        arch::cpu::pause();
    }
}

/// Called on every tick, after the tick is counted and acknowledged, with
/// whether the tick interrupted user mode (the scheduler registers its
/// time-slice and CPU-time accounting here).
static TICK_HOOK: Hook<fn(bool)> = Hook::new();

/// Registers what runs on every tick (once).
pub fn register_tick_hook(hook: fn(bool)) {
    TICK_HOOK.set(hook);
}

/// Called on every tick before [`TICK_HOOK`], with the interrupted
/// context (the soft-lockup watchdog registers its check here).
static LOCKUP_CHECK: Hook<fn(&InterruptFrame)> = Hook::new();

/// Registers the soft-lockup check of every tick (once).
pub fn register_lockup_check(check: fn(&InterruptFrame)) {
    LOCKUP_CHECK.set(check);
}

/// Measures the APIC timer against the TSC, on the first CPU that asks (all
/// CPUs share the APIC bus clock), and registers the tick handler. Returns
/// the LAPIC timer ticks per millisecond.
fn calibrate_once(this: &ThisCpu) -> u32 {
    static TICKS_PER_MS: spin::Once<u32> = spin::Once::new();
    *TICKS_PER_MS.call_once(|| {
        let ticks_per_ms = this.lapic().calibrate_timer_ticks_per_ms(tsc_hz());
        let per_period = ticks_per_ms.saturating_mul(1000 / TICK_HZ).max(1);
        LAPIC_TICKS_PER_PERIOD.store(per_period, Ordering::Relaxed);
        arch::idt::register_handler(vectors::LAPIC_TIMER, on_tick);
        ticks_per_ms
    })
}

/// Starts the periodic tick on the calling CPU (calibrating the LAPIC timer
/// first if no CPU did yet); returns the LAPIC timer ticks per millisecond.
pub fn init_this_cpu(this: &ThisCpu) -> u32 {
    let ticks_per_ms = calibrate_once(this);
    start_tick(this);
    ticks_per_ms
}

/// Starts (or restarts) the periodic tick on the calling CPU.
pub fn start_tick(this: &ThisCpu) {
    this.lapic().start_periodic_timer(LAPIC_TICKS_PER_PERIOD.load(Ordering::Relaxed));
}

/// Stops the tick on the calling CPU (an idle CPU with nothing to time).
pub fn stop_tick(this: &ThisCpu) {
    this.lapic().stop_timer();
}

fn on_tick(frame: &mut InterruptFrame) {
    {
        let guard = IrqGuard::new();
        let this = cpu::this_cpu(&guard);
        this.pcr().timer_ticks.fetch_add(1, Ordering::Relaxed);
        this.lapic().end_of_interrupt();
    }
    if let Some(check) = LOCKUP_CHECK.get() {
        check(frame);
    }
    if let Some(hook) = TICK_HOOK.get() {
        hook(frame.from_user_mode());
    }
}
