//! Open files and the file-descriptor table. A file is anything with
//! `FileOps` (the console now; pipes and filesystem files as they arrive);
//! an `OpenFile` is one open of it (shared by `dup` and `fork`); the
//! `FdTable` maps a process's descriptors to open files.

mod devices;
mod fd_table;
mod open;
mod pipe;
mod socket_pair;
mod vfs_file;

pub use fd_table::{FdTable, MAX_FDS};
pub use open::{open_path, register_terminal, register_tracing, O_CLOEXEC};
pub use pipe::new_pipe;
pub use socket_pair::{new_socket_pair, ReceiveOptions, SocketEnd, SocketType, SOCKET_BUFFER_BYTES};
pub use vfs_file::VfsFile;

use alloc::sync::Arc;
use protocol::linux_abi::Errno;

/// What `poll` reports of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Readiness {
    pub readable: bool,
    pub writable: bool,
    pub hung_up: bool,
}

/// The kind of file, for `fstat`'s `st_mode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// A terminal or other device (the console, `/dev/null`).
    CharacterDevice,
    /// A regular file.
    Regular,
    /// A directory.
    Directory,
    /// A pipe.
    Fifo,
    /// A socket.
    Socket,
}

/// What a file does. Buffers are kernel memory: the system-call layer
/// copies in and out of user memory around these calls.
pub trait FileOps: Send + Sync {
    /// Reads into `buffer`; may block; 0 means end of file.
    fn read(&self, buffer: &mut [u8]) -> Result<usize, Errno>;
    /// Writes `bytes`; returns how many were taken.
    fn write(&self, bytes: &[u8]) -> Result<usize, Errno>;
    /// Whether a read or write would proceed without blocking.
    fn readiness(&self) -> Readiness;
    /// The kind of file.
    fn kind(&self) -> FileKind;
    /// Moves the position (`lseek`); pipes and terminals cannot.
    fn seek(&self, _offset: i64, _whence: u64) -> Result<u64, Errno> {
        Err(Errno::ESPIPE)
    }
    /// Reads at `offset` without moving the position (`pread64`).
    fn read_at(&self, _offset: u64, _buffer: &mut [u8]) -> Result<usize, Errno> {
        Err(Errno::ESPIPE)
    }
    /// Writes at `offset` without moving the position (`pwrite64`).
    fn write_at(&self, _offset: u64, _bytes: &[u8]) -> Result<usize, Errno> {
        Err(Errno::ESPIPE)
    }
    /// Sets the size (`ftruncate`).
    fn truncate(&self, _length: u64) -> Result<(), Errno> {
        Err(Errno::EINVAL)
    }
    /// The filesystem node behind the file, if any (`fstat`, `getdents64`).
    fn inode(&self) -> Option<Arc<crate::vfs::Inode>> {
        None
    }
    /// The canonical path it was opened as, if any (`fchdir`, `*at`).
    fn path(&self) -> Option<alloc::vec::Vec<u8>> {
        None
    }
    /// A directory's read position (`getdents64`).
    fn directory_position(&self) -> Option<&crate::sync::SpinLock<u64>> {
        None
    }
    /// The socket behind the file, if it is one (`sendto`, `recvmsg`, ...).
    fn socket(&self) -> Option<&SocketEnd> {
        None
    }
    /// Device-specific requests; none by default.
    fn ioctl(&self, _request: u64, _argument: u64) -> Result<u64, Errno> {
        Err(Errno::ENOTTY)
    }
}

/// One open of a file (what `dup` and `fork` share).
pub struct OpenFile {
    ops: Arc<dyn FileOps>,
    /// `O_NONBLOCK`: reads and writes that would wait fail with `EAGAIN`.
    nonblocking: core::sync::atomic::AtomicBool,
}

impl OpenFile {
    /// Opens `ops`.
    pub fn new(ops: Arc<dyn FileOps>) -> Arc<OpenFile> {
        Arc::new(OpenFile { ops, nonblocking: core::sync::atomic::AtomicBool::new(false) })
    }

    /// The file's operations.
    pub fn ops(&self) -> &dyn FileOps {
        &*self.ops
    }

    /// Whether `O_NONBLOCK` is set.
    pub fn is_nonblocking(&self) -> bool {
        self.nonblocking.load(core::sync::atomic::Ordering::Relaxed)
    }

    /// Sets or clears `O_NONBLOCK`.
    pub fn set_nonblocking(&self, nonblocking: bool) {
        self.nonblocking.store(nonblocking, core::sync::atomic::Ordering::Relaxed);
    }
}
