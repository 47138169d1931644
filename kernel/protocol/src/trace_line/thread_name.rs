//! A thread's name as the trace dump carries it: at most 16 bytes, escaped into one token.
//!
//! In a line the name is one `name=` token with no spaces: bytes `!`..`~`
//! except `\` stand for themselves, every other byte is `\xNN` (two
//! lowercase hex digits). The encoding is canonical (one text per name), so
//! `format(parse(line)) == line` holds for thread records too.

use core::fmt;

/// Longest name a record carries, in bytes (Linux's `TASK_COMM_LEN`); longer names are cut.
pub const THREAD_NAME_MAX_BYTES: usize = 16;

/// A thread name of up to [`THREAD_NAME_MAX_BYTES`] bytes, stored inline (no heap).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ThreadName {
    bytes: [u8; THREAD_NAME_MAX_BYTES],
    length: u8,
}

impl ThreadName {
    /// The first [`THREAD_NAME_MAX_BYTES`] bytes of `name`.
    pub fn new(name: &[u8]) -> Self {
        let length = name.len().min(THREAD_NAME_MAX_BYTES);
        let mut bytes = [0; THREAD_NAME_MAX_BYTES];
        bytes[..length].copy_from_slice(&name[..length]);
        Self {
            bytes,
            length: length as u8,
        }
    }

    /// The name's bytes (not necessarily UTF-8: a cut may split a character).
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.length)]
    }

    /// Decodes the escaped form written by `Display`; `None` if it is not canonical or too long.
    pub fn from_escaped(text: &str) -> Option<Self> {
        let mut name = Self::default();
        let mut rest = text.as_bytes();
        while let Some((&first, tail)) = rest.split_first() {
            let byte = if first == b'\\' {
                let [b'x', high, low, ..] = *tail else { return None };
                let byte = hex_value(high)? << 4 | hex_value(low)?;
                if stands_for_itself(byte) {
                    return None;
                }
                rest = &tail[3..];
                byte
            } else if stands_for_itself(first) {
                rest = tail;
                first
            } else {
                return None;
            };
            if usize::from(name.length) == THREAD_NAME_MAX_BYTES {
                return None;
            }
            name.bytes[usize::from(name.length)] = byte;
            name.length += 1;
        }
        Some(name)
    }
}

/// Printable ASCII other than space and backslash is written as itself.
fn stands_for_itself(byte: u8) -> bool {
    byte.is_ascii_graphic() && byte != b'\\'
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        _ => None,
    }
}

/// The escaped form (one token, no spaces).
impl fmt::Display for ThreadName {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &byte in self.as_bytes() {
            if stands_for_itself(byte) {
                fmt::Write::write_char(formatter, char::from(byte))?;
            } else {
                write!(formatter, "\\x{byte:02x}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for ThreadName {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "ThreadName({self})")
    }
}
