//! Opening a path, until the VFS arrives: the `/dev` devices (console,
//! tty, null, zero, urandom, random) and the initramfs's regular files,
//! read-only. Paths are absolute or relative to `/` (there is no `chdir`
//! yet); `.`/`..` components and repeated slashes are resolved.

use super::archive_file::ArchiveFile;
use super::devices::Device;
use super::{ConsoleFile, FileOps};
use alloc::sync::Arc;
use alloc::vec::Vec;
use protocol::linux_abi::Errno;

/// `open` flags that matter here.
const O_ACCMODE: u64 = 0o3;
const O_RDONLY: u64 = 0;
const O_CREAT: u64 = 0o100;
const O_TRUNC: u64 = 0o1000;
const O_DIRECTORY: u64 = 0o200000;
/// Close on exec.
pub const O_CLOEXEC: u64 = 0o2000000;

/// `path` with `.`, `..` and empty components resolved, as components.
fn components(path: &[u8]) -> Vec<&[u8]> {
    let mut parts: Vec<&[u8]> = Vec::new();
    for part in path.split(|&byte| byte == b'/') {
        match part {
            b"" | b"." => {}
            b".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    parts
}

/// Opens `path` with `flags`.
pub fn open_path(path: &[u8], flags: u64) -> Result<Arc<dyn FileOps>, Errno> {
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    let parts = components(path);
    if let [b"dev", name] = parts.as_slice() {
        let device: Arc<dyn FileOps> = match *name {
            b"console" | b"tty" | b"ttyS0" => Arc::new(ConsoleFile),
            b"null" => Arc::new(Device::Null),
            b"zero" => Arc::new(Device::Zero),
            b"urandom" | b"random" => Arc::new(Device::Random),
            _ => return Err(Errno::ENOENT),
        };
        return Ok(device);
    }
    let archive = crate::initramfs::archive().ok_or(Errno::ENOENT)?;
    let joined: Vec<u8> = parts.join(&b'/');
    match crate::initramfs::find_file(archive, &joined) {
        Ok(entry) => {
            if flags & O_ACCMODE != O_RDONLY || flags & (O_CREAT | O_TRUNC) != 0 {
                return Err(Errno::EROFS);
            }
            if flags & O_DIRECTORY != 0 {
                return Err(Errno::ENOTDIR);
            }
            Ok(Arc::new(ArchiveFile::new(entry.data)))
        }
        Err(crate::initramfs::LookupError::NotAFile) => Err(Errno::EISDIR),
        Err(crate::initramfs::LookupError::NotFound) if flags & O_CREAT != 0 => Err(Errno::EROFS),
        Err(crate::initramfs::LookupError::NotFound) => Err(Errno::ENOENT),
        Err(crate::initramfs::LookupError::Damaged(_)) => Err(Errno::EIO),
    }
}
