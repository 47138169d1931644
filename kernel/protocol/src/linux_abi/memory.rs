//! `mmap`, `mprotect` and `madvise` constants.

/// Pages may be read.
pub const PROT_READ: u64 = 0x1;
/// Pages may be written.
pub const PROT_WRITE: u64 = 0x2;
/// Pages may be executed.
pub const PROT_EXEC: u64 = 0x4;
/// Every protection bit Linux defines for these calls (GROWSDOWN/UP aside).
pub const PROT_KNOWN: u64 = PROT_READ | PROT_WRITE | PROT_EXEC;

/// Share changes (no other process shares anonymous memory yet).
pub const MAP_SHARED: u64 = 0x01;
/// Changes are private.
pub const MAP_PRIVATE: u64 = 0x02;
/// Place the mapping exactly at the address.
pub const MAP_FIXED: u64 = 0x10;
/// Not backed by a file.
pub const MAP_ANONYMOUS: u64 = 0x20;
/// Stack-like (accepted, no effect here).
pub const MAP_GROWSDOWN: u64 = 0x0100;
/// Accepted, no effect.
pub const MAP_DENYWRITE: u64 = 0x0800;
/// Accepted, no effect.
pub const MAP_EXECUTABLE: u64 = 0x1000;
/// Accepted, no effect (no swap).
pub const MAP_NORESERVE: u64 = 0x4000;
/// Populate now (accepted; pages still arrive on first touch).
pub const MAP_POPULATE: u64 = 0x8000;
/// Accepted, no effect.
pub const MAP_STACK: u64 = 0x20000;
/// Like MAP_FIXED but fail with EEXIST instead of replacing.
pub const MAP_FIXED_NOREPLACE: u64 = 0x100000;
/// The sharing type bits.
pub const MAP_TYPE: u64 = 0x0f;

/// `madvise`: no further special treatment.
pub const MADV_NORMAL: u64 = 0;
/// `madvise`: expect random access.
pub const MADV_RANDOM: u64 = 1;
/// `madvise`: expect sequential access.
pub const MADV_SEQUENTIAL: u64 = 2;
/// `madvise`: will need these pages.
pub const MADV_WILLNEED: u64 = 3;
/// `madvise`: drop the pages; anonymous private memory reads back as zeros.
pub const MADV_DONTNEED: u64 = 4;
/// `madvise`: free lazily (treated like DONTNEED).
pub const MADV_FREE: u64 = 8;

/// The page size of the ABI.
pub const PAGE_SIZE: u64 = 4096;
