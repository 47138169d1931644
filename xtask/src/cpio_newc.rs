//! A writer for cpio archives in the "newc" format (what Linux's initramfs
//! and QEMU's `-initrd` expect), std only.
//!
//! ```text
//! entry   = header (110 bytes) | name | NUL | pad to 4 | data | pad to 4
//! header  = "070701" then 13 fields of 8 ASCII hex digits:
//!           ino mode uid gid nlink mtime filesize devmajor devminor
//!           rdevmajor rdevminor namesize(with NUL) check(0)
//! archive = entry* | entry named "TRAILER!!!" (all fields 0, nlink 1)
//! ```
//!
//! Padding counts from the start of the archive (each header starts on a
//! 4-byte boundary). Names are relative ("bin/hello", no leading '/'), as
//! Linux's `gen_init_cpio` writes them. Every entry gets its own inode
//! number and nlink 1 (2 for directories): Linux's unpacker treats regular
//! files with nlink >= 2 as hard links of each other. Times are 0, so the
//! same inputs give the same bytes.

use std::io::{self, Write};

/// The magic at the start of every newc header.
pub const NEWC_MAGIC: &[u8; 6] = b"070701";
/// Length of a newc header, magic included.
pub const HEADER_BYTES: usize = 110;
/// The name of the entry that ends an archive.
pub const TRAILER_NAME: &str = "TRAILER!!!";
/// File-type bits of `mode` (`S_IFMT`) and the types this writer makes.
pub const S_IFMT: u32 = 0o170000;
/// Regular file.
pub const S_IFREG: u32 = 0o100000;
/// Directory.
pub const S_IFDIR: u32 = 0o040000;
/// Character device.
pub const S_IFCHR: u32 = 0o020000;
/// Symbolic link.
pub const S_IFLNK: u32 = 0o120000;

/// Writes entries one after the other; [`NewcWriter::finish`] adds the trailer.
pub struct NewcWriter<W: Write> {
    out: W,
    written: u64,
    next_inode: u32,
}

/// The fields of one header that vary between entries.
struct Header<'a> {
    name: &'a str,
    mode: u32,
    nlink: u32,
    file_bytes: u32,
    rdev: (u32, u32),
}

impl<W: Write> NewcWriter<W> {
    /// A writer that starts an archive at the beginning of `out`.
    pub fn new(out: W) -> NewcWriter<W> {
        NewcWriter { out, written: 0, next_inode: 1 }
    }

    /// A directory; `permissions` are the low 12 mode bits (e.g. 0o755).
    pub fn directory(&mut self, name: &str, permissions: u32) -> io::Result<()> {
        self.entry(Header { name, mode: S_IFDIR | permissions, nlink: 2, file_bytes: 0, rdev: (0, 0) }, &[])
    }

    /// A regular file with `contents`.
    pub fn file(&mut self, name: &str, permissions: u32, contents: &[u8]) -> io::Result<()> {
        let file_bytes = u32::try_from(contents.len())
            .map_err(|_| invalid(format!("{name}: {} bytes is more than newc's 4 GiB limit", contents.len())))?;
        self.entry(Header { name, mode: S_IFREG | permissions, nlink: 1, file_bytes, rdev: (0, 0) }, contents)
    }

    /// A symbolic link to `target` (stored as the entry's data).
    pub fn symlink(&mut self, name: &str, target: &str) -> io::Result<()> {
        let file_bytes = target.len() as u32;
        self.entry(Header { name, mode: S_IFLNK | 0o777, nlink: 1, file_bytes, rdev: (0, 0) }, target.as_bytes())
    }

    /// A character device node `major:minor`.
    pub fn char_device(&mut self, name: &str, permissions: u32, major: u32, minor: u32) -> io::Result<()> {
        self.entry(Header { name, mode: S_IFCHR | permissions, nlink: 1, file_bytes: 0, rdev: (major, minor) }, &[])
    }

    /// Writes the trailer and returns the output.
    pub fn finish(mut self) -> io::Result<W> {
        self.write_header(&Header { name: TRAILER_NAME, mode: 0, nlink: 1, file_bytes: 0, rdev: (0, 0) }, 0)?;
        self.out.flush()?;
        Ok(self.out)
    }

    fn entry(&mut self, header: Header, contents: &[u8]) -> io::Result<()> {
        check_name(header.name)?;
        if header.mode & 0o7777 != header.mode & !S_IFMT {
            return Err(invalid(format!("{}: mode {:o} has bits outside type and permissions", header.name, header.mode)));
        }
        let inode = self.next_inode;
        self.next_inode += 1;
        self.write_header(&header, inode)?;
        self.write_padded(contents)
    }

    fn write_header(&mut self, header: &Header, inode: u32) -> io::Result<()> {
        let name_bytes = header.name.len() as u32 + 1;
        let fields = [
            inode,
            header.mode,
            0, // uid
            0, // gid
            header.nlink,
            0, // mtime
            header.file_bytes,
            0, // devmajor
            0, // devminor
            header.rdev.0,
            header.rdev.1,
            name_bytes,
            0, // check (only the "070702" crc format uses it)
        ];
        let mut bytes = Vec::with_capacity(HEADER_BYTES + header.name.len() + 4);
        bytes.extend_from_slice(NEWC_MAGIC);
        for field in fields {
            bytes.extend_from_slice(format!("{field:08x}").as_bytes());
        }
        bytes.extend_from_slice(header.name.as_bytes());
        bytes.push(0);
        self.write_padded(&bytes)
    }

    /// Writes `bytes`, then zeros up to the next 4-byte boundary of the archive.
    fn write_padded(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.written += bytes.len() as u64;
        let padding = padding_to_4(self.written);
        self.out.write_all(&[0; 3][..padding])?;
        self.written += padding as u64;
        Ok(())
    }
}

/// Zero bytes that bring `offset` to a multiple of 4.
pub fn padding_to_4(offset: u64) -> usize {
    ((4 - offset % 4) % 4) as usize
}

/// Entry names: relative, no empty, `.` or `..` components, no NUL, not the trailer's.
fn check_name(name: &str) -> io::Result<()> {
    let bad_component = name.split('/').any(|part| part.is_empty() || part == "." || part == "..");
    if name.contains('\0') || bad_component || name == TRAILER_NAME {
        return Err(invalid(format!("'{name}' is not a valid archive name (relative, no '.', '..' or empty parts)")));
    }
    Ok(())
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

#[cfg(test)]
mod tests;
