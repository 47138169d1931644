//! What the kernel and the host tools (`xtask`, the QEMU tests) must agree
//! on, written once: the CPU and command-line limits, the isa-debug-exit
//! codes and the serial lines tools read. `no_std` and dependency-free, so
//! the kernel, `xtask` and the tests all build it.
#![no_std]

#[cfg(test)]
extern crate std;

/// Kernel backtrace lines (`@@BT`): formatter and frame parser.
pub mod backtrace_line;
/// The isa-debug-exit protocol: how the kernel ends a QEMU run.
pub mod exit;
/// The Linux x86_64 system-call numbers and error numbers.
pub mod linux_abi;
/// Serial lines that tools read: markers, and the formats they parse.
pub mod serial;
/// The flight recorder's event record (one ring slot), shared by the kernel and the exporters.
pub mod trace_event;
/// The flight recorder's checksummed dump lines: formatter and strict parser.
pub mod trace_line;

pub use exit::{qemu_status_for, GuestExit, ISA_DEBUG_EXIT_IOSIZE, ISA_DEBUG_EXIT_PORT};
pub use serial::SmpOnline;

/// Most CPUs the kernel drives. xAPIC ids run 0..=254 (0xFF is the broadcast
/// destination, which the xAPIC cannot address as one CPU), and QEMU's `pc`
/// machine takes up to 255 CPUs. Per-CPU memory is allocated for the CPUs
/// that exist, not for this many.
pub const MAX_CPUS: u32 = 255;

/// Longest kernel command line the kernel reads whole, in bytes. The kernel
/// keeps 4096 bytes: the line plus its NUL. It is also below the length at
/// which QEMU 7.2's PVH loader starts to overlap the command line with
/// `hvm_start_info` (4128 bytes measured; TEAM_NOTES/command-line-limits.md).
pub const KERNEL_COMMAND_LINE_MAX_BYTES: usize = 4095;
