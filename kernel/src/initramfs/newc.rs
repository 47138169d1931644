//! Reading a cpio "newc" archive (what `-initrd` and Linux's initramfs
//! use): a 110-byte ASCII header per entry (magic `070701` or `070702`,
//! then thirteen 8-digit hex fields), the NUL-terminated name, padding to
//! a multiple of 4, the data, padding again; the entry named `TRAILER!!!`
//! ends the archive. Written here rather than taken from a crate because
//! the one no_std reader at hand panics on some malformed headers; this one
//! checks every length against the bytes there are and reports where an
//! archive goes wrong.

/// Bytes of a header.
const HEADER_BYTES: usize = 110;
/// The name of the last entry.
const TRAILER_NAME: &[u8] = b"TRAILER!!!";
/// File type bits of `mode`.
pub const MODE_TYPE_MASK: u32 = 0o170000;
/// A regular file.
pub const MODE_REGULAR: u32 = 0o100000;
/// A directory.
pub const MODE_DIRECTORY: u32 = 0o040000;
/// A symbolic link.
pub const MODE_SYMLINK: u32 = 0o120000;
/// A character device.
pub const MODE_CHARACTER_DEVICE: u32 = 0o020000;
/// A block device.
pub const MODE_BLOCK_DEVICE: u32 = 0o060000;

/// One entry of the archive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry<'a> {
    /// The path as stored (usually without a leading `/`).
    pub name: &'a [u8],
    /// Type and permission bits.
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub mtime: u32,
    /// The contents (a symlink's target for symlinks).
    pub data: &'a [u8],
}

/// Why reading stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NewcError {
    /// The entry at `offset` does not start with a newc magic number.
    BadMagic { offset: usize },
    /// A header field at `offset` is not 8 hex digits.
    BadField { offset: usize },
    /// The entry at `offset` claims more bytes than the archive has.
    Truncated { offset: usize },
    /// The entry at `offset` has an empty or unterminated name.
    BadName { offset: usize },
    /// The archive ended without a trailer entry.
    NoTrailer,
}

impl core::fmt::Display for NewcError {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            NewcError::BadMagic { offset } => write!(formatter, "no cpio newc header (magic 070701) at byte {offset}"),
            NewcError::BadField { offset } => write!(formatter, "a header field at byte {offset} is not 8 hex digits"),
            NewcError::Truncated { offset } => write!(formatter, "the entry at byte {offset} runs past the end of the archive"),
            NewcError::BadName { offset } => write!(formatter, "the entry at byte {offset} has an empty or unterminated name"),
            NewcError::NoTrailer => write!(formatter, "the archive ends without a TRAILER!!! entry"),
        }
    }
}

/// Iterates over the entries of `archive`, stopping after the first error.
pub fn entries(archive: &[u8]) -> Entries<'_> {
    Entries { archive, offset: 0, done: false }
}

/// See [`entries`].
pub struct Entries<'a> {
    archive: &'a [u8],
    offset: usize,
    done: bool,
}

fn hex_field(header: &[u8], index: usize, entry_offset: usize) -> Result<u32, NewcError> {
    let start = 6 + 8 * index;
    let digits = &header[start..start + 8];
    let mut value: u32 = 0;
    for &digit in digits {
        let nibble = (digit as char).to_digit(16).ok_or(NewcError::BadField { offset: entry_offset + start })?;
        value = (value << 4) | nibble;
    }
    Ok(value)
}

fn align4(value: usize) -> Option<usize> {
    value.checked_add(3).map(|value| value & !3)
}

impl<'a> Entries<'a> {
    fn read_entry(&mut self) -> Result<Option<Entry<'a>>, NewcError> {
        let offset = self.offset;
        let truncated = NewcError::Truncated { offset };
        let header = self.archive.get(offset..offset.checked_add(HEADER_BYTES).ok_or(truncated)?).ok_or(truncated)?;
        if &header[..6] != b"070701" && &header[..6] != b"070702" {
            return Err(NewcError::BadMagic { offset });
        }
        let field = |index| hex_field(header, index, offset);
        let (mode, uid, gid, mtime) = (field(1)?, field(2)?, field(3)?, field(5)?);
        let file_bytes = field(6)? as usize;
        let name_bytes = field(11)? as usize;
        let name_start = offset + HEADER_BYTES;
        let name_end = name_start.checked_add(name_bytes).ok_or(truncated)?;
        let name_with_nul = self.archive.get(name_start..name_end).ok_or(truncated)?;
        let name = match name_with_nul.split_last() {
            Some((0, name)) if !name.is_empty() && !name.contains(&0) => name,
            _ => return Err(NewcError::BadName { offset }),
        };
        let data_start = align4(name_end).ok_or(truncated)?;
        let data_end = data_start.checked_add(file_bytes).ok_or(truncated)?;
        let data = self.archive.get(data_start..data_end).ok_or(truncated)?;
        self.offset = align4(data_end).ok_or(truncated)?;
        if name == TRAILER_NAME {
            return Ok(None);
        }
        Ok(Some(Entry { name, mode, uid, gid, mtime, data }))
    }
}

impl<'a> Iterator for Entries<'a> {
    type Item = Result<Entry<'a>, NewcError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        if self.offset >= self.archive.len() {
            self.done = true;
            return Some(Err(NewcError::NoTrailer));
        }
        match self.read_entry() {
            Ok(Some(entry)) => Some(Ok(entry)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(error) => {
                self.done = true;
                Some(Err(error))
            }
        }
    }
}

#[cfg(test)]
mod tests;
