//! Host-side build tool and QEMU runner for the kernel (matklad-style `cargo xtask`).
//!
//! The binary (`main.rs`) is a thin command dispatcher; everything reusable lives
//! here so the `qemu-tests` crate can boot the kernel through the same code path
//! as `cargo xtask run`.

/// Command-line parsing for `cargo xtask` (hand-rolled, no dependencies).
pub mod args;
/// `cargo xtask bench`: benchmark boots and their medians.
pub mod bench;
/// Debian's busybox-static: fetched, staged, added by `run --busybox`.
pub mod busybox;
/// uutils coreutils: the multicall binary for `/bin`, built and cached.
pub mod coreutils;
/// The user-space benchmark, ours and Linux's.
pub mod bench_user;
/// A Linux kernel to compare with (given, or Debian's fetched).
pub mod linux_kernel;
/// Builds the kernel and runs the host unit tests through cargo.
pub mod cargo;
/// Writes cpio "newc" archives (the initramfs format).
pub mod cpio_newc;
/// The isa-debug-exit protocol shared with the kernel, and xtask's exit codes.
pub mod exit_protocol;
/// The initramfs: standard layout, `--add`, packing, `--initrd` checks.
pub mod initramfs;
/// QEMU command lines, accelerator choice and the `run_qemu` runner.
pub mod qemu;
/// Fresh-machine set-up: the kernel's and the user programs' Rust targets, and QEMU itself.
pub mod setup;
/// `cargo xtask test`: the whole suite, in order, with a summary.
pub mod test_suite;
/// Builds the user programs (static musl executables) for the initramfs.
pub mod user_programs;
/// `cargo xtask trace`: boot the traced workload (or read a log) and export the trace.
pub mod trace;
/// The workspace root, for every other module.
pub mod workspace;

pub use exit_protocol::Outcome;
pub use qemu::{kvm_usable, run_qemu, Accel, ConsoleInput, Machine, QemuConfig, ResolvedAccel, RunResult};
