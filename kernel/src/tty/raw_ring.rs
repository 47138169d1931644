//! A fixed-size byte ring: the bytes the UART interrupt has taken and the
//! `tty` thread has not yet fed to the line discipline. No allocation, so
//! the interrupt handler can use it.

/// Bytes the ring holds.
pub const RAW_RING_BYTES: usize = 4096;

/// See the module doc.
pub struct RawRing {
    bytes: [u8; RAW_RING_BYTES],
    /// Index of the oldest byte.
    head: usize,
    len: usize,
}

impl Default for RawRing {
    fn default() -> Self {
        Self::new()
    }
}

impl RawRing {
    /// An empty ring.
    pub const fn new() -> Self {
        Self { bytes: [0; RAW_RING_BYTES], head: 0, len: 0 }
    }

    /// Appends `byte`; false (and the byte is not taken) when full.
    pub fn push(&mut self, byte: u8) -> bool {
        if self.is_full() {
            return false;
        }
        self.bytes[(self.head + self.len) % RAW_RING_BYTES] = byte;
        self.len += 1;
        true
    }

    /// Takes the oldest byte.
    pub fn pop(&mut self) -> Option<u8> {
        if self.len == 0 {
            return None;
        }
        let byte = self.bytes[self.head];
        self.head = (self.head + 1) % RAW_RING_BYTES;
        self.len -= 1;
        Some(byte)
    }

    /// Whether no byte fits.
    pub fn is_full(&self) -> bool {
        self.len == RAW_RING_BYTES
    }

    /// Bytes held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_come_out_in_order_across_the_wrap_and_a_full_ring_refuses() {
        let mut ring = RawRing::new();
        for round in 0..3u32 {
            for index in 0..RAW_RING_BYTES {
                assert!(ring.push((index as u32 + round) as u8));
            }
            assert!(ring.is_full() && !ring.push(0));
            for index in 0..RAW_RING_BYTES - 10 {
                assert_eq!(ring.pop(), Some((index as u32 + round) as u8));
            }
            for index in RAW_RING_BYTES - 10..RAW_RING_BYTES {
                assert_eq!(ring.pop(), Some((index as u32 + round) as u8));
            }
            assert!(ring.is_empty() && ring.pop().is_none());
            assert!(ring.push(1) && ring.pop() == Some(1)); // moves the head
        }
    }
}
