//! The filesystem: one in-memory tree (`inode.rs`) mounted at `/`, filled
//! at boot from the initramfs, with `/dev` holding the devices, and `/tmp`.
//! Paths resolve from the root; relative paths are joined to the caller's
//! working directory (kept as a canonical path) first. Symbolic links are
//! followed up to `MAX_SYMLINK_DEPTH` deep (then `ELOOP`).

pub mod inode;


pub use inode::{Content, DeviceKind, DynamicDirectory, FileData, Inode, TracingFile};


use crate::initramfs::newc::{self, MODE_BLOCK_DEVICE, MODE_CHARACTER_DEVICE, MODE_DIRECTORY, MODE_REGULAR, MODE_SYMLINK, MODE_TYPE_MASK};
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use protocol::linux_abi::Errno;

/// Symbolic links followed in one resolution before `ELOOP` (Linux's 40).
pub const MAX_SYMLINK_DEPTH: u32 = 40;
/// Longest path (PATH_MAX without the NUL).
pub const MAX_PATH_BYTES: usize = 4095;
/// Longest name in a directory.
pub const MAX_NAME_BYTES: usize = 255;

static ROOT: spin::Once<Arc<Inode>> = spin::Once::new();

/// The root directory (made on first use).
pub fn root() -> Arc<Inode> {
    ROOT.call_once(|| {
        let root = Inode::new_directory(0o755);
        let dev = Inode::new_directory(0o755);
        for (name, kind, permissions) in [
            (&b"console"[..], DeviceKind::Console, 0o620),
            (b"tty", DeviceKind::Tty, 0o666),
            (b"ttyS0", DeviceKind::Serial, 0o620),
            (b"null", DeviceKind::Null, 0o666),
            (b"zero", DeviceKind::Zero, 0o666),
            (b"urandom", DeviceKind::Random, 0o666),
            (b"random", DeviceKind::Random, 0o666),
        ] {
            dev.insert(name, Inode::new_device(kind, permissions)).expect("fresh directory");
        }
        root.insert(b"dev", dev).expect("fresh directory");
        root.insert(b"sys", tracing_tree()).expect("fresh directory");
        root.insert(b"tmp", Inode::new_directory(0o1777)).expect("fresh directory");
        root
    })
    .clone()
}

/// `/sys/kernel/tracing` and its control files (opened through `tracefs`).
fn tracing_tree() -> Arc<Inode> {
    let tracing = Inode::new_directory(0o700);
    for (file, name, permissions) in TracingFile::ALL {
        tracing.insert(name, Inode::new_device(DeviceKind::Tracing(file), permissions)).expect("fresh directory");
    }
    let kernel = Inode::new_directory(0o755);
    kernel.insert(b"tracing", tracing).expect("fresh directory");
    let sys = Inode::new_directory(0o555);
    sys.insert(b"kernel", kernel).expect("fresh directory");
    sys
}

/// Mounts `directory` as `/name` (for `/proc`).
pub fn mount_dynamic(name: &[u8], directory: Arc<dyn DynamicDirectory>) -> Result<(), Errno> {
    root().insert(name, Inode::new_dynamic(directory))
}

/// A read-only file holding `text` (a `/proc` snapshot).
pub fn snapshot_file(text: Vec<u8>) -> Arc<Inode> {
    Inode::new_file(FileData::Owned(text), 0o444)
}

/// What unpacking the initramfs did.
#[derive(Debug, Default)]
pub struct Unpacked {
    pub files: usize,
    pub directories: usize,
    pub links: usize,
    /// Device nodes left out: `/dev` is the kernel's (the archive has
    /// `/dev/console` so that Linux can boot it too).
    pub device_nodes: usize,
    /// Entries skipped (bad names, unknown types).
    pub skipped: usize,
    /// Why reading stopped early, if it did.
    pub error: Option<newc::NewcError>,
}

/// Fills the tree from a newc archive (files keep pointing at its bytes
/// until written). Missing parent directories are created.
pub fn unpack(archive: &'static [u8]) -> Unpacked {
    let mut report = Unpacked::default();
    for entry in newc::entries(archive) {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                report.error = Some(error);
                break;
            }
        };
        let path = crate::initramfs::archive_name(entry.name);
        if path.is_empty() || path == b"." {
            continue;
        }
        let Ok((parent, name)) = make_parents(path) else {
            report.skipped += 1;
            continue;
        };
        let permissions = entry.mode & 0o7777;
        let node = match entry.mode & MODE_TYPE_MASK {
            MODE_DIRECTORY => {
                if parent.lookup(&name).is_ok_and(|existing| existing.is_directory()) {
                    continue;
                }
                report.directories += 1;
                Inode::new_directory(permissions)
            }
            MODE_REGULAR => {
                report.files += 1;
                Inode::new_file(FileData::Archive(entry.data), permissions)
            }
            MODE_SYMLINK => {
                report.links += 1;
                Inode::new_symlink(entry.data.to_vec())
            }
            MODE_CHARACTER_DEVICE | MODE_BLOCK_DEVICE => {
                report.device_nodes += 1;
                continue;
            }
            _ => {
                report.skipped += 1;
                continue;
            }
        };
        let _ = parent.remove(&name);
        if parent.insert(&name, node).is_err() {
            report.skipped += 1;
        }
    }
    report
}

/// The directory that holds `path`'s last component (created with its
/// ancestors if missing), and that component.
fn make_parents(path: &[u8]) -> Result<(Arc<Inode>, Vec<u8>), Errno> {
    let parts: Vec<&[u8]> = path.split(|&byte| byte == b'/').filter(|part| !part.is_empty() && *part != b".").collect();
    let (last, parents) = parts.split_last().ok_or(Errno::EINVAL)?;
    if parts.contains(&&b".."[..]) {
        return Err(Errno::EINVAL);
    }
    let mut directory = root();
    for part in parents {
        directory = match directory.lookup(part) {
            Ok(node) if node.is_directory() => node,
            Ok(_) => return Err(Errno::ENOTDIR),
            Err(_) => {
                let made = Inode::new_directory(0o755);
                directory.insert(part, made.clone())?;
                made
            }
        };
    }
    Ok((directory, last.to_vec()))
}

/// `path` made absolute against `cwd` (a canonical absolute path).
pub fn absolute(cwd: &[u8], path: &[u8]) -> Vec<u8> {
    if path.starts_with(b"/") {
        return path.to_vec();
    }
    let mut joined = cwd.to_vec();
    if !joined.ends_with(b"/") {
        joined.push(b'/');
    }
    joined.extend_from_slice(path);
    joined
}

/// The canonical form of an absolute path: no `.`, `..` or empty parts
/// (lexical; used for the working directory).
pub fn canonical(path: &[u8]) -> Vec<u8> {
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
    let mut result = vec![b'/'];
    result.extend_from_slice(&parts.join(&b'/'));
    result
}

/// Resolves an absolute `path`; the last component's symbolic link is
/// followed only when `follow_last`.
pub fn resolve(path: &[u8], follow_last: bool) -> Result<Arc<Inode>, Errno> {
    walk(path, follow_last, 0).map(|(node, _)| node)
}

/// Resolves all but the last component of an absolute `path`: the parent
/// directory and the last name (for create, unlink, rename).
pub fn resolve_parent(path: &[u8]) -> Result<(Arc<Inode>, Vec<u8>), Errno> {
    let trimmed = trim_trailing_slashes(path);
    let split = trimmed.iter().rposition(|&byte| byte == b'/').ok_or(Errno::ENOENT)?;
    let (directory_path, name) = (&trimmed[..split.max(1)], &trimmed[split + 1..]);
    if name.is_empty() || name == b"." || name == b".." {
        return Err(Errno::EINVAL);
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(Errno::ENAMETOOLONG);
    }
    let directory = resolve(directory_path, true)?;
    if !directory.is_directory() {
        return Err(Errno::ENOTDIR);
    }
    Ok((directory, name.to_vec()))
}

fn trim_trailing_slashes(path: &[u8]) -> &[u8] {
    let mut end = path.len();
    while end > 1 && path[end - 1] == b'/' {
        end -= 1;
    }
    &path[..end]
}

/// Walks `path` from the root, keeping the names of the directories
/// passed so that `..` and relative link targets resolve.
fn walk(path: &[u8], follow_last: bool, links_followed: u32) -> Result<(Arc<Inode>, Vec<Vec<u8>>), Errno> {
    if path.len() > MAX_PATH_BYTES {
        return Err(Errno::ENAMETOOLONG);
    }
    let parts: Vec<&[u8]> = path.split(|&byte| byte == b'/').filter(|part| !part.is_empty()).collect();
    let mut nodes = vec![root()];
    let mut names: Vec<Vec<u8>> = Vec::new();
    for (index, part) in parts.iter().enumerate() {
        let last = index + 1 == parts.len();
        if *part == b"." {
            continue;
        }
        if *part == b".." {
            if nodes.len() > 1 {
                nodes.pop();
                names.pop();
            }
            continue;
        }
        if part.len() > MAX_NAME_BYTES {
            return Err(Errno::ENAMETOOLONG);
        }
        let directory = nodes.last().expect("the root stays");
        let node = directory.lookup(part)?;
        if let Content::Symlink(target) = &node.content {
            if !last || follow_last {
                if links_followed >= MAX_SYMLINK_DEPTH {
                    return Err(Errno::ELOOP);
                }
                let mut rest: Vec<u8> = if target.starts_with(b"/") {
                    target.clone()
                } else {
                    let mut base = vec![b'/'];
                    base.extend_from_slice(&names.join(&b'/'));
                    absolute(&base, target)
                };
                for remaining in &parts[index + 1..] {
                    rest.push(b'/');
                    rest.extend_from_slice(remaining);
                }
                return walk(&rest, follow_last, links_followed + 1);
            }
        }
        if !last && !node.is_directory() {
            return Err(Errno::ENOTDIR);
        }
        nodes.push(node);
        names.push(part.to_vec());
    }
    let node = nodes.pop().expect("at least the root");
    if path.ends_with(b"/") && !node.is_directory() {
        return Err(Errno::ENOTDIR);
    }
    Ok((node, names))
}

/// The contents of the executable at the absolute `path` (the archive's
/// bytes in place, or a copy of a file written since boot): a regular file
/// with an execute bit (`EACCES` otherwise, `EISDIR` for a directory).
pub fn read_program(path: &[u8]) -> Result<FileData, Errno> {
    let node = resolve(path, true)?;
    let Content::File(data) = &node.content else {
        return Err(if node.is_directory() { Errno::EISDIR } else { Errno::EACCES });
    };
    if node.metadata.lock().permissions & 0o111 == 0 {
        return Err(Errno::EACCES);
    }
    let program = match &*data.lock() {
        FileData::Archive(bytes) => FileData::Archive(bytes),
        FileData::Owned(bytes) => FileData::Owned(bytes.clone()),
    };
    Ok(program)
}
