//! `open`: a path in the filesystem to an open file, with Linux's flags
//! (create, exclusive, truncate, append, directory, no-follow). Processes
//! run as root, so permission bits are recorded but not enforced.

use super::devices::Device;
use super::{FileOps, VfsFile};
use arch::hook::Hook;
use crate::vfs::{self, Content, DeviceKind, FileData, Inode, TracingFile};
use alloc::sync::Arc;
use protocol::linux_abi::Errno;

const O_ACCMODE: u64 = 0o3;
const O_WRONLY: u64 = 0o1;
const O_RDWR: u64 = 0o2;
const O_CREAT: u64 = 0o100;
const O_EXCL: u64 = 0o200;
const O_TRUNC: u64 = 0o1000;
const O_APPEND: u64 = 0o2000;
const O_DIRECTORY: u64 = 0o200000;
const O_NOFOLLOW: u64 = 0o400000;
const O_TMPFILE: u64 = 0o20000000;
/// Close on exec.
pub const O_CLOEXEC: u64 = 0o2000000;

/// Opens a terminal device node (`Console`, `Tty`, `Serial`) with the open
/// flags: the terminal (`tty`, a layer above files) registers it.
pub type TerminalOpener = fn(DeviceKind, u64) -> Result<Arc<dyn FileOps>, Errno>;

static TERMINAL_OPENER: Hook<TerminalOpener> = Hook::new();

/// Opens a `/sys/kernel/tracing` file with the open flags (`tracefs`, a
/// layer above files, registers it).
pub type TracingOpener = fn(TracingFile, u64) -> Result<Arc<dyn FileOps>, Errno>;

static TRACING_OPENER: Hook<TracingOpener> = Hook::new();

/// Registers tracefs's opener (once, at boot).
pub fn register_tracing(opener: TracingOpener) {
    TRACING_OPENER.set(opener);
}

/// Registers the terminal's opener (once, when the terminal starts).
pub fn register_terminal(opener: TerminalOpener) {
    TERMINAL_OPENER.set(opener);
}

fn device_operations(kind: DeviceKind, flags: u64) -> Result<Arc<dyn FileOps>, Errno> {
    Ok(match kind {
        DeviceKind::Console | DeviceKind::Tty | DeviceKind::Serial => {
            // No terminal (an in-kernel test run): no such device.
            let open = TERMINAL_OPENER.get().ok_or(Errno::ENXIO)?;
            open(kind, flags)?
        }
        DeviceKind::Null => Arc::new(Device::Null),
        DeviceKind::Zero => Arc::new(Device::Zero),
        DeviceKind::Random => Arc::new(Device::Random),
        DeviceKind::Tracing(file) => TRACING_OPENER.get().ok_or(Errno::ENXIO)?(file, flags)?,
    })
}

/// Opens the absolute `path` with `flags`; a created file gets
/// `mode & !umask`.
pub fn open_path(path: &[u8], flags: u64, mode: u64, umask: u32) -> Result<Arc<dyn FileOps>, Errno> {
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    if flags & O_TMPFILE == O_TMPFILE {
        return Err(Errno::EOPNOTSUPP);
    }
    let access = flags & O_ACCMODE;
    if access == O_ACCMODE {
        return Err(Errno::EINVAL);
    }
    let (readable, writable) = (access != O_WRONLY, access == O_WRONLY || access == O_RDWR);
    let node = match vfs::resolve(path, flags & O_NOFOLLOW == 0) {
        Ok(node) => {
            if flags & O_CREAT != 0 && flags & O_EXCL != 0 {
                return Err(Errno::EEXIST);
            }
            node
        }
        Err(Errno::ENOENT) if flags & O_CREAT != 0 => create_file(path, (mode as u32) & !umask, flags & O_EXCL != 0)?,
        Err(error) => return Err(error),
    };
    if matches!(node.content, Content::Symlink(_)) {
        return Err(Errno::ELOOP);
    }
    if flags & O_DIRECTORY != 0 && !node.is_directory() {
        return Err(Errno::ENOTDIR);
    }
    if node.is_directory() && writable {
        return Err(Errno::EISDIR);
    }
    let device = match node.content {
        Content::Device(kind) => Some(device_operations(kind, flags)?),
        _ => None,
    };
    let file = VfsFile::new(node.clone(), vfs::canonical(path), readable, writable, flags & O_APPEND != 0, device);
    if flags & O_TRUNC != 0 && writable && matches!(node.content, Content::File(_)) {
        file.truncate(0)?;
    }
    Ok(Arc::new(file))
}

fn create_file(path: &[u8], permissions: u32, exclusive: bool) -> Result<Arc<Inode>, Errno> {
    let (directory, name) = vfs::resolve_parent(path)?;
    let node = Inode::new_file(FileData::Owned(alloc::vec::Vec::new()), permissions);
    match directory.insert(&name, node.clone()) {
        Ok(()) => Ok(node),
        // Another thread created it between our lookup and insert.
        Err(Errno::EEXIST) if !exclusive => directory.lookup(&name),
        Err(error) => Err(error),
    }
}
