//! The kernel log ring (what `dmesg` reads): every line the kernel prints,
//! stamped with the time since boot as Linux does (`[    0.123456] text`),
//! kept in a bounded byte ring. When a new line does not fit, the oldest
//! whole lines are dropped and counted. Pure data (tested on the host);
//! the kernel's one ring and the `syslog(2)` call are in `klog`.

#[cfg(test)]
mod tests;

use core::fmt;

/// Longest line kept; the rest of a longer line is cut off.
pub const LINE_MAX_BYTES: usize = 512;

/// See the module doc. `CAPACITY` is the ring's size in bytes.
pub struct LogRing<const CAPACITY: usize> {
    bytes: [u8; CAPACITY],
    /// Index of the oldest byte.
    start: usize,
    /// Bytes held.
    length: usize,
    /// Lines dropped to make room.
    dropped_lines: u64,
    /// The line being printed (not yet ended by `\n`).
    line: [u8; LINE_MAX_BYTES],
    line_length: usize,
    /// When the line being printed started (nanoseconds since boot).
    line_start_nanos: u64,
}

impl<const CAPACITY: usize> LogRing<CAPACITY> {
    pub const fn new() -> Self {
        LogRing {
            bytes: [0; CAPACITY],
            start: 0,
            length: 0,
            dropped_lines: 0,
            line: [0; LINE_MAX_BYTES],
            line_length: 0,
            line_start_nanos: 0,
        }
    }

    /// Adds printed text; `now_nanos` is the time since boot (stamped on
    /// each line when its first byte arrives). Lines are kept once ended by
    /// `\n`; `\r` is left out.
    pub fn push_text(&mut self, text: &[u8], now_nanos: u64) {
        for &byte in text {
            match byte {
                b'\r' => {}
                b'\n' => self.end_line(now_nanos),
                _ => {
                    if self.line_length == 0 {
                        self.line_start_nanos = now_nanos;
                    }
                    if self.line_length < LINE_MAX_BYTES {
                        self.line[self.line_length] = byte;
                        self.line_length += 1;
                    }
                }
            }
        }
    }

    fn end_line(&mut self, now_nanos: u64) {
        if self.line_length == 0 {
            self.line_start_nanos = now_nanos;
        }
        let mut stamp = StampBuffer::default();
        let _ = fmt::write(&mut stamp, format_args!("{} ", Timestamp(self.line_start_nanos)));
        let needed = stamp.length + self.line_length + 1;
        if needed > CAPACITY {
            self.line_length = 0;
            self.dropped_lines += 1;
            return;
        }
        while CAPACITY - self.length < needed {
            self.drop_oldest_line();
        }
        let line = self.line;
        self.append(&stamp.bytes[..stamp.length]);
        self.append(&line[..self.line_length]);
        self.append(b"\n");
        self.line_length = 0;
    }

    fn append(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            let end = (self.start + self.length) % CAPACITY;
            self.bytes[end] = byte;
            self.length += 1;
        }
    }

    fn drop_oldest_line(&mut self) {
        while self.length > 0 {
            let byte = self.bytes[self.start];
            self.start = (self.start + 1) % CAPACITY;
            self.length -= 1;
            if byte == b'\n' {
                break;
            }
        }
        self.dropped_lines += 1;
    }

    /// Bytes of whole lines held.
    pub fn len(&self) -> usize {
        self.length
    }

    pub fn is_empty(&self) -> bool {
        self.length == 0
    }

    /// Lines dropped so far (ring full, or longer than the ring).
    pub fn dropped_lines(&self) -> u64 {
        self.dropped_lines
    }

    /// Copies the newest `destination.len()` bytes (or all, if fewer are
    /// held), oldest first; returns how many. Like `SYSLOG_ACTION_READ_ALL`.
    pub fn copy_newest(&self, destination: &mut [u8]) -> usize {
        let count = destination.len().min(self.length);
        let skip = self.length - count;
        for (index, slot) in destination[..count].iter_mut().enumerate() {
            *slot = self.bytes[(self.start + skip + index) % CAPACITY];
        }
        count
    }

    /// Forgets every line held (`SYSLOG_ACTION_CLEAR`).
    pub fn clear(&mut self) {
        self.start = 0;
        self.length = 0;
    }
}

impl<const CAPACITY: usize> Default for LogRing<CAPACITY> {
    fn default() -> Self {
        Self::new()
    }
}

/// Linux's timestamp: `[seconds.microseconds]`, seconds right-aligned in
/// five columns.
pub struct Timestamp(pub u64);

impl fmt::Display for Timestamp {
    fn fmt(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        write!(formatter, "[{:5}.{:06}]", self.0 / 1_000_000_000, self.0 % 1_000_000_000 / 1000)
    }
}

/// Room for one formatted timestamp.
#[derive(Default)]
struct StampBuffer {
    bytes: [u8; 32],
    length: usize,
}

impl fmt::Write for StampBuffer {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let end = self.length + text.len();
        if end > self.bytes.len() {
            return Err(fmt::Error);
        }
        self.bytes[self.length..end].copy_from_slice(text.as_bytes());
        self.length = end;
        Ok(())
    }
}
