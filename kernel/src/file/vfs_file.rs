//! An open node of the filesystem: a regular file (read, write, seek,
//! positional I/O, truncate, append), a directory (for `getdents64`,
//! `fchdir` and `*at` calls), or a device (its operations, the node's
//! metadata).

use super::{FileKind, FileOps, Readiness};
use crate::sync::SpinLock;
use crate::vfs::{Content, Inode};
use alloc::sync::Arc;
use alloc::vec::Vec;
use protocol::linux_abi::Errno;

/// See the module doc.
pub struct VfsFile {
    inode: Arc<Inode>,
    /// The canonical path it was opened as (directories: for `*at` calls).
    path: Vec<u8>,
    position: SpinLock<u64>,
    readable: bool,
    writable: bool,
    append: bool,
    /// For a device node: the device's operations.
    device: Option<Arc<dyn FileOps>>,
}

/// Largest file the in-memory filesystem holds (1 GiB).
const MAX_FILE_BYTES: u64 = 1 << 30;

impl VfsFile {
    pub fn new(inode: Arc<Inode>, path: Vec<u8>, readable: bool, writable: bool, append: bool, device: Option<Arc<dyn FileOps>>) -> VfsFile {
        VfsFile { inode, path, position: SpinLock::new(0), readable, writable, append, device }
    }

    fn read_from(&self, offset: u64, buffer: &mut [u8]) -> Result<usize, Errno> {
        match &self.inode.content {
            Content::File(data) => {
                let data = data.lock();
                let bytes = data.bytes();
                let start = offset.min(bytes.len() as u64) as usize;
                let count = buffer.len().min(bytes.len() - start);
                buffer[..count].copy_from_slice(&bytes[start..start + count]);
                Ok(count)
            }
            Content::Directory(_) | Content::Dynamic(_) => Err(Errno::EISDIR),
            _ => Err(Errno::EINVAL),
        }
    }

    fn write_to(&self, offset: u64, bytes: &[u8]) -> Result<usize, Errno> {
        let Content::File(data) = &self.inode.content else { return Err(Errno::EINVAL) };
        let end = offset.checked_add(bytes.len() as u64).filter(|&end| end <= MAX_FILE_BYTES).ok_or(Errno::EFBIG)?;
        {
            let mut data = data.lock();
            let contents = data.owned();
            if contents.len() < end as usize {
                contents.try_reserve(end as usize - contents.len()).map_err(|_| Errno::ENOSPC)?;
                contents.resize(end as usize, 0);
            }
            contents[offset as usize..end as usize].copy_from_slice(bytes);
        }
        self.inode.touch();
        Ok(bytes.len())
    }
}

impl FileOps for VfsFile {
    fn read(&self, buffer: &mut [u8]) -> Result<usize, Errno> {
        if let Some(device) = &self.device {
            return device.read(buffer);
        }
        if !self.readable {
            return Err(Errno::EBADF);
        }
        let mut position = self.position.lock();
        let count = self.read_from(*position, buffer)?;
        *position += count as u64;
        Ok(count)
    }

    fn write(&self, bytes: &[u8]) -> Result<usize, Errno> {
        if let Some(device) = &self.device {
            return device.write(bytes);
        }
        if !self.writable {
            return Err(Errno::EBADF);
        }
        let mut position = self.position.lock();
        if self.append {
            *position = self.inode.size();
        }
        let count = self.write_to(*position, bytes)?;
        *position += count as u64;
        Ok(count)
    }

    fn read_at(&self, offset: u64, buffer: &mut [u8]) -> Result<usize, Errno> {
        if self.device.is_some() {
            return Err(Errno::ESPIPE);
        }
        if !self.readable {
            return Err(Errno::EBADF);
        }
        self.read_from(offset, buffer)
    }

    fn write_at(&self, offset: u64, bytes: &[u8]) -> Result<usize, Errno> {
        if self.device.is_some() {
            return Err(Errno::ESPIPE);
        }
        if !self.writable {
            return Err(Errno::EBADF);
        }
        self.write_to(offset, bytes)
    }

    fn readiness(&self) -> Readiness {
        match &self.device {
            Some(device) => device.readiness(),
            None => Readiness { readable: true, writable: true, hung_up: false },
        }
    }

    fn kind(&self) -> FileKind {
        match &self.inode.content {
            Content::Directory(_) | Content::Dynamic(_) => FileKind::Directory,
            Content::Device(_) => FileKind::CharacterDevice,
            _ => FileKind::Regular,
        }
    }

    fn seek(&self, offset: i64, whence: u64) -> Result<u64, Errno> {
        const SEEK_SET: u64 = 0;
        const SEEK_CUR: u64 = 1;
        const SEEK_END: u64 = 2;
        if self.device.is_some() {
            return Err(Errno::ESPIPE);
        }
        let mut position = self.position.lock();
        let base = match whence {
            SEEK_SET => 0,
            SEEK_CUR => *position as i64,
            SEEK_END => self.inode.size() as i64,
            _ => return Err(Errno::EINVAL),
        };
        let target = base.checked_add(offset).filter(|target| *target >= 0).ok_or(Errno::EINVAL)?;
        *position = target as u64;
        Ok(*position)
    }

    fn truncate(&self, length: u64) -> Result<(), Errno> {
        let Content::File(data) = &self.inode.content else { return Err(Errno::EINVAL) };
        if !self.writable {
            return Err(Errno::EINVAL);
        }
        if length > MAX_FILE_BYTES {
            return Err(Errno::EFBIG);
        }
        data.lock().owned().resize(length as usize, 0);
        self.inode.touch();
        Ok(())
    }

    fn ioctl(&self, request: u64, argument: u64) -> Result<u64, Errno> {
        match &self.device {
            Some(device) => device.ioctl(request, argument),
            None => Err(Errno::ENOTTY),
        }
    }

    fn inode(&self) -> Option<Arc<Inode>> {
        Some(self.inode.clone())
    }

    fn path(&self) -> Option<Vec<u8>> {
        Some(self.path.clone())
    }

    fn directory_position(&self) -> Option<&SpinLock<u64>> {
        self.inode.is_directory().then_some(&self.position)
    }
}
