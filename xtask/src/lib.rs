//! Host-side build tool and QEMU runner for the kernel (matklad-style `cargo xtask`).
//!
//! The binary (`main.rs`) is a thin command dispatcher; everything reusable lives
//! here so the `qemu-tests` crate can boot the kernel through the same code path
//! as `cargo xtask run`.

/// Command-line parsing for `cargo xtask` (hand-rolled, no dependencies).
pub mod args;
/// `cargo xtask bench`: benchmark boots and their medians.
pub mod bench;
/// Builds the kernel and runs the host unit tests through cargo.
pub mod cargo;
/// The isa-debug-exit protocol shared with the kernel, and xtask's exit codes.
pub mod exit_protocol;
/// QEMU command lines, accelerator choice and the `run_qemu` runner.
pub mod qemu;
/// Fresh-machine set-up: the `x86_64-unknown-none` target and QEMU itself.
pub mod setup;
/// `cargo xtask test`: the whole suite, in order, with a summary.
pub mod test_suite;
/// `cargo xtask trace`: boot the traced workload (or read a log) and export the trace.
pub mod trace;

pub use exit_protocol::Outcome;
pub use qemu::{kvm_usable, run_qemu, Accel, Machine, QemuConfig, ResolvedAccel, RunResult};
