//! Clocks and sleeping: clock_gettime, clock_getres, gettimeofday,
//! nanosleep, clock_nanosleep.

use super::SyscallResult;
use crate::uaccess::{read_timespec, write_value};
use protocol::linux_abi::misc::*;
use protocol::linux_abi::Errno;

const NANOS_PER_SECOND: u64 = 1_000_000_000;


fn write_timespec(address: u64, nanos: u64) -> Result<(), Errno> {
    write_value(address, &[(nanos / NANOS_PER_SECOND) as i64, (nanos % NANOS_PER_SECOND) as i64])
}

fn now(clock: u64) -> Result<u64, Errno> {
    match clock {
        CLOCK_REALTIME | CLOCK_REALTIME_COARSE => Ok(crate::clock::realtime_nanos()),
        CLOCK_MONOTONIC | CLOCK_MONOTONIC_RAW | CLOCK_MONOTONIC_COARSE | CLOCK_BOOTTIME => Ok(crate::clock::monotonic_nanos()),
        // No per-thread CPU accounting yet: time since boot bounds it.
        CLOCK_PROCESS_CPUTIME_ID | CLOCK_THREAD_CPUTIME_ID => Ok(crate::clock::monotonic_nanos()),
        _ => Err(Errno::EINVAL),
    }
}

pub fn clock_gettime(clock: u64, address: u64) -> SyscallResult {
    write_timespec(address, now(clock)?).map(|()| 0)
}

pub fn clock_getres(clock: u64, address: u64) -> SyscallResult {
    now(clock)?;
    if address != 0 {
        write_timespec(address, 1)?;
    }
    Ok(0)
}

pub fn gettimeofday(address: u64) -> SyscallResult {
    if address != 0 {
        let nanos = crate::clock::realtime_nanos();
        write_value(address, &[(nanos / NANOS_PER_SECOND) as i64, ((nanos % NANOS_PER_SECOND) / 1000) as i64])?;
    }
    Ok(0)
}

/// Sleeps for `nanos` (rounded up to microseconds). A signal ends it
/// early with EINTR, the time left written to `remaining` (if given);
/// sleeps are not restarted after a handler, as on Linux.
fn sleep_nanos(nanos: u64, remaining: u64) -> SyscallResult {
    if nanos == 0 {
        return Ok(0);
    }
    let start = crate::clock::monotonic_nanos();
    if crate::sched::sleep_micros_interruptible(nanos.div_ceil(1000)).is_err() {
        if remaining != 0 {
            let left = nanos.saturating_sub(crate::clock::monotonic_nanos() - start);
            write_timespec(remaining, left)?;
        }
        return Err(Errno::EINTR);
    }
    Ok(0)
}

pub fn nanosleep(request: u64, remaining: u64) -> SyscallResult {
    sleep_nanos(read_timespec(request)?, remaining)
}

pub fn clock_nanosleep(clock: u64, flags: u64, request: u64, remaining: u64) -> SyscallResult {
    let current = now(clock)?;
    let requested = read_timespec(request)?;
    if flags & TIMER_ABSTIME != 0 {
        sleep_nanos(requested.saturating_sub(current), 0)
    } else {
        sleep_nanos(requested, remaining)
    }
}

/// `time`: seconds since 1970, also stored at `address` if given.
pub fn time(address: u64) -> SyscallResult {
    let seconds = crate::clock::realtime_nanos() / NANOS_PER_SECOND;
    if address != 0 {
        write_value(address, &seconds)?;
    }
    Ok(seconds)
}
