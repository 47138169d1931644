//! The nodes of the in-memory filesystem: directories (name -> node),
//! regular files, symbolic links and character devices, with their
//! metadata. A regular file unpacked from the initramfs keeps pointing at
//! the archive's bytes until its first write copies them (the archive's
//! frames are reserved for good).

use crate::sync::SpinLock;
use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};
use protocol::linux_abi::Errno;

/// Character devices a node can stand for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceKind {
    /// `/dev/console`.
    Console,
    /// `/dev/tty`: the opener's controlling terminal.
    Tty,
    /// `/dev/ttyS0`: the serial line.
    Serial,
    Null,
    Zero,
    Random,
    /// A control file of `/sys/kernel/tracing` (`tracefs`).
    Tracing(TracingFile),
}

/// The files of `/sys/kernel/tracing` (Linux's tracefs names; see `tracefs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TracingFile {
    /// `tracing_on`: `1` records, `0` stops.
    TracingOn,
    /// `set_event`: the event classes recorded while on.
    SetEvent,
    /// `tracing_cpumask`: the CPUs that record, as a hex mask.
    TracingCpumask,
    /// `buffer_size_kb`: each CPU's ring, in KiB (writable while stopped).
    BufferSizeKb,
    /// `trace_marker`: a write becomes a marker event.
    TraceMarker,
    /// `trace`: reads the dump lines; opening with `O_TRUNC` clears the trace.
    Trace,
    /// `dump` (ours): a write dumps the trace to the trace port.
    Dump,
}

impl TracingFile {
    /// Every file with its name and permission bits.
    pub const ALL: [(TracingFile, &'static [u8], u32); 7] = [
        (TracingFile::TracingOn, b"tracing_on", 0o644),
        (TracingFile::SetEvent, b"set_event", 0o644),
        (TracingFile::TracingCpumask, b"tracing_cpumask", 0o644),
        (TracingFile::BufferSizeKb, b"buffer_size_kb", 0o644),
        (TracingFile::TraceMarker, b"trace_marker", 0o222),
        (TracingFile::Trace, b"trace", 0o644),
        (TracingFile::Dump, b"dump", 0o200),
    ];
}

impl DeviceKind {
    /// Linux's major:minor for `st_rdev`.
    pub const fn number(self) -> u64 {
        match self {
            DeviceKind::Console => (5 << 8) | 1,
            DeviceKind::Tty => 5 << 8,
            DeviceKind::Serial => (4 << 8) | 64,
            DeviceKind::Null => (1 << 8) | 3,
            DeviceKind::Zero => (1 << 8) | 5,
            DeviceKind::Random => (1 << 8) | 9,
            // Not devices on Linux (tracefs files): no device number.
            DeviceKind::Tracing(_) => 0,
        }
    }
}

/// A regular file's bytes: still the archive's, or its own.
pub enum FileData {
    Archive(&'static [u8]),
    Owned(Vec<u8>),
}

impl FileData {
    pub fn bytes(&self) -> &[u8] {
        match self {
            FileData::Archive(bytes) => bytes,
            FileData::Owned(bytes) => bytes,
        }
    }

    /// The bytes, made the file's own (copied from the archive once).
    pub fn owned(&mut self) -> &mut Vec<u8> {
        if let FileData::Archive(bytes) = self {
            *self = FileData::Owned(bytes.to_vec());
        }
        match self {
            FileData::Owned(bytes) => bytes,
            FileData::Archive(_) => unreachable!("just made owned"),
        }
    }
}

/// A directory whose entries are made when asked for (`/proc`): each
/// lookup returns a fresh node holding a snapshot.
pub trait DynamicDirectory: Send + Sync {
    /// The entry `name`, made now.
    fn lookup(&self, name: &[u8]) -> Option<Arc<Inode>>;
    /// The names of the entries now.
    fn names(&self) -> Vec<Vec<u8>>;
}

/// What a node is.
pub enum Content {
    Directory(SpinLock<BTreeMap<Vec<u8>, Arc<Inode>>>),
    /// A directory made on demand (read-only).
    Dynamic(Arc<dyn DynamicDirectory>),
    File(SpinLock<FileData>),
    Symlink(Vec<u8>),
    Device(DeviceKind),
}

/// A directory entry: its name and node.
pub type DirectoryEntry = (Vec<u8>, Arc<Inode>);

/// Permission bits, owner and times.
#[derive(Clone, Copy, Debug)]
pub struct Metadata {
    /// Permission bits (the type comes from `Content`).
    pub permissions: u32,
    pub uid: u32,
    pub gid: u32,
    /// Modification and status-change times, nanoseconds since 1970.
    pub modified_nanos: u64,
    pub changed_nanos: u64,
    pub accessed_nanos: u64,
}

/// A node.
pub struct Inode {
    pub id: u64,
    pub content: Content,
    pub metadata: SpinLock<Metadata>,
    /// Hard links to it (directories: 2 plus subdirectories).
    pub links: AtomicU64,
}

static NEXT_INODE: AtomicU64 = AtomicU64::new(1);

/// `st_mode` type bits.
pub const S_IFDIR: u32 = 0o040000;
pub const S_IFREG: u32 = 0o100000;
pub const S_IFLNK: u32 = 0o120000;
pub const S_IFCHR: u32 = 0o020000;

fn now() -> u64 {
    crate::clock::realtime_nanos()
}

impl Inode {
    fn new(content: Content, permissions: u32) -> Arc<Inode> {
        let time = now();
        let links = if matches!(content, Content::Directory(_)) { 2 } else { 1 };
        Arc::new(Inode {
            id: NEXT_INODE.fetch_add(1, Ordering::Relaxed),
            content,
            metadata: SpinLock::new(Metadata { permissions: permissions & 0o7777, uid: 0, gid: 0, modified_nanos: time, changed_nanos: time, accessed_nanos: time }),
            links: AtomicU64::new(links),
        })
    }

    pub fn new_directory(permissions: u32) -> Arc<Inode> {
        Inode::new(Content::Directory(SpinLock::new(BTreeMap::new())), permissions)
    }

    pub fn new_file(data: FileData, permissions: u32) -> Arc<Inode> {
        Inode::new(Content::File(SpinLock::new(data)), permissions)
    }

    pub fn new_symlink(target: Vec<u8>) -> Arc<Inode> {
        Inode::new(Content::Symlink(target), 0o777)
    }

    pub fn new_device(kind: DeviceKind, permissions: u32) -> Arc<Inode> {
        Inode::new(Content::Device(kind), permissions)
    }

    pub fn new_dynamic(directory: Arc<dyn DynamicDirectory>) -> Arc<Inode> {
        Inode::new(Content::Dynamic(directory), 0o555)
    }

    pub fn is_directory(&self) -> bool {
        matches!(self.content, Content::Directory(_) | Content::Dynamic(_))
    }

    /// `st_mode`: type and permissions.
    pub fn mode(&self) -> u32 {
        let kind = match self.content {
            Content::Directory(_) | Content::Dynamic(_) => S_IFDIR,
            Content::File(_) => S_IFREG,
            Content::Symlink(_) => S_IFLNK,
            Content::Device(_) => S_IFCHR,
        };
        kind | self.metadata.lock().permissions
    }

    /// Bytes of content (directories and devices: 0; links: the target).
    pub fn size(&self) -> u64 {
        match &self.content {
            Content::File(data) => data.lock().bytes().len() as u64,
            Content::Symlink(target) => target.len() as u64,
            _ => 0,
        }
    }

    /// The entry `name` of this directory.
    pub fn lookup(&self, name: &[u8]) -> Result<Arc<Inode>, Errno> {
        match &self.content {
            Content::Directory(entries) => entries.lock().get(name).cloned().ok_or(Errno::ENOENT),
            Content::Dynamic(directory) => directory.lookup(name).ok_or(Errno::ENOENT),
            _ => Err(Errno::ENOTDIR),
        }
    }

    /// Adds `node` as `name` (`EEXIST` if taken).
    pub fn insert(&self, name: &[u8], node: Arc<Inode>) -> Result<(), Errno> {
        let entries = match &self.content {
            Content::Directory(entries) => entries,
            Content::Dynamic(_) => return Err(Errno::EPERM),
            _ => return Err(Errno::ENOTDIR),
        };
        let mut entries = entries.lock();
        if entries.contains_key(name) {
            return Err(Errno::EEXIST);
        }
        if node.is_directory() {
            self.links.fetch_add(1, Ordering::Relaxed);
        }
        entries.insert(name.to_vec(), node);
        drop(entries);
        self.touch();
        Ok(())
    }

    /// Removes the entry `name`; returns the node.
    pub fn remove(&self, name: &[u8]) -> Result<Arc<Inode>, Errno> {
        let entries = match &self.content {
            Content::Directory(entries) => entries,
            Content::Dynamic(_) => return Err(Errno::EPERM),
            _ => return Err(Errno::ENOTDIR),
        };
        let node = entries.lock().remove(name).ok_or(Errno::ENOENT)?;
        if node.is_directory() {
            self.links.fetch_sub(1, Ordering::Relaxed);
        }
        node.links.fetch_sub(1, Ordering::Relaxed);
        self.touch();
        Ok(node)
    }

    /// The directory's entries (name, node), in name order.
    pub fn entries(&self) -> Result<Vec<DirectoryEntry>, Errno> {
        match &self.content {
            Content::Directory(entries) => Ok(entries.lock().iter().map(|(name, node)| (name.clone(), node.clone())).collect()),
            Content::Dynamic(directory) => Ok(directory
                .names()
                .into_iter()
                .filter_map(|name| directory.lookup(&name).map(|node| (name, node)))
                .collect()),
            _ => Err(Errno::ENOTDIR),
        }
    }

    /// Whether the directory has no entries.
    pub fn is_empty_directory(&self) -> bool {
        matches!(&self.content, Content::Directory(entries) if entries.lock().is_empty())
    }

    /// Marks a modification now.
    pub fn touch(&self) {
        let time = now();
        let mut metadata = self.metadata.lock();
        metadata.modified_nanos = time;
        metadata.changed_nanos = time;
    }
}
