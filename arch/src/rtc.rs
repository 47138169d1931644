//! The CMOS real-time clock: read once at boot for the wall time. Waits out
//! an update in progress, reads twice until two reads agree, and decodes
//! BCD and 12-hour formats as status register B says. Machines without one
//! (QEMU's `microvm`) read as all ones: `read` says `None` instead of
//! waiting for an update that never ends.

use x86_64::instructions::port::Port;

const CMOS_INDEX: u16 = 0x70;
const CMOS_DATA: u16 = 0x71;
/// Setting bit 7 of the index keeps NMIs disabled while we read.
const NMI_DISABLE: u8 = 0x80;
const SECONDS: u8 = 0x00;
const MINUTES: u8 = 0x02;
const HOURS: u8 = 0x04;
const DAY: u8 = 0x07;
const MONTH: u8 = 0x08;
const YEAR: u8 = 0x09;
const CENTURY: u8 = 0x32;
const STATUS_A: u8 = 0x0a;
const STATUS_B: u8 = 0x0b;
const UPDATE_IN_PROGRESS: u8 = 0x80;
const STATUS_B_BINARY: u8 = 0x04;
const STATUS_B_24_HOUR: u8 = 0x02;
const HOUR_PM: u8 = 0x80;

/// A calendar time in UTC (the RTC of QEMU and of most PCs runs in UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RtcTime {
    pub year: u32,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

fn read_register(register: u8) -> u8 {
    // SAFETY: ports 0x70/0x71 are the CMOS index and data; reading a clock
    // register has no side effects (NMIs stay masked only for the access).
    unsafe {
        Port::<u8>::new(CMOS_INDEX).write(NMI_DISABLE | register);
        Port::<u8>::new(CMOS_DATA).read()
    }
}

/// Status A of a port with no device behind it.
const ABSENT: u8 = 0xff;
/// Reads of status A to wait for an update to end (an update takes under
/// 2 ms; one read is about a microsecond).
const UPDATE_WAIT_READS: u32 = 100_000;
/// Attempts at two agreeing reads.
const READ_ATTEMPTS: u32 = 10;

fn raw_read() -> Option<[u8; 7]> {
    let mut waited = 0;
    loop {
        let status = read_register(STATUS_A);
        if status == ABSENT {
            return None;
        }
        if status & UPDATE_IN_PROGRESS == 0 {
            break;
        }
        waited += 1;
        if waited == UPDATE_WAIT_READS {
            return None;
        }
        core::hint::spin_loop();
    }
    Some([SECONDS, MINUTES, HOURS, DAY, MONTH, YEAR, CENTURY].map(read_register))
}

fn from_bcd(value: u8) -> u32 {
    u32::from(value & 0x0f) + 10 * u32::from(value >> 4)
}

/// Reads the clock; `None` when there is none (or it never settles, or
/// it holds an impossible date).
pub fn read() -> Option<RtcTime> {
    let mut raw = raw_read()?;
    let mut attempts = 0;
    loop {
        let again = raw_read()?;
        if again == raw {
            break;
        }
        raw = again;
        attempts += 1;
        if attempts == READ_ATTEMPTS {
            return None;
        }
    }
    let status_b = read_register(STATUS_B);
    let decode = |value: u8| if status_b & STATUS_B_BINARY != 0 { u32::from(value) } else { from_bcd(value) };
    let [second, minute, hour, day, month, year, century] = raw;
    let mut hours = decode(hour & !HOUR_PM);
    if status_b & STATUS_B_24_HOUR == 0 && hour & HOUR_PM != 0 {
        hours = (hours % 12) + 12;
    } else if status_b & STATUS_B_24_HOUR == 0 && hours == 12 {
        hours = 0;
    }
    let century = match decode(century) {
        19..=99 => decode(century),
        _ => 20,
    };
    let time = RtcTime { year: century * 100 + decode(year), month: decode(month), day: decode(day), hour: hours, minute: decode(minute), second: decode(second) };
    let plausible = (1..=12).contains(&time.month) && (1..=31).contains(&time.day) && time.hour < 24 && time.minute < 60 && time.second < 61;
    plausible.then_some(time)
}

impl RtcTime {
    /// Seconds since 1970-01-01 00:00:00 UTC.
    pub fn unix_seconds(&self) -> u64 {
        // Days from the civil date (proleptic Gregorian), Howard Hinnant's method.
        let (year, month) = if self.month <= 2 { (i64::from(self.year) - 1, self.month + 9) } else { (i64::from(self.year), self.month - 3) };
        let era = year.div_euclid(400);
        let year_of_era = year - era * 400;
        let day_of_year = (153 * i64::from(month) + 2) / 5 + i64::from(self.day) - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        let days = era * 146_097 + day_of_era - 719_468;
        (days * 86_400 + i64::from(self.hour) * 3600 + i64::from(self.minute) * 60 + i64::from(self.second)).max(0) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(year: u32, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> u64 {
        RtcTime { year, month, day, hour, minute, second }.unix_seconds()
    }

    #[test]
    fn unix_seconds_match_known_dates() {
        assert_eq!(at(1970, 1, 1, 0, 0, 0), 0);
        assert_eq!(at(2000, 3, 1, 0, 0, 0), 951_868_800);
        assert_eq!(at(2024, 2, 29, 12, 34, 56), 1_709_210_096);
        assert_eq!(at(2026, 11, 25, 7, 16, 44), 1_795_591_004);
    }
}
