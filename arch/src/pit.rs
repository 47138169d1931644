//! The 8254 programmable interval timer, used only to measure the frequency
//! of another counter (the TSC, when CPUID does not state it). It knows
//! nothing of that counter: the caller passes a function that reads it, so
//! `tsc` depends on `pit` and not the other way round. Channel 0 counts down
//! freely in mode 2 and is sampled with latch commands, so no speaker gate
//! (port 0x61, absent on microvm) is needed.

use x86_64::instructions::port::Port;

/// PIT input clock, Hz.
pub const PIT_FREQUENCY_HZ: u64 = 1_193_182;
const CHANNEL0_DATA_PORT: u16 = 0x40;
const MODE_COMMAND_PORT: u16 = 0x43;
/// Channel 0, access lo/hi byte, mode 2 (rate generator), binary.
const COMMAND_CHANNEL0_MODE2: u8 = 0b0011_0100;
/// Channel 0 counter latch.
const COMMAND_CHANNEL0_LATCH: u8 = 0b0000_0000;
/// How long one calibration window lasts.
const WINDOW_PIT_TICKS: u64 = PIT_FREQUENCY_HZ / 100; // 10 ms
const CALIBRATION_ROUNDS: usize = 3;

fn read_channel0() -> u16 {
    // SAFETY: ports 0x40/0x43 belong to the PIT, which only this code uses,
    // and only on the BSP during boot.
    unsafe {
        Port::<u8>::new(MODE_COMMAND_PORT).write(COMMAND_CHANNEL0_LATCH);
        let mut data = Port::<u8>::new(CHANNEL0_DATA_PORT);
        let low = data.read();
        let high = data.read();
        u16::from_le_bytes([low, high])
    }
}

fn start_free_running() {
    // SAFETY: as in `read_channel0`. Reload value 0 means 65536.
    unsafe {
        Port::<u8>::new(MODE_COMMAND_PORT).write(COMMAND_CHANNEL0_MODE2);
        let mut data = Port::<u8>::new(CHANNEL0_DATA_PORT);
        data.write(0);
        data.write(0);
    }
}

/// One window: ticks of `counter` elapsed while the PIT counted
/// `WINDOW_PIT_TICKS`, and the PIT ticks counted.
fn measure_window(counter: &mut impl FnMut() -> u64) -> (u64, u64) {
    let mut previous = read_channel0();
    let mut pit_elapsed: u64 = 0;
    let counter_start = counter();
    while pit_elapsed < WINDOW_PIT_TICKS {
        let now = read_channel0();
        // The counter counts down and wraps at 65536.
        pit_elapsed += u64::from(previous.wrapping_sub(now));
        previous = now;
    }
    (counter() - counter_start, pit_elapsed)
}

/// The frequency in Hz of the free-running `counter` (for example the TSC),
/// the median of a few 10 ms windows timed by the PIT.
pub fn measure_frequency_hz(mut counter: impl FnMut() -> u64) -> u64 {
    start_free_running();
    let mut estimates = [0u64; CALIBRATION_ROUNDS];
    for estimate in estimates.iter_mut() {
        let (counter_ticks, pit_ticks) = measure_window(&mut counter);
        *estimate = counter_ticks * PIT_FREQUENCY_HZ / pit_ticks;
    }
    estimates.sort_unstable();
    estimates[CALIBRATION_ROUNDS / 2]
}
