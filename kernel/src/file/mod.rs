//! Open files and the file-descriptor table. A file is anything with
//! `FileOps` (the console now; pipes and filesystem files as they arrive);
//! an `OpenFile` is one open of it (shared by `dup` and `fork`); the
//! `FdTable` maps a process's descriptors to open files.

mod console_file;
mod fd_table;

pub use console_file::ConsoleFile;
pub use fd_table::{FdTable, MAX_FDS};

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
    /// A terminal or other device (the console).
    CharacterDevice,
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
    /// Device-specific requests; none by default.
    fn ioctl(&self, _request: u64, _argument: u64) -> Result<u64, Errno> {
        Err(Errno::ENOTTY)
    }
}

/// One open of a file.
pub struct OpenFile {
    ops: Arc<dyn FileOps>,
}

impl OpenFile {
    /// Opens `ops`.
    pub fn new(ops: Arc<dyn FileOps>) -> Arc<OpenFile> {
        Arc::new(OpenFile { ops })
    }

    /// The file's operations.
    pub fn ops(&self) -> &dyn FileOps {
        &*self.ops
    }
}
