//! `statfs(path, buf)` and `fstatfs(fd, buf)`: which filesystem a file is
//! on and how full it is (`df`). Two are mounted (`/proc/mounts`): the
//! in-memory root filesystem, reported as tmpfs is (its capacity is the
//! machine's memory, its free space the free frames), and `/proc`, with
//! no blocks, as Linux's proc. Pipes and sockets are on their own
//! pseudo-filesystems, as on Linux.

use super::{current_user, SyscallResult};
use crate::file::FileKind;
use crate::uaccess::{read_c_string, write_value};
use crate::vfs;
use protocol::linux_abi::Errno;

const TMPFS_MAGIC: u64 = 0x0102_1994;
const PROC_SUPER_MAGIC: u64 = 0x9fa0;
const PIPEFS_MAGIC: u64 = 0x5049_5045;
const SOCKFS_MAGIC: u64 = 0x534f_434b;
/// `f_flags`: the flags are valid; nosuid, nodev, noexec (proc's).
const ST_VALID: u64 = 0x20;
const ST_NOSUID_NODEV_NOEXEC: u64 = 0x2 | 0x4 | 0x8;
/// Longest name in a directory (`vfs::MAX_NAME_BYTES`).
const NAME_MAX: u64 = 255;
const BLOCK_BYTES: u64 = 4096;

/// Linux's `struct statfs` on x86_64.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct StatFs {
    kind: u64,
    block_size: u64,
    blocks: u64,
    blocks_free: u64,
    blocks_available: u64,
    files: u64,
    files_free: u64,
    filesystem_id: [u32; 2],
    name_max: u64,
    fragment_size: u64,
    flags: u64,
    spare: [u64; 4],
}

// SAFETY: `repr(C)` integers without padding (size checked).
unsafe impl crate::uaccess::UserPod for StatFs {}
const _: () = assert!(core::mem::size_of::<StatFs>() == 120);

/// The figures of the filesystem `kind` with device number `device`.
fn figures(kind: u64, device: u32) -> StatFs {
    let mut figures = StatFs {
        kind,
        block_size: BLOCK_BYTES,
        filesystem_id: [device, 0],
        name_max: NAME_MAX,
        fragment_size: BLOCK_BYTES,
        flags: ST_VALID,
        ..StatFs::default()
    };
    match kind {
        TMPFS_MAGIC => {
            figures.blocks = crate::memory::frames::total_count() as u64;
            figures.blocks_free = crate::memory::frames::free_count() as u64;
            figures.blocks_available = figures.blocks_free;
        }
        PROC_SUPER_MAGIC => figures.flags |= ST_NOSUID_NODEV_NOEXEC,
        _ => {}
    }
    figures
}

/// The filesystem of the absolute, resolved `path`.
fn filesystem_of(path: &[u8]) -> StatFs {
    let canonical = vfs::canonical(path);
    if canonical == b"/proc" || canonical.starts_with(b"/proc/") {
        figures(PROC_SUPER_MAGIC, 2)
    } else {
        figures(TMPFS_MAGIC, 1)
    }
}

pub fn statfs(path_address: u64, address: u64) -> SyscallResult {
    let path = read_c_string(path_address, vfs::MAX_PATH_BYTES)?;
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    let absolute = current_user()?.process.absolute_path(&path);
    vfs::resolve(&absolute, true)?;
    write_value(address, &filesystem_of(&absolute)).map(|()| 0)
}

pub fn fstatfs(fd: u64, address: u64) -> SyscallResult {
    let file = current_user()?.process.files.lock().get(fd)?;
    let figures = match file.ops().kind() {
        FileKind::Fifo => figures(PIPEFS_MAGIC, 3),
        FileKind::Socket => figures(SOCKFS_MAGIC, 4),
        _ => match file.ops().path() {
            Some(path) => filesystem_of(&path),
            None => figures(TMPFS_MAGIC, 1),
        },
    };
    write_value(address, &figures).map(|()| 0)
}
