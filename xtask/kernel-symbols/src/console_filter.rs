//! Symbolising a live console stream (`cargo xtask run`): bytes pass
//! through at once, except a line that starts with `@@BT`, which is held
//! until its newline and then written symbolised. So a prompt or a
//! half-typed line is never held back (the one exception: an `@`, `@@` or
//! `@@B` that starts a line waits for the next byte); a frame line the
//! kernel printed after other text on the same line passes through raw
//! (`cargo xtask trace --from` still symbolises it).

use crate::KernelSymbols;
use protocol::backtrace_line::FRAME_MARKER;

/// The filter's state between chunks; symbols are loaded on the first
/// backtrace line (most runs have none).
pub struct BacktraceFilter<'s> {
    symbols: &'s dyn Fn() -> Option<&'s KernelSymbols>,
    held: Vec<u8>,
    at_line_start: bool,
}

impl<'s> BacktraceFilter<'s> {
    /// A filter that asks `symbols` for the kernel's symbols when it first
    /// needs them (`None`: frame lines pass through raw).
    pub fn new(symbols: &'s dyn Fn() -> Option<&'s KernelSymbols>) -> BacktraceFilter<'s> {
        BacktraceFilter {
            symbols,
            held: Vec::new(),
            at_line_start: true,
        }
    }

    /// Filters one chunk of console output into `out`. A held line that
    /// turns out not to be a backtrace line is written as soon as that is
    /// clear. A held line stays held across chunks: QEMU writes the serial
    /// line a byte at a time, so a chunk may end anywhere in a line.
    pub fn push(&mut self, chunk: &[u8], out: &mut Vec<u8>) {
        for &byte in chunk {
            if !self.held.is_empty() || (self.at_line_start && byte == FRAME_MARKER.as_bytes()[0]) {
                self.held.push(byte);
                if byte == b'\n' {
                    self.write_held_line(out);
                } else if !self.may_be_frame_line() {
                    out.append(&mut self.held);
                    self.at_line_start = false;
                }
                continue;
            }
            out.push(byte);
            self.at_line_start = byte == b'\n';
        }
    }

    /// Writes out whatever is still held (the stream ended).
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        out.append(&mut self.held);
    }

    fn may_be_frame_line(&self) -> bool {
        let marker = FRAME_MARKER.as_bytes();
        marker.starts_with(&self.held) || self.held.starts_with(marker)
    }

    fn write_held_line(&mut self, out: &mut Vec<u8>) {
        let line = std::mem::take(&mut self.held);
        self.at_line_start = true;
        let symbolized = std::str::from_utf8(&line)
            .ok()
            .and_then(|text| (self.symbols)()?.symbolize_line(text));
        match symbolized {
            Some(text) => out.extend_from_slice(text.as_bytes()),
            None => out.extend_from_slice(&line),
        }
    }
}
