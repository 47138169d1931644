//! The Linux x86_64 system-call ABI the kernel implements: call numbers,
//! error numbers (returned negated in RAX), and the constants and struct
//! layouts of the calls. One home for the kernel, the ring-3 probes in
//! `arch`, and the host tools. Values are Linux's (`asm/unistd_64.h`,
//! `asm-generic/errno*.h`, `asm-generic/mman-common.h`, `elf.h`, ...).

/// Error numbers and the `Errno` type.
pub mod errno;
/// Memory calls: `mmap` protections and flags, `madvise` advice.
pub mod memory;
/// System-call numbers.
pub mod numbers;
/// Process start-up: auxiliary vector keys.
pub mod auxv;
/// Terminals: `struct termios`, its flags and control characters, the tty ioctls.
pub mod termios;
/// Sockets: `socketpair`, message flags, `struct msghdr`.
pub mod socket;
/// Everything else small: `arch_prctl` codes, clocks, `poll` events, ioctls.
pub mod misc;

pub use errno::{Errno, ENOSYS};
pub use numbers::*;
