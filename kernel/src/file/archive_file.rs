//! A regular file of the initramfs, opened read-only: reads from its
//! position, `lseek`, `fstat` size. (The writable in-memory filesystem
//! that the initramfs will be unpacked into replaces this.)

use super::{FileKind, FileOps, Readiness};
use crate::sync::SpinLock;
use protocol::linux_abi::Errno;

/// See the module doc. One per open (the position is per open file).
pub struct ArchiveFile {
    data: &'static [u8],
    position: SpinLock<u64>,
}

impl ArchiveFile {
    pub fn new(data: &'static [u8]) -> ArchiveFile {
        ArchiveFile { data, position: SpinLock::new(0) }
    }
}

impl FileOps for ArchiveFile {
    fn read(&self, buffer: &mut [u8]) -> Result<usize, Errno> {
        let mut position = self.position.lock();
        let start = (*position).min(self.data.len() as u64) as usize;
        let count = buffer.len().min(self.data.len() - start);
        buffer[..count].copy_from_slice(&self.data[start..start + count]);
        *position += count as u64;
        Ok(count)
    }

    fn write(&self, _bytes: &[u8]) -> Result<usize, Errno> {
        Err(Errno::EBADF)
    }

    fn readiness(&self) -> Readiness {
        Readiness { readable: true, writable: false, hung_up: false }
    }

    fn kind(&self) -> FileKind {
        FileKind::Regular
    }

    fn size(&self) -> u64 {
        self.data.len() as u64
    }

    fn seek(&self, offset: i64, whence: u64) -> Result<u64, Errno> {
        const SEEK_SET: u64 = 0;
        const SEEK_CUR: u64 = 1;
        const SEEK_END: u64 = 2;
        let mut position = self.position.lock();
        let base = match whence {
            SEEK_SET => 0,
            SEEK_CUR => *position as i64,
            SEEK_END => self.data.len() as i64,
            _ => return Err(Errno::EINVAL),
        };
        let target = base.checked_add(offset).filter(|target| *target >= 0).ok_or(Errno::EINVAL)?;
        *position = target as u64;
        Ok(*position)
    }
}
