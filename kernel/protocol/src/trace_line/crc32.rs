//! CRC-32/ISO-HDLC (zlib's), the checksum at the end of every trace line.

/// CRC-32/ISO-HDLC lookup table (reflected polynomial 0xEDB88320), built at compile time.
const CRC32_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut index = 0;
    while index < 256 {
        let mut value = index as u32;
        let mut bit = 0;
        while bit < 8 {
            value = if value & 1 != 0 {
                0xEDB8_8320 ^ (value >> 1)
            } else {
                value >> 1
            };
            bit += 1;
        }
        table[index] = value;
        index += 1;
    }
    table
};

/// Running CRC-32 (the one in zlib, PNG and Ethernet; `crc32(b"123456789") == 0xcbf43926`).
#[derive(Clone, Copy, Debug)]
pub(super) struct Crc32 {
    /// Inverted running remainder.
    state: u32,
}

impl Crc32 {
    pub(super) const fn new() -> Self {
        Self { state: !0 }
    }

    pub(super) fn update(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.state =
                CRC32_TABLE[((self.state ^ u32::from(byte)) & 0xFF) as usize] ^ (self.state >> 8);
        }
    }

    pub(super) const fn finish(self) -> u32 {
        !self.state
    }
}

/// CRC-32 of `bytes` (same as Python's `zlib.crc32`).
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = Crc32::new();
    crc.update(bytes);
    crc.finish()
}
