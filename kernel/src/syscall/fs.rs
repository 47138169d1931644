//! Filesystem calls: open/openat, stat family (stat, lstat, fstat,
//! newfstatat, statx), getdents64, mkdirat, unlinkat/rmdir, renameat2,
//! symlinkat, readlinkat, faccessat, chdir/fchdir/getcwd, umask,
//! ftruncate/truncate, pread64/pwrite64, utimensat.

use super::{current_user, SyscallResult};
use crate::file::OpenFile;
use crate::uaccess::{copy_from_user, copy_to_user, read_c_string, write_value};
use crate::vfs::{self, Content, Inode};
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;
use protocol::linux_abi::Errno;

/// `AT_FDCWD`: relative to the working directory.
const AT_FDCWD: i64 = -100;
const AT_SYMLINK_NOFOLLOW: u64 = 0x100;
const AT_REMOVEDIR: u64 = 0x200;
const AT_EMPTY_PATH: u64 = 0x1000;
const O_NONBLOCK: u64 = 0o4000;
/// Bytes moved per step for pread/pwrite.
const CHUNK_BYTES: usize = 64 * 1024;

fn read_path(address: u64) -> Result<Vec<u8>, Errno> {
    read_c_string(address, vfs::MAX_PATH_BYTES)
}

/// The absolute form of `path` relative to `directory` (a descriptor or
/// `AT_FDCWD`).
fn at_path(directory: u64, path: &[u8]) -> Result<Vec<u8>, Errno> {
    let user = current_user()?;
    // `dirfd` is an `int`: glibc passes AT_FDCWD in the low 32 bits only.
    if path.starts_with(b"/") || i64::from(directory as u32 as i32) == AT_FDCWD {
        return Ok(user.process.absolute_path(path));
    }
    let file = user.process.files.lock().get(directory)?;
    let inode = file.ops().inode().ok_or(Errno::ENOTDIR)?;
    if !inode.is_directory() {
        return Err(Errno::ENOTDIR);
    }
    let base = file.ops().path().ok_or(Errno::ENOTDIR)?;
    Ok(vfs::absolute(&base, path))
}

pub fn openat(directory: u64, path_address: u64, flags: u64, mode: u64) -> SyscallResult {
    let path = read_path(path_address)?;
    let absolute = at_path(directory, &path)?;
    let user = current_user()?;
    let umask = user.process.umask.load(Ordering::Relaxed);
    let file = OpenFile::new(crate::file::open_path(&absolute, flags, mode, umask)?);
    file.set_nonblocking(flags & O_NONBLOCK != 0);
    let fd = user.process.files.lock().insert(file, flags & crate::file::O_CLOEXEC != 0, 0)?;
    Ok(fd)
}

/// `struct stat` (x86_64): 144 bytes.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Stat {
    device: u64,
    inode: u64,
    links: u64,
    mode: u32,
    uid: u32,
    gid: u32,
    padding: u32,
    represented_device: u64,
    size: i64,
    block_size: i64,
    blocks: i64,
    /// atime, mtime, ctime: seconds and nanoseconds each.
    times: [u64; 6],
    reserved: [i64; 3],
}

// SAFETY: `repr(C)` integers whose sizes leave no padding (checked below).
unsafe impl crate::uaccess::UserPod for Stat {}
const _: () = assert!(core::mem::size_of::<Stat>() == 144);

/// The device number our filesystem reports.
const FILESYSTEM_DEVICE: u64 = 1;

fn split_time(nanos: u64) -> [u64; 2] {
    [nanos / 1_000_000_000, nanos % 1_000_000_000]
}

/// `stat` of a node.
pub fn stat_of(inode: &Inode) -> Stat {
    let metadata = *inode.metadata.lock();
    let size = inode.size();
    let [atime, atime_nanos] = split_time(metadata.accessed_nanos);
    let [mtime, mtime_nanos] = split_time(metadata.modified_nanos);
    let [ctime, ctime_nanos] = split_time(metadata.changed_nanos);
    Stat {
        device: FILESYSTEM_DEVICE,
        inode: inode.id,
        links: inode.links.load(Ordering::Relaxed),
        mode: inode.mode(),
        uid: metadata.uid,
        gid: metadata.gid,
        represented_device: match inode.content {
            Content::Device(kind) => kind.number(),
            _ => 0,
        },
        size: size as i64,
        block_size: 4096,
        blocks: size.div_ceil(512) as i64,
        times: [atime, atime_nanos, mtime, mtime_nanos, ctime, ctime_nanos],
        ..Stat::default()
    }
}

/// `stat` of an open file (pipes and the bare console have no node).
pub fn stat_of_file(file: &OpenFile) -> Stat {
    if let Some(inode) = file.ops().inode() {
        return stat_of(&inode);
    }
    const S_IFIFO: u32 = 0o010000;
    const S_IFCHR: u32 = 0o020000;
    const S_IFSOCK: u32 = 0o140000;
    let (mode, device) = match file.ops().kind() {
        crate::file::FileKind::Fifo => (S_IFIFO | 0o600, 0),
        crate::file::FileKind::Socket => (S_IFSOCK | 0o777, 0),
        _ => (S_IFCHR | 0o620, crate::vfs::DeviceKind::Console.number()),
    };
    Stat { mode, links: 1, represented_device: device, block_size: 4096, ..Stat::default() }
}

/// The node a stat-family call names.
fn node_at(directory: u64, path_address: u64, flags: u64) -> Result<Arc<Inode>, Errno> {
    let path = read_path(path_address)?;
    if path.is_empty() {
        if flags & AT_EMPTY_PATH == 0 {
            return Err(Errno::ENOENT);
        }
        let file = current_user()?.process.files.lock().get(directory)?;
        return file.ops().inode().ok_or(Errno::EBADF);
    }
    vfs::resolve(&at_path(directory, &path)?, flags & AT_SYMLINK_NOFOLLOW == 0)
}

pub fn fstat(fd: u64, address: u64) -> SyscallResult {
    let file = current_user()?.process.files.lock().get(fd)?;
    write_value(address, &stat_of_file(&file)).map(|()| 0)
}

pub fn newfstatat(directory: u64, path_address: u64, address: u64, flags: u64) -> SyscallResult {
    let path = read_path(path_address)?;
    if path.is_empty() && flags & AT_EMPTY_PATH != 0 {
        return fstat(directory, address);
    }
    let node = node_at(directory, path_address, flags)?;
    write_value(address, &stat_of(&node)).map(|()| 0)
}

pub fn stat(path_address: u64, address: u64, follow: bool) -> SyscallResult {
    newfstatat(AT_FDCWD as u64, path_address, address, if follow { 0 } else { AT_SYMLINK_NOFOLLOW })
}

/// `statx`: the basic fields (mask STATX_BASIC_STATS).
pub fn statx(directory: u64, path_address: u64, flags: u64, _mask: u64, address: u64) -> SyscallResult {
    const STATX_BASIC_STATS: u32 = 0x7ff;
    const STATX_BYTES: usize = 256;
    let path = read_path(path_address)?;
    let stat = if path.is_empty() && flags & AT_EMPTY_PATH != 0 {
        let file = current_user()?.process.files.lock().get(directory)?;
        stat_of_file(&file)
    } else {
        let node = node_at(directory, path_address, flags)?;
        stat_of(&node)
    };
    let mut bytes = [0u8; STATX_BYTES];
    let mut put = |offset: usize, value: &[u8]| bytes[offset..offset + value.len()].copy_from_slice(value);
    put(0, &STATX_BASIC_STATS.to_le_bytes());
    put(4, &4096u32.to_le_bytes());
    put(16, &(stat.links as u32).to_le_bytes());
    put(20, &stat.uid.to_le_bytes());
    put(24, &stat.gid.to_le_bytes());
    put(28, &(stat.mode as u16).to_le_bytes());
    put(32, &stat.inode.to_le_bytes());
    put(40, &(stat.size as u64).to_le_bytes());
    put(48, &(stat.blocks as u64).to_le_bytes());
    // atime, btime (= ctime), ctime, mtime: i64 seconds, u32 nanoseconds, pad.
    for (slot, (seconds, nanos)) in [(64, (stat.times[0], stat.times[1])), (80, (stat.times[4], stat.times[5])), (96, (stat.times[4], stat.times[5])), (112, (stat.times[2], stat.times[3]))] {
        put(slot, &seconds.to_le_bytes());
        put(slot + 8, &(nanos as u32).to_le_bytes());
    }
    put(128, &((stat.represented_device >> 8) as u32).to_le_bytes());
    put(132, &((stat.represented_device & 0xff) as u32).to_le_bytes());
    put(136, &0u32.to_le_bytes());
    put(140, &(FILESYSTEM_DEVICE as u32).to_le_bytes());
    copy_to_user(address, &bytes).map(|()| 0)
}

pub fn getdents64(fd: u64, address: u64, length: u64) -> SyscallResult {
    let file = current_user()?.process.files.lock().get(fd)?;
    let inode = file.ops().inode().ok_or(Errno::ENOTDIR)?;
    let position = file.ops().directory_position().ok_or(Errno::ENOTDIR)?;
    let entries = inode.entries()?;
    // Positions: 0 ".", 1 "..", then the entries in name order.
    let mut index = *position.lock() as usize;
    let mut buffer: Vec<u8> = Vec::new();
    let total = entries.len() + 2;
    while index < total {
        let (name, id, kind): (&[u8], u64, u8) = match index {
            0 => (b".", inode.id, 4),
            1 => (b"..", inode.id, 4),
            _ => {
                let (name, node) = &entries[index - 2];
                let kind = match node.content {
                    Content::Directory(_) | Content::Dynamic(_) => 4,
                    Content::File(_) => 8,
                    Content::Symlink(_) => 10,
                    Content::Device(_) => 2,
                };
                (name.as_slice(), node.id, kind)
            }
        };
        // ino u64, off i64, reclen u16, type u8, name, NUL, padded to 8.
        let record = (19 + name.len() + 1).next_multiple_of(8);
        if buffer.len() + record > length as usize {
            break;
        }
        let start = buffer.len();
        buffer.resize(start + record, 0);
        buffer[start..start + 8].copy_from_slice(&id.to_le_bytes());
        buffer[start + 8..start + 16].copy_from_slice(&((index + 1) as i64).to_le_bytes());
        buffer[start + 16..start + 18].copy_from_slice(&(record as u16).to_le_bytes());
        buffer[start + 18] = kind;
        buffer[start + 19..start + 19 + name.len()].copy_from_slice(name);
        index += 1;
    }
    if buffer.is_empty() && index < total {
        return Err(Errno::EINVAL); // the buffer cannot hold one entry
    }
    copy_to_user(address, &buffer)?;
    *position.lock() = index as u64;
    Ok(buffer.len() as u64)
}

pub fn mkdirat(directory: u64, path_address: u64, mode: u64) -> SyscallResult {
    let path = at_path(directory, &read_path(path_address)?)?;
    let umask = current_user()?.process.umask.load(Ordering::Relaxed);
    let (parent, name) = vfs::resolve_parent(&path)?;
    parent.insert(&name, Inode::new_directory((mode as u32) & !umask)).map(|()| 0)
}

pub fn unlinkat(directory: u64, path_address: u64, flags: u64) -> SyscallResult {
    if flags & !AT_REMOVEDIR != 0 {
        return Err(Errno::EINVAL);
    }
    let path = at_path(directory, &read_path(path_address)?)?;
    let (parent, name) = vfs::resolve_parent(&path)?;
    let node = parent.lookup(&name)?;
    if flags & AT_REMOVEDIR != 0 {
        if !node.is_directory() {
            return Err(Errno::ENOTDIR);
        }
        if !node.is_empty_directory() {
            return Err(Errno::ENOTEMPTY);
        }
    } else if node.is_directory() {
        return Err(Errno::EISDIR);
    }
    parent.remove(&name).map(|_| 0)
}

pub fn renameat2(old_directory: u64, old_address: u64, new_directory: u64, new_address: u64, flags: u64) -> SyscallResult {
    const RENAME_NOREPLACE: u64 = 1;
    if flags & !RENAME_NOREPLACE != 0 {
        return Err(Errno::EINVAL);
    }
    let old_path = at_path(old_directory, &read_path(old_address)?)?;
    let new_path = at_path(new_directory, &read_path(new_address)?)?;
    let (old_parent, old_name) = vfs::resolve_parent(&old_path)?;
    let (new_parent, new_name) = vfs::resolve_parent(&new_path)?;
    let node = old_parent.lookup(&old_name)?;
    if node.is_directory() && vfs::canonical(&new_path).starts_with(&vfs::canonical(&old_path)) && vfs::canonical(&new_path) != vfs::canonical(&old_path) {
        return Err(Errno::EINVAL); // into its own subtree
    }
    if let Ok(existing) = new_parent.lookup(&new_name) {
        if Arc::ptr_eq(&existing, &node) {
            return Ok(0);
        }
        if flags & RENAME_NOREPLACE != 0 {
            return Err(Errno::EEXIST);
        }
        match (node.is_directory(), existing.is_directory()) {
            (false, true) => return Err(Errno::EISDIR),
            (true, false) => return Err(Errno::ENOTDIR),
            (true, true) if !existing.is_empty_directory() => return Err(Errno::ENOTEMPTY),
            _ => {}
        }
        new_parent.remove(&new_name)?;
    }
    old_parent.remove(&old_name)?;
    node.links.fetch_add(1, Ordering::Relaxed);
    new_parent.insert(&new_name, node).map(|()| 0)
}

pub fn symlinkat(target_address: u64, directory: u64, path_address: u64) -> SyscallResult {
    let target = read_path(target_address)?;
    let path = at_path(directory, &read_path(path_address)?)?;
    let (parent, name) = vfs::resolve_parent(&path)?;
    parent.insert(&name, Inode::new_symlink(target)).map(|()| 0)
}

pub fn readlinkat(directory: u64, path_address: u64, buffer: u64, length: u64) -> SyscallResult {
    let path = read_path(path_address)?;
    let node = vfs::resolve(&at_path(directory, &path)?, false)?;
    let Content::Symlink(target) = &node.content else { return Err(Errno::EINVAL) };
    let count = target.len().min(length as usize);
    copy_to_user(buffer, &target[..count])?;
    Ok(count as u64)
}

pub fn faccessat(directory: u64, path_address: u64, mode: u64) -> SyscallResult {
    const F_OK_R_OK_W_OK_X_OK: u64 = 7;
    if mode & !F_OK_R_OK_W_OK_X_OK != 0 {
        return Err(Errno::EINVAL);
    }
    let node = vfs::resolve(&at_path(directory, &read_path(path_address)?)?, true)?;
    // Root may read and write anything, and execute what has an x bit.
    const X_OK: u64 = 1;
    if mode & X_OK != 0 && !node.is_directory() && node.metadata.lock().permissions & 0o111 == 0 {
        return Err(Errno::EACCES);
    }
    Ok(0)
}

pub fn chdir(path_address: u64) -> SyscallResult {
    let path = at_path(AT_FDCWD as u64, &read_path(path_address)?)?;
    let node = vfs::resolve(&path, true)?;
    if !node.is_directory() {
        return Err(Errno::ENOTDIR);
    }
    *current_user()?.process.cwd.lock() = vfs::canonical(&path);
    Ok(0)
}

pub fn fchdir(fd: u64) -> SyscallResult {
    let user = current_user()?;
    let file = user.process.files.lock().get(fd)?;
    let inode = file.ops().inode().ok_or(Errno::ENOTDIR)?;
    if !inode.is_directory() {
        return Err(Errno::ENOTDIR);
    }
    *user.process.cwd.lock() = file.ops().path().ok_or(Errno::ENOTDIR)?;
    Ok(0)
}

pub fn getcwd(buffer: u64, size: u64) -> SyscallResult {
    let mut path = current_user()?.process.cwd.lock().clone();
    path.push(0);
    if path.len() as u64 > size {
        return Err(Errno::ERANGE);
    }
    copy_to_user(buffer, &path)?;
    Ok(path.len() as u64)
}

pub fn umask(mask: u64) -> SyscallResult {
    Ok(u64::from(current_user()?.process.umask.swap((mask & 0o777) as u32, Ordering::Relaxed)))
}

pub fn ftruncate(fd: u64, length: u64) -> SyscallResult {
    let file = current_user()?.process.files.lock().get(fd)?;
    file.ops().truncate(length).map(|()| 0)
}

pub fn truncate(path_address: u64, length: u64) -> SyscallResult {
    let path = at_path(AT_FDCWD as u64, &read_path(path_address)?)?;
    let file = crate::file::open_path(&path, 0o1, 0, 0)?;
    file.truncate(length).map(|()| 0)
}

pub fn pread64(fd: u64, buffer: u64, length: u64, offset: u64) -> SyscallResult {
    let file = current_user()?.process.files.lock().get(fd)?;
    if (offset as i64) < 0 {
        return Err(Errno::EINVAL);
    }
    let mut chunk = vec![0u8; (length as usize).min(CHUNK_BYTES)];
    let count = file.ops().read_at(offset, &mut chunk)?;
    copy_to_user(buffer, &chunk[..count])?;
    Ok(count as u64)
}

pub fn pwrite64(fd: u64, buffer: u64, length: u64, offset: u64) -> SyscallResult {
    let file = current_user()?.process.files.lock().get(fd)?;
    if (offset as i64) < 0 {
        return Err(Errno::EINVAL);
    }
    let mut chunk = vec![0u8; (length as usize).min(CHUNK_BYTES)];
    copy_from_user(&mut chunk, buffer)?;
    let count = file.ops().write_at(offset, &chunk)?;
    Ok(count as u64)
}

pub fn utimensat(directory: u64, path_address: u64, times_address: u64, flags: u64) -> SyscallResult {
    const UTIME_NOW: i64 = (1 << 30) - 1;
    const UTIME_OMIT: i64 = (1 << 30) - 2;
    let node = if path_address == 0 {
        current_user()?.process.files.lock().get(directory)?.ops().inode().ok_or(Errno::EBADF)?
    } else {
        node_at(directory, path_address, flags)?
    };
    let now = crate::clock::realtime_nanos();
    let times: [[i64; 2]; 2] = if times_address == 0 { [[0, UTIME_NOW]; 2] } else { crate::uaccess::read_value(times_address)? };
    let mut metadata = node.metadata.lock();
    for (index, [seconds, nanos]) in times.iter().copied().enumerate() {
        let value = match nanos {
            UTIME_OMIT => continue,
            UTIME_NOW => now,
            nanos if (0..1_000_000_000).contains(&nanos) && seconds >= 0 => seconds as u64 * 1_000_000_000 + nanos as u64,
            _ => return Err(Errno::EINVAL),
        };
        if index == 0 {
            metadata.accessed_nanos = value;
        } else {
            metadata.modified_nanos = value;
        }
    }
    metadata.changed_nanos = now;
    Ok(0)
}

/// The node a `*chmod`/`*chown` call names (`path_address` 0: `fd`).
fn node_for_change(directory: u64, path_address: u64, flags: u64) -> Result<Arc<Inode>, Errno> {
    if path_address == 0 {
        return current_user()?.process.files.lock().get(directory)?.ops().inode().ok_or(Errno::EBADF);
    }
    node_at(directory, path_address, flags)
}

pub fn fchmodat(directory: u64, path_address: u64, mode: u64, flags: u64) -> SyscallResult {
    let node = node_for_change(directory, path_address, flags)?;
    let mut metadata = node.metadata.lock();
    metadata.permissions = (mode & 0o7777) as u32;
    metadata.changed_nanos = crate::clock::realtime_nanos();
    Ok(0)
}

pub fn fchownat(directory: u64, path_address: u64, owner: u64, group: u64, flags: u64) -> SyscallResult {
    let node = node_for_change(directory, path_address, flags)?;
    let mut metadata = node.metadata.lock();
    // -1 (as u32) keeps the old value.
    if owner as u32 != u32::MAX {
        metadata.uid = owner as u32;
    }
    if group as u32 != u32::MAX {
        metadata.gid = group as u32;
    }
    metadata.changed_nanos = crate::clock::realtime_nanos();
    Ok(0)
}
